"""Map endpoint: sub-regions of the scope root with metrics and GeoJSON; 404 outside scope."""

from __future__ import annotations

import pytest

from grassroots.party.models import Member
from grassroots.regions.models import Household
from tests.factories import add_unit_members

pytestmark = pytest.mark.django_db


def test_superuser_root_is_the_citys_districts(shaped_city, make_user, client_for):
    city = shaped_city
    su = make_user("root", is_superuser=True)
    client = client_for(su)
    top = client.get(f"/dashboards/map/?region={city.city.code}").json()
    assert top["region"]["code"] == city.city.code and top["parent"] is None
    assert [c["code"] for c in top["children"]] == [city.district.code]
    assert top["geojson"]["features"][0]["properties"] == {"name": city.district.code, "label": "市南区"}
    # by default a level with a single node is skipped: one district -> its streets, back to the city
    data = client.get("/dashboards/map/").json()
    assert data["region"]["code"] == city.district.code
    assert [c["code"] for c in data["children"]] == [s.code for s in city.streets]
    assert data["parent"] == {"code": city.city.code, "name": "青岛市"}
    feature = data["geojson"]["features"][0]
    assert feature["geometry"]["type"] == "Polygon"  # stored as a Feature, served as its geometry


def test_street_admin_map_metrics_equal_direct_counts(shaped_city, make_user, client_for):
    city = shaped_city
    street = city.streets[0]
    add_unit_members(city.units[0], 1, city.branches[0])
    user = make_user("s_admin", "street_admin", street)
    data = client_for(user).get("/dashboards/map/").json()
    assert data["region"]["code"] == street.code and data["parent"] is None
    rows = {c["code"]: c for c in data["children"]}
    assert set(rows) == {c.code for c in city.communities[:2]}
    for community in city.communities[:2]:
        row = rows[community.code]
        assert row["members"] == Member.objects.filter(party_org__region=community).count()
        assert (
            row["households"] == Household.objects.filter(entrance__path__startswith=community.path).count()
        )
        assert row["orgs"] == 2 and row["has_children"] is True
    assert rows[city.communities[0].code]["coverage"] == 0.0  # 1 unit should be covered, none is
    assert rows[city.communities[1].code]["coverage"] is None  # no unit should be
    assert rows[city.communities[0].code]["population"] == 3000
    assert rows[city.communities[0].code]["findings"] == 3 + 3  # ORG-9 ×3; ORG-2, COV-2, COV-3
    assert len(data["geojson"]["features"]) == 2
    assert {m["code"] for m in data["metrics"]} == {
        "population",
        "households",
        "members",
        "orgs",
        "coverage",
        "findings",
    }


def test_drill_down_and_back_link(shaped_city, make_user, client_for):
    city = shaped_city
    user = make_user("d_admin", "district_admin", city.district)
    client = client_for(user)
    top = client.get("/dashboards/map/").json()
    assert [c["code"] for c in top["children"]] == [s.code for s in city.streets]
    down = client.get(f"/dashboards/map/?region={city.streets[1].code}").json()
    assert [c["code"] for c in down["children"]] == [c.code for c in city.communities[2:]]
    assert down["parent"] == {"code": city.district.code, "name": "市南区"}


def test_map_404_outside_scope(shaped_city, make_user, client_for):
    city = shaped_city
    user = make_user("c1_admin", "community_admin", city.communities[0])
    client = client_for(user)
    assert client.get(f"/dashboards/map/?region={city.communities[1].code}").status_code == 404
    assert client.get(f"/dashboards/map/?region={city.streets[0].code}").status_code == 404
    assert client.get("/dashboards/map/?region=999").status_code == 404
    assert client.get(f"/dashboards/map/?region={city.communities[0].code}").status_code == 200


def test_map_needs_a_scope(db, make_user, client_for):
    assert client_for(make_user("plain")).get("/dashboards/map/").status_code == 404
