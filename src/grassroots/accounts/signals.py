"""Audit of sign-in events: login, failed login (without the password) and logout."""

from __future__ import annotations

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from grassroots.core import audit
from grassroots.core.models import AuditAction


def _paths(user) -> dict:
    # Scoped like the account itself, so the auditors over that region see the sign-ins.
    from .services import _user_paths

    return _user_paths(user) if getattr(user, "pk", None) else {}


@receiver(user_logged_in, dispatch_uid="grassroots_audit_login")
def _logged_in(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        # The absolute session limit counts from here (core.middleware.SessionTimeoutMiddleware).
        import time

        request.session["login_at"] = int(time.time())
    audit.record(AuditAction.LOGIN, user, user=user, object_repr=f"{user.username} 登录", **_paths(user))


@receiver(user_logged_out, dispatch_uid="grassroots_audit_logout")
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        audit.record(AuditAction.LOGOUT, user, user=user, object_repr=f"{user.username} 退出", **_paths(user))


@receiver(user_login_failed, dispatch_uid="grassroots_audit_login_failed")
def _login_failed(sender, credentials, request=None, **kwargs):
    from .models import User

    username = str((credentials or {}).get("username", ""))[:100]
    known = User.objects.filter(username=username).first() if username else None
    audit.record(
        AuditAction.LOGIN_FAILED,
        None,
        model_label="accounts.user",
        object_repr=f"{username} 登录失败",
        changes={"username": [None, username]},
        success=False,
        **_paths(known),
    )
