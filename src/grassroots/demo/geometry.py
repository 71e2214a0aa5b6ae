"""Geometry of the synthetic city: an outline, tiled into districts, streets and communities (Voronoi
cells clipped to their parent, so children tile the parent exactly), and points spread inside."""

from __future__ import annotations

import math
import random

import shapely
from shapely.geometry import MultiPoint, Polygon


def geojson(poly: Polygon) -> dict:
    return {"type": "Polygon", "coordinates": [[[round(x, 6), round(y, 6)] for x, y in poly.exterior.coords]]}


def spread_points(
    rng: random.Random, poly: Polygon, n: int, candidates: int = 6
) -> list[tuple[float, float]]:
    """n points inside poly, spread out (best-candidate sampling)."""
    minx, miny, maxx, maxy = poly.bounds
    shapely.prepare(poly)
    fallback = poly.representative_point()
    pts: list[tuple[float, float]] = []
    while len(pts) < n:
        best, best_d = None, -1.0
        for _ in range(candidates):
            for _attempt in range(60):
                x, y = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
                if shapely.contains_xy(poly, x, y):
                    break
            else:
                x, y = fallback.x + rng.uniform(-1e-6, 1e-6), fallback.y + rng.uniform(-1e-6, 1e-6)
            d = min(((x - px) ** 2 + (y - py) ** 2 for px, py in pts), default=0.0)
            if d > best_d:
                best, best_d = (x, y), d
        pts.append(best)
    return pts


def tile(rng: random.Random, poly: Polygon, n: int) -> list[Polygon]:
    """Split a convex polygon into n Voronoi cells clipped to it (the cells tile the parent)."""
    if n <= 1:
        return [poly]
    pts = spread_points(rng, poly, n)
    cells = shapely.voronoi_polygons(MultiPoint(pts), extend_to=poly, ordered=True)
    out = []
    for cell in cells.geoms:
        part = cell.intersection(poly)
        if part.geom_type != "Polygon":  # numerically degenerate: keep the largest piece
            part = max(
                (g for g in getattr(part, "geoms", []) if g.geom_type == "Polygon"), key=lambda g: g.area
            )
        out.append(part)
    return out


def city_outline(rng: random.Random, center: tuple[float, float], size: tuple[float, float]) -> Polygon:
    pts = []
    for i in range(24):
        a = 2 * math.pi * i / 24
        r = rng.uniform(0.8, 1.0)
        pts.append((center[0] + size[0] * r * math.cos(a), center[1] + size[1] * r * math.sin(a)))
    return MultiPoint(pts).convex_hull
