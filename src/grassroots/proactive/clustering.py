"""Hot topics: clusters of cases by category, place and text over a period (PRO-1 parameters).

A cluster is the set of cases that

1. lie in a place: the subtree of one region node at a level (city, district, street, community),
2. have one category, and
3. optionally mention a keyword: the description contains it (case-insensitive substring).

`cluster_cases()` is that definition as a queryset; the computation below applies the same rules in
memory over one read of the cases of the two periods, so the counts stored on HotTopic rows equal what
`cluster_cases()` counts over the same dates.

A cluster of a level is hot when it has at least `hot_min_cases` cases in the period (the last
`hot_window_days` days before the run's day). Its keywords are the words (jieba tokens, the same tokenizer
as category suggestion) found in the most descriptions of the period. The most frequent word that at least
`keyword_min_cases` descriptions contain, but not all of them (a word in every description says no more
than the category), makes a narrower hot topic of its own (category + place + keyword): the same
complaint about the same thing.
"""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from grassroots.cases.models import Case
from grassroots.regions.models import Region

from .models import LEVEL_DEPTH, HotTopic, HotTopicRun, Level, RunState, Trend

RULE_ID = "PRO-1"
DEFAULTS = {
    "hot_window_days": 30,
    "hot_min_cases": 3,
    "keyword_min_cases": 3,
    "flat_pct": 10,
    "effect_window_days": 30,
}
BUCKETS_PER_PERIOD = 6
SAMPLES = 5
KEYWORDS = 5


def params() -> dict:
    """The PRO-1 rule parameters (standards.Rule), each falling back to its default."""
    from grassroots.standards.models import Rule

    rule = Rule.objects.filter(code=RULE_ID).first()
    out = dict(DEFAULTS)
    if rule is not None and rule.enabled:
        for name, default in DEFAULTS.items():
            value = rule.param(name, default)
            out[name] = int(value) if isinstance(value, int | float) and value > 0 else default
    return out


def local_midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def cluster_cases(place: Region, category_id: int, keyword: str = "", qs=None):
    """The cases of a cluster (see the module docstring), any date."""
    qs = Case.objects.all() if qs is None else qs
    qs = qs.filter(region__path__startswith=place.path, category_id=category_id)
    return qs.filter(description__icontains=keyword) if keyword else qs


def trend_of(current: int, previous: int, flat_pct: int) -> tuple[str, int | None]:
    """(trend, change % rounded) of a count against the previous period's; no % when it was 0."""
    if previous == 0:
        return (Trend.NEW if current else Trend.FLAT), None
    pct = round((current - previous) * 100 / previous)
    if abs(pct) < flat_pct:
        return Trend.FLAT, pct
    return (Trend.UP if pct > 0 else Trend.DOWN), pct


@dataclass
class _Cluster:
    current: list = field(default_factory=list)  # (number, text, submitted local date)
    previous: list = field(default_factory=list)


def _tokens(text: str) -> list[str]:
    from grassroots.cases.suggest import tokens

    return tokens(text)


def compute(today: datetime.date, p: dict | None = None) -> tuple[list[HotTopic], int, datetime.date]:
    """Unsaved HotTopic rows (without run) for the period ending before `today`; also the number of
    cases read and the period's first day."""
    p = p or params()
    days = p["hot_window_days"]
    start = today - datetime.timedelta(days=days)
    prev_start = start - datetime.timedelta(days=days)
    rows = (
        Case.objects.filter(
            submitted_at__gte=local_midnight(prev_start),
            submitted_at__lt=local_midnight(today),
            category__isnull=False,
        )
        .order_by("-submitted_at", "-id")
        .values_list("number", "region__path", "category_id", "description", "submitted_at")
    )
    clusters: dict[tuple[str, str, int], _Cluster] = defaultdict(_Cluster)
    steplen = Region.steplen
    n = 0
    for number, path, category_id, text, submitted in rows.iterator(chunk_size=2000):
        n += 1
        day = timezone.localdate(submitted)
        item = (number, (text or "").lower(), day)
        for level, depth in LEVEL_DEPTH.items():
            place = path[: steplen * depth]
            if len(place) < steplen * depth:
                continue
            c = clusters[(level, place, category_id)]
            (c.current if day >= start else c.previous).append(item)
    hot = [(k, c) for k, c in clusters.items() if len(c.current) >= p["hot_min_cases"]]
    regions = {r.path: r for r in Region.objects.filter(path__in={k[1] for k, _c in hot})}
    bucket_days = max(1, days // BUCKETS_PER_PERIOD)
    n_buckets = -(-2 * days // bucket_days)
    token_cache: dict[str, list[str]] = {}
    out: list[HotTopic] = []
    now = timezone.now()

    def series(items) -> list:
        counts = [0] * n_buckets
        for _num, _t, day in items:
            counts[min((day - prev_start).days // bucket_days, n_buckets - 1)] += 1
        return [
            [(prev_start + datetime.timedelta(days=i * bucket_days)).isoformat(), counts[i]]
            for i in range(n_buckets)
        ]

    def row(level, place, category_id, keyword, current, previous, words) -> HotTopic:
        trend, pct = trend_of(len(current), len(previous), p["flat_pct"])
        region = regions[place]
        return HotTopic(
            key=f"{level}:{region.code}:{category_id}:{keyword}"[:120],
            level=level,
            region=region,
            category_id=category_id,
            keyword=keyword,
            period_start=start,
            period_end=today,
            case_count=len(current),
            previous_count=len(previous),
            trend=trend,
            change_pct=pct,
            sample_numbers=[num for num, _t, _d in current[:SAMPLES]],
            keywords=words,
            series=series(current + previous),
            computed_at=now,
        )

    for (level, place, category_id), c in sorted(hot, key=lambda kc: kc[0]):
        if place not in regions:
            continue
        df: Counter = Counter()
        for number, text, _day in c.current:
            if number not in token_cache:
                token_cache[number] = _tokens(text)
            df.update(set(token_cache[number]))
        ranked = df.most_common()
        words = [w for w, k in ranked[:KEYWORDS] if k >= 2]
        out.append(row(level, place, category_id, "", c.current, c.previous, words))
        # The narrower topic: the most frequent word that some but not all of the descriptions contain.
        for word, k in ranked:
            if k < p["keyword_min_cases"]:
                break
            keyword = word[:30]
            current = [i for i in c.current if keyword in i[1]]
            if p["keyword_min_cases"] <= len(current) < len(c.current):
                previous = [i for i in c.previous if keyword in i[1]]
                sub = [w for w in words if w != keyword]
                out.append(
                    row(level, place, category_id, keyword, current, previous, [keyword, *sub][:KEYWORDS])
                )
                break
    return out, n, start


def execute_run(run_id: int, *, today: datetime.date | None = None) -> HotTopicRun:
    """Compute the hot topics of run `run_id` and make them the current ones (the task body): the rows
    of earlier runs are removed in the same transaction, so pages never see two runs mixed."""
    claimed = HotTopicRun.objects.filter(pk=run_id, state=RunState.QUEUED).update(
        state=RunState.RUNNING, started_at=timezone.now()
    )
    run = HotTopicRun.objects.get(pk=run_id)
    if not claimed:
        return run
    try:
        today = today or timezone.localdate()
        p = params()
        topics, n_cases, start = compute(today, p)
        with transaction.atomic():
            for t in topics:
                t.run = run
            HotTopic.objects.bulk_create(topics, batch_size=500)
            HotTopic.objects.exclude(run=run).delete()
            HotTopicRun.objects.filter(pk=run.pk).update(
                state=RunState.DONE,
                finished_at=timezone.now(),
                period_start=start,
                period_end=today,
                window_days=p["hot_window_days"],
                cases=n_cases,
                topics=len(topics),
            )
    except Exception as exc:  # the run must not stay "running" forever
        HotTopicRun.objects.filter(pk=run.pk).update(
            state=RunState.FAILED, finished_at=timezone.now(), error=str(exc)[:500]
        )
        raise
    run.refresh_from_db()
    return run


def latest_run() -> HotTopicRun | None:
    return HotTopicRun.objects.filter(state=RunState.DONE).order_by("-finished_at", "-id").first()


def active_run() -> HotTopicRun | None:
    return HotTopicRun.objects.filter(state__in=[RunState.QUEUED, RunState.RUNNING]).first()


def viewer_level(user) -> str:
    """The widest level the user's grants reach (city for a city-wide role), the default of the list."""
    from grassroots.core.scoping import grants_for

    depths = [
        len(g.region_path) // Region.steplen
        for g in grants_for(user)
        if "proactive.view" in g.perms and g.region_path is not None
    ]
    if user.is_superuser or any(d == 0 for d in depths):
        return Level.CITY
    depth = min((d for d in depths if d > 0), default=4)
    return {1: Level.CITY, 2: Level.DISTRICT, 3: Level.STREET}.get(depth, Level.COMMUNITY)
