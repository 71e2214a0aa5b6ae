"""Whistle figures for the standards indicators, the dashboards and the street's department ranking.

Contracts (used by standards and dashboards):
- `checkin_rate(region, start, end) -> float | None`: percent of departments summoned in [start, end)
  for places under `region` that checked in on time (checked_in_at <= due_at); None when none was
  summoned.
- `checkin_rates(paths, start, end) -> dict[path, float | None]`: the same per region path, one query.
- `department_scores(region, start, end, period=None) -> list[dict]`: one row per department with
  check-in punctuality, on-time resolution and resident satisfaction of the cases dispatched to it
  under `region`, the street's manual score for `period` and a weighted total, best first.
"""

from __future__ import annotations

import datetime

from django.db.models import Avg, Count, F, Q
from django.utils import timezone

from grassroots.regions.models import Region

from .models import Assessment, Target

# Weights of the total score (re-normalised over the parts a department has data for).
WEIGHTS = {"punctuality": 0.3, "on_time": 0.3, "satisfaction": 0.2, "manual": 0.2}


def as_datetime(value) -> datetime.datetime:
    """A date is local midnight; an aware datetime is kept."""
    if isinstance(value, datetime.datetime):
        return value if timezone.is_aware(value) else timezone.make_aware(value)
    return timezone.make_aware(datetime.datetime.combine(value, datetime.time.min))


def _rate(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _path(region) -> str:
    return region.path if isinstance(region, Region) else str(region)


def checkin_rate(region, start, end) -> float | None:
    return checkin_rates([_path(region)], start, end)[_path(region)]


def checkin_counts(paths: list[str], start, end) -> dict[str, tuple[int, int]]:
    """path -> (summoned, checked in on time), one query per path length."""
    from grassroots.core.figures import by_prefix

    if not paths:
        return {}
    qs = Target.objects.filter(summoned_at__gte=as_datetime(start), summoned_at__lt=as_datetime(end))
    rows = by_prefix(
        qs,
        "summons__region__path",
        list(paths),
        n=Count("id"),
        k=Count("id", filter=Q(checked_in_at__lte=F("due_at"))),
    )
    return {p: (r["n"], r["k"]) for p, r in rows.items()}


def checkin_rates(paths: list[str], start, end) -> dict[str, float | None]:
    return {p: _rate(k, n) for p, (n, k) in checkin_counts(paths, start, end).items()}


def department_scores(region, start, end, period: str | None = None) -> list[dict]:
    from grassroots.cases.models import Case, Evaluation, Handler, HandlerKind

    path = _path(region)
    t0, t1 = as_datetime(start), as_datetime(end)
    now = timezone.now()
    targets = {
        r["handler_id"]: r
        for r in Target.objects.filter(
            summons__region__path__startswith=path, summoned_at__gte=t0, summoned_at__lt=t1
        )
        .values("handler_id")
        .annotate(
            summoned=Count("id"),
            checked_in=Count("id", filter=Q(checked_in_at__isnull=False)),
            on_time=Count("id", filter=Q(checked_in_at__lte=F("due_at"))),
            reported=Count("id", filter=Q(reported_at__isnull=False)),
        )
        .order_by()
    }
    cases = {
        r["handler_id"]: r
        for r in Case.objects.filter(
            handler__kind=HandlerKind.DEPARTMENT,
            region__path__startswith=path,
            dispatched_at__gte=t0,
            dispatched_at__lt=t1,
        )
        .values("handler_id")
        .annotate(
            cases=Count("id"),
            due=Count("id", filter=Q(resolved_at__isnull=False) | Q(due_at__lte=now)),
            resolved_on_time=Count("id", filter=Q(resolved_at__lte=F("due_at"))),
        )
        .order_by()
    }
    evaluations = {
        r["handler_id"]: r
        for r in Evaluation.objects.filter(
            handler__kind=HandlerKind.DEPARTMENT,
            case__region__path__startswith=path,
            created_at__gte=t0,
            created_at__lt=t1,
        )
        .values("handler_id")
        .annotate(
            evaluations=Count("id"),
            satisfied=Count("id", filter=Q(result__in=["satisfied", "basic"])),
        )
        .order_by()
    }
    manual = {}
    if period:
        manual = {
            r["handler_id"]: r
            for r in Assessment.objects.filter(region__path__startswith=path, period=period)
            .values("handler_id")
            .annotate(manual=Avg("score"), manual_count=Count("id"))
            .order_by()
        }
    ids = set(targets) | set(cases) | set(evaluations) | set(manual)
    handlers = {h.pk: h for h in Handler.objects.filter(pk__in=ids).select_related("region")}
    rows = []
    for hid in ids:
        h = handlers.get(hid)
        if h is None:
            continue
        t = targets.get(hid, {})
        c = cases.get(hid, {})
        e = evaluations.get(hid, {})
        m = manual.get(hid, {})
        parts = {
            "punctuality": _rate(t.get("on_time", 0), t.get("summoned", 0)),
            "on_time": _rate(c.get("resolved_on_time", 0), c.get("due", 0)),
            "satisfaction": _rate(e.get("satisfied", 0), e.get("evaluations", 0)),
            "manual": round(float(m["manual"]), 1) if m.get("manual") is not None else None,
        }
        weight = sum(WEIGHTS[k] for k, v in parts.items() if v is not None)
        total = (
            round(sum(WEIGHTS[k] * v for k, v in parts.items() if v is not None) / weight, 1)
            if weight
            else None
        )
        rows.append(
            {
                "handler_id": hid,
                "handler": h.name,
                "handler_region": h.region.name,
                "summoned": t.get("summoned", 0),
                "checked_in": t.get("checked_in", 0),
                "checked_in_on_time": t.get("on_time", 0),
                "reported": t.get("reported", 0),
                "cases": c.get("cases", 0),
                "cases_due": c.get("due", 0),
                "cases_on_time": c.get("resolved_on_time", 0),
                "evaluations": e.get("evaluations", 0),
                "satisfied": e.get("satisfied", 0),
                **parts,
                "total": total,
            }
        )
    rows.sort(key=lambda r: (r["total"] is None, -(r["total"] or 0), r["handler"]))
    for i, r in enumerate(rows, 1):
        r["rank"] = i
    return rows


def checkin_rate_metric(paths: list[str], start, end) -> dict[str, float | None]:
    """The dashboard metric whistle_checkin_rate (registered in WhistleConfig.ready)."""
    return checkin_rates(paths, start, end)
