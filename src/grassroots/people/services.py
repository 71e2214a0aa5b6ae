"""Writes on workers, stewards and deputies."""

from __future__ import annotations

from grassroots.core import services as core
from grassroots.core.errors import NotFound
from grassroots.core.scoping import covers

from .models import Deputy, Steward, Worker

__all__ = [
    "add_worker",
    "update_worker",
    "delete_worker",
    "add_steward",
    "update_steward",
    "delete_steward",
    "add_deputy",
    "update_deputy",
    "delete_deputy",
]


def _visible(user, label: str, obj) -> None:
    if obj is not None and not covers(user, obj, "view"):
        raise NotFound(f"{label}不存在或不在您的管辖范围内")


def add_worker(user, **data) -> Worker:
    _visible(user, "党员", data.get("member"))
    return core.create_object(user, Worker(**data))


def update_worker(user, worker: Worker, **changes) -> Worker:
    _visible(user, "党员", changes.get("member"))
    return core.update_object(user, worker, changes)


def delete_worker(user, worker: Worker) -> None:
    core.delete_object(user, worker)


def add_steward(user, **data) -> Steward:
    _visible(user, "党员", data.get("member"))
    return core.create_object(user, Steward(**data))


def update_steward(user, steward: Steward, **changes) -> Steward:
    return core.update_object(user, steward, changes)


def delete_steward(user, steward: Steward) -> None:
    core.delete_object(user, steward)


def add_deputy(user, **data) -> Deputy:
    return core.create_object(user, Deputy(**data))


def update_deputy(user, deputy: Deputy, **changes) -> Deputy:
    return core.update_object(user, deputy, changes)


def delete_deputy(user, deputy: Deputy) -> None:
    core.delete_object(user, deputy)
