"""Co-building pages and API: rendering, search/filter/export, masking, bad input, claims over HTTP,
the member's phone registration, and query counts of the main lists."""

from __future__ import annotations

import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from grassroots.cobuild import services
from grassroots.cobuild.models import Need, Registration, Resource
from grassroots.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_need_list_search_filter_export_and_queries(cb, client_for, django_assert_max_num_queries):
    for i in range(30):
        services.post_need(cb.admin, community=cb.A, title=f"助老服务{i}", category="service")
    services.post_need(cb.admin, community=cb.A, title="楼道照明", category="equipment")
    services.post_need(cb.admin_b, community=cb.B, title="B社区需求", category="funds")
    c = client_for(cb.admin)
    with django_assert_max_num_queries(14):
        r = c.get(reverse("cobuild:needs"))
    html = r.content.decode()
    assert r.status_code == 200 and "B社区需求" not in html and html.count("data-row") == 25
    r = c.get(reverse("cobuild:needs"), {"q": "楼道"})
    assert r.content.decode().count("data-row") == 1
    r = c.get(reverse("cobuild:needs"), {"category": "funds"})
    assert "没有符合条件的记录" in r.content.decode()
    r = c.get(reverse("cobuild:needs"), {"export": "xlsx", "category": "service"})
    ws = load_workbook(io.BytesIO(r.content)).active
    rows = list(ws.values)
    assert rows[0][0] == "需求" and len(rows) == 31


def test_registration_list_masks_phone_and_counts_queries(
    cb, client_for, make_user, django_assert_max_num_queries
):
    services.register_unit(
        cb.admin, unit=cb.unit_a, community=cb.A, items=["场地"], contact_phone="13812345678"
    )
    for k in range(1, 3):
        from grassroots.party.models import Member

        Member.objects.filter(pk=cb.city.members[k].pk).update(in_service=True)
        u = cb.city.members[k]
        Registration.objects.create(kind="member", community=cb.A, org=u.party_org, member=u)
    c = client_for(cb.admin)
    with django_assert_max_num_queries(14):
        r = c.get(reverse("cobuild:registrations"))
    html = r.content.decode()
    assert r.status_code == 200 and html.count("data-row") == 3
    reg = Registration.objects.get(kind="unit")
    r = c.get(reverse("cobuild:registration", args=[reg.pk]))
    assert "13812345678" not in r.content.decode() and "138****5678" in r.content.decode()
    r = c.get(reverse("cobuild:registrations"), {"export": "xlsx", "kind": "unit"})
    values = list(load_workbook(io.BytesIO(r.content)).active.values)
    assert values[1][5] == "138****5678"  # masked for every role unless asked for with a purpose
    event = AuditEvent.objects.filter(action="export").latest("id")
    assert event.changes["filters"] == [None, {"kind": "unit"}]
    worker = make_user("cb_gw", "grid_worker", cb.A)
    r = client_for(worker).get(reverse("cobuild:registrations"), {"export": "xlsx", "kind": "unit"})
    values = list(load_workbook(io.BytesIO(r.content)).active.values)
    assert values[1][5] == "138****5678"
    # out of scope is a 404
    assert client_for(cb.admin_b).get(reverse("cobuild:registration", args=[reg.pk])).status_code == 404


def test_confirm_and_record_hours_through_pages(cb, client_for):
    reg = services.register_member(cb.member_user, community=cb.A, posts=cb.posts[:1])
    c = client_for(cb.admin)
    r = c.post(reverse("cobuild:registration_action", args=[reg.pk, "confirm"]))
    assert r.status_code == 302
    reg.refresh_from_db()
    assert reg.state == "active"
    url = reverse("cobuild:registration_action", args=[reg.pk, "record"])
    r = c.post(url, {"served_on": str(timezone.localdate()), "activity": "清扫", "hours": "abc"}, follow=True)
    assert "服务时长须为数字" in r.content.decode() and reg.records.count() == 0
    c.post(url, {"served_on": str(timezone.localdate()), "activity": "清扫", "hours": "2"})
    assert reg.records.count() == 1
    assert c.post(reverse("cobuild:registration_action", args=[reg.pk, "nonsense"])).status_code == 404


def test_member_phone_page_find_choose_submit(cb, client_for):
    c = client_for(cb.member_user)
    r = c.get(reverse("cobuild:join"))
    assert r.status_code == 200 and "第一步" in r.content.decode()
    r = c.get(reverse("cobuild:join_find"), {"q": "团岛"})
    assert cb.A.name in r.content.decode()
    r = c.get(reverse("cobuild:join_find"), {"street": cb.city.streets[1].code})
    assert "四方路社区" in r.content.decode() and cb.A.name not in r.content.decode()
    r = c.get(reverse("cobuild:join_find"), {"lng": "999", "lat": "1"})
    assert "定位坐标不正确" in r.content.decode()
    r = c.get(reverse("cobuild:join"), {"community": cb.A.code})
    assert "政策宣传" in r.content.decode()
    r = c.post(reverse("cobuild:join"), {"community": cb.A.code})
    assert r.status_code == 400 and "至少选择一个服务岗位" in r.content.decode()
    assert Registration.objects.count() == 0
    r = c.post(reverse("cobuild:join"), {"community": cb.A.code, "posts": [cb.posts[0].pk, cb.posts[2].pk]})
    assert r.status_code == 302
    reg = Registration.objects.get()
    assert reg.member == cb.member and reg.state == "pending"
    r = c.get(reverse("cobuild:join"))
    assert "待确认" in r.content.decode() and "第一步" not in r.content.decode()
    # staff pages don't exist for the member
    assert c.get(reverse("cobuild:registrations")).status_code == 404


def test_claim_pages_and_suggestions(cb, client_for):
    need = services.post_need(cb.admin, community=cb.A, title="活动场地", category="venue")
    services.offer_resource(cb.admin, unit=cb.unit_a, title="会议室", category="venue", quantity=5)
    c = client_for(cb.liaison)
    r = c.get(reverse("cobuild:need", args=[need.pk]))
    html = r.content.decode()
    assert "会议室" in html and "同类别" in html and "单位认领" in html
    r = c.post(reverse("cobuild:need_action", args=[need.pk, "claim"]), {"unit": cb.unit_b.code}, follow=True)
    assert "请选择代表认领的单位" in r.content.decode()
    need.refresh_from_db()
    assert need.state == "open"
    c.post(reverse("cobuild:need_action", args=[need.pk, "claim"]), {"unit": cb.unit_a.code})
    need.refresh_from_db()
    assert need.claimed_unit == cb.unit_a
    r = client_for(cb.liaison2).post(
        reverse("cobuild:need_action", args=[need.pk, "claim"]), {"unit": cb.unit_a.code}, follow=True
    )
    assert "已被其他单位认领" in r.content.decode()


def test_other_pages_render(cb, client_for):
    c = client_for(cb.admin)
    committee = services.create_committee(cb.admin, region=cb.A, name="团岛社区联席会议", place="会议室")
    meeting = services.schedule_meetings(cb.admin, committee, start=timezone.localdate(), months=1)
    project = services.create_project(cb.admin, community=cb.A, title="楼道亮化")
    for name, args in [
        ("cobuild:index", []),
        ("cobuild:projects", []),
        ("cobuild:project", [project.pk]),
        ("cobuild:committees", []),
        ("cobuild:committee", [committee.pk]),
        ("cobuild:meetings", []),
        ("cobuild:resolutions", []),
        ("cobuild:ratings", []),
        ("cobuild:rating_add", []),
        ("cobuild:report", []),
        ("cobuild:posts", []),
        ("cobuild:need_add", []),
        ("cobuild:resource_add", []),
        ("cobuild:project_add", []),
        ("cobuild:committee_add", []),
        ("cobuild:register_unit", []),
    ] + ([("cobuild:meeting", [meeting[0].pk])] if meeting else []):
        r = c.get(reverse(name, args=args))
        assert r.status_code == 200, name
    r = c.get(reverse("cobuild:report"), {"org": "NOPE"})
    assert r.status_code == 400 and "不存在" in r.content.decode()
    r = c.get(reverse("cobuild:report"), {"org": cb.city.community_orgs[0].code, "period": "2026Q9"})
    assert r.status_code == 400 and "格式" in r.content.decode()


def test_forms_bad_input_changes_nothing(cb, client_for):
    c = client_for(cb.admin)
    r = c.post(reverse("cobuild:need_add"), {"community": cb.B.code, "title": "", "category": "venue"})
    assert r.status_code == 400 and Need.objects.count() == 0
    r = c.post(
        reverse("cobuild:need_add"),
        {"community": cb.A.code, "title": "x", "category": "venue", "quantity": "1", "lng": "120.3"},
    )
    assert r.status_code == 400 and "经度和纬度须同时填写" in r.content.decode()
    r = c.post(
        reverse("cobuild:need_add"),
        {"community": cb.A.code, "title": "助餐", "category": "service", "quantity": 2},
    )
    assert r.status_code == 302 and Need.objects.get().quantity == 2
    r = c.post(
        reverse("cobuild:register_unit"), {"unit": cb.unit_a.code, "items": "开放场地", "contact_phone": "12"}
    )
    assert r.status_code == 400 and "11 位手机号" in r.content.decode()
    r = c.post(reverse("cobuild:register_unit"), {"unit": cb.unit_a.code, "items": "开放场地\n志愿服务"})
    assert r.status_code == 302
    assert Registration.objects.get().agreement.items == ["开放场地", "志愿服务"]


def test_api_lists_claims_and_problems(cb, client_for):
    need = services.post_need(cb.admin, community=cb.A, title="助餐", category="service")
    c = client_for(cb.liaison)
    r = c.get("/api/v1/cobuild/needs/", {"state": "open"})
    assert r.status_code == 200 and [i["id"] for i in r.json()["items"]] == [need.pk]
    r = c.post(
        f"/api/v1/cobuild/needs/{need.pk}/claim",
        {"unit_code": cb.unit_b.code},
        content_type="application/json",
    )
    assert r.status_code == 404 and r["Content-Type"] == "application/problem+json"
    r = c.post(
        f"/api/v1/cobuild/needs/{need.pk}/claim",
        {"unit_code": cb.unit_a.code},
        content_type="application/json",
    )
    assert (
        r.status_code == 200
        and r.json()["state"] == "claimed"
        and r.json()["claimed_unit_code"] == cb.unit_a.code
    )
    r = client_for(cb.liaison2).post(
        f"/api/v1/cobuild/needs/{need.pk}/claim",
        {"unit_code": cb.unit_a.code},
        content_type="application/json",
    )
    assert r.status_code == 409 and r.json()["detail"] == "该需求已被其他单位认领"
    a = client_for(cb.admin)
    r = a.post(
        "/api/v1/cobuild/needs/",
        {"community_code": cb.A.code, "title": "", "category": "x"},
        content_type="application/json",
    )
    assert r.status_code == 422
    r = a.post(
        "/api/v1/cobuild/needs/",
        {"community_code": cb.A.code, "title": "旧", "category": "funds", "valid_until": "2001-01-01"},
        content_type="application/json",
    )
    assert r.status_code == 400 and "有效期" in r.json()["detail"]
    assert Need.objects.count() == 1
    services.register_unit(
        cb.admin, unit=cb.unit_a, community=cb.A, items=["场地"], contact_phone="13812345678"
    )
    r = a.get("/api/v1/cobuild/registrations/")
    assert r.json()["items"][0]["contact_phone"] == "138****5678"
    r = a.get("/api/v1/cobuild/stats")
    assert r.json()["open_needs"] == 0 and r.json()["units"] == 0
    res = services.offer_resource(cb.admin, unit=cb.unit_a, title="会议室", category="venue")
    r = a.post(
        f"/api/v1/cobuild/resources/{res.pk}/claim",
        {"community_code": cb.A.code},
        content_type="application/json",
    )
    assert r.status_code == 200 and Resource.objects.get().claimed_community == cb.A
    r = a.get(f"/api/v1/cobuild/needs/{need.pk}/suggestions")
    assert r.status_code == 200


def test_resolution_overdue_filter(cb, client_for):
    c = services.create_committee(cb.admin, region=cb.A, name="会", place="室")
    from grassroots.cobuild.models import Meeting

    m = Meeting.objects.create(committee=c, starts_at=timezone.now(), place="室", theme="议事")
    late = services.raise_issue(cb.admin, m, issue="停车难")
    services.resolve_issue(
        cb.admin,
        late,
        decision="d",
        owner="o",
        duty="d",
        due=timezone.localdate() - datetime.timedelta(days=3),
    )
    fine = services.raise_issue(cb.admin, m, issue="垃圾分类")
    services.resolve_issue(
        cb.admin,
        fine,
        decision="d",
        owner="o",
        duty="d",
        due=timezone.localdate() + datetime.timedelta(days=30),
    )
    r = client_for(cb.admin).get(reverse("cobuild:resolutions"), {"status": "overdue"})
    html = r.content.decode()
    assert "停车难" in html and "垃圾分类" not in html and "已逾期" in html
    r = client_for(cb.admin).get("/api/v1/cobuild/resolutions/", {"status": "tracking"})
    assert [i["issue"] for i in r.json()["items"]] == ["垃圾分类"]
