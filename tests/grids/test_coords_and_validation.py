"""Coordinate conversions against published sample points; validation reports each problem with a place."""

from __future__ import annotations

import numpy as np
import pytest
from shapely.geometry import Polygon, box

from grassroots.grids import coords
from grassroots.grids import geometry as geo

# Published results of the widely used reference implementation (wandergis/coordtransform, test/app.js)
# for the input (116.404, 39.915).
SAMPLES = {
    "bd09_to_gcj02": (116.39762729119315, 39.90865673957631),
    "gcj02_to_bd09": (116.41036949371029, 39.92133699351021),
    "wgs84_to_gcj02": (116.41024449916938, 39.91640428150164),
}


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_published_samples(name):
    lng, lat = getattr(coords, name)(116.404, 39.915)
    assert lng == pytest.approx(SAMPLES[name][0], abs=1e-9)
    assert lat == pytest.approx(SAMPLES[name][1], abs=1e-9)


def test_gcj02_inverse_is_exact_and_close_to_published_approximation():
    lng, lat = coords.gcj02_to_wgs84(116.404, 39.915)
    # the reference library's one-step inverse gives (116.39775550083061, 39.91359571849836): within ~1 m
    assert lng == pytest.approx(116.39775550083061, abs=2e-5)
    assert lat == pytest.approx(39.91359571849836, abs=2e-5)
    back = coords.wgs84_to_gcj02(lng, lat)
    assert back[0] == pytest.approx(116.404, abs=1e-9) and back[1] == pytest.approx(39.915, abs=1e-9)


def test_bd09_roundtrip_vectorised_and_outside_china_unchanged():
    lng = np.array([120.38, 121.47, 113.26])
    lat = np.array([36.07, 31.23, 23.13])
    w = coords.bd09_to_wgs84(*coords.wgs84_to_bd09(lng, lat))
    assert np.allclose(w[0], lng, atol=1e-8) and np.allclose(w[1], lat, atol=1e-8)
    assert coords.wgs84_to_gcj02(2.35, 48.85) == (2.35, 48.85)  # Paris: no offset
    with pytest.raises(Exception, match="不支持的坐标系"):
        coords.to_wgs84(1, 2, "epsg3857")


def test_each_problem_kind_is_reported_with_location():
    parent = box(0, 0, 0.01, 0.01)
    bowtie = Polygon([(0, 0), (0.005, 0.005), (0.005, 0), (0, 0.005)])  # self-intersects at (0.0025, 0.0025)
    grids = [
        ("370202001001001", box(0, 0, 0.006, 0.01)),  # overlaps 002 on x 0.005..0.006
        ("370202001001002", box(0.005, 0, 0.009, 0.01)),  # leaves a gap on x 0.009..0.01
        ("370202001001003", box(0.009, 0.02, 0.012, 0.03)),  # entirely outside the parent
        ("370202001001004", bowtie),
    ]
    problems = geo.validate_tiling(grids, parent, "团岛社区")
    kinds = {p.kind: p for p in problems}
    assert set(kinds) == {"invalid", "out_of_parent", "overlap", "gap"}
    inv = kinds["invalid"]
    assert inv.grid_code == "370202001001004" and inv.can_repair
    assert (inv.lng, inv.lat) == pytest.approx((0.0025, 0.0025)) and "自相交" in inv.message
    ov = kinds["overlap"]
    assert {ov.grid_code, ov.other_code} == {"370202001001001", "370202001001002"}
    assert 0.005 <= ov.lng <= 0.006 and "重叠" in ov.message and ov.area_m2 > 1000
    out = [p for p in problems if p.kind == "out_of_parent"]
    assert [p.grid_code for p in out] == ["370202001001003"] and out[0].lat >= 0.02
    gap = kinds["gap"]
    assert 0.009 <= gap.lng <= 0.01 and gap.area_m2 == pytest.approx(0.001 * 0.01 * 111320 * 110574, rel=0.01)
    assert "未划入任何网格" in gap.message and "位置" in gap.message


def test_repair_makes_valid_polygon():
    bowtie = Polygon([(0, 0), (1, 1), (1, 0), (0, 1)])
    fixed = geo.repair(bowtie)
    assert fixed.is_valid and fixed.geom_type in ("Polygon", "MultiPolygon") and fixed.area > 0


def test_parsers_reject_bad_input_in_chinese():
    with pytest.raises(Exception, match="WKT"):
        geo.parse_wkt("POLYGON((1 2, 3")
    with pytest.raises(Exception, match="格式不正确"):
        geo.parse_coordinates("120.1,36.1;abc;120.2,36.2")
    with pytest.raises(Exception, match="Polygon"):
        geo.parse_geojson_geometry({"type": "Point", "coordinates": [1, 2]})
    with pytest.raises(Exception, match="超出经纬度范围"):
        geo.parse_coordinates("36.1,200;36.2,200.1;36.3,200")
    g = geo.parse_coordinates("120.1,36.1；120.2,36.1；120.2,36.2", "gcj02")
    assert g.is_valid and g.bounds[0] < 120.1  # converted to WGS-84 (shifted west)
