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
