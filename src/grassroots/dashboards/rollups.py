"""Rollups: every registered metric for every city / district / street / community, written to the
Rollup table so a dashboard reads O(regions) rows instead of counting the underlying tables.

`compute_rollups(run=None, today=None) -> int` recomputes everything (one metric at a time, each
replaced in one transaction, so readers never see half a metric) and returns the rows written.
`request_rollup(user, trigger)` queues a run (django-tasks); `read(...)` serves the dashboards.
"""

from __future__ import annotations

import datetime
import logging

from django.db import transaction
from django.utils import timezone

from grassroots.regions.models import Region

from . import metrics as registry
from .models import Rollup, RollupRun

log = logging.getLogger(__name__)

LEVELS = ("city", "district", "street", "community")
MONTHS = 12
NOW, LAST_12 = "now", "12m"


def refresh_summaries() -> int:
    """Every summary table registered with core.figures.register_summary; the rows they wrote."""
    from grassroots.core.figures import SUMMARIES

    written = 0
    for _name, fn in sorted(SUMMARIES.items()):
        written += fn() or 0
    return written


def month_starts(today: datetime.date, n: int = MONTHS) -> list[datetime.date]:
    """The first days of the last n months, oldest first, the current month last."""
    out, y, m = [], today.year, today.month
    for _ in range(n):
        out.append(datetime.date(y, m, 1))
        y, m = (y - 1, 12) if m == 1 else (y, m - 1)
    return out[::-1]


def next_month(d: datetime.date) -> datetime.date:
    return datetime.date(d.year + (d.month == 12), d.month % 12 + 1, 1)


def aware(d: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(d, datetime.time.min))


def rollup_paths() -> list[str]:
    return list(Region.objects.filter(level__in=LEVELS).order_by("path").values_list("path", flat=True))


def plan(
    today: datetime.date,
) -> list[tuple[registry.Metric, str, datetime.datetime | None, datetime.datetime | None]]:
    """(metric, period, start, end) of every call a run makes."""
    months = month_starts(today)
    steps = []
    for m in registry.metrics():
        if not m.period:
            steps.append((m, NOW, None, None))
            continue
        for d in months:
            steps.append((m, d.strftime("%Y-%m"), aware(d), aware(next_month(d))))
        steps.append((m, LAST_12, aware(months[0]), aware(next_month(months[-1]))))
    return steps


def compute_rollups(run: RollupRun | None = None, today: datetime.date | None = None) -> int:
    today = today or timezone.localdate()
    paths = rollup_paths()
    steps = plan(today)
    if run is not None:
        RollupRun.objects.filter(pk=run.pk).update(
            state=RollupRun.State.RUNNING, started_at=timezone.now(), total=len(steps), done=0
        )
    written = 0
    by_metric: dict[str, list[Rollup]] = {}
    order = []
    for i, (metric, period, start, end) in enumerate(steps, 1):
        values = metric.fn(paths, start, end) if paths else {}
        now = timezone.now()
        rows = by_metric.setdefault(metric.code, [])
        if metric.code not in order:
            order.append(metric.code)
        for p in paths:
            v = values.get(p)
            rows.append(
                Rollup(
                    metric=metric.code,
                    region_path=p,
                    period=period,
                    value=None if v is None else float(v),
                    computed_at=now,
                )
            )
        last_of_metric = i == len(steps) or steps[i][0].code != metric.code
        if last_of_metric:
            with transaction.atomic():
                Rollup.objects.filter(metric=metric.code).delete()
                Rollup.objects.bulk_create(rows, batch_size=2000)
            written += len(rows)
            by_metric.pop(metric.code)
        if run is not None and (i % 5 == 0 or i == len(steps)):
            RollupRun.objects.filter(pk=run.pk).update(done=i, rows=written)
    # Metrics no longer registered leave no stale figures behind.
    Rollup.objects.exclude(metric__in=[m.code for m in registry.metrics()]).delete()
    refresh_summaries()  # their rows are theirs: `written` counts Rollup rows, as the run page shows
    if run is not None:
        RollupRun.objects.filter(pk=run.pk).update(
            state=RollupRun.State.DONE, finished_at=timezone.now(), done=len(steps), rows=written
        )
    return written


def run_now(run: RollupRun) -> int:
    try:
        return compute_rollups(run)
    except Exception as exc:  # recorded for the page; the task itself still fails loudly
        RollupRun.objects.filter(pk=run.pk).update(
            state=RollupRun.State.FAILED, finished_at=timezone.now(), error=str(exc)[:2000]
        )
        log.exception("rollup failed")
        raise


def request_rollup(user=None, trigger: str = "manual") -> RollupRun:
    """Queue a run unless one is already queued or running (then that one is returned)."""
    from .tasks import rollup_task

    with transaction.atomic():
        pending = RollupRun.objects.filter(
            state__in=[RollupRun.State.QUEUED, RollupRun.State.RUNNING]
        ).first()
        if pending is not None:
            return pending
        run = RollupRun.objects.create(
            trigger=trigger, requested_by=user if getattr(user, "pk", None) else None
        )
        transaction.on_commit(lambda: rollup_task.enqueue(run.pk))
    return run


def last_run() -> RollupRun | None:
    return RollupRun.objects.filter(state=RollupRun.State.DONE).order_by("-finished_at").first()


def read(
    paths: list[str], periods: list[str]
) -> dict[tuple[str, str, str], tuple[float | None, datetime.datetime]]:
    """{(metric, path, period): (value, computed_at)} for the given paths and periods (one query)."""
    if not paths or not periods:
        return {}
    rows = Rollup.objects.filter(region_path__in=paths, period__in=periods).values_list(
        "metric", "region_path", "period", "value", "computed_at"
    )
    return {(m, p, per): (v, at) for m, p, per, v, at in rows}
