"""Periodic notices of the case loop: 临期 / 超期 to the handler (once per case, state and handling round)
and the missing holiday calendar to street, district and city administrators (weekly, until loaded)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from grassroots.cases import notices, services
from grassroots.cases.models import Case, Holiday
from grassroots.notifications.models import Notification

pytestmark = pytest.mark.django_db
NO_PHOTO = "现场为夜间作业，无法拍照"


def _users(kind):
    return sorted(Notification.objects.filter(kind=kind).values_list("user__username", flat=True))


def test_due_soon_then_overdue_each_once_to_the_handler_members(loop, dispatched):
    case = dispatched()
    other = dispatched()
    Case.objects.filter(pk=other.pk).update(state="closed")  # closed cases are never due
    case.refresh_from_db()
    assert notices.send_deadline_notices(case.due_soon_at - dt.timedelta(minutes=1)) == {
        "cases.due_soon": 0,
        "cases.overdue": 0,
    }
    soon = case.due_soon_at + dt.timedelta(minutes=1)
    assert notices.send_deadline_notices(soon)["cases.due_soon"] == 1
    assert notices.send_deadline_notices(soon + dt.timedelta(minutes=15))["cases.due_soon"] == 0  # once
    assert _users("cases.due_soon") == ["dept_a", "dept_b"]
    late = case.due_at + dt.timedelta(minutes=1)
    assert notices.send_deadline_notices(late) == {"cases.due_soon": 0, "cases.overdue": 1}
    assert notices.send_deadline_notices(late + dt.timedelta(hours=1))["cases.overdue"] == 0
    assert _users("cases.overdue") == ["dept_a", "dept_b"]
    n = Notification.objects.filter(kind="cases.overdue").first()
    assert case.number in n.title and n.url == f"/cases/{case.pk}/" and n.object_id == str(case.pk)
    # nobody else heard anything
    assert not Notification.objects.filter(
        kind__in=["cases.due_soon", "cases.overdue"],
        user__in=[loop.dept_other, loop.dispatcher, loop.resident],
    ).exists()


def test_a_reopened_case_is_announced_again_in_its_new_round(loop, dispatched):
    case = dispatched()
    notices.send_deadline_notices(case.due_at + dt.timedelta(minutes=1))
    services.accept(loop.dept_a, case)
    services.resolve(loop.dept_a, case, resolution="已处理完毕", no_photo_reason=NO_PHOTO)
    services.reopen(loop.dispatcher, case, reason="居民电话反映仍未解决")
    case.refresh_from_db()
    assert notices.send_deadline_notices(case.due_at + dt.timedelta(minutes=1))["cases.overdue"] == 1
    assert Notification.objects.filter(kind="cases.overdue", user=loop.dept_a).count() == 2


def test_old_overdue_cases_are_not_announced_after_an_upgrade(loop, dispatched):
    case = dispatched()
    assert notices.send_deadline_notices(case.due_at + dt.timedelta(days=10))["cases.overdue"] == 0


def test_missing_calendar_is_announced_weekly_to_street_district_and_city_admins(loop, make_user, city):
    make_user("city1", "city_admin", city.city)
    make_user("dist1", "district_admin", city.district)
    now = timezone.make_aware(dt.datetime(2026, 12, 7, 9, 0))
    Holiday.objects.filter(date__year=2027).delete()
    assert Holiday.objects.filter(date__year=2026).exists()
    assert notices.calendar_notice_years(now) == [2027]
    assert notices.send_calendar_notices(now) == 3
    Notification.objects.update(created_at=now)  # sent at the job's time
    assert _users("cases.calendar_missing") == ["city1", "dist1", "street_disp"]
    n = Notification.objects.filter(kind="cases.calendar_missing").first()
    assert "2027 年" in n.title and n.url == "/cases/config/holidays/"
    # community admins, departments and residents are not told
    assert notices.send_calendar_notices(now + dt.timedelta(days=1)) == 0  # once a week
    assert notices.send_calendar_notices(now + dt.timedelta(days=7, minutes=1)) == 3
    # loaded: nobody is told any more
    Holiday.objects.create(date=dt.date(2027, 1, 1), is_workday=False, name="元旦")
    assert notices.send_calendar_notices(now + dt.timedelta(days=15)) == 0


def test_next_year_is_not_needed_early_in_the_year(loop):
    Holiday.objects.filter(date__year=2027).delete()
    march = timezone.make_aware(dt.datetime(2026, 3, 2, 9, 0))
    assert notices.calendar_notice_years(march) == []
    assert notices.send_calendar_notices(march) == 0
