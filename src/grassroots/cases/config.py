"""Configuration services for holders of cases.config: the category tree, the working-day calendar,
dispatch rules, the community admission list (GOV-2), handlers and their members.

Every write checks the permission (and the scope for region-bound rows), validates with the model's
rules (Chinese messages), saves and writes one audit record. Out-of-scope rows are a 404.
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, models, transaction

from grassroots.core import audit
from grassroots.core.errors import NotFound, PermissionDenied, ServiceError
from grassroots.core.models import AuditAction
from grassroots.core.scoping import covers, has_perm
from grassroots.core.services import full_clean

from .models import AdmissionItem, Category, DispatchRule, Handler, Holiday, TierDeadline

PERM = "cases.config"
CONFIG_MODELS = {
    "categories": Category,
    "deadlines": TierDeadline,
    "holidays": Holiday,
    "rules": DispatchRule,
    "admission": AdmissionItem,
    "handlers": Handler,
}


def can_configure(user) -> bool:
    return has_perm(user, PERM)


def _require(user, obj=None) -> None:
    if not can_configure(user):
        raise PermissionDenied("没有配置诉求办理的权限")
    scoped = obj is not None and getattr(obj, "scope_region", None) and getattr(obj, "region_id", None)
    if scoped and not covers(user, obj, "config"):
        raise NotFound("记录不存在或不在您的管辖范围内")


def visible(user, model):
    """Rows of a config model the user may manage (region-bound rows limited to the scope)."""
    qs = model.objects.all()
    if hasattr(qs, "visible_to") and not user.is_superuser:
        from django.db.models import Q

        paths = [g.region_path for g in _grants(user) if g.region_path is not None]
        q = Q(region__isnull=True) if model is not Handler else Q(pk__in=[])
        for p in paths:
            q |= Q(region__path__startswith=p)
        qs = qs.filter(q)
    return qs


def _grants(user):
    from grassroots.core.scoping import grants_for

    return [g for g in grants_for(user) if PERM in g.perms]


def save(user, obj: models.Model, changes: dict | None = None):
    """Create (obj.pk None) or update a config row with `changes`; audited."""
    creating = obj.pk is None
    if not creating:
        _require(user, obj)
    before = None if creating else audit.snapshot(obj)
    for k, v in (changes or {}).items():
        setattr(obj, k, v)
    _require(user, obj)
    if isinstance(obj, Category) and obj.parent_id and obj.pk and _is_ancestor(obj, obj.parent):
        raise ServiceError("上级类别不能是自己或自己的下级", field="parent")
    full_clean(obj)
    try:
        with transaction.atomic():
            obj.save()
            if creating:
                audit.record_create(user, obj)
            else:
                audit.record_update(user, obj, before)
    except IntegrityError:
        raise ServiceError("已存在相同的记录") from None
    return obj


def _is_ancestor(obj: Category, parent: Category) -> bool:
    node, seen = parent, set()
    while node is not None and node.pk not in seen:
        if node.pk == obj.pk:
            return True
        seen.add(node.pk)
        node = node.parent
    return False


def set_active(user, obj: models.Model, active: bool):
    """Disable or re-enable (categories, rules, admission items and handlers are never deleted:
    cases keep pointing at them)."""
    return save(user, obj, {"is_active": active})


def set_members(user, handler: Handler, members) -> Handler:
    """Replace the members (经办人) of a handler; audited with the before/after usernames."""
    _require(user, handler)
    new = sorted({u.pk: u for u in members}.values(), key=lambda u: u.pk)
    before = sorted(handler.members.values_list("username", flat=True))
    with transaction.atomic():
        handler.members.set(new)
        after = sorted(u.username for u in new)
        audit.record(AuditAction.UPDATE, handler, user=user, changes={"members": [before, after]})
    return handler


def set_holiday(user, day: dt.date, *, is_workday: bool, name: str) -> Holiday:
    """Add or change one calendar day: a day off (holiday) or an adjusted working day (调休上班)."""
    _require(user)
    if day is None:
        raise ServiceError("请选择日期", field="date")
    name = (name or "").strip()
    if not name:
        raise ServiceError("请填写名称，例如“春节”或“春节调休上班”", field="name")
    weekend = day.weekday() >= 5
    if is_workday and not weekend:
        raise ServiceError(f"{day} 本来就是工作日，只有周末才能设为调休上班", field="is_workday")
    existing = Holiday.objects.filter(date=day).first()
    obj = existing or Holiday(date=day)
    return save(user, obj, {"is_workday": is_workday, "name": name[:50], "source": "manual"})


MAX_HOLIDAY_SPAN = 15  # the longest official break (Spring Festival) is 8-9 days


def set_holidays(user, first: dt.date, last: dt.date | None, *, is_workday: bool, name: str) -> list[Holiday]:
    """One line of the State Council's annual schedule (e.g. 春节 2 月 5 日至 11 日放假) as a range of
    days, all or nothing: a refused day leaves every day unchanged."""
    last = last or first
    if first is None:
        raise ServiceError("请选择日期", field="date")
    if last < first:
        raise ServiceError("结束日期不能早于开始日期", field="end")
    if (last - first).days + 1 > MAX_HOLIDAY_SPAN:
        raise ServiceError(f"一次最多设置 {MAX_HOLIDAY_SPAN} 天", field="end")
    with transaction.atomic():
        return [
            set_holiday(user, first + dt.timedelta(days=i), is_workday=is_workday, name=name)
            for i in range((last - first).days + 1)
        ]


def delete_holiday(user, holiday: Holiday) -> None:
    _require(user)
    with transaction.atomic():
        audit.record_delete(user, holiday)
        holiday.delete()
