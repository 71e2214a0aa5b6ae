"""Writing the audit log. Services call these inside their transaction, so a rolled-back change
leaves no audit record and a committed one always has exactly one."""

from __future__ import annotations

import datetime
import decimal
from typing import Any

from django.db import models

from . import context
from .masking import mask
from .models import AuditAction, AuditEvent
from .scoping import object_paths

SKIP_FIELDS = {"path", "depth", "numchild", "name_initials", "id_number_hash", "phone_hash"}


def _plain(value: Any) -> Any:
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, dict | list | str | int | float | bool) or value is None:
        return value
    return str(value)


def snapshot(obj: models.Model) -> dict[str, Any]:
    """Field values as they would be logged: personal fields masked, so the log never holds them."""
    personal = getattr(obj, "personal_fields", {})
    data = {}
    for f in obj._meta.concrete_fields:
        if f.name in SKIP_FIELDS or f.primary_key:
            continue
        value = getattr(obj, f.attname)
        if f.name in personal:
            value = mask(personal[f.name], value or "")
        data[f.name] = _plain(value)
    return data


def diff(before: dict, after: dict) -> dict[str, list]:
    keys = set(before) | set(after)
    return {k: [before.get(k), after.get(k)] for k in sorted(keys) if before.get(k) != after.get(k)}


def record(
    action: str,
    obj: models.Model | None = None,
    *,
    user=None,
    changes: dict | None = None,
    purpose: str = "",
    model_label: str = "",
    object_repr: str = "",
    success: bool = True,
    region_path: str | None = None,
    org_path: str | None = None,
) -> AuditEvent:
    """Write one audit record. The record is scoped by the object's region/org paths; objects that
    hang off no tree (a user account) can pass the paths under which they are managed."""
    ctx = context.current()
    rp = op = None
    if obj is not None:
        rp, op = object_paths(obj)
    region_path = (rp if region_path is None else region_path) or ""
    org_path = (op if org_path is None else org_path) or ""
    return AuditEvent.objects.create(
        actor_id=getattr(user, "pk", None),
        actor_name=(getattr(user, "username", "") or "")[:150] if user else "系统",
        request_id=ctx.request_id,
        ip=ctx.ip,
        source=ctx.source,
        action=action,
        model=model_label or (obj._meta.label_lower if obj is not None else ""),
        object_id=str(obj.pk) if obj is not None and obj.pk is not None else "",
        object_repr=(object_repr or (str(obj) if obj is not None else ""))[:200],
        region_path=region_path,
        org_path=org_path,
        changes=changes or {},
        purpose=purpose[:200],
        success=success,
    )


def record_create(user, obj) -> AuditEvent:
    return record(AuditAction.CREATE, obj, user=user, changes=diff({}, snapshot(obj)))


def record_update(user, obj, before: dict) -> AuditEvent | None:
    changes = diff(before, snapshot(obj))
    if not changes:
        return None
    return record(AuditAction.UPDATE, obj, user=user, changes=changes)


def record_delete(user, obj) -> AuditEvent:
    return record(AuditAction.DELETE, obj, user=user, changes=diff(snapshot(obj), {}))


def record_transition(user, obj, from_state: str, to_state: str, **extra) -> AuditEvent:
    changes = {"state": [from_state, to_state], **{k: [None, _plain(v)] for k, v in extra.items()}}
    return record(AuditAction.TRANSITION, obj, user=user, changes=changes)
