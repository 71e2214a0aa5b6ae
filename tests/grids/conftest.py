"""Fixtures: the shared test city with polygons (tests/factories.py has none) and grids."""

from __future__ import annotations

import os

import pytest
from shapely.geometry import box, mapping

from grassroots.grids.models import Grid
from grassroots.grids.routing import bump_version

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

# Community k (0..3) is the box [X0 + k*W, X0 + (k+1)*W] x [Y0, Y0 + H]; streets hold 2 each.
X0, Y0, W, H = 120.30, 36.06, 0.01, 0.01


def community_box(k: int):
    return box(X0 + k * W, Y0, X0 + (k + 1) * W, Y0 + H)


def add_grids(community, k: int) -> list[Grid]:
    """2 × 2 grids tiling community k, codes <community>001..004 (001 bottom-left)."""
    out = []
    n = 1
    for j in range(2):
        for i in range(2):
            g = box(
                X0 + k * W + i * W / 2, Y0 + j * H / 2, X0 + k * W + (i + 1) * W / 2, Y0 + (j + 1) * H / 2
            )
            rp = g.representative_point()
            out.append(
                Grid.objects.create(
                    region=community,
                    code=f"{community.code}{n:03d}",
                    name=f"{community.name}第{n}网格",
                    polygon=mapping(g),
                    area_m2=1.0,
                    lng=rp.x,
                    lat=rp.y,
                )
            )
            n += 1
    return out


@pytest.fixture
def geo_city(city):
    """The test city with community/street polygons, building coordinates and 4 grids per community."""
    from grassroots.regions.models import Region

    for k, c in enumerate(city.communities):
        c.polygon = mapping(community_box(k))
        c.save()
    for s_i, s in enumerate(city.streets):
        s.polygon = mapping(box(X0 + 2 * s_i * W, Y0, X0 + (2 * s_i + 2) * W, Y0 + H))
        s.save()
    city.grids = {}
    for k, c in enumerate(city.communities):
        city.grids[c.code] = add_grids(c, k)
        # the building sits in the community's grid 004 (top-right quarter)
        b = Region.objects.get(path__startswith=c.path, level="building")
        b.lng, b.lat = X0 + k * W + 0.75 * W, Y0 + 0.75 * H
        b.address = f"{c.name}{b.name}"
        b.save()
    for k, u in enumerate(city.units):
        u.lng, u.lat = X0 + k * W + 0.25 * W, Y0 + 0.25 * H
        u.save()
    bump_version()
    from grassroots.grids.services import place_in_grids

    place_in_grids()
    return city
