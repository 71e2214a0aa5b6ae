"""Visits (GOV-7) and the configuration pages (cases.config): validation, audit, scope; and the
scoped lists stay at a fixed number of queries."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from grassroots.cases import config, services, visits
from grassroots.cases.models import Case, Category, Handler, Holiday, Visit
from grassroots.cases.workdays import compute_deadline
from grassroots.core.errors import NotFound, PermissionDenied, ServiceError
from grassroots.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def visit_data(community, **kw):
    data = {
        "kind": "night",
        "community": community.pk,
        "visitor_name": "王书记",
        "visited_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "place": "幸福社区党群服务中心",
        "whom": "3 栋居民代表",
        "heard": "楼道照明不足，晚上出行不便",
    }
    data.update(kw)
    return data


def test_visit_logged_listed_exported_and_opens_a_linked_case(loop, client_for):
    c = client_for(loop.dispatcher)
    resp = c.post(reverse("cases:visit_create"), visit_data(loop.c0))
    assert resp.status_code == 302
    visit = Visit.objects.get()
    assert visit.visitor == loop.dispatcher and visit.kind == "night"
    assert AuditEvent.objects.filter(model="cases.visit", action="create").count() == 1
    # 暴露垃圾 requires a location, which a visit has not: refused with the reason, nothing written
    resp = c.post(
        reverse("cases:visit_detail", args=[visit.pk]),
        {"description": "3 栋楼道路灯损坏需要维修", "category": loop.cat_garbage.pk},
    )
    assert resp.status_code == 400 and "须填写：位置" in resp.content.decode() and not Case.objects.exists()
    resp = c.post(
        reverse("cases:visit_detail", args=[visit.pk]),
        {"description": "3 栋楼道路灯损坏需要维修", "category": Category.objects.get(code="2101").pk},
    )
    assert resp.status_code == 302
    case = Case.objects.get()
    assert case.visit == visit and case.channel == "night_visit" and case.region == loop.c0
    detail = c.get(reverse("cases:visit_detail", args=[visit.pk])).content.decode()
    assert case.number in detail
    body = c.get(reverse("cases:visits"), {"q": "照明"}).content.decode()
    assert "幸福社区党群服务中心" in body
    assert "幸福社区" not in c.get(reverse("cases:visits"), {"kind": "contact_point"}).content.decode()
    xlsx = c.get(reverse("cases:visits"), {"export": "xlsx"})
    ws = load_workbook(io.BytesIO(xlsx.content)).worksheets[0]
    rows = [[cell.value for cell in r] for r in ws.iter_rows()]
    assert any(r[0] == "夜访民情" and r[-1] == 1 for r in rows)
    # out of scope: a community admin of c1 sees neither the visit nor can log one in c0
    other = client_for(loop.admin_c1)
    assert other.get(reverse("cases:visit_detail", args=[visit.pk])).status_code == 404
    assert "幸福社区党群服务中心" not in other.get(reverse("cases:visits")).content.decode()


def test_visit_validation(loop):
    with pytest.raises(ServiceError, match="走访时间不能晚于现在"):
        visits.record_visit(
            loop.dispatcher,
            kind="night",
            region=loop.c0,
            visitor_name="王书记",
            visited_at=timezone.now() + dt.timedelta(days=1),
            place="广场",
            whom="居民",
            heard="路灯不亮很多天",
        )
    with pytest.raises(ServiceError, match="听取的意见"):
        visits.record_visit(
            loop.dispatcher,
            kind="night",
            region=loop.c0,
            visitor_name="王书记",
            visited_at=timezone.now(),
            place="广场",
            whom="居民",
            heard="短",
        )
    with pytest.raises(NotFound):
        visits.record_visit(
            loop.admin_c1,
            kind="night",
            region=loop.c0,
            visitor_name="王书记",
            visited_at=timezone.now(),
            place="广场",
            whom="居民",
            heard="路灯不亮很多天",
        )
    assert not Visit.objects.exists()


def test_lists_use_a_fixed_number_of_queries(loop, new_case, client_for, django_assert_max_num_queries):
    c = client_for(loop.dispatcher)
    for i in range(3):
        new_case(loop.cat_garbage, description=f"第{i}处垃圾堆放没人清运")
        visits.record_visit(
            loop.dispatcher,
            kind="contact_point",
            region=loop.c0,
            visitor_name="王书记",
            visited_at=timezone.now(),
            place=f"广场{i}",
            whom="居民",
            heard="路灯不亮很多天",
        )
    c.get(reverse("cases:list"))
    with django_assert_max_num_queries(12):
        assert c.get(reverse("cases:list")).status_code == 200
    with django_assert_max_num_queries(12):
        assert c.get(reverse("cases:visits")).status_code == 200
    for i in range(10):
        new_case(loop.cat_garbage, description=f"再一处垃圾堆放{i}")
        visits.record_visit(
            loop.dispatcher,
            kind="night",
            region=loop.c0,
            visitor_name="李书记",
            visited_at=timezone.now(),
            place=f"小区{i}",
            whom="居民",
            heard="楼道堆物很多天",
        )
    with django_assert_max_num_queries(12):
        assert c.get(reverse("cases:list")).status_code == 200
    with django_assert_max_num_queries(12):
        assert c.get(reverse("cases:visits")).status_code == 200


@pytest.fixture
def cfg(loop, make_user):
    return make_user("city_cfg", "city_admin", loop.city.city)


def test_only_config_holders_reach_the_pages(loop, cfg, client_for):
    assert client_for(loop.dispatcher).get(reverse("cases:config", args=["categories"])).status_code == 404
    c = client_for(cfg)
    for kind in ("categories", "holidays", "rules", "admission", "handlers"):
        assert c.get(reverse("cases:config", args=[kind])).status_code == 200
    assert c.get(reverse("cases:config", args=["nothing"])).status_code == 404
    with pytest.raises(PermissionDenied):
        config.set_holiday(loop.dispatcher, dt.date(2027, 10, 1), is_workday=False, name="国庆节")


def test_category_add_edit_disable_with_audit_and_validation(loop, cfg, client_for):
    c = client_for(cfg)
    data = {
        "parent": Category.objects.get(code="23").pk,
        "code": "2399",
        "name": "宠物扰民",
        "kind": "community",
        "default_tier": "minor",
        "deadline_value": "3",
        "deadline_unit": "working_days",
        "handler_kind": "community",
        "required_fields": ["address"],
        "keywords": "宠物 狗叫 遛狗",
        "sort": "99",
    }
    assert c.post(reverse("cases:config_new", args=["categories"]), data).status_code == 302
    cat = Category.objects.get(code="2399")
    assert (
        cat.required_fields == ["address"] and AuditEvent.objects.filter(model="cases.category").count() == 1
    )
    bad = {**data, "code": "2398", "deadline_value": "0"}
    resp = c.post(reverse("cases:config_new", args=["categories"]), bad)
    assert resp.status_code == 400 and "处置时限至少为 1" in resp.content.decode()
    assert not Category.objects.filter(code="2398").exists()
    resp = c.post(
        reverse("cases:config_edit", args=["categories", cat.pk]), {**data, "name": "宠物扰民(犬只)"}
    )
    assert resp.status_code == 302
    cat.refresh_from_db()
    assert cat.name == "宠物扰民(犬只)"
    from grassroots.cases.suggest import suggest_categories

    assert suggest_categories("邻居家狗叫一整夜")[0].category == cat
    c.post(reverse("cases:config_toggle", args=["categories", cat.pk]))
    cat.refresh_from_db()
    assert not cat.is_active and AuditEvent.objects.filter(model="cases.category").count() == 3


def test_holidays_beyond_the_official_calendar_change_deadlines(loop, cfg, client_for):
    c = client_for(cfg)
    start = dt.datetime(2027, 9, 30, 10, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    _s, before, _m = compute_deadline(start, 1, "working_days")
    # Without the official schedule the fallback still knows the fixed statutory days (10/1-10/3).
    assert before.date() == dt.date(2027, 10, 4)
    # one announcement line: 10 月 1 日至 7 日放假
    c.post(
        reverse("cases:holiday_add"),
        {"date": "2027-10-01", "end": "2027-10-07", "is_workday": "0", "name": "国庆节"},
    )
    # 2027-10-09 is a Saturday: an adjusted working day
    c.post(reverse("cases:holiday_add"), {"date": "2027-10-09", "is_workday": "1", "name": "国庆节调休上班"})
    assert Holiday.objects.filter(date__year=2027, date__month=10).count() == 8
    _s, after, _m = compute_deadline(start, 1, "working_days")
    assert after.date() == dt.date(2027, 10, 8)
    # a weekday can't be an adjusted working day; nothing changes
    resp = c.post(reverse("cases:holiday_add"), {"date": "2027-10-11", "is_workday": "1", "name": "调休"})
    assert resp.status_code == 302 and not Holiday.objects.filter(date="2027-10-11").exists()
    # a range of adjusted working days that includes a weekday is refused as a whole
    resp = c.post(
        reverse("cases:holiday_add"),
        {"date": "2027-10-16", "end": "2027-10-18", "is_workday": "1", "name": "调休"},
        follow=True,
    )
    assert "本来就是工作日" in resp.content.decode()
    assert not Holiday.objects.filter(date__range=("2027-10-16", "2027-10-18")).exists()
    # a reversed or too long range is refused with the reason
    for end, message in (("2027-11-01", "结束日期不能早于开始日期"), ("2027-11-30", "一次最多设置 15 天")):
        resp = c.post(
            reverse("cases:holiday_add"),
            {
                "date": "2027-11-02" if end == "2027-11-01" else "2027-11-01",
                "end": end,
                "is_workday": "0",
                "name": "x",
            },
            follow=True,
        )
        assert message in resp.content.decode()
    assert not Holiday.objects.filter(date__year=2027, date__month=11).exists()
    h = Holiday.objects.get(date="2027-10-09")
    c.post(reverse("cases:config_toggle", args=["holidays", h.pk]))
    assert not Holiday.objects.filter(date="2027-10-09").exists()
    assert AuditEvent.objects.filter(model="cases.holiday", action="delete").count() == 1


def test_handlers_members_rules_and_admission(loop, cfg, client_for):
    c = client_for(cfg)
    resp = c.post(
        reverse("cases:config_new", args=["handlers"]),
        {
            "kind": "department",
            "name": "区市场监督管理局",
            "region_code": loop.city.district.code,
            "member_usernames": "dept_a dept_other",
        },
    )
    assert resp.status_code == 302
    h = Handler.objects.get(name="区市场监督管理局")
    assert set(h.members.values_list("username", flat=True)) == {"dept_a", "dept_other"}
    resp = c.post(
        reverse("cases:config_new", args=["handlers"]),
        {
            "kind": "department",
            "name": "区应急管理局",
            "region_code": loop.city.district.code,
            "member_usernames": "nobody_here",
        },
    )
    assert resp.status_code == 400 and "账号不存在" in resp.content.decode()
    resp = c.post(
        reverse("cases:config_new", args=["handlers"]),
        {"kind": "community", "name": "错层居委会", "region_code": loop.street.code},
    )
    assert resp.status_code == 400 and "社区承办单位须属于社区" in resp.content.decode()
    assert not Handler.objects.filter(name__in=["区应急管理局", "错层居委会"]).exists()
    resp = c.post(
        reverse("cases:config_new", args=["rules"]),
        {"category": Category.objects.get(code="1302").pk, "tier": "", "handler": h.pk, "region_code": ""},
    )
    assert resp.status_code == 302
    case = services.submit(
        loop.dispatcher,
        channel="walk_in",
        region=loop.c0,
        description="小区里有人违法搭建",
        address="幸福路8号",
    )
    services.triage(loop.dispatcher, case, category=Category.objects.get(code="1302"))
    assert services.route(case) == h
    resp = c.post(
        reverse("cases:config_new", args=["admission"]),
        {
            "category": Category.objects.get(code="1401").pk,
            "basis": "街道授权",
            "region_code": loop.street.code,
        },
    )
    assert resp.status_code == 302
    resp = c.post(
        reverse("cases:config_new", args=["admission"]),
        {"category": Category.objects.get(code="1401").pk, "basis": "重复", "region_code": loop.street.code},
    )
    assert resp.status_code == 400
