"""Errors raised by services, and their RFC 9457 rendering for the API."""

from __future__ import annotations

from django.http import JsonResponse


class ServiceError(Exception):
    """A request the service refuses: bad input or a rule. Carries a Chinese message for the user."""

    status = 400

    def __init__(self, message: str, *, field: str | None = None, errors: dict | None = None, status=None):
        super().__init__(message)
        self.message = message
        self.field = field
        self.errors = errors or ({field: [message]} if field else {})
        if status:
            self.status = status


class NotFound(ServiceError):
    """Missing and out-of-scope look the same (a 404), so ids can't be probed."""

    status = 404

    def __init__(self, message: str = "对象不存在或无权访问"):
        super().__init__(message)


class PermissionDenied(ServiceError):
    status = 403

    def __init__(self, message: str = "没有执行此操作的权限"):
        super().__init__(message)


class Conflict(ServiceError):
    status = 409


def problem_response(status: int, title: str, detail: str = "", errors: dict | None = None, **extra):
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail or title}
    if errors:
        body["errors"] = errors
    body.update(extra)
    return JsonResponse(
        body,
        status=status,
        content_type="application/problem+json",
        json_dumps_params={"ensure_ascii": False},
    )
