"""Writes on units and instructors."""

from __future__ import annotations

from grassroots.core import services as core
from grassroots.core.errors import NotFound
from grassroots.core.scoping import covers

from .models import Instructor, Unit

__all__ = ["add_unit", "update_unit", "delete_unit", "add_instructor", "update_instructor"]


def _visible(user, label: str, obj) -> None:
    if obj is not None and not covers(user, obj, "view"):
        raise NotFound(f"{label}不存在或不在您的管辖范围内")


def add_unit(user, **data) -> Unit:
    _visible(user, "覆盖党组织", data.get("party_org"))
    _visible(user, "党建指导员", data.get("instructor"))
    return core.create_object(user, Unit(**data))


def update_unit(user, unit: Unit, **changes) -> Unit:
    _visible(user, "覆盖党组织", changes.get("party_org"))
    _visible(user, "党建指导员", changes.get("instructor"))
    _visible(user, "所在区划", changes.get("region"))
    return core.update_object(user, unit, changes)


def delete_unit(user, unit: Unit) -> None:
    core.delete_object(user, unit)


def add_instructor(user, **data) -> Instructor:
    return core.create_object(user, Instructor(**data))


def update_instructor(user, instructor: Instructor, **changes) -> Instructor:
    return core.update_object(user, instructor, changes)
