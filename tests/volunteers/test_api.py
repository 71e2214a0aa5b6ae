"""API: problem+json refusals that change nothing, claims, grants and revokes, redemption, sign-up."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from grassroots.volunteers import services
from grassroots.volunteers.models import PointEntry, Wish

pytestmark = pytest.mark.django_db
BASE = "/api/v1/volunteers"


def api(token_for, user):
    return Client(HTTP_AUTHORIZATION=f"Bearer {token_for(user)}")


def test_post_wish_validation_and_scope(vw, token_for):
    c = api(token_for, vw.admin0)
    r = c.post(
        f"{BASE}/wishes/",
        {"community": vw.c0.code, "title": "短", "beneficiary_name": "李桂兰"},
        "application/json",
    )
    assert r.status_code == 400 and r["Content-Type"] == "application/problem+json"
    assert "心愿内容" in r.json()["detail"]
    r = c.post(
        f"{BASE}/wishes/",
        {"community": vw.c1.code, "title": "想要一副老花镜", "beneficiary_name": "李桂兰"},
        "application/json",
    )
    assert r.status_code == 404
    assert not Wish.objects.exists()
    r = c.post(
        f"{BASE}/wishes/",
        {
            "community": vw.c0.code,
            "title": "想要一副老花镜",
            "beneficiary_name": "李桂兰",
            "beneficiary_phone": "13812345678",
        },
        "application/json",
    )
    assert r.status_code == 201
    body = r.json()
    assert (
        body["state"] == "submitted"
        and body["beneficiary_name"] == "李**"
        and body["beneficiary_phone"] == "138****5678"
    )
    assert body["actions"] == ["approve", "reject"]


def test_claim_through_api_then_second_claim_conflicts(vw, published, token_for):
    wish = published()
    pool = api(token_for, vw.member).get(f"{BASE}/wishes/pool", {"community": vw.c0.code}).json()
    assert [w["id"] for w in pool["items"]] == [wish.pk] and "beneficiary_name" not in pool["items"][0]
    r = api(token_for, vw.member).post(f"{BASE}/wishes/{wish.pk}/actions/claim", {}, "application/json")
    assert (
        r.status_code == 200
        and r.json()["state"] == "claimed"
        and r.json()["actions"] == ["abandon", "fulfil"]
    )
    r = api(token_for, vw.member2).post(f"{BASE}/wishes/{wish.pk}/actions/claim", {}, "application/json")
    assert r.status_code == 404  # no longer published, and not theirs
    r = api(token_for, vw.member).post(
        f"{BASE}/wishes/{wish.pk}/actions/fulfil", {"note": "已经送到了"}, "application/json"
    )
    assert r.status_code == 400 and "凭证照片" in r.json()["detail"]
    assert Wish.objects.get(pk=wish.pk).state == "claimed"


def test_points_grant_revoke_redeem_and_signup(vw, token_for, django_capture_on_commit_callbacks):
    vol = services.ensure_volunteer(vw.resident, vw.c0)
    staff = api(token_for, vw.admin0)
    r = staff.post(
        f"{BASE}/points/grants", {"volunteer_id": vol.pk, "amount": 30, "reason": "短"}, "application/json"
    )
    assert r.status_code == 400 and not PointEntry.objects.exists()
    # The rankings read the volunteer tallies, refreshed once the grant's transaction commits.
    with django_capture_on_commit_callbacks(execute=True):
        r = staff.post(
            f"{BASE}/points/grants",
            {"volunteer_id": vol.pk, "amount": 30, "reason": "参加社区清洁"},
            "application/json",
        )
    assert r.status_code == 201 and r.json()["amount"] == 30
    entry_id = r.json()["id"]
    me = api(token_for, vw.resident)
    assert me.get(f"{BASE}/points/me").json()["balance"] == 30
    item = services.add_item(vw.admin0, region=vw.c0, name="毛巾", price=20, stock=1)
    assert me.post(f"{BASE}/redemptions", {"item_id": item.pk}, "application/json").status_code == 201
    r = me.post(f"{BASE}/redemptions", {"item_id": item.pk}, "application/json")
    assert r.status_code == 409 and "积分不足" in r.json()["detail"]
    r = staff.post(f"{BASE}/points/{entry_id}/revoke", {"reason": "重复发放撤销"}, "application/json")
    assert r.status_code == 409 and "余额不足" in r.json()["detail"]
    assert me.get(f"{BASE}/points/me").json()["balance"] == 10
    start = timezone.now() + dt.timedelta(hours=2)
    va = services.create_activity(
        vw.admin0,
        region=vw.c0,
        title="社区清洁",
        place="广场",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=1),
        capacity=1,
    )
    assert me.post(f"{BASE}/activities/{va.pk}/signup").status_code == 201
    r = api(token_for, vw.member).post(f"{BASE}/activities/{va.pk}/signup")
    assert r.status_code == 409 and "已满" in r.json()["detail"]
    ranks = staff.get(f"{BASE}/rankings").json()
    assert ranks[0]["name"] == vol.name and ranks[0]["points"] == 30
