from __future__ import annotations

import os

import pytest

# Playwright's sync API runs an event loop in the test thread (browser tests only).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from grassroots.regions.models import Region


def square(x: float, y: float, size: float = 0.01) -> dict:
    return {
        "type": "Polygon",
        "coordinates": [[[x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]]],
    }


@pytest.fixture
def shaped_city(city):
    """build_city with boundaries: the district, side-by-side streets and their communities."""
    base_x, base_y = 120.30, 36.05
    Region.objects.filter(pk=city.district.pk).update(polygon=square(base_x, base_y, 0.04))
    for i, street in enumerate(city.streets):
        Region.objects.filter(pk=street.pk).update(
            polygon={"type": "Feature", "properties": {}, "geometry": square(base_x + 0.02 * i, base_y, 0.02)}
        )
    for j, community in enumerate(city.communities):
        street_i, k = divmod(j, 2)
        Region.objects.filter(pk=community.pk).update(
            polygon=square(base_x + 0.02 * street_i + 0.01 * k, base_y, 0.01), population=3000 + 100 * j
        )
    return city
