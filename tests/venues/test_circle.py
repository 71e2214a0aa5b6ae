"""15-minute service circle: coverage against brute force on generated data; greedy picks on a
hand-made case; the report over the database per street and community."""

from __future__ import annotations

import numpy as np
import pytest

from grassroots.core.errors import ServiceError
from grassroots.venues import circle
from grassroots.venues.models import ServiceCenter


def _brute(demand, services, d):
    if len(services) == 0:
        return np.zeros(len(demand), dtype=bool)
    dist = np.sqrt(((demand[:, None, :] - services[None, :, :]) ** 2).sum(axis=2))
    return (dist <= d).any(axis=1)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_coverage_matches_brute_force(seed):
    rng = np.random.default_rng(seed)
    demand = rng.uniform(0, 8000, size=(1500, 2))
    services = rng.uniform(0, 8000, size=(25, 2))
    for d in (300.0, 1000.0, 1500.0):
        got = circle.covered_mask(demand, services, d)
        want = _brute(demand, services, d)
        assert got.sum() > 0 and not got.all()
        np.testing.assert_array_equal(got, want)


def test_projection_distances_match_haversine():
    proj = circle.Projection(120.38, 36.07)
    xy = proj.xy([120.38, 120.39], [36.07, 36.08])
    metres = float(np.hypot(*(xy[1] - xy[0])))
    # Haversine on a sphere of radius 6371 km.
    lat1, lat2, dlng = map(np.radians, (36.07, 36.08, 0.01))
    a = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin(dlng / 2) ** 2
    hav = 2 * 6_371_000 * np.arcsin(np.sqrt(a))
    assert abs(metres - hav) / hav < 0.01


def test_greedy_picks_hand_made_case():
    # Three clusters along a line, 10 km apart; weights 5, 3 and 8 households; one already covered.
    demand = np.array(
        [[0, 0], [100, 0], [10_000, 0], [10_050, 0], [10_100, 0], [20_000, 0], [20_010, 0]], float
    )
    weights = np.array([2, 3, 1, 1, 1, 4, 4], float)
    covered = np.array([False, False, False, False, False, False, False])
    picks = circle.greedy_picks(demand, weights, covered, demand, 500.0, 3)
    assert [(p.index, p.gain, p.points) for p in picks] == [(5, 8.0, 2), (0, 5.0, 2), (2, 3.0, 3)]
    # With the 20 km cluster already covered, the first pick moves to the next best; k larger than
    # the useful picks stops early.
    covered[5:] = True
    picks = circle.greedy_picks(demand, weights, covered, demand, 500.0, 5)
    assert [(p.index, p.gain) for p in picks] == [(0, 5.0), (2, 3.0)]


def test_distance_and_k_validation():
    assert circle.check_distance(None) == 1000
    for bad in ("abc", 50, 9000):
        with pytest.raises(ServiceError):
            circle.check_distance(bad)
    with pytest.raises(ServiceError):
        circle.check_k(50)


@pytest.mark.django_db
def test_report_per_street_and_community(city, settings):
    from grassroots.regions.models import Region

    # Put each community's entrance at its own point, 2 km apart along a parallel.
    proj = circle.Projection(120.30, 36.06)
    for i, c in enumerate(city.communities):
        lng, lat = proj.lnglat(i * 2000.0, 0.0)
        Region.objects.filter(path__startswith=c.path, level="entrance").update(lng=lng, lat=lat)
    lng, lat = proj.lnglat(100.0, 0.0)  # 100 m from community 0 only
    ServiceCenter.objects.create(
        code="S1", name="驿站", level="outpost", region=city.communities[0], lng=lng, lat=lat
    )
    rep = circle.report(city.district, 1000, k=2)
    assert rep.total.entrances == 4 and rep.total.entrances_covered == 1
    assert rep.total.households == 8 and rep.total.households_covered == 2
    by_code = {a.code: a for a in rep.areas}
    assert by_code[city.communities[0].code].household_rate == 100.0
    assert by_code[city.communities[1].code].household_rate == 0.0
    assert by_code[city.streets[0].code].entrance_rate == 50.0
    assert [p["gain"] for p in rep.picks] == [2, 2]
    # A larger walking distance reaches the neighbour 2 km away (100 m + 1.9 km).
    settings.VENUES_CIRCLE_METRES = 2000
    assert circle.report(city.district).total.entrances_covered == 2
    opt = circle.chart_option(rep)
    assert len(opt["series"][0]["data"]) == 1 and len(opt["series"][1]["data"]) == 2
