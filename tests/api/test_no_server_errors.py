"""Bad input never answers 500 (issue 14.10): each case found by hand, then plausibility of dates."""

from __future__ import annotations

import datetime
import json

import pytest
from django.test import Client

from grassroots.core.models import AuditEvent
from grassroots.party.models import Member
from grassroots.people.models import Worker
from grassroots.venues.models import ServiceCenter

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(city, make_user):
    return make_user("city_admin_500", "city_admin", city.city)


@pytest.fixture
def api(admin, token_for):
    return Client(headers={"authorization": f"Bearer {token_for(admin)}"})


def problem(r, status):
    assert r.status_code == status, r.content
    assert r["Content-Type"] == "application/problem+json"
    body = r.json()
    assert any("\u4e00" <= ch <= "\u9fff" for ch in body["detail"]), body
    return body


def test_grid_validate_with_an_empty_region_is_400(api):
    body = problem(api.get("/api/v1/grids/validate", {"region": ""}), 400)
    assert "区划编码" in body["detail"]
    problem(api.get("/api/v1/grids/validate", {"region": "  "}), 400)
    problem(api.get("/api/v1/grids/validate", {"region": "370202", "tolerance_m2": "-1"}), 422)


def test_center_opening_time_with_an_offset_is_refused(api, city):
    body = {"code": "C-TZ", "name": "测试中心", "level": "community", "region_code": city.communities[0].code}
    for bad in ("08:30+08:00", "08:30:00Z"):
        r = api.post("/api/v1/venues/centers/", json.dumps({**body, "opens_at": bad}), "application/json")
        assert "北京时间" in str(problem(r, 422)["errors"])
    assert not ServiceCenter.objects.filter(code="C-TZ").exists()
    r = api.post("/api/v1/venues/centers/", json.dumps({**body, "opens_at": "08:30"}), "application/json")
    assert r.status_code == 201, r.content
    center = ServiceCenter.objects.get(code="C-TZ")
    r = api.patch(
        f"/api/v1/venues/centers/{center.pk}", json.dumps({"closes_at": "21:00+08:00"}), "application/json"
    )
    problem(r, 422)


@pytest.mark.parametrize("big", [2**63, 2**64, 10**30])
def test_whistle_handler_ids_beyond_the_database_range_are_refused(api, city, big):
    body = {
        "region": city.communities[0].code,
        "subject": "占道经营",
        "description": "路口占道经营，需多部门联合处置",
        "handler_ids": [big],
    }
    before = AuditEvent.objects.count()
    problem(api.post("/api/v1/whistle/", json.dumps(body), "application/json"), 422)
    assert AuditEvent.objects.count() == before


def test_accounts_me_with_a_session_cookie(admin, client_for):
    r = client_for(admin).get("/api/v1/accounts/me")
    assert r.status_code == 200, r.content
    assert r.json()["username"] == "city_admin_500"


def _member_body(city, **kw):
    return {
        "name": "日期测试",
        "gender": "male",
        "id_number": "370202199001011236",
        "party_org_code": city.branches[0].code,
        "status": "full",
        "birth_date": "1990-01-01",
        "joined_on": "2012-07-01",
        "converted_on": "2013-07-01",
        **kw,
    }


@pytest.mark.parametrize(
    ("change", "field", "fragment"),
    [
        ({"birth_date": "2031-05-01"}, "birth_date", "不能晚于今天"),
        ({"joined_on": "1900-01-01", "converted_on": None}, "joined_on", "1921"),
        ({"joined_on": "2005-07-01", "converted_on": "2006-07-01"}, "joined_on", "年满 18 周岁"),
        (
            {"joined_on": "2099-07-01", "converted_on": None, "status": "probationary"},
            "joined_on",
            "不能晚于今天",
        ),
        ({"birth_date": "1850-01-01"}, "birth_date", "1900"),
        ({"converted_on": "2099-01-01"}, "converted_on", "不能晚于今天"),
    ],
)
def test_implausible_member_dates_are_refused(api, city, change, field, fragment):
    r = api.post("/api/v1/party/members/", json.dumps(_member_body(city, **change)), "application/json")
    body = problem(r, 400)
    assert fragment in " ".join(body["errors"][field]), body
    assert not Member.objects.filter(name="日期测试").exists()


def test_plausible_member_dates_are_accepted_and_the_age_is_rule_data(api, city):
    from grassroots.party import models as party_models
    from grassroots.standards.models import Rule

    r = api.post("/api/v1/party/members/", json.dumps(_member_body(city)), "application/json")
    assert r.status_code == 201, r.content
    Rule.objects.filter(code="MEM-AGE").update(params={"min_age": 25})
    party_models._min_age_cache.clear()
    try:
        body = _member_body(city, id_number="370202199001011252", name="日期测试二")
        body = problem(api.post("/api/v1/party/members/", json.dumps(body), "application/json"), 400)
        assert "年满 25 周岁" in body["errors"]["joined_on"][0]
    finally:
        party_models._min_age_cache.clear()


def test_worker_hired_in_the_future_is_refused(api, city):
    body = {
        "code": "W-FUTURE",
        "name": "未来入职",
        "region_code": city.communities[0].code,
        "post": "staff",
        "grade": 10,
        "hired_on": (datetime.date.today() + datetime.timedelta(days=30)).isoformat(),
    }
    r = api.post("/api/v1/people/workers/", json.dumps(body), "application/json")
    assert "不能晚于今天" in problem(r, 400)["detail"]
    assert not Worker.objects.filter(code="W-FUTURE").exists()


def test_health_check_flags_legacy_members_who_joined_too_young(city, admin):
    from grassroots.standards.services import run_health_check

    young, ok = city.members[0], city.members[1]
    Member.objects.filter(pk=young.pk).update(
        birth_date=datetime.date(1995, 6, 1), joined_on=datetime.date(2013, 5, 31)
    )
    Member.objects.filter(pk=ok.pk).update(
        birth_date=datetime.date(1995, 6, 1), joined_on=datetime.date(2013, 6, 1)
    )
    report = run_health_check(admin)
    assert not report.errors
    findings = [f for f in report.findings if f.rule == "MEM-AGE"]
    assert [f.pk for f in findings] == [young.pk]
    assert "1995" not in findings[0].message
