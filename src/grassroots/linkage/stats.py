"""GOV-7 computed: contact-point coverage, visits per quarter per contact point, points per leader.

A visit counts for a contact point when it is a cases.Visit of kind contact_point, made inside the
point's region (the community itself, or any place within a contact street), by the point's leader
(the visit's registering account is the leader's linked account, or its visitor name is the
leader's name), on a day the point was active. Matching needs no link column on cases.Visit, so a
visit logged before its contact point was recorded still counts, and the visit form is unchanged.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone

from grassroots.regions.models import Region

from .models import ContactPoint, Leader

DEFAULTS = {"visits_per_quarter": 1, "max_points_per_leader": 3, "full_coverage": True}


def gov7_params() -> dict:
    from grassroots.core.rules import Rule

    rule = Rule.objects.filter(code="GOV-7").only("params").first()
    params = dict(DEFAULTS)
    if rule is not None:
        params.update({k: rule.params[k] for k in DEFAULTS if k in (rule.params or {})})
    for key in ("visits_per_quarter", "max_points_per_leader"):
        try:
            params[key] = max(0 if key == "visits_per_quarter" else 1, int(params[key]))
        except (TypeError, ValueError):
            params[key] = DEFAULTS[key]
    params["full_coverage"] = bool(params["full_coverage"])
    return params


@dataclass(frozen=True)
class Quarter:
    year: int
    q: int

    @classmethod
    def of(cls, day: datetime.date) -> Quarter:
        return cls(day.year, (day.month - 1) // 3 + 1)

    @property
    def start(self) -> datetime.date:
        return datetime.date(self.year, 3 * self.q - 2, 1)

    @property
    def end(self) -> datetime.date:
        nxt = self.next().start
        return nxt - datetime.timedelta(days=1)

    def next(self) -> Quarter:
        return Quarter(self.year + 1, 1) if self.q == 4 else Quarter(self.year, self.q + 1)

    def previous(self) -> Quarter:
        return Quarter(self.year - 1, 4) if self.q == 1 else Quarter(self.year, self.q - 1)

    @property
    def label(self) -> str:
        return f"{self.year}年第{self.q}季度"


def _visits(paths: list[str], start: datetime.date, end: datetime.date) -> list[dict]:
    from grassroots.cases.models import Visit, VisitKind

    if not paths:
        return []
    tz = timezone.get_current_timezone()
    lo = datetime.datetime.combine(start, datetime.time.min, tzinfo=tz)
    hi = datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz)
    roots = sorted(set(paths))
    q = Q()
    for p in roots:
        q |= Q(region__path__startswith=p)
    return list(
        Visit.objects.filter(q, kind=VisitKind.CONTACT_POINT, visited_at__gte=lo, visited_at__lt=hi).values(
            "id", "region__path", "visitor_id", "visitor_name", "visited_at"
        )
    )


def visit_counts(points: list[ContactPoint], start: datetime.date, end: datetime.date) -> dict[int, int]:
    """Contact point id -> visits matched in [start, end] (points need leader and region selected)."""
    counts = {p.pk: 0 for p in points}
    if not points:
        return counts
    visits = _visits([p.region.path for p in points], start, end)
    by_name: dict[str, list[dict]] = defaultdict(list)
    by_user: dict[int, list[dict]] = defaultdict(list)
    for v in visits:
        by_name[v["visitor_name"].strip()].append(v)
        if v["visitor_id"]:
            by_user[v["visitor_id"]].append(v)
    for p in points:
        lo = max(start, p.start_on)
        hi = min(end, p.end_on) if p.end_on else end
        seen = set()
        for v in by_name.get(p.leader.name, []) + by_user.get(p.leader.user_id or 0, []):
            if v["id"] in seen or not v["region__path"].startswith(p.region.path):
                continue
            day = timezone.localtime(v["visited_at"]).date()
            if lo <= day <= hi:
                seen.add(v["id"])
        counts[p.pk] = len(seen)
    return counts


@dataclass
class PointState:
    point: ContactPoint
    last: int
    current: int
    need: int

    @property
    def last_met(self) -> bool:
        return self.last >= self.need

    @property
    def current_met(self) -> bool:
        return self.current >= self.need


def active_points(qs, day: datetime.date):
    return qs.filter(start_on__lte=day).filter(Q(end_on__isnull=True) | Q(end_on__gte=day))


def point_states(points: list[ContactPoint], today: datetime.date, need: int) -> list[PointState]:
    quarter = Quarter.of(today)
    last_q = quarter.previous()
    last = visit_counts(points, last_q.start, last_q.end)
    current = visit_counts(points, quarter.start, today)
    return [PointState(p, last[p.pk], current[p.pk], need) for p in points]


def coverage(within: Region, points_qs, today: datetime.date) -> dict:
    """Communities under `within` with and without an active community contact point."""
    communities = list(
        Region.objects.filter(path__startswith=within.path, level="community")
        .only("id", "code", "name", "path", "polygon")
        .order_by("path")
    )
    covered_ids = set(
        active_points(points_qs, today)
        .filter(region__level="community", region__path__startswith=within.path)
        .values_list("region_id", flat=True)
    )
    covered = [c for c in communities if c.pk in covered_ids]
    uncovered = [c for c in communities if c.pk not in covered_ids]
    total = len(communities)
    return {
        "communities": communities,
        "covered": covered,
        "uncovered": uncovered,
        "total": total,
        "rate": round(100 * len(covered) / total) if total else 100,
    }


def over_limit(leaders_qs, today: datetime.date, limit: int) -> list[tuple[Leader, int]]:
    from django.db.models import Count

    rows = leaders_qs.annotate(
        n=Count(
            "contact_points",
            filter=Q(contact_points__start_on__lte=today)
            & (Q(contact_points__end_on__isnull=True) | Q(contact_points__end_on__gte=today)),
        )
    ).filter(n__gt=limit)
    return [(leader, leader.n) for leader in rows.select_related("region")]


# ------------------------------------------------------------------ the registered GOV-7 check
WARN_DAYS = 15


def _orgs_by_region(region_ids) -> dict[int, dict]:
    """The top party org of each region (社区党委, 街道党工委, 区委…), as checker rows."""
    from grassroots.party.models import PartyOrg

    out: dict[int, dict] = {}
    rows = (
        PartyOrg.objects.filter(region_id__in=set(region_ids))
        .order_by("depth", "path")
        .values("id", "name", "code", "region_id", "region__path", "region__name")
    )
    for r in rows:
        out.setdefault(r["region_id"], r)
    return out


def check_gov7(c, rule):
    """Findings against the party org of the region concerned: an uncovered community, a contact
    point visited fewer than [visits_per_quarter] times last quarter (violation) or not yet this
    quarter with under WARN_DAYS days left (warning), a leader over [max_points_per_leader]."""
    from grassroots.core.rules import RuleParamError, Severity

    try:
        need = int(rule.param("visits_per_quarter", DEFAULTS["visits_per_quarter"]))
        limit = int(rule.param("max_points_per_leader", DEFAULTS["max_points_per_leader"]))
    except (TypeError, ValueError) as exc:
        raise RuleParamError("GOV-7 参数应为整数") from exc
    full = bool(rule.param("full_coverage", True))
    today = c.today
    roots = [c.within] if c.within is not None else list(Region.objects.filter(depth=1))
    points_qs = ContactPoint.objects.all()
    quarter = Quarter.of(today)
    days_left = (quarter.end - today).days
    pending: list[tuple[int, str, str]] = []  # (region id, severity, message)
    for root in roots:
        if full:
            for community in coverage(root, points_qs, today)["uncovered"]:
                pending.append((community.pk, Severity.VIOLATION, f"{community.name}没有市、区领导联系点"))
        points = list(
            active_points(points_qs, today)
            .filter(region__path__startswith=root.path)
            .select_related("leader", "region")
        )
        for s in point_states(points, today, need):
            p = s.point
            who = f"{p.leader.name}（{p.leader.post}）"
            if p.start_on <= quarter.previous().start and not s.last_met:
                pending.append(
                    (
                        p.region_id,
                        Severity.VIOLATION,
                        f"{who}联系{p.region.name}，{quarter.previous().label}"
                        f"走访 {s.last} 次，要求至少 {need} 次",
                    )
                )
            elif not s.current_met and days_left < WARN_DAYS:
                pending.append(
                    (
                        p.region_id,
                        Severity.WARNING,
                        f"{who}联系{p.region.name}，{quarter.label}尚未完成走访（{s.current}/{need} 次）",
                    )
                )
        for leader, n in over_limit(Leader.objects.filter(region__path__startswith=root.path), today, limit):
            pending.append(
                (
                    leader.region_id,
                    Severity.VIOLATION,
                    f"{leader.name}（{leader.post}）联系点 {n} 个，超过上限 {limit} 个",
                )
            )
    orgs = _orgs_by_region(r for r, _s, _m in pending)
    for region_id, severity, message in pending:
        row = orgs.get(region_id)
        if row is not None:
            yield c._org(rule, severity, row, message)
