"""身边诉求 (cases.public): what the public sees, the per-area summary, follow / unfollow and the
reporter's 补充说明, on pages and in the API."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from grassroots.cases import moderation, public, services
from grassroots.cases.models import Case, CaseEvent, CaseFollower
from grassroots.cases.workflow import CaseState
from grassroots.core.errors import PermissionDenied, ServiceError
from grassroots.core.models import AuditEvent
from grassroots.notifications.models import Notification

pytestmark = pytest.mark.django_db
NO_PHOTO = "夜间施工无法拍照"


@pytest.fixture
def neighbour(make_user):
    return make_user("neighbour", "resident")


def _fixed(loop, new_case, hours: float = 5.0) -> Case:
    """A manhole case through to resolved, `hours` after it was submitted."""
    case = new_case(loop.cat_manhole, description="井盖缺失，联系人13812345678")
    services.triage(loop.dispatcher, case, category=loop.cat_manhole)
    services.dispatch(loop.dispatcher, case)
    services.accept(loop.dept_a, case)
    services.resolve(
        loop.dept_a, case, resolution="已更换井盖，施工人员电话13900001111", no_photo_reason=NO_PHOTO
    )
    Case.objects.filter(pk=case.pk).update(resolved_at=case.submitted_at + datetime.timedelta(hours=hours))
    case.refresh_from_db()
    return case


# ---------------------------------------------------------------- what the public sees


def test_public_page_shows_redacted_text_and_no_reporter(client, loop, new_case):
    case = new_case(loop.cat_garbage, description="垃圾堆放三天，我的电话13812345678")
    r = client.get(reverse("cases:public_map"))
    assert r.status_code == 200
    body = r.content.decode()
    assert case.number in body
    assert "13812345678" not in body and "张三" not in body and "云南路" not in body
    d = client.get(reverse("cases:public_case", args=[case.number])).content.decode()
    assert "垃圾堆放三天" in d and "13812345678" not in d and "张三" not in d


def test_hidden_text_and_rounded_points(client, loop, new_case):
    case = new_case(loop.cat_garbage, lng=120.312345, lat=36.065432)
    moderation.moderate_public_text(loop.dispatcher, case, public_hidden=True)
    r = client.get(reverse("cases:public_map"))
    points = r.context["points"]["points"]
    assert points == [
        {"number": case.number, "lng": 120.312, "lat": 36.065, "status": "received", "category": "暴露垃圾"}
    ]
    assert Case.PUBLIC_HIDDEN_TEXT in r.content.decode()


def test_merged_case_redirects_to_the_survivor(client, loop, new_case):
    a, b = new_case(loop.cat_garbage), new_case(loop.cat_garbage)
    services.triage(loop.dispatcher, b, category=loop.cat_garbage)
    services.merge(loop.dispatcher, b, into=a)
    assert b.number not in client.get(reverse("cases:public_map")).content.decode()
    r = client.get(reverse("cases:public_case", args=[b.number]))
    assert r.status_code == 302 and r.url == reverse("cases:public_case", args=[a.number])


def test_unknown_case_is_404_in_chinese(client, db):
    r = client.get(reverse("cases:public_case", args=["20990101000001"]))
    assert r.status_code == 404 and "诉求不存在" in r.content.decode()


@pytest.mark.parametrize(
    "params,message",
    [
        ({"region": "999999"}, "所选区域不存在"),
        ({"status": "done"}, "状态只能是"),
        ({"days": "365"}, "时间范围只能是"),
        ({"days": "abc"}, "时间范围只能是"),
    ],
)
def test_bad_filters_answer_400_with_a_reason(client, loop, params, message):
    r = client.get(reverse("cases:public_map"), params)
    assert r.status_code == 400 and message in r.content.decode()


def test_filters_by_area_status_and_period(loop, new_case):
    c0 = new_case(loop.cat_garbage)
    c1 = new_case(loop.cat_garbage, region=loop.c1)
    old = new_case(loop.cat_garbage)
    Case.objects.filter(pk=old.pk).update(submitted_at=timezone.now() - datetime.timedelta(days=40))
    fixed = _fixed(loop, new_case)

    def numbers(**params):
        return {c.number for c in public.public_cases(public.Filters.parse(params))}

    assert numbers(days="30") == {c0.number, c1.number, fixed.number}
    assert numbers() == {c0.number, c1.number, fixed.number, old.number}  # 90 days by default
    assert numbers(region=loop.c1.code, days="30") == {c1.number}
    assert numbers(status="fixed") == {fixed.number}
    assert numbers(status="received", days="30") == {c0.number, c1.number}
    assert numbers(category="11", days="30") == {c0.number, c1.number}  # 大类 code matches its 小类


def test_area_summary_equals_a_count_by_hand(loop, new_case):
    """Per community under the street: reported, fixed, share fixed and mean hours to fix."""
    new_case(loop.cat_garbage)
    new_case(loop.cat_garbage, region=loop.c1)
    _fixed(loop, new_case, hours=4)
    _fixed(loop, new_case, hours=8)
    rows = public.area_summary(public.Filters.parse({"region": loop.street.code}))
    by_code = {r["code"]: r for r in rows}
    assert by_code[loop.c0.code]["reported"] == 3 and by_code[loop.c0.code]["fixed"] == 2
    assert by_code[loop.c0.code]["fixed_rate"] == round(100 * 2 / 3, 1)
    assert by_code[loop.c0.code]["mean"] == "6小时"
    assert by_code[loop.c1.code] == {
        "name": loop.c1.name,
        "code": loop.c1.code,
        "reported": 1,
        "fixed": 0,
        "fixed_rate": 0.0,
        "mean": "—",
    }
    # At city level the rows are the districts.
    assert [r["code"] for r in public.area_summary(public.Filters.parse({}))] == [loop.city.district.code]


def test_time_taken_of_open_and_fixed_cases(loop, new_case):
    fixed = _fixed(loop, new_case, hours=30)
    assert public.time_taken(fixed) == (datetime.timedelta(hours=30), True)
    open_case = new_case(loop.cat_garbage)
    later = open_case.submitted_at + datetime.timedelta(days=3)
    assert public.time_taken(open_case, later) == (datetime.timedelta(days=3), False)
    assert public.humanize(datetime.timedelta(days=3)) == "3天"


def test_public_timeline_keeps_internal_notes_inside(loop, new_case):
    case = new_case(loop.cat_manhole)
    services.triage(loop.dispatcher, case, category=loop.cat_manhole, note="内部：先查权属")
    services.dispatch(loop.dispatcher, case)
    services.accept(loop.dept_a, case)
    services.log_work(loop.dept_a, case, note="内部：联系了物业经理李四13700000000")
    services.resolve(
        loop.dept_a, case, resolution="已更换井盖，施工人员电话13900001111", no_photo_reason=NO_PHOTO
    )
    steps = public.public_timeline(case)
    assert [s["step"] for s in steps] == ["submit", "triage", "dispatch", "accept", "resolve"]
    resolve = steps[-1]
    assert "已更换井盖" in resolve["note"] and "13900001111" not in resolve["note"]
    assert all(s["note"] == "" for s in steps[:-1])


def test_the_public_page_makes_as_many_queries_for_20_cases_as_for_2(client, loop, new_case):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries() -> int:
        from django.core.cache import cache

        cache.clear()
        with CaptureQueriesContext(connection) as ctx:
            r = client.get(reverse("cases:public_map"), {"region": loop.street.code})
        assert r.status_code == 200
        return len(ctx.captured_queries)

    for _ in range(2):
        new_case(loop.cat_garbage)
    few = queries()
    for _ in range(18):
        new_case(loop.cat_garbage, region=loop.c1)
    assert queries() == few
    assert few <= 16


# ---------------------------------------------------------------- follow and 补充说明


def test_follow_notifies_and_lists_under_my_cases(loop, new_case, neighbour, client_for):
    case = new_case(loop.cat_manhole)
    c = client_for(neighbour)
    r = c.post(reverse("cases:public_follow", args=[case.number]))
    assert r.status_code == 302
    assert CaseFollower.objects.filter(case=case, user=neighbour, source__isnull=True).count() == 1
    assert case in services.my_cases(neighbour)
    assert AuditEvent.objects.filter(
        model="cases.casefollower", actor_id=neighbour.pk, action="create"
    ).exists()
    services.triage(loop.dispatcher, case, category=loop.cat_manhole)
    services.dispatch(loop.dispatcher, case)
    services.accept(loop.dept_a, case)
    services.resolve(loop.dept_a, case, resolution="已修复井盖完毕", no_photo_reason=NO_PHOTO)
    assert Notification.objects.filter(user=neighbour, object_id=str(case.pk)).exists()
    # a second follow is refused, then unfollow removes the row
    with pytest.raises(ServiceError, match="已关注"):
        public.follow(neighbour, case)
    c.post(reverse("cases:public_unfollow", args=[case.number]))
    assert not CaseFollower.objects.filter(case=case, user=neighbour).exists()
    with pytest.raises(ServiceError, match="未关注"):
        public.unfollow(neighbour, case)


def test_follow_refusals(loop, new_case, neighbour, make_user):
    case = new_case(loop.cat_garbage)
    with pytest.raises(ServiceError, match="无需关注"):
        public.follow(loop.resident, case)  # the reporter
    staff = make_user("staff_nofollow", "street_admin", loop.street)
    with pytest.raises(PermissionDenied):
        public.follow(staff, case)
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(PermissionDenied):
        public.follow(AnonymousUser(), case)
    assert not CaseFollower.objects.filter(case=case).exists()


def test_anonymous_follow_goes_to_the_resident_login(client, loop, new_case):
    case = new_case(loop.cat_garbage)
    r = client.post(reverse("cases:public_follow", args=[case.number]))
    assert r.status_code == 302 and r.url.startswith(reverse("accounts:resident_login"))
    assert client.get(reverse("cases:public_follow", args=[case.number])).status_code == 405


def test_reporter_adds_an_update_that_reaches_the_handler(loop, dispatched, client_for):
    case = dispatched()
    r = client_for(loop.resident).post(
        reverse("cases:public_update", args=[case.number]), {"text": "井盖旁又塌了一块，电话13812345678"}
    )
    assert r.status_code == 302
    event = CaseEvent.objects.get(case=case, step="resident_update")
    assert event.from_state == event.to_state == CaseState.DISPATCHED
    case.refresh_from_db()
    assert case.state == CaseState.DISPATCHED
    assert Notification.objects.filter(user=loop.dept_a, kind="case_update").exists()
    assert AuditEvent.objects.filter(model="cases.case", object_id=str(case.pk), action="update").exists()
    note = [s for s in public.public_timeline(case) if s["step"] == "resident_update"][0]["note"]
    assert "又塌了一块" in note and "13812345678" not in note


def test_update_refusals(loop, new_case, neighbour):
    case = new_case(loop.cat_garbage)
    with pytest.raises(PermissionDenied, match="只有反映人"):
        public.add_update(neighbour, case, "我也看到了")
    with pytest.raises(ServiceError, match="请填写"):
        public.add_update(loop.resident, case, "   ")
    with pytest.raises(ServiceError, match="不能超过"):
        public.add_update(loop.resident, case, "长" * (public.UPDATE_MAX + 1))
    for i in range(public.UPDATES_PER_DAY):
        public.add_update(loop.resident, case, f"第{i}次")
    with pytest.raises(ServiceError, match="最多补充"):
        public.add_update(loop.resident, case, "再一次")
    Case.objects.filter(pk=case.pk).update(state=CaseState.CLOSED)
    case.refresh_from_db()
    with pytest.raises(ServiceError, match="不能再补充"):
        public.add_update(loop.resident, case, "结案后")
    assert CaseEvent.objects.filter(case=case, step="resident_update").count() == public.UPDATES_PER_DAY


# ---------------------------------------------------------------- API


def test_api_public_list_and_detail_need_no_sign_in(client, loop, new_case):
    case = _fixed(loop, new_case, hours=6)
    r = client.get("/api/v1/public/cases", {"region": loop.c0.code})
    assert r.status_code == 200
    item = [i for i in r.json()["items"] if i["number"] == case.number][0]
    assert item["status"] == "fixed" and item["hours_taken"] == 6.0 and item["finished"] is True
    assert "13812345678" not in r.content.decode()
    d = client.get(f"/api/v1/public/cases/{case.number}").json()
    assert [s["step"] for s in d["timeline"]][-1] == "resolve"
    assert "13900001111" not in d["resolution"]
    bad = client.get("/api/v1/public/cases", {"status": "nope"})
    assert bad.status_code == 400 and "状态只能是" in bad.json()["detail"]


def test_api_follow_and_update(loop, dispatched, neighbour, token_for, client):
    case = dispatched()
    h = {"HTTP_AUTHORIZATION": f"Bearer {token_for(neighbour)}"}
    assert client.post(f"/api/v1/public/cases/{case.number}/follow", **h).status_code == 201
    assert client.post(f"/api/v1/public/cases/{case.number}/follow", **h).status_code == 400
    assert client.delete(f"/api/v1/public/cases/{case.number}/follow", **h).json() == {
        "number": case.number,
        "following": False,
    }
    r = client.post(
        f"/api/v1/public/cases/{case.number}/updates",
        {"text": "我也看到了"},
        content_type="application/json",
        **h,
    )
    assert r.status_code == 403 and "只有反映人" in r.json()["detail"]
    mine = {"HTTP_AUTHORIZATION": f"Bearer {token_for(loop.resident)}"}
    r = client.post(
        f"/api/v1/public/cases/{case.number}/updates",
        {"text": "补充位置"},
        content_type="application/json",
        **mine,
    )
    assert r.status_code == 201 and r.json()["text"] == "补充位置"
    assert client.post(f"/api/v1/public/cases/{case.number}/follow").status_code == 401
