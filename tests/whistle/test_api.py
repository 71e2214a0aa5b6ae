"""Whistle API: create, list, detail, actions, check-in/report, scores; problem+json refusals."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def _api(token):
    c = Client()
    c.defaults["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return c


def _post(c, url, body, method="post"):
    return getattr(c, method)(url, body, content_type="application/json")


def test_api_flow(wh, token_for):
    admin = _api(token_for(wh.street_admin))
    body = {
        "region": wh.c0.code,
        "subject": "违规停车整治",
        "description": "小区门口长期违规停车，堵塞消防通道",
        "handler_ids": [wh.dept.pk],
        "urgency": "urgent",
    }
    r = _post(admin, "/api/v1/whistle/", body)
    assert r.status_code == 201, r.content
    data = r.json()
    number, target = data["number"], data["targets"][0]
    assert data["level"] == "community" and target["state"] == "summoned" and target["actions"] == []
    assert set(data["actions"]) == {"add_targets", "close", "cancel"}
    dept = _api(token_for(wh.member_a))
    r = dept.get("/api/v1/whistle/")
    assert [s["number"] for s in r.json()["items"]] == [number]
    r = _post(dept, f"/api/v1/whistle/{number}/targets/{target['id']}/check-in", {"mode": "onsite"})
    assert r.status_code == 400 and r["Content-Type"].startswith("application/problem+json")
    assert "位置" in r.json()["detail"]
    r = _post(dept, f"/api/v1/whistle/{number}/targets/{target['id']}/check-in", {"mode": "online"})
    assert r.status_code == 200 and r.json()["targets"][0]["state"] == "checked_in"
    r = _post(
        dept, f"/api/v1/whistle/{number}/targets/{target['id']}/report", {"text": "已劝离车辆并设置隔离桩"}
    )
    assert r.json()["targets"][0]["state"] == "reported"
    r = _post(admin, f"/api/v1/whistle/{number}/actions/close", {"note": "部门已反馈，办结"})
    assert r.status_code == 200 and r.json()["state"] == "closed"
    r = _post(admin, f"/api/v1/whistle/{number}/actions/cancel", {"note": "办结后撤销试试"})
    assert r.status_code == 409


def test_api_refusals(wh, token_for):
    admin = _api(token_for(wh.street_admin))
    r = _post(
        admin,
        "/api/v1/whistle/",
        {"region": wh.c2.code, "subject": "事项", "description": "说明说明说明", "handler_ids": [wh.dept.pk]},
    )
    assert r.status_code == 404
    r = _post(
        admin,
        "/api/v1/whistle/",
        {"region": wh.c0.code, "subject": "事项", "description": "说明说明说明", "handler_ids": [999999]},
    )
    assert r.status_code == 400 and "职能部门不存在" in r.json()["detail"]
    assert _api(token_for(wh.street2_admin)).get("/api/v1/whistle/CS000").status_code == 404


def test_api_scores_and_assessment(wh, summons_for, token_for):
    summons_for()
    admin = _api(token_for(wh.street_admin))
    r = _post(
        admin,
        "/api/v1/whistle/assessments",
        {
            "street": wh.street.code,
            "handler_id": wh.dept.pk,
            "period": "2026-Q4",
            "score": 90,
            "comment": "好",
        },
        method="put",
    )
    assert r.status_code == 200 and r.json()["score"] == 90
    r = admin.get("/api/v1/whistle/scores", {"street": wh.street.code, "period": "2026-Q4"})
    assert r.status_code == 200
    rows = {row["handler"]: row for row in r.json()}
    assert rows["区城市管理局"]["manual"] == 90.0
    r = admin.get("/api/v1/whistle/scores", {"street": wh.street.code, "period": "Q4"})
    assert r.status_code == 400
    r = admin.get("/api/v1/whistle/scores", {"street": wh.street2.code, "period": "2026"})
    assert r.status_code == 404
