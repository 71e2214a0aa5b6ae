"""`grassroots bench route`: batch routing of points to grids, beside a bare Shapely STRtree query.

The tiling: `--source synthetic` (default) builds, inside the bench, a province-like tiling with the
same structure as the demo preset (communities as Voronoi cells of a region, each split into 8–10
grid Voronoi cells); `--source db` uses the grids in the database (e.g. after
`grassroots demo --preset province`). Both routing runs use the same points in the same process.

Printed:
- bare: `STRtree.query(points, predicate="intersects")` on prebuilt point geometries (no tie-break,
  no coordinate handling);
- routing: `GridIndex.route_batch(lng, lat)` from coordinate arrays to one grid per point, with the
  smallest-code tie-break on shared edges;
- single-point API: p50/p99 latency of `GET /api/v1/grids/route` through Django's full stack (test
  client, token auth, stamp check) — the index is the same one, installed in the process cache.
"""

from __future__ import annotations

import time

import numpy as np
import shapely

PRESETS = {"small": 1_000, "city": 10_000, "province": 70_000}


def add_arguments(parser):
    parser.add_argument("--preset", default="province", choices=sorted(PRESETS))
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument("--source", default="synthetic", choices=["synthetic", "db"])
    parser.add_argument("--api-calls", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)


def synthetic_tiling(n_grids: int, seed: int = 1):
    """~n_grids grid polygons: communities (Voronoi of the extent) each split into 8–10 grids."""
    rng = np.random.default_rng(seed)
    n_comm = max(1, n_grids // 9)
    # A province-sized extent around Qingdao (about 3.5° × 2.5°).
    x0, y0, x1, y1 = 118.0, 35.0, 121.5, 37.5
    extent = shapely.box(x0, y0, x1, y1)
    seeds = shapely.multipoints(np.column_stack([rng.uniform(x0, x1, n_comm), rng.uniform(y0, y1, n_comm)]))
    cells = shapely.get_parts(shapely.voronoi_polygons(seeds, extend_to=extent))
    cells = shapely.intersection(cells, extent)
    geoms, codes = [], []
    for ci, cell in enumerate(cells):
        k = int(rng.integers(8, 11))
        minx, miny, maxx, maxy = cell.bounds
        pts = []
        while len(pts) < k:
            cand = rng.uniform((minx, miny), (maxx, maxy), size=(k * 3, 2))
            inside = shapely.contains_xy(cell, cand[:, 0], cand[:, 1])
            pts.extend(cand[inside].tolist())
        sub = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(pts[:k]), extend_to=cell))
        sub = [g for g in shapely.intersection(sub, cell) if not g.is_empty]
        community = f"370200{ci // 1000:03d}{ci % 1000:03d}"
        for gi, g in enumerate(sub, 1):
            geoms.append(g)
            codes.append(f"{community}{gi:03d}")
    return geoms, codes, (x0, y0, x1, y1)


def _index_from(geoms, codes):
    from grassroots.grids.routing import GridIndex, GridInfo

    infos = [
        GridInfo(i, c, f"网格{c[-3:]}", c[:12], f"社区{c[6:12]}", c[:9] + "000", "街道")
        for i, c in enumerate(codes)
    ]
    return GridIndex(geoms, infos)


def _api_latency(index, calls: int, bbox, rng) -> tuple[float, float]:
    from django.db import transaction
    from django.test import Client

    from grassroots.accounts.models import ApiToken, Role, RoleAssignment, User
    from grassroots.grids import routing
    from grassroots.regions.models import Region

    samples = []
    with transaction.atomic():
        sid = transaction.savepoint()
        user = User.objects.create_user(username="bench-route-user", password=None)
        root = Region.objects.filter(depth=1).first()
        if root is not None:
            RoleAssignment.objects.create(user=user, role=Role.objects.get(code="city_admin"), region=root)
        else:
            user.is_superuser = True
            user.save()
        _t, raw = ApiToken.issue(user, name="bench")
        index.version = routing.current_version()
        routing.install_index(index)
        client = Client()
        headers = {"HTTP_AUTHORIZATION": f"Bearer {raw}", "HTTP_HOST": "localhost"}
        xs = rng.uniform(bbox[0], bbox[2], calls + 50)
        ys = rng.uniform(bbox[1], bbox[3], calls + 50)
        for i in range(calls + 50):
            t = time.perf_counter()
            r = client.get(f"/api/v1/grids/route?lng={xs[i]:.7f}&lat={ys[i]:.7f}", **headers)
            dt = time.perf_counter() - t
            if r.status_code != 200:
                raise RuntimeError(f"API returned {r.status_code}: {r.content[:200]!r}")
            if i >= 50:  # warm-up excluded
                samples.append(dt)
        transaction.savepoint_rollback(sid)
    arr = np.array(samples) * 1000
    return float(np.percentile(arr, 50)), float(np.percentile(arr, 99))


def run(out, preset="province", points=1_000_000, source="synthetic", api_calls=2000, seed=1):
    rng = np.random.default_rng(seed)
    t = time.perf_counter()
    if source == "db":
        from grassroots.grids.routing import build_index, current_version

        index = build_index(current_version())
        if len(index) == 0:
            out.write("数据库中没有网格：请先运行 grassroots demo，或使用 --source synthetic")
            return
        b = shapely.total_bounds(index.geoms)
        bbox = tuple(b)
        label = "数据库中的网格"
    else:
        geoms, codes, bbox = synthetic_tiling(PRESETS[preset], seed)
        index = _index_from(geoms, codes)
        label = f"基准内合成的 {preset} 规模剖分（社区 Voronoi 单元再分 8–10 个网格，与演示数据结构相同）"
    build = time.perf_counter() - t
    out.write(f"网格：{len(index):,} 个（{label}），建立索引 {build:.1f} 秒")

    # Points: uniform over the extent, plus 1% exactly on grid vertices (shared edges and corners).
    n_vertex = points // 100
    lng = rng.uniform(bbox[0], bbox[2], points)
    lat = rng.uniform(bbox[1], bbox[3], points)
    verts = shapely.get_coordinates(index.geoms[rng.integers(0, len(index), n_vertex)])
    pick = rng.integers(0, len(verts), n_vertex)
    lng[:n_vertex], lat[:n_vertex] = verts[pick, 0], verts[pick, 1]

    tree = index.tree
    pts = shapely.points(lng, lat)
    timings = {"bare": [], "bare_prebuilt": [], "ours": []}
    for _ in range(3):  # interleaved, best of 3: the machine may be shared
        t = time.perf_counter()
        tree.query(shapely.points(lng, lat), predicate="intersects")
        timings["bare"].append(time.perf_counter() - t)
        t = time.perf_counter()
        tree.query(pts, predicate="intersects")
        timings["bare_prebuilt"].append(time.perf_counter() - t)
        t = time.perf_counter()
        index.route_batch(lng, lat)
        timings["ours"].append(time.perf_counter() - t)
    bare, prebuilt, ours = (min(timings[k]) for k in ("bare", "bare_prebuilt", "ours"))
    result = index.route_batch(lng, lat)
    found = int((result >= 0).sum())

    # Correctness spot check against brute force on a sample.
    sample = rng.integers(0, points, 300)
    for i in sample.tolist():
        p = shapely.Point(lng[i], lat[i])
        hits = [c for c, g in zip(index.codes[tree.query(p)], index.geoms[tree.query(p)]) if g.covers(p)]
        expected = min(hits) if hits else None
        got = index.codes[result[i]] if result[i] >= 0 else None
        if got != expected:
            raise RuntimeError(f"routing mismatch at ({lng[i]}, {lat[i]}): {got} != {expected}")

    out.write(f"点：{points:,} 个（其中 {n_vertex:,} 个落在网格顶点/共用边上），落入网格 {found:,} 个")
    rate = f"{points / bare:,.0f} 点/秒"
    out.write(f"  基线 STRtree.query(shapely.points(lng, lat), intersects)：{bare:.2f} 秒，{rate}")
    out.write(f"  （同一批已建好的点几何再查询：{prebuilt:.2f} 秒，{points / prebuilt:,.0f} 点/秒）")
    out.write(f"  批量定位 route_batch（含同边归属）：     {ours:.2f} 秒，{points / ours:,.0f} 点/秒")
    ratio, ratio_prebuilt = ours / bare, ours / prebuilt
    verdict = "达标" if ratio <= 2 else "未达标"
    out.write(f"  相对基线：{ratio:.2f} 倍（目标 ≤ 2 倍：{verdict}）")
    out.write(f"  相对已建好点几何的查询：{ratio_prebuilt:.2f} 倍")
    if api_calls:
        p50, p99 = _api_latency(index, api_calls, bbox, rng)
        out.write(
            f"单点接口 GET /api/v1/grids/route（{api_calls} 次，Django 测试客户端，含令牌认证与版本检查）："
        )
        out.write(f"  p50 {p50:.2f} ms，p99 {p99:.2f} ms")
