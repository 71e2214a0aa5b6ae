"""Routing: tie-break on shared edges, holes, outside points, and a property test against brute force."""

from __future__ import annotations

import numpy as np
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import Polygon, box

from grassroots.grids.routing import NOT_IN_ANY_GRID, GridIndex, GridInfo
from tests.examples import examples


def _index(geoms, codes):
    infos = [GridInfo(i, c, f"网格{c}", c[:12], "社区", c[:9] + "000", "街道") for i, c in enumerate(codes)]
    return GridIndex(geoms, infos)


def test_shared_edge_goes_to_smallest_code_and_outside_is_explicit():
    left, right = box(0, 0, 1, 1), box(1, 0, 2, 1)
    # codes deliberately in reverse order of geometry
    idx = _index([left, right], ["370202001001002", "370202001001001"])
    on_edge = idx.route(1.0, 0.5)
    assert on_edge["grid"]["code"] == "370202001001001"
    assert on_edge["also"] == ["370202001001002"]
    assert idx.route(0.5, 0.5)["grid"]["code"] == "370202001001002"
    corner = idx.route(1.0, 1.0)
    assert corner["found"] and corner["grid"]["code"] == "370202001001001"
    out = idx.route(5.0, 5.0)
    assert out["found"] is False and out["grid"] is None and out["message"] == NOT_IN_ANY_GRID


def test_hole_is_not_in_grid_but_its_boundary_is():
    ring = Polygon([(0, 0), (4, 0), (4, 4), (0, 4)], [[(1, 1), (3, 1), (3, 3), (1, 3)]])
    idx = _index([ring], ["370202001001001"])
    assert idx.route(2, 2)["found"] is False
    assert idx.route(1, 2)["grid"]["code"] == "370202001001001"  # on the hole's edge: covered
    assert idx.route(0.5, 0.5)["found"] is True


def _brute(geoms, codes, x, y):
    p = shapely.Point(x, y)
    hits = sorted(c for g, c in zip(geoms, codes) if g.covers(p))
    return hits[0] if hits else None


@st.composite
def tilings(draw):
    """A rows × cols tiling of the unit square on a coarse lattice, some cells with a hole (and some holes
    filled by their own grid), plus points on the lattice (edges, vertices) and random points."""
    rows, cols = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    xs = sorted({0, 8, *draw(st.lists(st.integers(1, 7), min_size=cols - 1, max_size=cols - 1, unique=True))})
    ys = sorted({0, 8, *draw(st.lists(st.integers(1, 7), min_size=rows - 1, max_size=rows - 1, unique=True))})
    geoms, codes = [], []
    n = 1
    for j in range(len(ys) - 1):
        for i in range(len(xs) - 1):
            x0, x1, y0, y1 = xs[i], xs[i + 1], ys[j], ys[j + 1]
            cell = box(x0, y0, x1, y1)
            if x1 - x0 >= 2 and y1 - y0 >= 2 and draw(st.booleans()):
                hole = box(x0 + 0.5, y0 + 0.5, x1 - 0.5, y1 - 0.5)
                cell = cell.difference(hole)
                if draw(st.booleans()):
                    geoms.append(hole)
                    codes.append(f"370202001001{n:03d}")
                    n += 1
            geoms.append(cell)
            codes.append(f"370202001001{n:03d}")
            n += 1
    order = draw(st.permutations(list(range(len(codes)))))
    codes = [codes[i] for i in order]  # code order unrelated to position
    lattice = st.tuples(st.integers(-2, 20).map(lambda v: v / 2), st.integers(-2, 20).map(lambda v: v / 2))
    floats = st.tuples(st.floats(-1, 9, allow_nan=False), st.floats(-1, 9, allow_nan=False))
    points = draw(st.lists(st.one_of(lattice, floats), min_size=1, max_size=40))
    return geoms, codes, points


@settings(max_examples=examples(150), deadline=None)
@given(tilings())
def test_routing_matches_brute_force(case):
    geoms, codes, points = case
    idx = _index(geoms, codes)
    xs = np.array([p[0] for p in points])
    ys = np.array([p[1] for p in points])
    batch = idx.route_batch(xs, ys)
    many = idx.route_many(xs, ys)
    for (x, y), b, m in zip(points, batch.tolist(), many):
        expected = _brute(geoms, codes, x, y)
        got = idx.infos[b].code if b >= 0 else None
        assert got == expected, (x, y)
        assert (m["grid"]["code"] if m["grid"] else None) == expected
        assert idx.route(x, y)["found"] == (expected is not None)
