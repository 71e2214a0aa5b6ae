"""Error pages: Chinese, phone-friendly, with a way back; RFC 9457 JSON under /api/ and /open311/.

The pages are rendered without the request context (no context processors, no database query, no
static-file manifest: the layout carries its own small stylesheet), so the 500 and 503 pages still
render when the database or the disk is what failed.
"""

from __future__ import annotations

import logging
import sys
from urllib.parse import urlsplit

from django.http import HttpResponse
from django.template import loader

from .errors import problem_response
from .faults import classify, log_fault

logger = logging.getLogger("grassroots.errors")

API_PREFIXES = ("/api/", "/open311/")

MESSAGES = {
    400: ("请求无效", "请求内容有误，服务器无法处理。请返回上一页检查后重试。"),
    403: ("没有访问权限", "您没有访问此页面或执行此操作的权限。如需开通，请联系本单位管理员。"),
    404: ("页面不存在", "您访问的页面不存在，或不在您的管理范围内。请检查地址，或从首页重新进入。"),
    500: ("服务器内部错误", "服务器处理请求时出错，错误已记录。请稍后重试；如反复出现，请联系管理员。"),
    503: ("服务暂时不可用", "服务器繁忙，请稍后重试。"),
}
CSRF_MESSAGE = (
    "页面已过期或安全校验未通过，本次提交没有生效。请返回上一页，刷新后重新提交；"
    "如果浏览器禁用了 Cookie，请先启用。"
)


def is_api(request) -> bool:
    return request.path.startswith(API_PREFIXES)


def _back_url(request) -> str:
    """The previous page when it is on this site (the Referer), so the link never leads elsewhere."""
    referer = request.META.get("HTTP_REFERER", "")
    if not referer:
        return ""
    parts = urlsplit(referer)
    if parts.netloc and parts.netloc != request.get_host():
        return ""
    path = parts.path or "/"
    if not path.startswith("/") or path.startswith("//") or path == request.path:
        return ""
    return path + (f"?{parts.query}" if parts.query else "")


def error_response(request, status: int, title: str = "", detail: str = "", headers: dict | None = None):
    """The error for `request` as a Chinese page, or problem+json on API paths."""
    default_title, default_detail = MESSAGES.get(status, MESSAGES[500])
    title = title or default_title
    detail = detail or default_detail
    if is_api(request):
        response = problem_response(status, title, detail)
    else:
        try:
            back = _back_url(request)
        except Exception:  # a bad Host header must not break the error page itself
            back = ""
        html = loader.get_template("errors/page.html").render(
            {"status": status, "title": title, "detail": detail, "back_url": back}
        )
        response = HttpResponse(html, status=status, content_type="text/html; charset=utf-8")
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def bad_request(request, exception=None):
    return error_response(request, 400)


def permission_denied(request, exception=None):
    return error_response(request, 403)


def page_not_found(request, exception=None):
    return error_response(request, 404)


def server_error(request):
    # Called while the uncaught exception is being handled: a full/read-only disk or a busy database
    # is a 503 with its own message (and Retry-After), not a bare 500.
    fault = classify(sys.exc_info()[1])
    if fault is not None:
        log_fault(fault, f"{request.method} {request.path}")
        return error_response(request, fault.status, fault.title, fault.detail, fault.headers)
    return error_response(request, 500)


def csrf_failure(request, reason=""):
    logger.warning("CSRF check failed for %s: %s", request.path, reason)
    return error_response(request, 403, "安全校验未通过", CSRF_MESSAGE)
