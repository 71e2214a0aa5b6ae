"""Cases API: scoped, masked, actions through the services with problem+json refusals in Chinese."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_api_intake_dispatch_accept_and_refusals(loop, token_for, client):
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token_for(loop.dispatcher)}"}
    body = {
        "channel": "hotline",
        "community": loop.c0.code,
        "category": "0101",
        "description": "市民来电：路口井盖缺失",
        "lng": 120.3,
        "lat": 36.06,
        "reporter_phone": "13912345678",
    }
    resp = client.post("/api/v1/cases/", body, content_type="application/json", **auth)
    assert resp.status_code == 201, resp.content
    number = resp.json()["number"]
    assert resp.json()["reporter_phone"] == "139****5678"
    assert resp.json()["actions"] == ["triage", "merge"]
    url = f"/api/v1/cases/{number}/actions/"
    refused = client.post(url + "accept", {}, content_type="application/json", **auth)
    assert refused.status_code in (403, 409)
    assert (
        refused["Content-Type"].startswith("application/problem+json") and "不能" in refused.json()["detail"]
    )
    assert (
        client.post(url + "triage", {"category": "0101"}, content_type="application/json", **auth).status_code
        == 200
    )
    resp = client.post(url + "dispatch", {}, content_type="application/json", **auth)
    assert resp.status_code == 200 and resp.json()["handler"] == "区城市管理局"
    dept = {"HTTP_AUTHORIZATION": f"Bearer {token_for(loop.dept_a)}"}
    listed = client.get("/api/v1/cases/", **dept).json()["items"]
    assert [c["number"] for c in listed] == [number]
    assert (
        client.get("/api/v1/cases/", **{"HTTP_AUTHORIZATION": f"Bearer {token_for(loop.dept_other)}"}).json()[
            "items"
        ]
        == []
    )
    resp = client.post(url + "accept", {}, content_type="application/json", **dept)
    assert resp.status_code == 200 and resp.json()["state"] == "accepted"
    other = {"HTTP_AUTHORIZATION": f"Bearer {token_for(loop.admin_c1)}"}
    assert client.get(f"/api/v1/cases/{number}", **other).status_code == 404


def test_api_suggestions_duplicates_and_visits(loop, new_case, token_for):
    from django.test import Client

    c = Client(HTTP_AUTHORIZATION=f"Bearer {token_for(loop.dispatcher)}")
    body = c.get("/api/v1/cases/suggestions/", {"description": "楼道里堆满杂物把消防通道堵了"}).json()
    assert body[0]["category"] == "2401" and "消防通道" in body[0]["why"]
    a = new_case(loop.cat_garbage, description="小区门口垃圾堆放很久没人清运")
    b = new_case(loop.cat_garbage, description="门口垃圾堆放很久没人清运")
    dups = c.get(f"/api/v1/cases/{b.number}/duplicates").json()
    assert [d["number"] for d in dups] == [a.number] and dups[0]["same_category"] is True
    payload = {
        "kind": "contact_point",
        "community": loop.c0.code,
        "visitor_name": "王书记",
        "visited_at": "2026-01-05T20:00:00+08:00",
        "place": "党群服务中心",
        "whom": "居民代表",
        "heard": "希望增加停车位",
    }
    r = c.post("/api/v1/cases/visits/", payload, content_type="application/json")
    assert r.status_code == 201 and r.json()["community_code"] == loop.c0.code
    bad = c.post("/api/v1/cases/visits/", {**payload, "heard": "短"}, content_type="application/json")
    assert bad.status_code == 400 and bad["Content-Type"].startswith("application/problem+json")
    assert "听取的意见" in bad.json()["detail"]
    listed = c.get("/api/v1/cases/visits/").json()
    assert [v["place"] for v in listed["items"]] == ["党群服务中心"]
