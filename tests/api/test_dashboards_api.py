"""/api/v1/dashboards/summary: the scope_counts figures of the caller's scope."""

import pytest

from .conftest import assert_problem

pytestmark = pytest.mark.django_db

URL = "/api/v1/dashboards/summary"


def test_summary_counts_only_the_scope(city, api_as, anonymous):
    r = api_as("community_admin", city.communities[0]).get(URL)
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["regions"] == {
        "city": 0,
        "district": 0,
        "street": 0,
        "community": 1,
        "neighborhood": 1,
        "building": 1,
        "entrance": 1,
    }
    assert body["orgs"]["total"] == 2 and body["orgs"]["branch"] == 1
    assert body["members"]["total"] == 3 and body["members"]["full"] == 3
    assert body["units"]["total"] == 1 and body["workers"] == 1 and body["households"] == 2

    whole = api_as("city_admin", city.city).get(URL).json()
    assert whole["members"]["total"] == 12 and whole["regions"]["street"] == 2 and whole["households"] == 8
    assert_problem(anonymous.get(URL), 401)
    assert_problem(api_as("party_member").get(URL), 403)
