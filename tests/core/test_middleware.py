import json

import pytest

from grassroots.units.models import Instructor

pytestmark = pytest.mark.django_db


def test_nul_in_query_is_a_400_problem(city, make_user, token_for, client):
    user = make_user("a", "community_admin", city.communities[0])
    r = client.get("/api/v1/units/instructors/?q=a%00b", HTTP_AUTHORIZATION=f"Bearer {token_for(user)}")
    assert r.status_code == 400
    assert r["Content-Type"] == "application/problem+json"
    assert "空字符" in r.json()["detail"]


def test_nul_in_json_body_changes_nothing(city, make_user, token_for, client):
    user = make_user("a", "community_admin", city.communities[0])
    before = Instructor.objects.count()
    body = json.dumps({"name": "张\u0000三", "region_code": city.communities[0].code})
    r = client.post(
        "/api/v1/units/instructors/",
        body,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token_for(user)}",
    )
    assert r.status_code == 400
    assert Instructor.objects.count() == before


def test_nul_in_page_filter_is_a_400(city, make_user, client_for):
    user = make_user("a", "community_admin", city.communities[0])
    r = client_for(user).get("/party/members/?q=%00")
    assert r.status_code == 400
    assert "非法字符" in r.content.decode()


def test_percent_text_in_json_is_fine(city, make_user, token_for, client):
    user = make_user("a", "community_admin", city.communities[0])
    body = json.dumps({"name": "百分百%00", "region_code": city.communities[0].code})
    r = client.post(
        "/api/v1/units/instructors/",
        body,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token_for(user)}",
    )
    assert r.status_code == 201, r.content
    assert Instructor.objects.filter(name="百分百%00").exists()
