"""The metric registry of the leadership dashboards.

Any app adds its figures from its AppConfig.ready():

    from grassroots.core.figures import Metric, register
    register(Metric("venues_bookings", "场地预约", "次", fn, period=True))

`fn(region_paths: list[str], start, end) -> dict[path, number]` returns, for every region path given,
the figure over everything under that path (path prefix), with `start`/`end` (aware datetimes,
[start, end)) bounding the rows for period metrics (period=True: counts of events, rates of events in
the period) and ignored by snapshot metrics (period=False: stock figures as of now). A rate returns
a percentage (0–100) or None when it has no denominator. Registering the same code again replaces the
metric (so reloading an app is harmless). `by_prefix` groups a queryset by region path prefix in one
query per path length, which keeps a metric at a fixed number of queries for any number of paths.

The nightly rollup (dashboards.rollups) calls every metric for every city / district / street /
community path: once for the snapshot ("now"), once per month of the last 12 and once for the last
12 months together ("12m").
"""

from __future__ import annotations

from django.db.models import Count, Q
from django.utils import timezone

from grassroots.core.figures import (  # noqa: F401  (the registry, re-exported for the dashboards)
    REGISTRY,
    Metric,
    _common_prefix,
    by_prefix,
    get,
    metrics,
    rate,
    register,
)


def _counts(qs, path_field: str, paths: list[str]) -> dict[str, int]:
    return {p: r["n"] for p, r in by_prefix(qs, path_field, paths, n=Count("id")).items()}


# ---------------------------------------------------------------- core metrics


def _orgs(paths, start, end):
    from grassroots.party.models import PartyOrg

    return _counts(PartyOrg.objects.all(), "region__path", paths)


def _members(paths, start, end):
    from grassroots.party.models import Member

    return _counts(Member.objects.all(), "party_org__region__path", paths)


def _grids(paths, start, end):
    from grassroots.grids.models import Grid

    return _counts(Grid.objects.all(), "region__path", paths)


def _grid_coverage(paths, start, end):
    from grassroots.grids.models import Grid
    from grassroots.grids.stats import count_by_prefix, covered_grid_paths, gov4_min_full_members

    total = _counts(Grid.objects.all(), "region__path", paths)
    covered = count_by_prefix(covered_grid_paths(Grid.objects.all(), gov4_min_full_members()).values(), paths)
    return {p: rate(covered[p], total[p]) for p in paths}


def _unit_coverage(paths, start, end):
    from grassroots.standards.checks import should_cover_q
    from grassroots.standards.services import cov3_min_employees
    from grassroots.units.choices import PartyWork
    from grassroots.units.models import Unit

    minimum = cov3_min_employees()
    should = should_cover_q(minimum)
    rows = by_prefix(
        Unit.objects.all(),
        "region__path",
        paths,
        n=Count("id", filter=should),
        k=Count("id", filter=should & ~Q(party_work=PartyWork.NONE)),
    )
    return {p: rate(r["k"], r["n"]) for p, r in rows.items()}


def _units_covered(paths, start, end):
    from grassroots.units.choices import PartyWork
    from grassroots.units.models import Unit

    return _counts(Unit.objects.exclude(party_work=PartyWork.NONE), "region__path", paths)


def _cases_open(paths, start, end):
    from grassroots.cases.models import Case

    return _counts(Case.objects.open(), "region__path", paths)


def _cases_overdue(paths, start, end):
    from grassroots.cases.models import Case

    return _counts(Case.objects.overdue(timezone.now()), "region__path", paths)


def _cases_new(paths, start, end):
    from grassroots.cases.models import Case

    return _counts(Case.objects.filter(submitted_at__gte=start, submitted_at__lt=end), "region__path", paths)


def _case_satisfaction(paths, start, end):
    from grassroots.cases.models import Evaluation

    rows = by_prefix(
        Evaluation.objects.filter(created_at__gte=start, created_at__lt=end),
        "case__region__path",
        paths,
        n=Count("id"),
        k=Count("id", filter=Q(result__in=["satisfied", "basic"])),
    )
    return {p: rate(r["k"], r["n"]) for p, r in rows.items()}


CORE = [
    Metric("orgs", "党组织", "个", _orgs, order=10),
    Metric("members", "党员", "名", _members, order=11),
    Metric("grids", "网格", "个", _grids, order=20),
    Metric("grid_org_coverage", "网格党组织覆盖率", "%", _grid_coverage, kind="rate", order=21),
    Metric("units_covered", "已覆盖单位", "个", _units_covered, order=30),
    Metric("unit_coverage", "单位党组织覆盖率", "%", _unit_coverage, kind="rate", order=31),
    Metric("cases_open", "在办工单", "件", _cases_open, higher_is_better=False, order=40),
    Metric("cases_overdue", "超期工单", "件", _cases_overdue, higher_is_better=False, order=41),
    Metric("cases_new", "新增工单", "件", _cases_new, period=True, order=42),
    Metric("case_satisfaction", "群众满意率", "%", _case_satisfaction, period=True, kind="rate", order=43),
]
for _m in CORE:
    register(_m)
