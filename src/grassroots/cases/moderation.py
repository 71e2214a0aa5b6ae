"""Moderation of a case's public text: what the public map, Open311 without a key and the tracking
page show of it (the staff keep the original description)."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F

from grassroots.core import audit
from grassroots.core.errors import NotFound, PermissionDenied, ServiceError

from .models import Case
from .services import case_covers


def can_moderate(user, case: Case) -> bool:
    """Those who dispatch and supervise cases over the case's region moderate what the public reads."""
    return case_covers(user, case, "dispatch")


def moderate_public_text(
    user, case: Case, *, public_description: str = "", public_hidden: bool = False
) -> Case:
    """Replace the public text of a case or hide it from public reads (Open311 without a key, the
    tracking page), as FixMyStreet's moderation does. The original description is kept for staff; the
    public text is still redacted on read. Audited with the before/after values."""
    if not case_covers(user, case, "view"):
        raise NotFound("工单不存在或无权访问")
    if not can_moderate(user, case):
        raise PermissionDenied("没有管理该工单公开内容的权限")
    text = (public_description or "").strip()
    if len(text) > 2000:
        raise ServiceError("公开描述不能超过 2000 字", field="public_description")
    hidden = bool(public_hidden)
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        before = {"public_description": locked.public_description, "public_hidden": locked.public_hidden}
        if before == {"public_description": text, "public_hidden": hidden}:
            return locked
        Case.objects.filter(pk=case.pk).update(
            public_description=text, public_hidden=hidden, version=F("version") + 1
        )
        case.public_description, case.public_hidden = text, hidden
        from grassroots.core.models import AuditAction

        audit.record(
            AuditAction.UPDATE,
            case,
            user=user,
            changes={
                k: [before[k], v]
                for k, v in (("public_description", text), ("public_hidden", hidden))
                if before[k] != v
            },
            purpose="公开内容审核",
        )
    return case
