"""The case statistics' daily summary (CaseDay): what `/cases/stats/` and its API read.

One CaseDay row per (local day, community) holds the figures of the cases submitted that day as
`stats.case_stats` counts them (submitted, open, waiting, finished, closed unresolved, on time, late,
the numerators and the clock-free parts of the denominators of the 三率), the cases resolved that day
(the trend's 办结 line), and the day's cases by category class, channel, tier, state, grid and handler
(`counts`, {dimension: {key: n}}). Every figure of a period and a region subtree is then a sum over
the rows of that path prefix and day range (index on region_path, day): SQL sums for the figures and
the trend, a Python sum of the `counts` for the breakdowns. One row per community-day, whatever the
number of cases, categories or handlers (a row per category or per breakdown key made the summary
larger than the cases themselves at a few cases per community and day); plus one month row per
community-month (`month=True`, the sum of its day rows), from which a period reads the breakdowns of
its whole months (the JSON decoding of the day rows was most of a read's time).

Figures that move with the clock alone (办理中·正常 / 临期 / 超期, and the response denominator's
cases still waiting past their response deadline) cannot be stored as counts: the row keeps the
deadlines of the day's cases that can still move that way (`clock`: due-soon and due times of the open
cases, response deadlines of the cases not yet responded to) and a read counts them against its own
`now` (`clock_figures`), exactly as the row query did.

Freshness:
* `rebuild()` recomputes everything: every rollup run (registered summary), the migration that made
  the tables, and the demo's last step (which runs the rollup);
* `touch(case, ...)` after every case event (cases.services._event: submit, triage, dispatch, accept,
  return, log work, resolve, evaluate, reopen, close, merge): after commit, a task is queued
  (cases.tasks.refresh_case_days) that recounts the (day, community) buckets of the case's
  submission day and of its resolution day (old and new) from that community's cases of those days
  only (two small indexed reads, a delete and an insert), and the community's month row from its day
  rows: about 25 ms and 10 queries per bucket at 200k cases on PostgreSQL, in the task worker,
  serialised per bucket by an advisory lock.

Counting happens in Python over narrow value rows (`_Tally`), the same code for the full rebuild and
for one bucket, so the two cannot disagree. Writes made around the services (bulk loads, shell
updates, deleted cases, a region moved) show after the next rollup run.
"""

from __future__ import annotations

import datetime
import logging
from collections import defaultdict

from django.db import IntegrityError, transaction
from django.db.models import Max, Min, Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from .workflow import OPEN_STATES, CaseState

log = logging.getLogger(__name__)

S = CaseState
FIGURES = (
    "submitted",
    "open",
    "waiting",
    "finished",
    "closed_unresolved",
    "on_time",
    "late",
    "resp_num",
    "resp_done",
    "resolution_den",
    "resolution_num",
    "satisfaction_den",
    "satisfaction_num",
)
DIMS = ("category", "channel", "tier", "state", "grid", "handler")
WAITING = frozenset({S.SUBMITTED, S.TRIAGED, S.RETURNED})
CASE_VALUES = (
    "region_id",
    "submitted_at",
    "state",
    "resolved_at",
    "due_at",
    "respond_due_at",
    "responded_at",
    "evaluated_at",
    "due_soon_at",
    "channel",
    "tier",
    "grid_id",
    "handler_id",
)
EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
MICRO = datetime.timedelta(microseconds=1)
BATCH = 5000


def _models(apps=None):
    if apps is None:
        from grassroots.regions.models import Region

        from .models import Case, CaseDay

        return Case, CaseDay, Region
    return (
        apps.get_model("cases", "Case"),
        apps.get_model("cases", "CaseDay"),
        apps.get_model("regions", "Region"),
    )


def local_day(value: datetime.datetime) -> datetime.date:
    return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()


def day_bounds(start: datetime.date, end: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """[start 00:00, end + 1 day 00:00) in local time."""
    tz = timezone.get_current_timezone()
    lo = datetime.datetime.combine(start, datetime.time.min, tzinfo=tz)
    hi = datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz)
    return lo, hi


def micros(value: datetime.datetime | None) -> int | None:
    """An aware datetime as exact integer microseconds since the epoch (JSON-safe, comparable)."""
    return None if value is None else (value - EPOCH) // MICRO


def clock_figures(clocks, now: datetime.datetime) -> dict[str, int]:
    """on_track / due_soon / overdue of the open cases and resp_waiting (not responded to, response
    deadline passed) at `now`, from the `clock` values of CaseDay rows: the row query's conditions."""
    t = micros(now)
    on_track = due_soon = overdue = resp_waiting = 0
    for clock in clocks:
        for soon, due in clock.get("open", ()):
            overdue += due is not None and due <= t
            due_soon += soon is not None and soon <= t and due is not None and due > t
            on_track += (soon is not None and soon > t) or (soon is None and due is not None and due > t)
        resp_waiting += sum(1 for d in clock.get("respond", ()) if d <= t)
    return {"on_track": on_track, "due_soon": due_soon, "overdue": overdue, "resp_waiting": resp_waiting}


def _with_top(qs):
    return qs.annotate(_top=Coalesce("category__parent_id", "category_id", Value(0))).order_by()


class _Tally:
    """Accumulates case value rows into CaseDay rows."""

    def __init__(self):
        self.days: dict[tuple, list[int]] = defaultdict(lambda: [0] * (len(FIGURES) + 1))
        self.counts: dict[tuple, dict] = defaultdict(lambda: {d: defaultdict(int) for d in DIMS})
        self.clocks: dict[tuple, dict] = defaultdict(lambda: {"open": [], "respond": []})

    def add_submitted(
        self,
        top,
        region_id,
        submitted_at,
        state,
        resolved_at,
        due_at,
        respond_due_at,
        responded_at,
        evaluated_at,
        due_soon_at,
        channel,
        tier,
        grid_id,
        handler_id,
    ):
        key = (local_day(submitted_at), region_id)
        f = self.days[key]
        kept = state != S.MERGED
        finished = resolved_at is not None
        responded = kept and respond_due_at is not None and responded_at is not None
        evaluated = kept and evaluated_at is not None
        f[0] += 1
        f[1] += state in OPEN_STATES
        f[2] += state in WAITING
        f[3] += finished
        f[4] += state == S.CLOSED_UNRESOLVED
        f[5] += finished and due_at is not None and resolved_at <= due_at
        f[6] += finished and due_at is not None and resolved_at > due_at
        f[7] += responded and responded_at <= respond_due_at
        f[8] += responded
        f[9] += state in (S.CLOSED, S.CLOSED_UNRESOLVED)
        f[10] += state == S.CLOSED
        f[11] += evaluated
        f[12] += evaluated and state != S.CLOSED_UNRESOLVED
        if state in OPEN_STATES:
            self.clocks[key]["open"].append([micros(due_soon_at), micros(due_at)])
        if kept and responded_at is None and respond_due_at is not None:
            self.clocks[key]["respond"].append(micros(respond_due_at))
        c = self.counts[key]
        for dim, value in zip(DIMS, (top or 0, channel, tier or "", state, grid_id, handler_id), strict=True):
            if value is not None:
                c[dim][str(value)] += 1

    def add_resolved(self, region_id, resolved_at):
        self.days[(local_day(resolved_at), region_id)][len(FIGURES)] += 1

    def rows(self, CaseDay, paths: dict[int, str]) -> list:
        out = []
        for (day, rid), f in self.days.items():
            counts = self.counts.get((day, rid)) or {}
            clock = self.clocks.get((day, rid)) or {}
            out.append(
                CaseDay(
                    day=day,
                    region_id=rid,
                    region_path=paths.get(rid, ""),
                    resolved=f[len(FIGURES)],
                    counts={d: dict(v) for d, v in counts.items() if v},
                    clock={k: v for k, v in clock.items() if v},
                    **dict(zip(FIGURES, f, strict=False)),
                )
            )
        return out


def month_rows(day_rows, CaseDay) -> list:
    """The month rows (month=True, day = the 1st) summing these day rows per (month, community)."""
    groups: dict[tuple, list] = defaultdict(list)
    for r in day_rows:
        groups[(r.day.replace(day=1), r.region_id)].append(r)
    out = []
    for (first, rid), rows in groups.items():
        counts: dict[str, dict] = {}
        clock: dict[str, list] = {}
        for r in rows:
            for dim, values in r.counts.items():
                acc = counts.setdefault(dim, {})
                for key, n in values.items():
                    acc[key] = acc.get(key, 0) + n
            for kind, values in r.clock.items():
                clock.setdefault(kind, []).extend(values)
        out.append(
            CaseDay(
                day=first,
                region_id=rid,
                region_path=rows[0].region_path,
                month=True,
                counts=counts,
                clock=clock,
                **{f: sum(getattr(r, f) for r in rows) for f in (*FIGURES, "resolved")},
            )
        )
    return out


def whole_months(start: datetime.date, end: datetime.date) -> list[tuple[datetime.date, datetime.date]]:
    """The calendar months lying wholly within [start, end]: (first day, last day)."""
    out = []
    first = start.replace(day=1)
    while first <= end:
        following = (first + datetime.timedelta(days=32)).replace(day=1)
        last = following - datetime.timedelta(days=1)
        if first >= start and last <= end:
            out.append((first, last))
        first = following
    return out


def _fill(tally: _Tally, Case, submitted_q: Q, resolved_q: Q) -> None:
    for row in _with_top(Case.objects.filter(submitted_q)).values_list("_top", *CASE_VALUES).iterator(BATCH):
        tally.add_submitted(*row)
    resolved = Case.objects.filter(resolved_q, resolved_at__isnull=False)
    for row in resolved.order_by().values_list("region_id", "resolved_at").iterator(BATCH):
        tally.add_resolved(*row)


def _paths(Region, region_ids) -> dict[int, str]:
    return dict(Region.objects.filter(pk__in=set(region_ids)).values_list("pk", "path"))


# ------------------------------------------------------------------------------------------ refresh
def rebuild(apps=None) -> int:
    """Every row anew from the cases, one month of submissions / resolutions at a time (memory stays
    one month's rows), in one transaction (readers see the old rows until it commits). Returns rows."""
    Case, CaseDay, Region = _models(apps)
    span = Case.objects.aggregate(lo=Min("submitted_at"), hi=Max("submitted_at"), rhi=Max("resolved_at"))
    written = 0
    paths = dict(Region.objects.values_list("pk", "path"))
    with transaction.atomic():
        CaseDay.objects.all().delete()
        if span["lo"] is None:
            return 0
        first = local_day(span["lo"]).replace(day=1)
        last = max(local_day(span["hi"]), local_day(span["rhi"]) if span["rhi"] else first)
        month = first
        while month <= last:
            following = (month + datetime.timedelta(days=32)).replace(day=1)
            lo, hi = day_bounds(month, following - datetime.timedelta(days=1))
            tally = _Tally()
            _fill(
                tally,
                Case,
                Q(submitted_at__gte=lo, submitted_at__lt=hi),
                Q(resolved_at__gte=lo, resolved_at__lt=hi),
            )
            days = tally.rows(CaseDay, paths)
            days += month_rows(days, CaseDay)
            CaseDay.objects.bulk_create(days, batch_size=2000)
            written += len(days)
            month = following
    return written


def _lock(region_id: int, day: datetime.date) -> None:
    """Serialise the refreshes of one bucket (PostgreSQL; SQLite serialises every write anyway)."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(%s, %s)", [int(region_id), day.toordinal()])


def refresh(buckets) -> int:
    """Recompute the (local day, community id) buckets given; returns rows written."""
    Case, CaseDay, Region = _models()
    buckets = {(d, r) for d, r in buckets if d is not None and r is not None}
    if not buckets:
        return 0
    written = 0
    paths = _paths(Region, [r for _d, r in buckets])
    for day, rid in sorted(buckets):
        lo, hi = day_bounds(day, day)
        for attempt in (1, 2):  # a concurrent refresh of the same bucket may insert first: recount once
            try:
                with transaction.atomic():
                    # Count after taking the bucket's lock: a refresh that waited sees every case the
                    # one before it saw, so the last write is never the staler one.
                    _lock(rid, day)
                    tally = _Tally()
                    _fill(
                        tally,
                        Case,
                        Q(region_id=rid, submitted_at__gte=lo, submitted_at__lt=hi),
                        Q(region_id=rid, resolved_at__gte=lo, resolved_at__lt=hi),
                    )
                    days = tally.rows(CaseDay, paths)
                    CaseDay.objects.filter(day=day, region_id=rid, month=False).delete()
                    CaseDay.objects.bulk_create(days)
                    # and the month row of that community, from its day rows (at most 31)
                    first = day.replace(day=1)
                    last = (first + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1)
                    in_month = CaseDay.objects.filter(region_id=rid, day__gte=first, day__lte=last)
                    in_month.filter(month=True).delete()
                    CaseDay.objects.bulk_create(month_rows(in_month.filter(month=False), CaseDay))
                break
            except IntegrityError:
                if attempt == 2:
                    raise
        written += len(days)
    return written


def _queue(buckets) -> None:
    from .tasks import refresh_case_days

    try:
        refresh_case_days.enqueue(sorted([d.isoformat(), r] for d, r in buckets))
    except Exception:  # noqa: BLE001 (a figure must never fail the write; the nightly rollup repairs it)
        log.exception("case statistics summary refresh not queued for %s", sorted(buckets))


def touch(case, *moments) -> None:
    """After commit, queue the recount of the buckets of `case` (cases.tasks.refresh_case_days): its
    submission day, its resolution day and any other moments given (e.g. the resolution day a reopen
    just cleared). Queued rather than run in the request: run there, the recount (about 25 ms, and
    serialised per bucket) cut the submit throughput over HTTP from 57 % to 7 % of a trivial endpoint
    (bench cases figure 3, 4 clients on one community)."""
    if case.region_id is None:
        return
    buckets = {
        (local_day(m), case.region_id)
        for m in (case.submitted_at, case.resolved_at, *moments)
        if m is not None
    }
    if buckets:
        transaction.on_commit(lambda: _queue(buckets))
