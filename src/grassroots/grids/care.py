"""Patrols and household visits of a grid: the queries behind the grid worker's home ("巡查待完成",
"待走访住户") and the services that record them (scope-checked, atomic, audited).

- GRID-1 `patrols_per_week`: finished patrols a grid needs in the current week (Monday 00:00 local to
  now); a grid below it is "patrol due".
- GRID-2 `visit_days`: a household with a care tag (CARE_TAGS) in a grid is "visit due" when its last
  visit is older than that many days, or it was never visited.

"Mine" = the grids the user holds a post in (GridAssignment of their Worker); a user without posts
(community or street staff) sees every grid of their scope.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from grassroots.core import audit
from grassroots.core.errors import NotFound, PermissionDenied, ServiceError
from grassroots.core.scoping import covers
from grassroots.regions.choices import HouseholdTag
from grassroots.regions.models import Household

from .models import Grid, GridAssignment, HouseholdVisit, Patrol

# Households a grid worker visits regularly (重点关爱): the care tags of regions.HouseholdTag.
CARE_TAGS = (
    HouseholdTag.ELDERLY_ALONE,
    HouseholdTag.EMPTY_NEST,
    HouseholdTag.LOW_INCOME,
    HouseholdTag.EXTREME_POVERTY,
    HouseholdTag.DISABLED,
    HouseholdTag.LEFT_BEHIND_CHILD,
    HouseholdTag.KEY_CARE,
)
DEFAULT_PATROLS_PER_WEEK = 3
DEFAULT_VISIT_DAYS = 30


def _rule_param(code: str, name: str, default: int) -> int:
    from grassroots.core.rules import Rule

    rule = Rule.objects.filter(code=code).only("params").first()
    try:
        value = int(rule.param(name, default)) if rule else default
    except (TypeError, ValueError):
        value = default
    return max(1, value)


def patrols_per_week() -> int:
    return _rule_param("GRID-1", "patrols_per_week", DEFAULT_PATROLS_PER_WEEK)


def visit_days() -> int:
    return _rule_param("GRID-2", "visit_days", DEFAULT_VISIT_DAYS)


def week_start(now=None) -> datetime.datetime:
    """Monday 00:00 of the current week, local time."""
    local = timezone.localtime(now or timezone.now())
    monday = local.date() - datetime.timedelta(days=local.weekday())
    return timezone.make_aware(datetime.datetime.combine(monday, datetime.time.min))


def my_grid_ids(user) -> list[int]:
    return list(
        GridAssignment.objects.filter(worker__user=user).values_list("grid_id", flat=True).order_by("grid_id")
    )


def grids_for(user, mine: bool):
    """Grids the user may see, narrowed to their own posts when `mine` (and they hold any)."""
    qs = Grid.objects.visible_to(user, "view")
    if mine:
        qs = qs.filter(pk__in=my_grid_ids(user))
    return qs


def care_q(prefix: str = "") -> Q:
    q = Q()
    for tag in CARE_TAGS:
        q |= Q(**{f"{prefix}tags__contains": f",{tag},"})
    return q


def with_patrol_counts(grids, since=None):
    since = since or week_start()
    return grids.annotate(
        week_patrols=Count(
            "patrols", filter=Q(patrols__started_at__gte=since, patrols__ended_at__isnull=False)
        )
    )


def patrol_due(grids):
    """Grids whose finished patrols this week are below GRID-1."""
    return with_patrol_counts(grids).filter(week_patrols__lt=patrols_per_week())


def visits_due(households, now=None):
    """Care households with no visit in the last GRID-2 days."""
    cutoff = (now or timezone.now()) - datetime.timedelta(days=visit_days())
    recent = HouseholdVisit.objects.filter(household=OuterRef("pk"), visited_at__gte=cutoff)
    return households.filter(care_q()).exclude(grid__isnull=True).filter(~Exists(recent))


# ---------------------------------------------------------------- services


def _grid_for_change(user, grid: Grid) -> Grid:
    if not Grid.objects.visible_to(user, "view").filter(pk=grid.pk).exists():
        raise NotFound()
    if not covers(user, grid.region, "regions.change"):
        raise PermissionDenied()
    return grid


def _name(user) -> str:
    return (getattr(user, "display_name", "") or user.username)[:100]


def start_patrol(user, grid: Grid) -> Patrol:
    """Start a patrol (one open patrol per person: an unfinished one is returned, not duplicated)."""
    _grid_for_change(user, grid)
    with transaction.atomic():
        open_one = Patrol.objects.select_for_update().filter(recorded_by=user, ended_at__isnull=True).first()
        if open_one is not None:
            if open_one.grid_id != grid.pk:
                raise ServiceError(f"您在“{open_one.grid.name}”的巡查尚未结束，请先结束该次巡查")
            return open_one
        worker = getattr(user, "worker", None)
        patrol = Patrol.objects.create(
            grid=grid,
            worker=worker,
            recorded_by=user,
            worker_name=(worker.name if worker is not None else _name(user))[:100],
        )
        audit.record_create(user, patrol)
    return patrol


def finish_patrol(user, patrol: Patrol, *, route_note: str = "", photos=(), case_ids=()) -> Patrol:
    """Finish the user's own open patrol with a note, photos and the cases it reported."""
    from grassroots.core.attachments import attach, validate_files

    Case = Patrol.cases.field.related_model  # noqa: N806  (the cases the patrol's M2M declares)

    if not Patrol.objects.visible_to(user, "view").filter(pk=patrol.pk).exists():
        raise NotFound()
    if patrol.recorded_by_id != user.pk:
        raise PermissionDenied("只能结束本人开始的巡查")
    if patrol.ended_at is not None:
        raise ServiceError("该次巡查已结束")
    route_note = (route_note or "").strip()
    if len(route_note) > 2000:
        raise ServiceError("巡查情况不能超过 2000 字", field="route_note")
    cases = []
    if case_ids:
        cases = list(Case.objects.visible_to(user, "view").filter(pk__in=case_ids, grid=patrol.grid))
        if len(cases) != len(set(case_ids)):
            raise ServiceError("所选诉求不属于本网格或无权查看", field="cases")
    prepared = validate_files(list(photos or []), max_files=9, user=user)
    with transaction.atomic():
        patrol = Patrol.objects.select_for_update().get(pk=patrol.pk)
        if patrol.ended_at is not None:
            raise ServiceError("该次巡查已结束")
        before = audit.snapshot(patrol)
        patrol.ended_at = timezone.now()
        patrol.route_note = route_note
        patrol.save(update_fields=["ended_at", "route_note"])
        if cases:
            patrol.cases.add(*cases)
        if prepared:
            attach(user, patrol, prepared, role="photo")
        audit.record_update(user, patrol, before)
    return patrol


def record_visit(user, household: Household, *, note: str, visited_at=None) -> HouseholdVisit:
    if not Household.objects.visible_to(user, "view").filter(pk=household.pk).exists():
        raise NotFound()
    if not covers(user, household.entrance, "regions.change"):
        raise PermissionDenied()
    note = (note or "").strip()
    if not note:
        raise ServiceError("请填写走访情况", field="note")
    if len(note) > 2000:
        raise ServiceError("走访情况不能超过 2000 字", field="note")
    now = timezone.now()
    visited_at = visited_at or now
    if visited_at > now + datetime.timedelta(minutes=5):
        raise ServiceError("走访时间不能晚于现在", field="visited_at")
    if visited_at < now - datetime.timedelta(days=90):
        raise ServiceError("只能补登 90 天内的走访", field="visited_at")
    with transaction.atomic():
        visit = HouseholdVisit.objects.create(
            household=household,
            grid_id=household.grid_id,
            visitor=user,
            visitor_name=_name(user),
            visited_at=visited_at,
            note=note,
        )
        audit.record_create(user, visit)
    return visit
