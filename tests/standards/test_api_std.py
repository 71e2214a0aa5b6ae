"""/api/v1/standards/: evaluations, health runs, rectifications, funding, honours, street duties."""

from __future__ import annotations

import datetime

import pytest

from grassroots.standards.models import Evaluation, FundingRecord, HealthRun, StreetDuty

pytestmark = pytest.mark.django_db
YEAR = datetime.date.today().year - 1
API = "/api/v1/standards"


@pytest.fixture
def api_for(client, token_for):
    def _for(user):
        token = token_for(user)

        def call(method, path, body=None, **query):
            kw = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
            if method == "get":
                return client.get(API + path, query, **kw)
            return getattr(client, method)(API + path, body or {}, content_type="application/json", **kw)

        return call

    return _for


@pytest.fixture
def users(city, make_user):
    return {
        "community": make_user("c_admin", "community_admin", city.communities[0]),
        "street": make_user("s_admin", "street_admin", city.streets[0]),
        "district": make_user("d_admin", "district_admin", city.district),
        "worker": make_user("gw", "grid_worker", city.communities[0]),
    }


def test_evaluation_flow_over_the_api(city, users, api_for):
    c, s, d = (api_for(users[k]) for k in ("community", "street", "district"))
    r = c("post", "/evaluations", {"region": city.communities[0].code, "period": YEAR})
    assert r.status_code == 201, r.content
    ev = r.json()
    assert ev["state"] == "self" and ev["allowed_actions"] == ["submit"] and len(ev["scores"]) > 80
    r = c("post", "/evaluations", {"region": city.communities[0].code, "period": YEAR})
    assert r.status_code == 409 and r["Content-Type"] == "application/problem+json"
    evidence = [x["item"] for x in ev["scores"] if x["self_score"] is None]
    r = c("patch", f"/evaluations/{ev['id']}/scores", {"scores": {evidence[0]: {"score": 9}}})
    assert r.status_code == 400 and evidence[0] in r.json()["errors"]
    r = c("patch", f"/evaluations/{ev['id']}/scores", {"scores": {k: {"score": 1} for k in evidence}})
    assert r.status_code == 200
    assert c("post", f"/evaluations/{ev['id']}/actions/approve", {}).status_code == 409
    assert c("post", f"/evaluations/{ev['id']}/actions/submit", {"comment": "完成"}).status_code == 200
    assert s("post", f"/evaluations/{ev['id']}/actions/return_self", {}).status_code == 400
    assert s("post", f"/evaluations/{ev['id']}/actions/approve", {}).json()["state"] == "confirm"
    r = d("post", f"/evaluations/{ev['id']}/actions/confirm", {})
    assert r.status_code == 200 and r.json()["grade"] and r.json()["steps"][-1]["verb"] == "confirm"
    rank = d("get", "/rankings", period=YEAR, level="community").json()
    assert [x["region"] for x in rank] == [city.communities[0].code]
    listed = c("get", "/evaluations", period=YEAR).json()
    assert [x["id"] for x in listed["items"]] == [ev["id"]]
    # Out of scope: another street's admin gets a 404.
    assert api_for(users["worker"])("get", f"/evaluations/{ev['id']}").status_code == 200
    other = Evaluation.objects.get(pk=ev["id"])
    assert other.state == "confirmed"


def test_health_run_and_branches(city, users, api_for, django_capture_on_commit_callbacks):
    s = api_for(users["street"])
    with django_capture_on_commit_callbacks(execute=True):
        r = s("post", "/health-runs")
    assert r.status_code == 202 and r.json()["state"] == "queued"
    from grassroots.standards.tasks import run_health_check

    run_health_check.call(r.json()["id"])  # what the worker does with the enqueued task
    run = s("get", f"/health-runs/{r.json()['id']}").json()
    assert run["state"] == "done" and run["total"] == len(city.branches)
    rows = s("get", "/branches").json()["items"]
    assert {x["org"] for x in rows} == {b.code for b in city.branches[:2]}  # the street's branches only
    assert api_for(users["worker"])("post", "/health-runs").status_code == 403
    assert HealthRun.objects.count() == 1


def test_rectification_funding_honour_duty(city, users, api_for):
    s = api_for(users["street"])
    r = s(
        "post",
        "/rectifications",
        {"org": city.branches[0].code, "problem": "党费", "owner_name": "王", "deadline": "2000-01-01"},
    )
    assert r.status_code == 400 and "deadline" in r.json()["errors"]
    r = s(
        "post",
        "/rectifications",
        {
            "org": city.branches[0].code,
            "problem": "党费",
            "owner_name": "王",
            "deadline": str(datetime.date.today()),
        },
    )
    assert r.status_code == 201
    r = s("post", f"/rectifications/{r.json()['id']}/actions/start", {})
    assert r.json()["state"] == "in_progress"
    body = {
        "community": city.communities[0].code,
        "direction": "spent",
        "kind": "finance",
        "amount": "10",
        "on_date": f"{YEAR}-02-01",
    }
    r = s("post", "/funding", body)
    assert r.status_code == 400 and not FundingRecord.objects.exists()
    r = s("post", "/funding", {**body, "direction": "received", "kind": "service", "amount": "250000"})
    assert r.status_code == 201
    status = s("get", "/funding/status", year=YEAR).json()
    assert [x["meets"] for x in status] == [True, False]
    assert s("post", "/funding", {**body, "community": city.communities[2].code}).status_code == 404
    r = s(
        "post",
        "/honours",
        {
            "region": city.communities[0].code,
            "name": "示范",
            "year": YEAR,
            "level": "street",
            "citation": "好",
        },
    )
    assert r.status_code == 201
    assert s("post", f"/honours/{r.json()['id']}/revoke", {"reason": ""}).status_code == 400
    assert s("post", f"/honours/{r.json()['id']}/revoke", {"reason": "撤"}).json()["revoked_at"]
    duty = StreetDuty.objects.create(street=city.streets[0], kind="power", code="P1", title="赋权")
    r = s("post", f"/street-duties/{duty.pk}/check", {"status": "issue", "note": ""})
    assert r.status_code == 400
    assert s("post", f"/street-duties/{duty.pk}/check", {"status": "ok"}).json()["status"] == "ok"
    assert s("get", "/street-duties", kind="power").json()["items"][0]["code"] == "P1"


def test_indicators_and_catalog(city, users, api_for):
    c = api_for(users["community"])
    rows = c("get", "/indicators").json()
    assert {r["code"] for r in rows} >= {"grid_party", "funding", "case_satisfaction", "life_compliance"}
    worker = next(r for r in rows if r["code"] == "worker_grading")
    assert worker["value"] == 100.0
    assert c("get", "/indicators", region=city.communities[2].code).status_code == 404
    cat = c("get", "/catalog").json()
    assert len(cat["items"]) == 120 and len(cat["duties"]) == 41
