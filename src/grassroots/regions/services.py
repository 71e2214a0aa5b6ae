"""Writes on the region tree and households. Every function checks scope, validates and audits."""

from __future__ import annotations

from grassroots.core import services as core
from grassroots.core.errors import ServiceError
from grassroots.core.trees import add_node, delete_leaf, move_node

from .choices import RegionLevel
from .models import Household, Region

__all__ = [
    "add_region",
    "update_region",
    "move_region",
    "delete_region",
    "add_household",
    "update_household",
    "delete_household",
]

EDITABLE = {
    "name",
    "category",
    "population",
    "household_count",
    "polygon",
    "lng",
    "lat",
    "is_closed",
    "has_property_management",
    "address",
}


def add_region(user, parent: Region | None, **data) -> Region:
    level = data.get("level")
    if parent is not None:
        if level is None:
            data["level"] = level = parent.child_level
        if level is None:
            raise ServiceError("单元下不能再设下级")
        from django.core.exceptions import ValidationError

        try:
            parent.check_child_level(level)
        except ValidationError as exc:
            raise ServiceError(exc.messages[0], field="level") from exc
    elif level != RegionLevel.CITY:
        raise ServiceError("根节点必须是市", field="level")
    return add_node(user, Region, parent, data)


def update_region(user, region: Region, **changes) -> Region:
    unknown = set(changes) - EDITABLE
    if unknown:
        raise ServiceError(f"不能修改字段：{'、'.join(sorted(unknown))}")
    return core.update_object(user, region, changes)


def move_region(user, region: Region, new_parent: Region) -> Region:
    try:
        new_parent.check_child_level(region.level)
    except Exception as exc:
        raise ServiceError(str(getattr(exc, "messages", [exc])[0])) from exc
    return move_node(user, region, new_parent)


def delete_region(user, region: Region) -> None:
    if Household.objects.filter(entrance=region).exists():
        raise ServiceError("该单元下还有住户，不能删除")
    delete_leaf(user, region)


def add_household(user, entrance: Region, *, tags=(), **data) -> Household:
    household = Household(entrance=entrance, **data)
    try:
        household.set_tags(list(tags))
    except Exception as exc:
        raise ServiceError("；".join(getattr(exc, "messages", [str(exc)])), field="tags") from exc
    return core.create_object(user, household)


def update_household(user, household: Household, *, tags=None, **changes) -> Household:
    if tags is not None:
        probe = Household(tags=household.tags)
        try:
            probe.set_tags(list(tags))
        except Exception as exc:
            raise ServiceError("；".join(getattr(exc, "messages", [str(exc)])), field="tags") from exc
        changes["tags"] = probe.tags
    return core.update_object(user, household, changes)


def delete_household(user, household: Household) -> None:
    core.delete_object(user, household)


def home_region(user, level: str) -> Region | None:
    """The region of `level` a person lives in: above the household their resident account is linked
    to, else above the residence on their party member record. None when the platform does not know it."""
    depth = {"community": 4, "neighborhood": 5}[level]
    profile = getattr(user, "resident_profile", None)
    household = getattr(profile, "household", None) if profile else None
    path = household.entrance.path if household is not None else None
    if path is None:
        member = getattr(user, "member", None)
        residence = getattr(member, "residence", None) if member is not None else None
        path = residence.path if residence is not None else None
    if not path or len(path) < Region.steplen * depth:
        return None
    return Region.objects.filter(path=path[: Region.steplen * depth], level=level).first()
