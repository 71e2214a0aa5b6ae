"""Access matrix entries of orglife (contract: tests/access/registry.py).

Activities hang off the region and party-org trees; a party member (own records) also sees the
published activities of their own branch and may sign up and check in, but changes nothing.
"""

from __future__ import annotations

import datetime

from django.utils import timezone

from tests.access.registry import api, excluded, holders, page

VIEW = holders("orglife.view")
VIEW_ALL = VIEW | {"party_member"}
CHANGE = holders("orglife.change")


def _activity(w):
    return {"pk": w.activity_a.pk}


def _activity_out(w):
    return {"pk": w.activity_b.pk}


def _aid(w):
    return {"activity_id": w.activity_a.pk}


def _aid_out(w):
    return {"activity_id": w.activity_b.pk}


def _token(activity):
    from grassroots.orglife.services import checkin_token

    return checkin_token(activity)


def _new(branch):
    start = timezone.now() + datetime.timedelta(days=3)
    return {
        "kind": "theme_day",
        "title": "矩阵新活动",
        "party_org_code": branch.code,
        "starts_at": start.isoformat(),
        "ends_at": (start + datetime.timedelta(hours=2)).isoformat(),
    }


ENDPOINTS = [
    page("orglife:list", VIEW_ALL),
    page("orglife:add", CHANGE),
    page("orglife:calendar", VIEW_ALL),
    page("orglife:mine", VIEW_ALL),
    page("orglife:stats", CHANGE),
    page("orglife:feeds", VIEW_ALL),
    excluded(
        "orglife:ical_user",
        "calendar-app feed reached by a secret per-user token, no session: tests/orglife/test_pages.py",
    ),
    page(
        "orglife:ical_org",
        VIEW,
        kwargs=lambda w: {"code": w.branch_a.code},
        out=lambda w: {"code": w.branch_b.code},
    ),
    page(
        "orglife:checkin",
        VIEW_ALL,
        kwargs=lambda w: {"token": _token(w.activity_a)},
        out=lambda w: {"token": _token(w.activity_b)},
    ),
    page(
        "orglife:branch",
        VIEW,
        kwargs=lambda w: {"code": w.branch_a.code},
        out=lambda w: {"code": w.branch_b.code},
    ),
    page("orglife:detail", VIEW_ALL, kwargs=_activity, out=_activity_out),
    page("orglife:edit", CHANGE, kwargs=_activity, out=_activity_out, forbidden=VIEW_ALL),
    page("orglife:signup", VIEW_ALL, kwargs=_activity, out=_activity_out, method="POST", ok=(302,)),
    page("orglife:signup_cancel", VIEW_ALL, kwargs=_activity, out=_activity_out, method="POST", ok=(302,)),
    page("orglife:attendance", CHANGE, kwargs=_activity, out=_activity_out, forbidden=VIEW_ALL),
    page("orglife:minutes", CHANGE, kwargs=_activity, out=_activity_out, forbidden=VIEW_ALL),
    page(
        "orglife:record",
        CHANGE,
        kwargs=lambda w: {"pk": w.activity_past_a.pk},
        out=lambda w: {"pk": w.activity_past_b.pk},
        forbidden=VIEW_ALL,
    ),
    page("orglife:qr", CHANGE, kwargs=_activity, out=_activity_out, forbidden=VIEW_ALL),
    page(
        "orglife:action",
        CHANGE,
        kwargs=lambda w: {"pk": w.activity_a.pk, "verb": "start"},
        out=lambda w: {"pk": w.activity_b.pk, "verb": "start"},
        method="POST",
        ok=(302,),
        forbidden=VIEW_ALL,
    ),
    api("GET", "/api/v1/orglife/activities/", VIEW_ALL),
    api(
        "POST",
        "/api/v1/orglife/activities/",
        CHANGE,
        body=lambda w: _new(w.branch_a),
        body_out=lambda w: _new(w.branch_b),
        ok=(201,),
        forbidden=VIEW_ALL,
    ),
    api("GET", "/api/v1/orglife/activities/{activity_id}", VIEW_ALL, params=_aid, out=_aid_out),
    api(
        "PATCH",
        "/api/v1/orglife/activities/{activity_id}",
        CHANGE,
        params=_aid,
        out=_aid_out,
        body=lambda w: {"title": "改名"},
        forbidden=VIEW_ALL,
    ),
    api(
        "POST",
        "/api/v1/orglife/activities/{activity_id}/publish",
        CHANGE,
        params=lambda w: {"activity_id": w.activity_plan_a.pk},
        out=lambda w: {"activity_id": w.activity_plan_b.pk},
        forbidden=VIEW_ALL,
    ),
    api(
        "POST",
        "/api/v1/orglife/activities/{activity_id}/start",
        CHANGE,
        params=_aid,
        out=_aid_out,
        forbidden=VIEW_ALL,
    ),
    api(
        "POST",
        "/api/v1/orglife/activities/{activity_id}/finish",
        CHANGE,
        params=_aid,
        out=_aid_out,
        forbidden=VIEW_ALL,
    ),
    api(
        "POST",
        "/api/v1/orglife/activities/{activity_id}/cancel",
        CHANGE,
        params=_aid,
        out=_aid_out,
        body=lambda w: {"reason": "天气原因"},
        forbidden=VIEW_ALL,
    ),
    api(
        "POST",
        "/api/v1/orglife/activities/{activity_id}/signup",
        VIEW_ALL,
        params=_aid,
        out=_aid_out,
        ok=(201,),
    ),
    # Nobody in the world has signed up, and the activity is under way: a 409 with the reason.
    api(
        "DELETE",
        "/api/v1/orglife/activities/{activity_id}/signup",
        VIEW_ALL,
        params=_aid,
        out=_aid_out,
        ok=(409,),
    ),
    api("GET", "/api/v1/orglife/activities/{activity_id}/signups", CHANGE, params=_aid, out=_aid_out),
    api(
        "POST",
        "/api/v1/orglife/checkin",
        VIEW_ALL,
        body=lambda w: {"token": _token(w.activity_a)},
        body_out=lambda w: {"token": _token(w.activity_b)},
    ),
    api(
        "POST",
        "/api/v1/orglife/activities/{activity_id}/attendance",
        CHANGE,
        params=_aid,
        out=_aid_out,
        body=lambda w: {"member_ids": [w.member_a.pk]},
        body_out=lambda w: {"member_ids": [w.member_b.pk]},
        forbidden=VIEW_ALL,
    ),
    api(
        "PUT",
        "/api/v1/orglife/activities/{activity_id}/minutes",
        CHANGE,
        params=_aid,
        out=_aid_out,
        body=lambda w: {"minutes": "会议记录"},
        forbidden=VIEW_ALL,
    ),
    api(
        "GET",
        "/api/v1/orglife/branches/{code}/compliance",
        VIEW,
        params=lambda w: {"code": w.branch_a.code},
        out=lambda w: {"code": w.branch_b.code},
    ),
    api("GET", "/api/v1/orglife/compliance", CHANGE),
]
