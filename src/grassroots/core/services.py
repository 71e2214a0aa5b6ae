"""Generic scoped writes shared by the apps' services.

Every change: check the permission in scope, validate, save in one transaction, re-check that the
object is still inside the user's scope (no one can move a record out of their own subtree), and
write exactly one audit record. Apps wrap these in verb-named services with their own rules.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone

from . import audit
from .errors import Conflict, NotFound, PermissionDenied, ServiceError
from .scoping import covers, has_perm, perm_code

M = TypeVar("M", bound=models.Model)


def validation_message(exc: ValidationError) -> tuple[str, dict]:
    if hasattr(exc, "message_dict"):
        errors = {k: [str(m) for m in v] for k, v in exc.message_dict.items()}
        first = next(iter(errors.values()))[0] if errors else "数据不正确"
        return first, errors
    return "；".join(str(m) for m in exc.messages), {}


def full_clean(obj: models.Model, exclude=None) -> None:
    try:
        obj.full_clean(exclude=exclude, validate_constraints=True)
    except ValidationError as exc:
        message, errors = validation_message(exc)
        raise ServiceError(message, errors=errors) from exc


def require_in_scope(user, obj, action: str = "change") -> None:
    """404 when the object is outside the user's scope, 403 when visible but the action is not allowed."""
    if covers(user, obj, action):
        return
    if covers(user, obj, "view"):
        raise PermissionDenied()
    raise NotFound()


def _check_still_in_scope(user, obj, action: str) -> None:
    # Re-read the relations the scope follows: the saved object may point at a new parent.
    fresh = type(obj)._default_manager.filter(pk=obj.pk)
    fresh = fresh.visible_to(user, action) if hasattr(fresh, "visible_to") else fresh
    if not fresh.exists():
        raise PermissionDenied("保存后该记录将超出您的管辖范围，操作已撤销")


def create_object(user, obj: M, *, action: str = "change", before_save: Callable | None = None) -> M:
    if not has_perm(user, perm_code(type(obj), action)):
        raise PermissionDenied()
    full_clean(obj)
    with transaction.atomic():
        if before_save:
            before_save(obj)
        obj.save()
        _check_still_in_scope(user, obj, action)
        audit.record_create(user, obj)
    return obj


def update_object(user, obj: M, changes: dict, *, action: str = "change") -> M:
    require_in_scope(user, obj, action)
    before = audit.snapshot(obj)
    for field, value in changes.items():
        setattr(obj, field, value)
    full_clean(obj)
    with transaction.atomic():
        obj.save()
        _check_still_in_scope(user, obj, action)
        audit.record_update(user, obj, before)
    return obj


def delete_object(user, obj: models.Model, *, action: str = "change") -> None:
    require_in_scope(user, obj, action)
    with transaction.atomic():
        audit.record_delete(user, obj)
        try:
            obj.delete()
        except models.ProtectedError as exc:
            # A conflict with the records that keep it (cases, sweeps, 战时档案...), not bad input: 409.
            raise Conflict("该记录仍被其他数据引用，不能删除") from exc


# --------------------------------------------------------------------------- shared service steps
def clean_text(value, label: str, max_length: int, *, required: bool = True, field: str = "") -> str:
    """A free-text input stripped: 请填写… when required and blank, …不能超过 N 个字 when too long."""
    value = (value or "").strip()
    if required and not value:
        raise ServiceError(f"请填写{label}", field=field or label)
    if len(value) > max_length:
        raise ServiceError(f"{label}不能超过 {max_length} 个字", field=field or label)
    return value


def require_managed(user, obj, message: str, action: str = "manage") -> None:
    """404 when the object is outside the user's view, 403 (with `message`) when seen but not managed."""
    if not covers(user, obj, "view"):
        raise NotFound()
    if not covers(user, obj, action):
        raise PermissionDenied(message)


def require_action(obj, action: str, transitions: dict, labels: dict, *, subject: str = "") -> str | None:
    """The state `action` leads to from the object's state; 409 “<subject>当前为…，不能…” when not allowed."""
    allowed = transitions[obj.state]
    if action not in allowed:
        raise ServiceError(f"{subject}当前为“{obj.get_state_display()}”，不能{labels[action]}", status=409)
    return allowed[action]


def move_state(user, obj: M, to_state: str, fields=(), **extra) -> M:
    """Save a state change with `updated_at` and the listed `fields`, and audit it as a transition."""
    before = obj.state  # type: ignore[attr-defined]
    obj.state = to_state  # type: ignore[attr-defined]
    obj.updated_at = timezone.now()  # type: ignore[attr-defined]
    obj.save(update_fields=["state", "updated_at", *fields])
    audit.record_transition(user, obj, before, to_state, **extra)
    return obj


def save_changes(user, obj: M, **changes) -> M:
    """Set and save just these fields, with one update audit row."""
    before = audit.snapshot(obj)
    for field, value in changes.items():
        setattr(obj, field, value)
    obj.save(update_fields=list(changes))
    audit.record_update(user, obj, before)
    return obj
