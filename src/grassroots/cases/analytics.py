"""Case alerts per scope (GOV-5): due soon, overdue, repeated cases at one place, cases returned again.

Everything is derived at read time from the case rows, never set by a job:

* due soon / overdue: open cases (dispatched, accepted, in progress) whose due_soon_at / due_at has
  passed (due_soon_at is placed at GOV-5 due_soon_ratio of the working time when the case is dispatched);
* repeated: at least `repeat_count` cases of one category within `repeat_radius_m` metres of a case,
  all submitted within the last `repeat_days` days (merged duplicates excluded). Computed with a bucket
  pass: points are hashed into cells one radius wide and only the 3 × 3 neighbouring cells of a case are
  compared, so the cost grows with the number of cases, not its square;
* returned: cases not yet finished that were returned (退单) at least `returned_times` times.

The parameters are read from the GOV-5 row of the Rule table on every call (a city can tune them).
Scope: `Case.objects.visible_to(user)`, for users whose case permission covers a region (staff).
"""

from __future__ import annotations

import datetime
import math
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.utils import timezone

from grassroots.core.errors import NotFound, ServiceError
from grassroots.core.rules import Rule
from grassroots.core.scoping import grants_for
from grassroots.regions.models import Region

from .models import Case, Category
from .workflow import AWAITING_RESPONSE, FINAL_STATES, OPEN_STATES, CaseState

KINDS = {
    "overdue": "超期",
    "due_soon": "临期",
    "response_overdue": "响应超时",
    "response_due_soon": "响应临期",
    "repeat": "重复诉求",
    "returned": "多次退单",
}
CASE_KINDS = ("overdue", "due_soon", "response_overdue", "response_due_soon", "returned")
EARTH_RADIUS_M = 6_371_008.8
M_PER_DEG = math.pi * EARTH_RADIUS_M / 180
DISTANCE_TOLERANCE_M = 1e-6  # "within 50 m" includes exactly 50 m despite float rounding

GOV5_DEFAULTS = {
    "due_soon_ratio": 0.8,
    "repeat_count": 3,
    "repeat_radius_m": 50,
    "repeat_days": 30,
    "returned_times": 2,
    "response_hours": 24,
}


@dataclass(frozen=True)
class AlertParams:
    due_soon_ratio: float
    repeat_count: int
    repeat_radius_m: float
    repeat_days: int
    returned_times: int
    response_hours: int = 24  # GOV-5 response deadline: hours from submission to the first dispatch


def _number(params: dict, name: str, kind=int, minimum=1):
    value = params.get(name, GOV5_DEFAULTS[name])
    if isinstance(value, bool) or not isinstance(value, int | float) or value < minimum:
        raise ServiceError(f"规则 GOV-5 的参数 {name} 设置有误，请在规则配置中修正", status=500)
    return kind(value)


def alert_params() -> AlertParams:
    """GOV-5 parameters from the Rule table (defaults of RULES.md for keys a city removed)."""
    rule = Rule.objects.filter(code="GOV-5").only("params").first()
    params = (rule.params if rule else None) or {}
    return AlertParams(
        due_soon_ratio=_number(params, "due_soon_ratio", float, 0),
        repeat_count=_number(params, "repeat_count"),
        repeat_radius_m=_number(params, "repeat_radius_m", float),
        repeat_days=_number(params, "repeat_days"),
        returned_times=_number(params, "returned_times"),
        response_hours=_number(params, "response_hours"),
    )


# ------------------------------------------------------------------------------------------ scope
def can_see_alerts(user) -> bool:
    """Staff whose case permission covers a region (not residents' own-records grants)."""
    if user is None or not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    return any("cases.view" in g.perms and g.region_path is not None for g in grants_for(user))


def require_alerts(user) -> None:
    if not can_see_alerts(user):
        raise NotFound("页面不存在")


def scoped_cases(user, region: str = "", category: str | int | None = None):
    """Visible cases, narrowed to a region subtree (code) and a category (its own id or its parent's).

    An unknown or out-of-scope region code is a NotFound; an unknown category a ServiceError."""
    qs = Case.objects.visible_to(user, "view")
    if region:
        node = Region.objects.visible_to(user).filter(code=region).only("path").first()
        if node is None:
            raise NotFound("区划不存在或不在管辖范围内")
        qs = qs.filter(region__path__startswith=node.path)
    if category not in (None, ""):
        try:
            cid = int(category)
        except (TypeError, ValueError):
            raise ServiceError("事项类别不正确", field="category") from None
        if not Category.objects.filter(pk=cid).exists():
            raise ServiceError("事项类别不存在", field="category")
        qs = qs.filter(Q(category_id=cid) | Q(category__parent_id=cid))
    return qs


# ------------------------------------------------------------------------------------------ rules
def overdue_q(now) -> Q:
    return Q(state__in=OPEN_STATES, due_at__lte=now)


def due_soon_q(now) -> Q:
    return Q(state__in=OPEN_STATES, due_soon_at__lte=now, due_at__gt=now)


def response_overdue_q(now) -> Q:
    return Q(responded_at__isnull=True, state__in=AWAITING_RESPONSE, respond_due_at__lte=now)


def response_due_soon_q(now) -> Q:
    return Q(
        responded_at__isnull=True,
        state__in=AWAITING_RESPONSE,
        respond_soon_at__lte=now,
        respond_due_at__gt=now,
    )


def returned_q(params: AlertParams) -> Q:
    return Q(return_count__gte=params.returned_times) & ~Q(state__in=FINAL_STATES)


def alert_cases(qs, kind: str, now=None, params: AlertParams | None = None):
    """The cases of one case-based alert kind, most urgent first."""
    now = now or timezone.now()
    if kind == "overdue":
        return qs.filter(overdue_q(now)).order_by("due_at", "id")
    if kind == "due_soon":
        return qs.filter(due_soon_q(now)).order_by("due_at", "id")
    if kind == "response_overdue":
        return qs.filter(response_overdue_q(now)).order_by("respond_due_at", "id")
    if kind == "response_due_soon":
        return qs.filter(response_due_soon_q(now)).order_by("respond_due_at", "id")
    if kind == "returned":
        params = params or alert_params()
        return qs.filter(returned_q(params)).order_by("-return_count", "-submitted_at", "-id")
    raise ServiceError("预警类型不正确", field="kind")


def haversine_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


@dataclass
class Cluster:
    category_id: int
    case_ids: list[int]
    lat: float
    lng: float
    first_at: datetime.datetime
    last_at: datetime.datetime
    cases: list = field(default_factory=list)  # Case rows (filled by repeat_clusters(load=True))

    @property
    def count(self) -> int:
        return len(self.case_ids)

    @property
    def category(self):
        return self.cases[0].category if self.cases else None


def find_clusters(points, radius_m: float, min_count: int) -> list[list[int]]:
    """points: [(id, category_id, lat, lng)]. Groups of ids where some point has ≥ min_count points of
    its category (itself included) within radius_m; groups sharing a point are merged (union-find).

    Cells are radius_m tall and, in longitude, wide enough at the highest latitude of the batch, so two
    points within the radius always sit in the same or adjacent cells."""
    if not points or min_count < 1:
        return []
    max_lat = max(abs(p[2]) for p in points)
    cell_lat = radius_m / M_PER_DEG
    cell_lng = radius_m / (M_PER_DEG * max(math.cos(math.radians(min(max_lat, 89.9))), 1e-6))
    buckets: dict[tuple, list[int]] = defaultdict(list)
    keys = []
    for i, (_pid, cat, lat, lng) in enumerate(points):
        key = (cat, math.floor(lat / cell_lat), math.floor(lng / cell_lng))
        buckets[key].append(i)
        keys.append(key)
    parent = list(range(len(points)))

    def find(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    in_cluster = set()
    limit = radius_m + DISTANCE_TOLERANCE_M
    for i, (_pid, cat, lat, lng) in enumerate(points):
        _c, cy, cx = keys[i]
        near = []
        for dy in (-1, 0, 1):
            for dx in (-1, 0, 1):
                for j in buckets.get((cat, cy + dy, cx + dx), ()):
                    if j == i or haversine_m(lat, lng, points[j][2], points[j][3]) <= limit:
                        near.append(j)
        if len(near) >= min_count:
            for j in near:
                in_cluster.add(j)
                ri, rj = find(i), find(j)
                if ri != rj:
                    parent[rj] = ri
    groups: dict[int, list[int]] = defaultdict(list)
    for i in sorted(in_cluster):
        groups[find(i)].append(points[i][0])
    return sorted(groups.values(), key=lambda ids: (-len(ids), ids[0]))


def repeat_clusters(qs, now=None, params: AlertParams | None = None, load: bool = True) -> list[Cluster]:
    """Places with repeated cases in the window, largest first: one query for the places, one for the
    submission times of the clustered cases (or, with `load`, their Case rows)."""
    now = now or timezone.now()
    params = params or alert_params()
    since = now - datetime.timedelta(days=params.repeat_days)
    rows = list(
        qs.filter(
            submitted_at__gte=since,
            submitted_at__lte=now,
            lat__isnull=False,
            lng__isnull=False,
            category__isnull=False,
        )
        .exclude(state=CaseState.MERGED)
        .order_by()
        .values_list("id", "category_id", "lat", "lng")
    )
    where = {r[0]: (r[2], r[3]) for r in rows}
    cats = {r[0]: r[1] for r in rows}
    groups = find_clusters(rows, params.repeat_radius_m, params.repeat_count)
    # The submission times of the clustered cases only: converting the timestamps of every case in the
    # window (some 15k at the city preset) cost more than the clustering itself.
    wanted = [i for ids in groups for i in ids]
    by_id: dict = {}
    when: dict = {}
    if load and wanted:
        by_id = Case.objects.select_related("category__parent", "region", "handler").in_bulk(wanted)
        when = {pk: case.submitted_at for pk, case in by_id.items()}
    else:
        for i in range(0, len(wanted), 2000):
            when.update(Case.objects.filter(pk__in=wanted[i : i + 2000]).values_list("id", "submitted_at"))
    clusters = []
    for ids in groups:
        times = [when[i] for i in ids]
        clusters.append(
            Cluster(
                category_id=cats[ids[0]],
                case_ids=ids,
                lat=round(sum(where[i][0] for i in ids) / len(ids), 6),
                lng=round(sum(where[i][1] for i in ids) / len(ids), 6),
                first_at=min(times),
                last_at=max(times),
            )
        )
    if load and clusters:
        for c in clusters:
            c.cases = sorted((by_id[i] for i in c.case_ids), key=lambda x: (x.submitted_at, x.pk))
    return clusters


def alert_counts(
    user, now=None, region: str = "", category=None, params: AlertParams | None = None, clusters=None
) -> dict:
    """{overdue, due_soon, response_overdue, response_due_soon, returned, repeat (cases in repeat
    clusters), repeat_places, total} in scope:
    one aggregate query plus the repeat pass (skipped when the caller passes the `clusters` it already
    computed for the same filters). The nav badge shows `total`."""
    now = now or timezone.now()
    params = params or alert_params()
    qs = scoped_cases(user, region, category)
    counts = qs.aggregate(
        overdue=Count("id", filter=overdue_q(now)),
        due_soon=Count("id", filter=due_soon_q(now)),
        response_overdue=Count("id", filter=response_overdue_q(now)),
        response_due_soon=Count("id", filter=response_due_soon_q(now)),
        returned=Count("id", filter=returned_q(params)),
    )
    if clusters is None:
        clusters = repeat_clusters(qs, now, params, load=False)
    counts["repeat"] = sum(c.count for c in clusters)
    counts["repeat_places"] = len(clusters)
    counts["total"] = (
        counts["overdue"]
        + counts["due_soon"]
        + counts["response_overdue"]
        + counts["response_due_soon"]
        + counts["returned"]
        + counts["repeat_places"]
    )
    return counts


def time_used(case: Case, now=None) -> float | None:
    """Share of the allowed time already used (1.0 = at the deadline), for display."""
    if not case.due_at or not case.dispatched_at:
        return None
    now = now or timezone.now()
    span = (case.due_at - case.dispatched_at).total_seconds()
    if span <= 0:
        return None
    return round((now - case.dispatched_at).total_seconds() / span, 2)
