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


class SessionTimeoutMiddleware:
    """Idle logout (SESSION_IDLE_SECONDS). The absolute limit is SESSION_COOKIE_AGE, never extended."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and hasattr(request, "session"):
            now = int(time.time())
            last = request.session.get("last_seen", now)
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
    """Content Security Policy and related headers: all assets are local, so 'self' is enough."""

    CSP = (
        "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; "
        "script-src 'self' 'unsafe-eval'; connect-src 'self'; font-src 'self' data:; "
        "frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
    )

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not request.path.startswith("/api/v1/docs"):
            response.setdefault("Content-Security-Policy", self.CSP)
        response.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(self)")
        response.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        return response
