"""Personal data on screen: masked by default, unmasked one field at a time with a purpose.

Lists, pages, API responses and exports all read personal fields through `masked_value` or
`export_value`; the unmask view is the only path to a plaintext on screen, and it is audited.
"""

from __future__ import annotations

from . import audit
from .errors import NotFound, PermissionDenied, ServiceError
from .masking import mask
from .models import AuditAction
from .scoping import covers


def masked_value(obj, field: str) -> str:
    kind = obj.personal_fields[field]
    return mask(kind, getattr(obj, field) or "")


def can_unmask(user, obj) -> bool:
    return covers(user, obj, "personal.view")


def can_export_personal(user, obj) -> bool:
    return covers(user, obj, "personal.export")


def unmask(user, obj, field: str, purpose: str) -> str:
    """Return one plaintext field and record who saw it and why (PIPL art. 51; ASVS 8.3.5)."""
    if field not in getattr(obj, "personal_fields", {}):
        raise NotFound()
    if not covers(user, obj, "view"):
        raise NotFound()
    if not can_unmask(user, obj):
        raise PermissionDenied("您没有查看该个人信息明文的权限")
    purpose = (purpose or "").strip()
    if len(purpose) < 2:
        raise ServiceError("请填写查看用途（至少 2 个字）", field="purpose")
    audit.record(AuditAction.UNMASK, obj, user=user, purpose=purpose, changes={"field": [None, field]})
    value = getattr(obj, field)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value) if value else ""
