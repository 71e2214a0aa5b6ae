"""The 15-minute party-mass service circle (15分钟党群服务圈).

Coverage: an entrance (单元) is covered when a service point (an active center, micro-station or
outpost with a location) lies within the walking distance, measured as a straight line in local
projected metres (equirectangular around the area's latitude, as grids.geometry does; well under 1%
error within a city). Households are counted through their entrance.

Planning: greedy maximum coverage. Candidates are the uncovered entrances (where an outpost could
open); each pick is the candidate covering the most still-uncovered households, with its gain. Greedy
is the classic (1 - 1/e) approximation of maximum coverage.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
import shapely
from django.conf import settings
from django.db.models import Count

from grassroots.core.errors import ServiceError
from grassroots.grids.geometry import M_PER_DEG_LAT, M_PER_DEG_LNG

STEP = 4  # Region.steplen
MAX_CANDIDATES = 5000


def default_distance() -> int:
    return int(getattr(settings, "VENUES_CIRCLE_METRES", 1000))


def check_distance(value) -> int:
    if value in (None, ""):
        return default_distance()
    try:
        d = int(value)
    except (TypeError, ValueError) as exc:
        raise ServiceError("步行距离应为整数（米）", field="distance") from exc
    if not 100 <= d <= 5000:
        raise ServiceError("步行距离应在 100 到 5000 米之间", field="distance")
    return d


def check_k(value) -> int:
    if value in (None, ""):
        return 0
    try:
        k = int(value)
    except (TypeError, ValueError) as exc:
        raise ServiceError("规划数量应为整数", field="k") from exc
    if not 0 <= k <= 20:
        raise ServiceError("规划数量应在 0 到 20 之间", field="k")
    return k


# ---- pure computations (numpy / shapely) ---------------------------------------------------------


class Projection:
    """Local metres around a reference point."""

    def __init__(self, lng0: float, lat0: float):
        self.lng0, self.lat0 = lng0, lat0
        self.kx = M_PER_DEG_LNG * math.cos(math.radians(lat0))

    def xy(self, lng, lat) -> np.ndarray:
        lng, lat = np.asarray(lng, dtype=float), np.asarray(lat, dtype=float)
        return np.column_stack([(lng - self.lng0) * self.kx, (lat - self.lat0) * M_PER_DEG_LAT])

    def lnglat(self, x: float, y: float) -> tuple[float, float]:
        return self.lng0 + x / self.kx, self.lat0 + y / M_PER_DEG_LAT


def _pairs(a_xy: np.ndarray, b_xy: np.ndarray, distance: float) -> tuple[np.ndarray, np.ndarray]:
    """(index in a, index in b) of every pair within `distance` (STRtree on b)."""
    if len(a_xy) == 0 or len(b_xy) == 0:
        return np.zeros(0, dtype=int), np.zeros(0, dtype=int)
    tree = shapely.STRtree(shapely.points(b_xy))
    a_idx, b_idx = tree.query(shapely.points(a_xy), predicate="dwithin", distance=distance)
    return a_idx.astype(int), b_idx.astype(int)


def covered_mask(demand_xy: np.ndarray, service_xy: np.ndarray, distance: float) -> np.ndarray:
    """Whether each demand point has a service point within `distance` metres."""
    out = np.zeros(len(demand_xy), dtype=bool)
    d_idx, _s = _pairs(demand_xy, service_xy, distance)
    out[d_idx] = True
    return out


@dataclass
class Pick:
    index: int  # index into the candidates
    gain: float  # households newly covered by this pick
    points: int  # entrances newly covered


def greedy_picks(
    demand_xy: np.ndarray,
    weights: np.ndarray,
    covered: np.ndarray,
    candidates_xy: np.ndarray,
    distance: float,
    k: int,
) -> list[Pick]:
    """Greedy maximum coverage: k candidates, each maximising the still-uncovered weight it covers.
    Ties go to the lower candidate index; stops early when nothing more can be gained."""
    c_idx, d_idx = _pairs(candidates_xy, demand_xy, distance)
    uncovered = ~covered.copy()
    picks: list[Pick] = []
    weights = np.asarray(weights, dtype=float)
    for _ in range(k):
        live = uncovered[d_idx]
        if not live.any():
            break
        gains = np.bincount(c_idx[live], weights=weights[d_idx[live]], minlength=len(candidates_xy))
        best = int(np.argmax(gains))
        if gains[best] <= 0:
            break
        newly = d_idx[(c_idx == best) & live]
        uncovered[newly] = False
        picks.append(Pick(index=best, gain=float(gains[best]), points=int(len(np.unique(newly)))))
    return picks


# ---- the report over the database ----------------------------------------------------------------


@dataclass
class Area:
    code: str
    name: str
    level: str
    path: str
    entrances: int = 0
    entrances_covered: int = 0
    households: int = 0
    households_covered: int = 0

    @property
    def entrance_rate(self) -> float:
        return round(100 * self.entrances_covered / self.entrances, 1) if self.entrances else 0.0

    @property
    def household_rate(self) -> float:
        return round(100 * self.households_covered / self.households, 1) if self.households else 0.0


@dataclass
class Report:
    region: object
    distance: int
    areas: list[Area]
    total: Area
    services: list[dict] = field(default_factory=list)
    demand: list[dict] = field(default_factory=list)
    picks: list[dict] = field(default_factory=list)
    missing_points: int = 0
    projection: Projection | None = None


def _entrances(region):
    """Entrances under the region with a point (their own, else their building's) and household counts."""
    from grassroots.regions.models import Household, Region

    rows = list(
        Region.objects.filter(path__startswith=region.path, level="entrance").values_list(
            "pk", "path", "code", "name", "lng", "lat"
        )
    )
    need = {p[: len(p) - STEP] for _pk, p, _c, _n, lng, _lat in rows if lng is None}
    building_points = {}
    if need:
        building_points = {
            p: (lng, lat)
            for p, lng, lat in Region.objects.filter(path__in=need, lng__isnull=False).values_list(
                "path", "lng", "lat"
            )
        }
    counts = dict(
        Household.objects.filter(entrance__path__startswith=region.path)
        .values("entrance_id")
        .annotate(n=Count("pk"))
        .values_list("entrance_id", "n")
    )
    out, missing = [], 0
    for pk, path, code, name, lng, lat in rows:
        if lng is None:
            lng, lat = building_points.get(path[: len(path) - STEP], (None, None))
        if lng is None:
            missing += 1
            continue
        out.append((pk, path, code, name, lng, lat, counts.get(pk, 0)))
    return out, missing


def _service_points(lng_min, lng_max, lat_min, lat_max):
    from .models import ServiceCenter

    return list(
        ServiceCenter.objects.filter(
            is_active=True,
            lng__gte=lng_min,
            lng__lte=lng_max,
            lat__gte=lat_min,
            lat__lte=lat_max,
        ).values("pk", "code", "name", "level", "lng", "lat")
    )


def report(region, distance: int | None = None, k: int = 0, *, with_points: bool = True) -> Report:
    """Coverage of each street and community under `region` (itself included), and k planning picks."""
    from grassroots.regions.models import Region

    distance = check_distance(distance)
    k = check_k(k)
    ents, missing = _entrances(region)
    levels = ("street", "community")
    nodes = list(
        Region.objects.filter(path__startswith=region.path, level__in=levels)
        .order_by("path")
        .only("code", "name", "level", "path")
    )
    areas = {n.path: Area(n.code, n.name, n.level, n.path) for n in nodes}
    total = Area(region.code, region.name, region.level, region.path)
    rep = Report(
        region=region, distance=distance, areas=list(areas.values()), total=total, missing_points=missing
    )
    if not ents:
        return rep
    lngs = np.array([e[4] for e in ents])
    lats = np.array([e[5] for e in ents])
    proj = Projection(float(lngs.mean()), float(lats.mean()))
    rep.projection = proj
    demand = proj.xy(lngs, lats)
    weights = np.array([e[6] for e in ents], dtype=float)
    # Service points near the area, also across its border (a neighbour's center serves here too).
    pad_lat = distance / M_PER_DEG_LAT
    pad_lng = distance / proj.kx
    services = _service_points(
        lngs.min() - pad_lng, lngs.max() + pad_lng, lats.min() - pad_lat, lats.max() + pad_lat
    )
    s_xy = (
        proj.xy([s["lng"] for s in services], [s["lat"] for s in services]) if services else np.zeros((0, 2))
    )
    covered = covered_mask(demand, s_xy, distance)
    for i, e in enumerate(ents):
        path = e[1]
        hits = [total] + [areas[path[:n]] for n in (3 * STEP, 4 * STEP) if path[:n] in areas]
        for a in hits:
            a.entrances += 1
            a.households += e[6]
            if covered[i]:
                a.entrances_covered += 1
                a.households_covered += e[6]
    if k:
        cand = np.flatnonzero(~covered)
        if len(cand) > MAX_CANDIDATES:
            cand = cand[np.linspace(0, len(cand) - 1, MAX_CANDIDATES).astype(int)]
        # Entrances without household data still count once, so planning works on sparse data.
        w = weights if weights.sum() > 0 else np.ones(len(weights))
        for p in greedy_picks(demand, w, covered, demand[cand], distance, k):
            e = ents[int(cand[p.index])]
            rep.picks.append(
                {
                    "code": e[2],
                    "name": _entrance_label(e),
                    "lng": e[4],
                    "lat": e[5],
                    "gain": int(p.gain),
                    "entrances": p.points,
                    "xy": demand[int(cand[p.index])].tolist(),
                }
            )
    if with_points:
        rep.services = [{**s, "xy": s_xy[i].tolist()} for i, s in enumerate(services)]
        rep.demand = [
            {"code": e[2], "households": e[6], "covered": bool(covered[i]), "xy": demand[i].tolist()}
            for i, e in enumerate(ents)
        ]
    return rep


def _entrance_label(e) -> str:
    return f"{e[3]}（{e[2]}）"


def _circle(x: float, y: float, r: float, n: int = 48) -> list[list[float]]:
    t = np.linspace(0, 2 * np.pi, n + 1)
    return np.column_stack([x + r * np.cos(t), y + r * np.sin(t)]).round(1).tolist()


def chart_option(rep: Report) -> dict:
    """An ECharts option (pure JSON): covered/uncovered entrances, service points and their circles,
    planned picks and theirs, on axes in metres."""
    covered = [d["xy"] for d in rep.demand if d["covered"]]
    uncovered = [d["xy"] for d in rep.demand if not d["covered"]]
    centers = [s["xy"] + [s["name"]] for s in rep.services]
    picks = [p["xy"] + [p["name"]] for p in rep.picks]
    circles = [{"coords": _circle(s["xy"][0], s["xy"][1], rep.distance)} for s in rep.services]
    plan_circles = [{"coords": _circle(p["xy"][0], p["xy"][1], rep.distance)} for p in rep.picks]
    # The view spans the entrances and every circle around them.
    pts = covered + uncovered + [p[:2] for p in picks]
    xs = [p[0] for p in pts] or [0]
    ys = [p[1] for p in pts] or [0]
    pad = rep.distance * 1.05
    half = max(max(xs) - min(xs), max(ys) - min(ys)) / 2 + pad
    cx, cy = (max(xs) + min(xs)) / 2, (max(ys) + min(ys)) / 2
    axis = {"type": "value", "show": False, "scale": True}
    return {
        "animation": False,
        "legend": {"top": 0, "data": ["已覆盖单元", "未覆盖单元", "服务阵地", "规划驿站"]},
        "tooltip": {"trigger": "item"},
        "grid": {"left": 8, "right": 8, "top": 36, "bottom": 8, "containLabel": False},
        "xAxis": {**axis, "min": round(cx - half), "max": round(cx + half)},
        "yAxis": {**axis, "min": round(cy - half), "max": round(cy + half)},
        "dataZoom": [{"type": "inside", "xAxisIndex": 0}, {"type": "inside", "yAxisIndex": 0}],
        "series": [
            {
                "name": "服务圈",
                "type": "lines",
                "coordinateSystem": "cartesian2d",
                "polyline": True,
                "silent": True,
                "lineStyle": {"color": "#206bc4", "opacity": 0.35, "width": 1},
                "data": circles,
            },
            {
                "name": "规划服务圈",
                "type": "lines",
                "coordinateSystem": "cartesian2d",
                "polyline": True,
                "silent": True,
                "lineStyle": {"color": "#f76707", "type": "dashed", "width": 1.5},
                "data": plan_circles,
            },
            {
                "name": "已覆盖单元",
                "type": "scatter",
                "symbolSize": 5,
                "itemStyle": {"color": "#2fb344"},
                "data": covered,
            },
            {
                "name": "未覆盖单元",
                "type": "scatter",
                "symbolSize": 6,
                "itemStyle": {"color": "#d63939"},
                "data": uncovered,
            },
            {
                "name": "服务阵地",
                "type": "scatter",
                "symbol": "pin",
                "symbolSize": 18,
                "itemStyle": {"color": "#206bc4"},
                "encode": {"tooltip": 2},
                "data": centers,
            },
            {
                "name": "规划驿站",
                "type": "scatter",
                "symbol": "diamond",
                "symbolSize": 16,
                "itemStyle": {"color": "#f76707"},
                "encode": {"tooltip": 2},
                "data": picks,
            },
        ],
    }


def summary_by_level(rep: Report) -> dict[str, list[Area]]:
    out: dict[str, list[Area]] = defaultdict(list)
    for a in rep.areas:
        out[a.level].append(a)
    return out
