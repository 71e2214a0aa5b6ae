from __future__ import annotations

import time

from django.conf import settings
from django.contrib.auth import logout
from django.shortcuts import redirect

from . import context


def client_ip(request) -> str:
    # Behind the reverse proxy the first X-Forwarded-For hop is the client; only trusted when configured.
    if getattr(settings, "USE_X_FORWARDED_FOR", False):
        fwd = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if fwd:
            return fwd.split(",")[0].strip()
    return request.META.get("REMOTE_ADDR", "")


class RequestContextMiddleware:
    """Gives each request an id (echoed in X-Request-ID) that every audit record of the request carries."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        rid = context.new_request_id()
        request.request_id = rid
        ctx = context.RequestContext(request_id=rid, ip=client_ip(request), source="web")
        with context.use_context(ctx):
            response = self.get_response(request)
        response["X-Request-ID"] = rid
        return response


class RejectNulBytesMiddleware:
    """Refuse NUL characters in query strings and text bodies with a 400.

    PostgreSQL text can't hold NUL, so one would otherwise surface as a 500 from deep inside a
    query; SQLite would store it. Forms already refuse it; this covers the API and query filters.
    File uploads (multipart) are left to their own checks.
    """

    TEXT_TYPES = ("application/json", "application/x-www-form-urlencoded", "text/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if self._has_nul(request):
            if request.path.startswith("/api/") or request.path.startswith("/open311/"):
                from .errors import problem_response

                return problem_response(
                    400, "请求中含有非法字符", "请求参数或内容中不能包含空字符（\\u0000）。"
                )
            from django.http import HttpResponseBadRequest

            return HttpResponseBadRequest(
                "请求中含有非法字符（空字符）。".encode(), content_type="text/plain; charset=utf-8"
            )
        return self.get_response(request)

    def _has_nul(self, request) -> bool:
        query = request.META.get("QUERY_STRING", "")
        if "%00" in query or "\x00" in query:
            return True
        if request.method in ("POST", "PUT", "PATCH") and request.content_type.startswith(self.TEXT_TYPES):
            body = request.body
            if b"\x00" in body:
                return True
            if request.content_type == "application/x-www-form-urlencoded":
                return b"%00" in body
            return request.content_type == "application/json" and b"\\u0000" in body
        return False


class SessionTimeoutMiddleware:
    """Idle logout (SESSION_IDLE_SECONDS) and an absolute limit from login (SESSION_ABSOLUTE_SECONDS),
    which activity never extends: the login time is stored in the session at login (accounts.signals)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and hasattr(request, "session"):
            now = int(time.time())
            last = request.session.get("last_seen", now)
            # A session from before login times were stored starts its clock now, once.
            login_at = request.session.setdefault("login_at", now)
            absolute = getattr(settings, "SESSION_ABSOLUTE_SECONDS", settings.SESSION_COOKIE_AGE)
            if now - login_at > absolute:
                logout(request)
                if request.path.startswith("/api/"):
                    from .errors import problem_response

                    return problem_response(
                        401, "登录已过期", f"登录已超过 {absolute // 3600} 小时，请重新登录。"
                    )
                return redirect(f"{settings.LOGIN_URL}?next={request.path}&expired=1")
            if now - last > settings.SESSION_IDLE_SECONDS:
                logout(request)
                if request.path.startswith("/api/"):
                    from .errors import problem_response

                    return problem_response(401, "登录已超时", "长时间未操作，请重新登录。")
                return redirect(f"{settings.LOGIN_URL}?next={request.path}&timeout=1")
            # Write at most once a minute so that every page view does not rewrite the session.
            if now - last >= 60 or "last_seen" not in request.session:
                request.session["last_seen"] = now
        return self.get_response(request)


class SecurityHeadersMiddleware:
    """Content Security Policy and related headers: all assets are local, so 'self' is enough.

    No 'unsafe-eval': ECharts 5 renders without eval, htmx runs with allowEval off (assets/js/00-core.js)
    and no page uses Alpine expressions; tests/grids/test_browser_csp.py renders the charts under it."""

    CSP = (
        "default-src 'self'; img-src 'self' data: blob:%s; style-src 'self' 'unsafe-inline'; "
        "script-src 'self'; connect-src 'self'; font-src 'self' data:; "
        "frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
    )

    def __init__(self, get_response):
        self.get_response = get_response

    @staticmethod
    def policy() -> str:
        """img-src adds the configured base-map tile origins (grids.basemap), and nothing else."""
        from . import hooks

        origins = [o for provided in hooks.hooks("csp_img_origins") for o in provided()]
        return SecurityHeadersMiddleware.CSP % "".join(" " + o for o in origins)

    def __call__(self, request):
        response = self.get_response(request)
        if not request.path.startswith("/api/v1/docs"):
            response.setdefault("Content-Security-Policy", self.policy())
        response.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(self)")
        response.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        return response
