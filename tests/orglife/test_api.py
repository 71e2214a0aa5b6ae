"""API: create with problem+json errors, lifecycle, sign-up, check-in, attendance, compliance."""

from __future__ import annotations

import datetime
import json

import pytest
from django.test import Client
from django.utils import timezone

from grassroots.orglife import services
from grassroots.orglife.models import Activity, ActivityStatus, SignupStatus

pytestmark = pytest.mark.django_db
BASE = "/api/v1/orglife"


def _api(user, token_for):
    c = Client(HTTP_AUTHORIZATION=f"Bearer {token_for(user)}")

    def call(method, path, body=None):
        kw = {"content_type": "application/json", "data": json.dumps(body)} if body is not None else {}
        return getattr(c, method)(BASE + path, **kw)

    return call


def test_create_validation_and_lifecycle(admin, member_user, branch, token_for, city):
    call = _api(admin, token_for)
    start = timezone.now() + datetime.timedelta(days=2)
    body = {
        "kind": "committee_meeting",
        "title": "支委会",
        "party_org_code": branch.code,
        "starts_at": start.isoformat(),
        "ends_at": (start - datetime.timedelta(hours=1)).isoformat(),
    }
    r = call("post", "/activities/", body)
    assert r.status_code == 400 and r["Content-Type"] == "application/problem+json"
    assert r.json()["errors"]["ends_at"] == ["结束时间必须晚于开始时间"]
    r = call("post", "/activities/", {**body, "party_org_code": city.branches[3].code})
    assert r.status_code == 404 and "不在您的管辖范围内" in r.json()["detail"]
    r = call("post", "/activities/", {**body, "unknown": 1})
    assert r.status_code == 422
    assert not Activity.objects.exists()
    r = call("post", "/activities/", {**body, "ends_at": (start + datetime.timedelta(hours=1)).isoformat()})
    assert r.status_code == 201, r.content
    data = r.json()
    assert data["status"] == "plan" and data["allowed_actions"] == ["publish", "cancel"]
    aid = data["id"]
    r = call("post", f"/activities/{aid}/finish")
    assert r.status_code == 409 and "不能完成" in r.json()["detail"]
    r = call("post", f"/activities/{aid}/publish")
    assert r.status_code == 200 and r.json()["status"] == "published"
    r = call("patch", f"/activities/{aid}", {"title": "改期支委会", "version": 1})
    assert r.status_code == 409
    r = call("patch", f"/activities/{aid}", {"title": "改期支委会", "version": 2})
    assert r.status_code == 200 and r.json()["title"] == "改期支委会" and r.json()["version"] == 3
    m = _api(member_user, token_for)
    r = m("post", f"/activities/{aid}/signup")
    assert r.status_code == 201 and r.json()["status"] == "signed_up"
    assert m("post", f"/activities/{aid}/signup").status_code == 409
    assert m("post", f"/activities/{aid}/cancel", {"reason": "x"}).status_code == 403
    r = m("get", "/activities/")
    assert [a["id"] for a in r.json()["items"]] == [aid]
    assert m("delete", f"/activities/{aid}/signup").json()["status"] == "cancelled"


def test_checkin_attendance_minutes_and_compliance(
    admin, member_user, token_for, make_activity, city, branch
):
    a = make_activity(status=ActivityStatus.PUBLISHED, start=timezone.now() - datetime.timedelta(minutes=20))
    m = _api(member_user, token_for)
    r = m("post", "/checkin", {"token": services.checkin_token(a)})
    assert r.status_code == 200 and r.json()["status"] == SignupStatus.ATTENDED
    assert m("post", "/checkin", {"token": "x" * 20}).status_code == 404
    call = _api(admin, token_for)
    r = call("post", f"/activities/{a.pk}/attendance", {"member_ids": [city.members[1].pk, 999999]})
    assert r.status_code == 400 and r.json()["detail"] == "所选党员不属于本组织"
    r = call(
        "post", f"/activities/{a.pk}/attendance", {"member_ids": [city.members[0].pk, city.members[1].pk]}
    )
    assert r.json() == {"attended": 2, "absent": 1}
    r = call("put", f"/activities/{a.pk}/minutes", {"minutes": "学习讨论"})
    assert r.status_code == 200 and r.json()["has_minutes"] is True
    assert call("post", f"/activities/{a.pk}/finish").json()["status"] == "done"
    r = call("get", f"/activities/{a.pk}/signups")
    assert len(r.json()["items"]) == 3
    r = call("get", f"/branches/{branch.code}/compliance")
    life5 = next(x for x in r.json() if x["code"] == "LIFE-5")
    assert life5["periods"][-1]["state"] == "met" and life5["periods"][-1]["count"] == 1
    r = call("get", "/compliance?period=2026-13")
    assert r.status_code == 400 and "统计期格式" in r.json()["detail"]
    r = call("get", "/compliance?period=2025")
    assert r.status_code == 200 and r.json()["branches"] == 1
