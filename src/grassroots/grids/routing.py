"""Point → grid → community → street routing.

The index is a Shapely 2 STRtree over every grid polygon, held once per process and rebuilt when the
grid version stamp (GridStamp.version, bumped by every grid write) changes. Checking the stamp costs
one indexed single-row query per call (per batch for batch routing).

Semantics (documented in the API):
- A point belongs to a grid when the grid *covers* it: the interior or the boundary. A point in a
  hole of a grid is not in that grid.
- Tie-break: a point on an edge or vertex shared by several grids goes to the grid with the
  **smallest grid code** among those covering it; the others are returned as `also`.
- A point outside every grid gets `grid = None` and the message 不在任何网格内.

Batch routing is vectorised: one `STRtree.query(points, predicate="intersects")` over the whole
array, then the tie-break as a numpy reduction, so it runs close to the bare STRtree query.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np
import shapely

from .coords import to_wgs84

NOT_IN_ANY_GRID = "不在任何网格内"


@dataclass(frozen=True)
class GridInfo:
    id: int
    code: str
    name: str
    community_code: str
    community_name: str
    street_code: str
    street_name: str


class GridIndex:
    """An STRtree over grids sorted by code, so the smallest tree index is the smallest code."""

    def __init__(self, geoms, infos: list[GridInfo], version=(0, None)):
        order = sorted(range(len(infos)), key=lambda i: infos[i].code)
        self.infos = [infos[i] for i in order]
        self.geoms = np.array([geoms[i] for i in order], dtype=object)
        self.codes = np.array([g.code for g in self.infos], dtype=object)
        self.version = version
        self.tree = shapely.STRtree(self.geoms)

    def __len__(self):
        return len(self.infos)

    def query_indices(self, lng, lat) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(best grid index or -1 per point, pair point indices, pair grid indices) for WGS-84 arrays."""
        lng = np.asarray(lng, dtype=float)
        lat = np.asarray(lat, dtype=float)
        points = shapely.points(lng, lat)
        best = np.full(len(points), -1, dtype=np.int64)
        if len(self.infos) == 0 or len(points) == 0:
            return best, np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
        pt_idx, grid_idx = self.tree.query(points, predicate="intersects")
        if len(pt_idx):
            # Smallest grid index (= smallest code) per point: sort pairs by (point, grid) and keep the
            # first pair of each point. query() returns pairs sorted by point index already.
            order = np.lexsort((grid_idx, pt_idx))
            pt_sorted, grid_sorted = pt_idx[order], grid_idx[order]
            first = np.ones(len(pt_sorted), dtype=bool)
            first[1:] = pt_sorted[1:] != pt_sorted[:-1]
            best[pt_sorted[first]] = grid_sorted[first]
            return best, pt_sorted, grid_sorted
        return best, pt_idx, grid_idx

    def route_batch(self, lng, lat) -> np.ndarray:
        """Grid index per point (-1 = not in any grid). The fast path used for large batches."""
        return self.query_indices(lng, lat)[0]

    def route(self, lng: float, lat: float) -> dict:
        best, pts, grids = self.query_indices([lng], [lat])
        return self.answer(lng, lat, int(best[0]), [int(g) for g in grids])

    def answer(self, lng: float, lat: float, best: int, covering: list[int]) -> dict:
        if best < 0:
            return {
                "lng": lng,
                "lat": lat,
                "found": False,
                "message": NOT_IN_ANY_GRID,
                "grid": None,
                "also": [],
            }
        info = self.infos[best]
        also = sorted(self.infos[g].code for g in covering if g != best)
        return {
            "lng": lng,
            "lat": lat,
            "found": True,
            "message": "",
            "grid": {
                "code": info.code,
                "name": info.name,
                "community_code": info.community_code,
                "community_name": info.community_name,
                "street_code": info.street_code,
                "street_name": info.street_name,
            },
            "also": also,
        }

    def route_many(self, lng, lat) -> list[dict]:
        best, pts, grids = self.query_indices(lng, lat)
        covering: dict[int, list[int]] = {}
        for p, g in zip(pts.tolist(), grids.tolist()):
            covering.setdefault(p, []).append(g)
        return [
            self.answer(float(x), float(y), int(b), covering.get(i, []))
            for i, (x, y, b) in enumerate(zip(np.asarray(lng), np.asarray(lat), best))
        ]


_lock = threading.Lock()
_cache: dict[str, GridIndex] = {}


def current_version() -> tuple:
    """(version, changed_at) of the stamp: the pair also tells apart two databases at the same count."""
    from .models import GridStamp

    row = GridStamp.objects.filter(pk=1).values_list("version", "changed_at").first()
    return tuple(row) if row else (0, None)


def bump_version() -> tuple:
    """Called inside every grid write's transaction."""
    from django.db.models import F
    from django.utils import timezone

    from .models import GridStamp

    updated = GridStamp.objects.filter(pk=1).update(version=F("version") + 1, changed_at=timezone.now())
    if not updated:
        GridStamp.objects.get_or_create(pk=1, defaults={"version": 1})
    return current_version()


def build_index(version) -> GridIndex:
    from grassroots.regions.models import Region

    from .models import Grid

    rows = list(Grid.objects.values_list("id", "code", "name", "polygon", "region_id"))
    region_ids = {r[4] for r in rows}
    regions = {
        r.id: r for r in Region.objects.filter(id__in=region_ids).only("id", "code", "name", "path", "level")
    }
    street_paths = {r.path[: -Region.steplen] for r in regions.values() if r.level == "community"}
    streets = {s.path: s for s in Region.objects.filter(path__in=street_paths).only("code", "name", "path")}
    geoms, infos = [], []
    for gid, code, name, polygon, region_id in rows:
        region = regions[region_id]
        if region.level == "community":
            street = streets.get(region.path[: -Region.steplen])
            community_code, community_name = region.code, region.name
        else:
            street, community_code, community_name = region, "", ""
        geoms.append(shapely.from_geojson(_dumps(polygon)))
        infos.append(
            GridInfo(
                gid,
                code,
                name,
                community_code,
                community_name,
                street.code if street else "",
                street.name if street else "",
            )
        )
    return GridIndex(geoms, infos, version)


def _dumps(polygon) -> str:
    import json

    return json.dumps(polygon)


def get_index() -> GridIndex:
    """The process's index, rebuilt when the stamp changed since it was built."""
    version = current_version()
    index = _cache.get("index")
    if index is not None and index.version == version:
        return index
    with _lock:
        index = _cache.get("index")
        if index is None or index.version != version:
            index = build_index(version)
            _cache["index"] = index
    return index


def install_index(index: GridIndex) -> None:
    """Use a prepared index (benchmarks) until the stamp changes."""
    _cache["index"] = index


def route_point(lng: float, lat: float, system: str = "wgs84") -> dict:
    x, y = to_wgs84(lng, lat, system)
    result = get_index().route(x, y)
    result["input"] = {"lng": lng, "lat": lat, "coord_system": system}
    return result


def route_points(lngs, lats, system: str = "wgs84") -> list[dict]:
    x, y = to_wgs84(np.asarray(lngs, dtype=float), np.asarray(lats, dtype=float), system)
    out = get_index().route_many(x, y)
    for r, a, b in zip(out, lngs, lats):
        r["input"] = {"lng": float(a), "lat": float(b), "coord_system": system}
    return out


def match_building(address: str):
    """The building whose address (or "neighborhood building" name) matches; None when none or ambiguous."""
    from django.db.models import Q

    from grassroots.regions.models import Region

    text = " ".join((address or "").split())
    if len(text) < 2:
        return None
    qs = Region.objects.filter(level="building", lng__isnull=False, lat__isnull=False)
    exact = list(qs.filter(address=text)[:2])
    if len(exact) == 1:
        return exact[0]
    candidates = list(qs.filter(Q(address__contains=text) | Q(name=text.split(" ")[-1]))[:50])
    if len(candidates) > 1 and " " in text:
        hood = text.rsplit(" ", 1)[0]
        parents = {
            p.path: p for p in Region.objects.filter(path__in={c.path[: -Region.steplen] for c in candidates})
        }
        candidates = [c for c in candidates if hood in parents.get(c.path[: -Region.steplen], c).name]
    return candidates[0] if len(candidates) == 1 else None


def route_address(address: str) -> dict:
    building = match_building(address)
    if building is None:
        return {
            "lng": 0.0,
            "lat": 0.0,
            "found": False,
            "message": "未找到唯一匹配的楼栋地址",
            "grid": None,
            "also": [],
            "input": {"address": address},
        }
    result = get_index().route(building.lng, building.lat)
    result["input"] = {"address": address, "building": building.code}
    return result
