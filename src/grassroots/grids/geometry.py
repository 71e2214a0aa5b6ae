"""Grid geometry: parsing (GeoJSON, WKT, coordinate lists), areas in square metres, and validation.

Validation answers in Chinese and says *where*: each problem carries a WGS-84 point (lng, lat) and,
when it has one, the problem area as GeoJSON and its size in m².

Areas use a local equirectangular projection around the geometry's latitude (metres per degree of
latitude 110,574 m; of longitude 111,320 m × cos φ). Within a city this is accurate to well under 1%,
which is what tolerances and coverage gaps need; no projection library is required offline.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import asdict, dataclass, field

import numpy as np
import shapely
from shapely import wkt as shapely_wkt
from shapely.geometry import mapping, shape
from shapely.validation import explain_validity

from grassroots.core.errors import ServiceError

from .coords import geometry_to_wgs84

M_PER_DEG_LAT = 110_574.0
M_PER_DEG_LNG = 111_320.0

# Tolerances (m²): an overlap between sibling grids, a part sticking out of the parent, or a gap in
# coverage smaller than this is ignored (digitising noise).
DEFAULT_TOLERANCE_M2 = 1.0


def area_m2(geom) -> float:
    if geom is None or geom.is_empty:
        return 0.0
    lat0 = geom.centroid.y if not geom.centroid.is_empty else 0.0
    kx = M_PER_DEG_LNG * math.cos(math.radians(lat0))
    return float(geom.area * kx * M_PER_DEG_LAT)


def point_str(lng: float, lat: float) -> str:
    return f"({lng:.6f}, {lat:.6f})"


def _polygonal(geom):
    """Keep the polygonal parts of a geometry (make_valid may add lines or points)."""
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    if geom.geom_type == "GeometryCollection":
        parts = [g for g in shapely.get_parts(geom) if g.geom_type in ("Polygon", "MultiPolygon")]
        if parts:
            return shapely.union_all(parts)
    return shapely.Polygon()


def parse_geojson_geometry(data, system: str = "wgs84"):
    """A shapely Polygon/MultiPolygon from a GeoJSON geometry (dict or text). Validity is NOT checked here."""
    if isinstance(data, str):
        try:
            data = json.loads(data)
        except json.JSONDecodeError as exc:
            raise ServiceError(f"边界不是有效的 GeoJSON：{exc.msg}（第 {exc.lineno} 行）") from exc
    if not isinstance(data, dict) or "type" not in data:
        raise ServiceError("边界不是有效的 GeoJSON 几何对象（缺少 type）")
    if data.get("type") == "Feature":
        data = data.get("geometry") or {}
    if data.get("type") not in ("Polygon", "MultiPolygon"):
        raise ServiceError(f"网格边界须为 Polygon 或 MultiPolygon，而不是 {data.get('type')}")
    try:
        geom = shape(data)
    except Exception as exc:  # shapely raises several types for malformed coordinates
        raise ServiceError(f"边界坐标格式不正确：{exc}") from exc
    return _finish(geom, system)


def parse_wkt(text: str, system: str = "wgs84"):
    try:
        geom = shapely_wkt.loads(text)
    except Exception as exc:
        raise ServiceError("边界不是有效的 WKT 文本（例如 POLYGON((lng lat, ...))）") from exc
    if geom.geom_type not in ("Polygon", "MultiPolygon"):
        raise ServiceError(f"网格边界须为 POLYGON 或 MULTIPOLYGON，而不是 {geom.geom_type}")
    return _finish(geom, system)


_NUM = r"-?\d+(?:\.\d+)?"


def parse_coordinates(text: str, system: str = "wgs84"):
    """'lng,lat;lng,lat;...' (the ring; closing point optional) as typed in an Excel cell."""
    pairs = [p for p in re.split(r"[;；\n]+", (text or "").strip()) if p.strip()]
    coords = []
    for i, p in enumerate(pairs, 1):
        m = re.fullmatch(rf"\s*({_NUM})\s*[,，\s]\s*({_NUM})\s*", p)
        if not m:
            raise ServiceError(f"第 {i} 个坐标“{p.strip()}”格式不正确，应为“经度,纬度”")
        coords.append((float(m.group(1)), float(m.group(2))))
    if len(coords) < 3:
        raise ServiceError("边界至少需要 3 个坐标点")
    return _finish(shapely.Polygon(coords), system)


def _finish(geom, system):
    if geom.is_empty:
        raise ServiceError("边界为空")
    coords = shapely.get_coordinates(geom)
    if not np.all(np.isfinite(coords)):
        raise ServiceError("边界坐标含有非数字的值")
    if system == "wgs84" or not system:
        bad = (np.abs(coords[:, 0]) > 180) | (np.abs(coords[:, 1]) > 90)
        if bad.any():
            x, y = coords[bad][0]
            raise ServiceError(f"坐标 {point_str(x, y)} 超出经纬度范围，请确认经度在前、纬度在后")
    return geometry_to_wgs84(geom, system)


def to_geojson(geom) -> dict:
    return json.loads(json.dumps(mapping(geom)))


def from_stored(polygon: dict):
    return shape(polygon)


@dataclass
class Problem:
    kind: str  # invalid | out_of_parent | overlap | gap | no_parent_polygon
    message: str
    lng: float
    lat: float
    grid_code: str = ""
    other_code: str = ""
    area_m2: float = 0.0
    geometry: dict | None = field(default=None, repr=False)
    can_repair: bool = False

    def as_dict(self) -> dict:
        return asdict(self)


KIND_LABELS = {
    "invalid": "边界无效",
    "out_of_parent": "超出所属社区",
    "overlap": "与相邻网格重叠",
    "gap": "社区覆盖缺口",
}

_VALIDITY = {
    "Self-intersection": "边界自相交",
    "Ring Self-intersection": "边界环自相交",
    "Too few points": "坐标点过少",
    "Interior is disconnected": "内部不连通",
    "Hole lies outside shell": "洞位于外边界之外",
    "Nested holes": "洞相互嵌套",
    "Nested shells": "外边界相互嵌套",
    "Duplicate Rings": "存在重复的环",
    "Invalid Coordinate": "坐标无效",
    "Ring is not closed": "环未闭合",
}


def invalid_problem(geom, code: str = "") -> Problem | None:
    """None when valid; otherwise the reason and place of the first defect, with make_valid offered."""
    if geom.is_valid:
        return None
    reason = explain_validity(geom)
    m = re.match(r"(.+?)\[(\S+) (\S+)\]", reason)
    label, x, y = (m.group(1), float(m.group(2)), float(m.group(3))) if m else (reason, None, None)
    if x is None:
        rp = geom.envelope.centroid
        x, y = rp.x, rp.y
    text = _VALIDITY.get(label.strip(), f"几何无效（{label.strip()}）")
    prefix = f"网格 {code} " if code else ""
    return Problem(
        "invalid",
        f"{prefix}{text}，位置 {point_str(x, y)}；可使用“自动修复”（make_valid）拆分为有效多边形",
        x,
        y,
        grid_code=code,
        can_repair=True,
    )


def repair(geom):
    fixed = _polygonal(shapely.make_valid(geom))
    if fixed.is_empty:
        raise ServiceError("无法自动修复该边界，请重新绘制")
    return fixed


def _location(geom) -> tuple[float, float]:
    p = geom.representative_point()
    return p.x, p.y


def validate_tiling(
    grids: list[tuple[str, object]],
    parent=None,
    parent_name: str = "",
    tolerance_m2: float = DEFAULT_TOLERANCE_M2,
    check_gaps: bool = True,
) -> list[Problem]:
    """Check sibling grids (code, geometry) against each other and against their parent polygon."""
    problems: list[Problem] = []
    valid: list[tuple[str, object]] = []
    for code, geom in grids:
        p = invalid_problem(geom, code)
        if p:
            problems.append(p)
            valid.append((code, repair(geom)))
        else:
            valid.append((code, geom))
    if parent is not None and not parent.is_valid:
        parent = repair(parent)
    if parent is not None:
        for code, geom in valid:
            out = geom.difference(parent)
            a = area_m2(out)
            if a > tolerance_m2:
                x, y = _location(out)
                problems.append(
                    Problem(
                        "out_of_parent",
                        f"网格 {code} 有 {a:,.0f} 平方米超出{parent_name or '所属社区'}边界，"
                        f"位置 {point_str(x, y)}",
                        x,
                        y,
                        grid_code=code,
                        area_m2=a,
                        geometry=to_geojson(out),
                    )
                )
    if len(valid) > 1:
        geoms = np.array([g for _, g in valid], dtype=object)
        tree = shapely.STRtree(geoms)
        left, right = tree.query(geoms, predicate="intersects")
        for i, j in zip(left.tolist(), right.tolist()):
            if i >= j:
                continue
            inter = _polygonal(geoms[i].intersection(geoms[j]))
            a = area_m2(inter)
            if a > tolerance_m2:
                x, y = _location(inter)
                ci, cj = valid[i][0], valid[j][0]
                problems.append(
                    Problem(
                        "overlap",
                        f"网格 {ci} 与 {cj} 重叠 {a:,.0f} 平方米，位置 {point_str(x, y)}",
                        x,
                        y,
                        grid_code=ci,
                        other_code=cj,
                        area_m2=a,
                        geometry=to_geojson(inter),
                    )
                )
    if check_gaps and parent is not None:
        covered = shapely.union_all([g for _, g in valid]) if valid else shapely.Polygon()
        gaps = _polygonal(parent.difference(covered))
        for gap in shapely.get_parts(gaps):
            a = area_m2(gap)
            if a > tolerance_m2:
                x, y = _location(gap)
                problems.append(
                    Problem(
                        "gap",
                        f"{parent_name or '社区'}有 {a:,.0f} 平方米未划入任何网格，位置 {point_str(x, y)}",
                        x,
                        y,
                        area_m2=a,
                        geometry=to_geojson(gap),
                    )
                )
    return problems
