"""Deadlines on the official working-day calendar (GOV-5): Spring Festival 2026 and adjusted workdays."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from grassroots.cases.models import Case, Holiday
from grassroots.cases.workdays import WorkCalendar, compute_deadline, missing_calendar_years

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")


def t(y, m, d, h=0, mi=0):
    return dt.datetime(y, m, d, h, mi, tzinfo=SH)


def due(start, value, unit="working_days"):
    return compute_deadline(start, value, unit)[1]


def test_holiday_table_seeded_from_chinesecalendar():
    # 2026 Spring Festival: 15–23 Feb off, Saturdays 14 and 28 Feb are adjusted working days.
    assert Holiday.objects.get(date=dt.date(2026, 2, 17)).is_workday is False
    assert Holiday.objects.get(date=dt.date(2026, 2, 17)).name == "春节"
    assert Holiday.objects.get(date=dt.date(2026, 2, 14)).is_workday is True
    assert Holiday.objects.get(date=dt.date(2026, 2, 28)).is_workday is True
    assert Holiday.objects.filter(date__year=2004).exists()
    assert missing_calendar_years(range(2004, 2028)) == [2027]


@pytest.mark.parametrize(
    "start,days,expected",
    [
        (t(2026, 2, 13, 10), 1, t(2026, 2, 14, 10)),  # Fri → the adjusted Saturday
        (t(2026, 2, 13, 10), 2, t(2026, 2, 24, 10)),  # … then the whole festival is skipped
        (t(2026, 2, 13, 10), 3, t(2026, 2, 25, 10)),
        (t(2026, 2, 14, 9), 1, t(2026, 2, 24, 9)),  # started on the adjusted Saturday
        (
            t(2026, 2, 16, 10),
            1,
            t(2026, 2, 25, 0),
        ),  # started on a holiday: counts from 24 Feb, due at its end
        (t(2026, 2, 26, 10), 2, t(2026, 2, 28, 10)),  # Thu + 2 → the adjusted Saturday 28 Feb
        (t(2025, 12, 31, 10), 1, t(2026, 1, 4, 10)),  # New Year: 1–3 Jan off, Sunday 4 Jan works
        (t(2026, 3, 6, 17), 1, t(2026, 3, 9, 17)),  # an ordinary weekend
    ],
)
def test_working_day_deadlines(start, days, expected):
    assert due(start, days) == expected


def test_hours_are_clock_hours_through_holidays():
    assert due(t(2026, 2, 16, 10), 24, "hours") == t(2026, 2, 17, 10)
    soon, _due, missing = compute_deadline(t(2026, 2, 16, 10), 10, "hours")
    assert soon == t(2026, 2, 16, 18) and missing == set()


def test_due_soon_is_80_percent_of_working_time():
    soon, d, _ = compute_deadline(t(2026, 3, 2), 5, "working_days")  # Mon 00:00 + 5 → next Mon 00:00
    assert d == t(2026, 3, 9) and soon == t(2026, 3, 6)
    # Over the festival only 13 and 14 Feb are working time: 80% of 2 days = 1.6 days.
    soon, d, _ = compute_deadline(t(2026, 2, 13), 2, "working_days")
    assert d == t(2026, 2, 24) and soon == t(2026, 2, 14, 14, 24)


def test_editing_the_table_moves_deadlines():
    assert due(t(2026, 3, 2, 10), 1) == t(2026, 3, 3, 10)
    Holiday.objects.create(date=dt.date(2026, 3, 3), is_workday=False, name="地方假日")
    assert due(t(2026, 3, 2, 10), 1) == t(2026, 3, 4, 10)


def test_year_without_data_falls_back_to_monday_friday_and_reports_it():
    soon, d, missing = compute_deadline(t(2027, 2, 5, 10), 1, "working_days")  # Fri
    assert d == t(2027, 2, 8, 10) and missing == {2027}
    assert compute_deadline(t(2026, 12, 31, 10), 1, "working_days")[2] == {2027}
    cal = WorkCalendar.load(2026, 2026)
    assert cal.is_workday(dt.date(2026, 2, 14)) and not cal.is_workday(dt.date(2026, 2, 16))
    assert cal.missing_years == set()


def test_deadline_status_is_derived_from_timestamps(new_case, loop):
    case = new_case(loop.cat_garbage)
    Case.objects.filter(pk=case.pk).update(
        state="dispatched", handler=loop.h_street, due_soon_at=t(2026, 2, 14, 14), due_at=t(2026, 2, 24)
    )
    case.refresh_from_db()
    assert case.deadline_status(t(2026, 2, 14, 9)) == "on_track"
    assert case.deadline_status(t(2026, 2, 20)) == "due_soon"
    assert case.deadline_status(t(2026, 2, 24)) == "overdue"
    assert list(Case.objects.due_soon(t(2026, 2, 20))) == [case]
    assert list(Case.objects.overdue(t(2026, 2, 20))) == []
    assert list(Case.objects.overdue(t(2026, 2, 25))) == [case]
    # A resolved case keeps the status it had when it was resolved.
    Case.objects.filter(pk=case.pk).update(state="resolved", resolved_at=t(2026, 2, 25))
    case.refresh_from_db()
    assert case.deadline_status(t(2026, 2, 20)) == "overdue"
    assert list(Case.objects.overdue(t(2026, 3, 1))) == []
