"""Pages: list (search, filters, export, query count), forms, detail actions, calendar, feeds, stats."""

from __future__ import annotations

import datetime
import io
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar
from openpyxl import load_workbook

from grassroots.notifications.models import Notification
from grassroots.orglife import ical, services
from grassroots.orglife.models import Activity, ActivityKind, ActivityStatus, Signup, SignupStatus

pytestmark = pytest.mark.django_db


def test_list_search_filter_export_and_queries(
    admin, client_for, make_activity, city, django_assert_max_num_queries
):
    for i in range(12):
        make_activity(title=f"主题党日{i}", status=ActivityStatus.PUBLISHED)
    make_activity(kind=ActivityKind.COMMITTEE_MEETING, title="十一月支委会")
    make_activity(title="别处的活动", org=city.branches[3])  # out of scope
    c = client_for(admin)
    with django_assert_max_num_queries(12):
        r = c.get(reverse("orglife:list"))
    assert r.status_code == 200
    body = r.content.decode()
    assert "十一月支委会" in body and "别处的活动" not in body
    r = c.get(reverse("orglife:list"), {"q": "支委"})
    assert "十一月支委会" in r.content.decode() and "主题党日1<" not in r.content.decode()
    r = c.get(reverse("orglife:list"), {"kind": "committee_meeting"})
    assert r.context["page_obj"].paginator.count == 1
    r = c.get(reverse("orglife:list"), {"status": "published"})
    assert r.context["page_obj"].paginator.count == 12
    r = c.get(reverse("orglife:list"), {"export": "xlsx"})
    ws = load_workbook(io.BytesIO(r.content)).active
    assert ws.max_row == 14 and ws.cell(1, 1).value == "标题"


def test_empty_state(admin, client_for):
    r = client_for(admin).get(reverse("orglife:list"))
    assert "暂无活动列表" in r.content.decode()


def test_create_form_errors_then_success(admin, client_for, branch):
    c = client_for(admin)
    r = c.post(
        reverse("orglife:add"),
        {
            "kind": "committee_meeting",
            "title": "支委会",
            "starts_at": "2030-01-05T09:00",
            "ends_at": "2030-01-05T08:00",
        },
    )
    assert r.status_code == 400
    body = r.content.decode()
    assert "请选择所属区划或党组织" in body
    assert not Activity.objects.exists()
    r = c.post(
        reverse("orglife:add"),
        {
            "kind": "committee_meeting",
            "title": "支委会",
            "party_org": branch.code,
            "starts_at": "2030-01-05T09:00",
            "ends_at": "2030-01-05T08:00",
        },
    )
    assert r.status_code == 400 and "结束时间必须晚于开始时间" in r.content.decode()
    r = c.post(
        reverse("orglife:add"),
        {
            "kind": "committee_meeting",
            "title": "支委会",
            "party_org": branch.code,
            "starts_at": "2030-01-05T09:00",
            "ends_at": "2030-01-05T10:00",
            "place": "党群服务中心",
        },
    )
    a = Activity.objects.get()
    assert r.status_code == 302 and r["Location"] == reverse("orglife:detail", args=[a.pk])
    assert a.region == branch.region and timezone.localtime(a.starts_at).hour == 9


def test_detail_actions_publish_and_member_signup(admin, member_user, client_for, make_activity):
    a = make_activity()
    c = client_for(admin)
    r = c.get(reverse("orglife:detail", args=[a.pk]))
    assert 'data-verb="publish"' in r.content.decode()
    r = c.post(reverse("orglife:action", args=[a.pk, "publish"]))
    assert r.status_code == 302
    a.refresh_from_db()
    assert a.status == ActivityStatus.PUBLISHED
    assert Notification.objects.filter(user=member_user, kind="orglife.published").exists()
    r = c.post(reverse("orglife:action", args=[a.pk, "cancel"]), {"reason": ""}, follow=True)
    assert "请填写取消原因" in r.content.decode()
    m = client_for(member_user)
    r = m.get(reverse("orglife:detail", args=[a.pk]))
    assert "我要报名" in r.content.decode() and 'data-verb="publish"' not in r.content.decode()
    r = m.post(reverse("orglife:signup", args=[a.pk]), follow=True)
    assert "报名成功" in r.content.decode()
    assert Signup.objects.get(activity=a).user == member_user
    r = m.post(reverse("orglife:action", args=[a.pk, "cancel"]), {"reason": "x"})
    assert r.status_code == 404


def test_checkin_page_and_qr(admin, member_user, client_for, make_activity):
    a = make_activity(status=ActivityStatus.PUBLISHED, start=timezone.now() - datetime.timedelta(minutes=5))
    r = client_for(admin).get(reverse("orglife:qr", args=[a.pk]))
    assert r.status_code == 200 and "<svg" in r.content.decode()
    url = services.checkin_url(a)
    m = client_for(member_user)
    assert "确认签到" in m.get(url).content.decode()
    r = m.post(url)
    assert r.status_code == 200 and "签到成功" in r.content.decode()
    assert Signup.objects.get(activity=a, user=member_user).status == SignupStatus.ATTENDED
    r = m.get(reverse("orglife:checkin", args=["bogus-token-value"]))
    assert r.status_code == 404


def test_attendance_and_minutes_pages(admin, client_for, city, make_activity):
    a = make_activity(status=ActivityStatus.ONGOING, start=timezone.now() - datetime.timedelta(minutes=30))
    c = client_for(admin)
    r = c.get(reverse("orglife:attendance", args=[a.pk]))
    assert r.status_code == 200 and city.members[0].name in r.content.decode()
    r = c.post(reverse("orglife:attendance", args=[a.pk]), {"members": [city.members[0].pk]})
    assert r.status_code == 302
    assert Signup.objects.filter(activity=a, status=SignupStatus.ATTENDED).count() == 1
    r = c.post(reverse("orglife:minutes", args=[a.pk]), {"minutes": ""})
    assert r.status_code == 400 and "请填写会议记录" in r.content.decode()
    r = c.post(reverse("orglife:minutes", args=[a.pk]), {"minutes": "学习了文件"})
    assert r.status_code == 302
    c.post(reverse("orglife:action", args=[a.pk, "finish"]))
    r = c.get(reverse("orglife:detail", args=[a.pk]))
    assert 'data-counts="no"' not in r.content.decode()  # theme days count: done, minutes, attendance
    assert 'data-counts="yes"' in r.content.decode()


def test_calendar_and_mine(admin, member_user, client_for, make_activity):
    now = timezone.localtime()
    a = make_activity(
        status=ActivityStatus.PUBLISHED, start=now + datetime.timedelta(hours=2), title="日历上的活动"
    )
    r = client_for(admin).get(reverse("orglife:calendar"), {"month": f"{now:%Y-%m}"})
    assert r.status_code == 200 and "日历上的活动" in r.content.decode()
    r = client_for(admin).get(reverse("orglife:calendar"), {"month": "2001-01"})
    assert "日历上的活动" not in r.content.decode()
    services.sign_up(member_user, a)
    r = client_for(member_user).get(reverse("orglife:mine"))
    assert f'data-upcoming="{a.pk}"' in r.content.decode()


def test_ical_feeds(admin, member_user, client_for, make_activity, branch, client):
    a = make_activity(status=ActivityStatus.PUBLISHED, title="订阅里的活动")
    make_activity(title="计划中的活动")  # plans are not in feeds
    token = ical.issue_token(member_user)
    r = client.get(reverse("orglife:ical_user", args=[token]))
    assert r.status_code == 200 and r["Content-Type"].startswith("text/calendar")
    cal = Calendar.from_ical(r.content)
    events = [c for c in cal.walk("VEVENT")]
    assert [str(e["summary"]) for e in events] == ["订阅里的活动"]
    assert str(events[0]["uid"]).startswith(f"orglife-activity-{a.pk}@")
    assert client.get(reverse("orglife:ical_user", args=["nope"])).status_code == 404
    r = client_for(admin).get(reverse("orglife:ical_org", args=[branch.code]))
    assert r.status_code == 200 and "订阅里的活动" in r.content.decode()
    # Resetting the token kills the old URL.
    client_for(member_user).post(reverse("orglife:feeds"))
    assert client.get(reverse("orglife:ical_user", args=[token])).status_code == 404


def test_stats_page_and_export(admin, client_for, branch):
    c = client_for(admin)
    r = c.get(reverse("orglife:stats"), {"period": "2025"})
    assert r.status_code == 200 and branch.name in r.content.decode()
    r = c.get(reverse("orglife:stats"), {"period": "2025-13"})
    assert "统计期格式" in r.content.decode()
    r = c.get(reverse("orglife:stats"), {"period": "2025", "export": "xlsx"})
    ws = load_workbook(io.BytesIO(r.content)).active
    assert ws.cell(1, 2).value == "党支部" and ws.max_row >= 2
    r = c.get(reverse("orglife:branch", args=[branch.code]))
    assert r.status_code == 200 and 'data-rule="LIFE-2"' in r.content.decode()


def test_reminders_sent_once(admin, member_user, make_activity):
    soon = make_activity(status=ActivityStatus.PUBLISHED, start=timezone.now() + datetime.timedelta(hours=5))
    make_activity(status=ActivityStatus.PUBLISHED, start=timezone.now() + datetime.timedelta(days=3))
    assert services.send_reminders() == 1
    assert services.send_reminders() == 0
    notes = Notification.objects.filter(kind="orglife.reminder")
    assert [n.user_id for n in notes] == [member_user.pk]
    soon.refresh_from_db()
    assert soon.reminded_at is not None
    from django.core.management import call_command

    out = io.StringIO()
    call_command("orglife_reminders", stdout=out)
    assert "已提醒 0 个活动" in out.getvalue()
    from grassroots.orglife.tasks import send_activity_reminders

    assert send_activity_reminders.call(hours=24 * 5) == 1


def test_feed_token_is_stored_hashed_and_shown_once(member_user, client_for, client):
    from grassroots.core.feedtokens import digest
    from grassroots.orglife.models import CalendarToken

    c = client_for(member_user)
    r = c.get(reverse("orglife:feeds"))
    assert "data-feed-url" not in r.content.decode() and "生成订阅地址" in r.content.decode()
    assert not CalendarToken.objects.filter(user=member_user).exists()  # a visit makes no token
    c.post(reverse("orglife:feeds"))
    page = c.get(reverse("orglife:feeds")).content.decode()
    url = re.search(r'value="([^"]+)" aria-label="订阅地址" data-feed-url', page).group(1)
    token = url.rsplit("/", 1)[1].removesuffix(".ics")
    row = CalendarToken.objects.get(user=member_user)
    assert row.token_hash == digest(token) and token not in row.token_hash
    assert client.get(url).status_code == 200
    # Shown once: the next visit only says a subscription exists.
    again = c.get(reverse("orglife:feeds")).content.decode()
    assert token not in again and "data-feed-exists" in again
    # Replacing it: the old URL dies, the new one works, and both are audited.
    c.post(reverse("orglife:feeds"))
    new_url = re.search(
        r'value="([^"]+)" aria-label="订阅地址"', c.get(reverse("orglife:feeds")).content.decode()
    )
    assert client.get(url).status_code == 404 and client.get(new_url.group(1)).status_code == 200
    from grassroots.core.models import AuditEvent

    changes = list(
        AuditEvent.objects.filter(model="orglife.calendartoken")
        .order_by("id")
        .values_list("changes", flat=True)
    )
    assert [c["calendar_token"][1] for c in changes] == ["生成", "重置"]
