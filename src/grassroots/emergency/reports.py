"""Emergency read models: sweep progress per community and grid, call-up and need counts, the daily
reports rolled up the region tree, and a worker's 战时档案 line. Pure reads and the idempotent report
writer (no permission checks: callers in emergency.services and the views check scope first)."""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.db.models import Count, Q
from django.utils import timezone

from grassroots.regions.models import Region

from .models import (
    Callup,
    CallupKind,
    DailyReport,
    Emergency,
    EmergencyNeed,
    ServiceRecord,
    SweepResult,
    SweepTask,
)
from .workflow import CallupState, NeedState


def progress(emergency: Emergency, tasks_qs=None) -> dict:
    """Sweep progress per community and per grid, from one grouped query."""
    from grassroots.grids.models import Grid

    qs = tasks_qs if tasks_qs is not None else SweepTask.objects.all()
    rows = (
        qs.filter(emergency=emergency)
        .values("community_id", "grid_id")
        .annotate(
            total=Count("id"),
            done=Count("id", filter=~Q(result="")),
            **{r: Count("id", filter=Q(result=r)) for r in SweepResult.values},
        )
    )
    by_community: dict[int, dict] = defaultdict(lambda: _zero())
    by_grid: dict[int | None, dict] = defaultdict(lambda: _zero())
    total = _zero()
    for r in rows:
        for target in (by_community[r["community_id"]], by_grid[r["grid_id"]], total):
            for k in ("total", "done", *SweepResult.values):
                target[k] += r[k]
    names = dict(Region.objects.filter(pk__in=list(by_community)).values_list("pk", "name"))
    codes = dict(Region.objects.filter(pk__in=list(by_community)).values_list("pk", "code"))
    grids = {g.pk: g for g in Grid.objects.filter(pk__in=[k for k in by_grid if k])}
    communities = sorted(
        (
            {"id": k, "name": names.get(k, ""), "code": codes.get(k, ""), **_pct(v)}
            for k, v in by_community.items()
        ),
        key=lambda r: r["code"],
    )
    grid_rows = sorted(
        (
            {
                "id": k,
                "name": grids[k].name if k in grids else "未划入网格",
                "code": grids[k].code if k in grids else "",
                "grid": grids.get(k),
                **_pct(v),
            }
            for k, v in by_grid.items()
        ),
        key=lambda r: r["code"] or "~",
    )
    return {"total": _pct(total), "communities": communities, "grids": grid_rows}


def _zero() -> dict:
    return {"total": 0, "done": 0, **{r: 0 for r in SweepResult.values}}


def _pct(v: dict) -> dict:
    return {**v, "pct": round(100 * v["done"] / v["total"], 1) if v["total"] else 0.0}


def callup_counts(qs) -> dict:
    rows = qs.values("kind", "state").annotate(n=Count("id"))
    out = {k: {s: 0 for s in CallupState.values} for k in CallupKind.values}
    for r in rows:
        out[r["kind"]][r["state"]] += r["n"]
    return out


def need_counts(qs) -> dict:
    out = {s: 0 for s in NeedState.values}
    for r in qs.values("state").annotate(n=Count("id")):
        out[r["state"]] = r["n"]
    return out


def _report_nodes(emergency: Emergency) -> list[Region]:
    """The levels reported on: the area root, its streets (district/city areas) and its communities."""
    return list(
        Region.objects.filter(
            Q(pk=emergency.region_id)
            | Q(path__startswith=emergency.region.path, level__in=("street", "community"))
        ).order_by("path")
    )


def generate_reports(emergency: Emergency, date: datetime.date) -> int:
    """The day's report for every level of the area (idempotent: one row per emergency, region, date)."""
    nodes = _report_nodes(emergency)
    day_start = timezone.make_aware(datetime.datetime.combine(date, datetime.time.min))
    day_end = day_start + datetime.timedelta(days=1)
    tasks = defaultdict(_zero)
    today_swept = defaultdict(int)
    for r in (
        SweepTask.objects.filter(emergency=emergency)
        .values("community_id")
        .annotate(
            total=Count("id"),
            done=Count("id", filter=~Q(result="") & Q(checked_at__lt=day_end)),
            today=Count("id", filter=Q(checked_at__gte=day_start, checked_at__lt=day_end)),
            **{k: Count("id", filter=Q(result=k, checked_at__lt=day_end)) for k in SweepResult.values},
        )
    ):
        for k in ("total", "done", *SweepResult.values):
            tasks[r["community_id"]][k] += r[k]
        today_swept[r["community_id"]] += r["today"]
    callups = defaultdict(lambda: defaultdict(int))
    for r in (
        Callup.objects.filter(emergency=emergency).values("community_id", "state").annotate(n=Count("id"))
    ):
        callups[r["community_id"]][r["state"]] += r["n"]
    needs = defaultdict(lambda: defaultdict(int))
    for r in (
        EmergencyNeed.objects.filter(emergency=emergency)
        .values("community_id", "state")
        .annotate(n=Count("id"))
    ):
        needs[r["community_id"]][r["state"]] += r["n"]
    # Roll the community rows up to every level by path (a street grid's rows sit on the street).
    ids = set(tasks) | set(callups) | set(needs)
    id_paths = dict(Region.objects.filter(pk__in=ids).values_list("pk", "path"))
    now = timezone.now()
    count = 0
    for node in nodes:
        under = [i for i, p in id_paths.items() if p.startswith(node.path)]
        t = _zero()
        swept_today = 0
        for i in under:
            for k in t:
                t[k] += tasks[i][k]
            swept_today += today_swept[i]
        c = {s: sum(callups[i][s] for i in under) for s in CallupState.values}
        n = {s: sum(needs[i][s] for i in under) for s in NeedState.values}
        data = {
            "tasks": _pct(t),
            "swept_today": swept_today,
            "callups": c,
            "needs": n,
            "state": emergency.state,
        }
        DailyReport.objects.update_or_create(
            emergency=emergency, region=node, date=date, defaults={"data": data, "generated_at": now}
        )
        count += 1
    return count


def service_summary(worker) -> str:
    """战时档案 of a worker in one line (the worker page; usable in assessments)."""
    from django.db.models import Sum

    agg = ServiceRecord.objects.filter(worker=worker, confirmed=True).aggregate(
        n=Count("id"), days=Sum("days_on_duty"), tasks=Sum("tasks_done"), needs=Sum("needs_delivered")
    )
    if not agg["n"]:
        return "暂无应急服务记录"
    return (
        f"参加应急 {agg['n']} 次，在岗 {agg['days'] or 0} 天，"
        f"摸排 {agg['tasks'] or 0} 户，送达需求 {agg['needs'] or 0} 件"
    )
