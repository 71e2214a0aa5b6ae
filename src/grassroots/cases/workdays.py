"""The official working-day calendar (GOV-5): Holiday rows override Monday–Friday.

A year is "known" when it has at least one Holiday row; for an unknown year the calendar falls back to
Monday–Friday without the fixed-date statutory holidays (元旦, 劳动节, 国庆节: FIXED_HOLIDAYS) and
reports the year in `missing_years`, so the deadline is flagged as estimated and admins are warned to
load the schedule (lunar holidays and adjusted working days are only known from the official notice).

Deadlines:
- N working days: the deadline is the same local time-of-day on the Nth working day after the start
  day when the case starts on a working day; a case started on a day off starts counting at the next
  working day's 00:00, so it is due at the end (24:00) of the Nth working day.
- N hours: natural clock hours (urgent matters run through nights and holidays).
Due soon: the moment GOV-5 due_soon_ratio (80% by default) of the deadline's working time (clock
time for hours) is used.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.conf import settings

DAY = dt.timedelta(days=1)

# Fixed-date public holidays of 《全国年节及纪念日放假办法》 (2024 revision, in force from 2025): known
# without the State Council's yearly notice. (month, day) -> name.
FIXED_HOLIDAYS = {
    (1, 1): "元旦",
    (5, 1): "劳动节",
    (5, 2): "劳动节",
    (10, 1): "国庆节",
    (10, 2): "国庆节",
    (10, 3): "国庆节",
}


def local_tz():
    return ZoneInfo(settings.TIME_ZONE)


@dataclass
class WorkCalendar:
    overrides: dict[dt.date, bool]
    known_years: set[int]
    missing_years: set[int] = field(default_factory=set)

    @classmethod
    def load(cls, first_year: int, last_year: int) -> WorkCalendar:
        from .models import Holiday

        rows = Holiday.objects.filter(date__year__gte=first_year, date__year__lte=last_year).values_list(
            "date", "is_workday"
        )
        overrides = dict(rows)
        return cls(overrides=overrides, known_years={d.year for d in overrides})

    def is_workday(self, day: dt.date) -> bool:
        if day in self.overrides:
            return self.overrides[day]
        if day.year not in self.known_years:
            self.missing_years.add(day.year)
            if (day.month, day.day) in FIXED_HOLIDAYS:
                return False
        return day.weekday() < 5

    def add_working_days(self, start: dt.datetime, days: int) -> dt.datetime:
        tz = local_tz()
        local = start.astimezone(tz)
        day = local.date()
        if self.is_workday(day):
            count = 0
            while count < days:
                day += DAY
                if self.is_workday(day):
                    count += 1
            return dt.datetime.combine(day, local.time(), tzinfo=tz)
        count = 0
        while count < days:
            day += DAY
            if self.is_workday(day):
                count += 1
        return dt.datetime.combine(day + DAY, dt.time(), tzinfo=tz)

    def working_seconds(self, start: dt.datetime, end: dt.datetime) -> float:
        """Seconds between two instants that fall on working days (local calendar days)."""
        if end <= start:
            return 0.0
        tz = local_tz()
        a, b = start.astimezone(tz), end.astimezone(tz)
        total = 0.0
        day = a.date()
        while day <= b.date():
            if self.is_workday(day):
                lo = max(a, dt.datetime.combine(day, dt.time(), tzinfo=tz))
                hi = min(b, dt.datetime.combine(day + DAY, dt.time(), tzinfo=tz))
                if hi > lo:
                    total += (hi - lo).total_seconds()
            day += DAY
        return total

    def after_working_seconds(self, start: dt.datetime, seconds: float) -> dt.datetime:
        """The instant when `seconds` of working time have passed since start."""
        tz = local_tz()
        cur = start.astimezone(tz)
        left = seconds
        while True:
            day = cur.date()
            day_end = dt.datetime.combine(day + DAY, dt.time(), tzinfo=tz)
            if self.is_workday(day):
                span = (day_end - cur).total_seconds()
                if left <= span:
                    return cur + dt.timedelta(seconds=left)
                left -= span
            cur = day_end


def due_soon_share() -> float:
    """GOV-5's due_soon_ratio from the Rule table (the share of the working time after which a case is
    due soon)."""
    from .analytics import alert_params

    return alert_params().due_soon_ratio


def compute_deadline(
    start: dt.datetime, value: int, unit: str, share: float | None = None
) -> tuple[dt.datetime, dt.datetime, set[int]]:
    """(due_soon_at, due_at, years without calendar data) for a deadline starting at `start`;
    due soon after `share` of the time (default: GOV-5)."""
    share = due_soon_share() if share is None else share
    if unit == "hours":
        due = start + dt.timedelta(hours=value)
        soon = start + dt.timedelta(seconds=value * 3600 * share)
        return soon, due, set()
    year = start.astimezone(local_tz()).year
    # A deadline of N working days never spans more than N*3 + 30 calendar days: one extra year covers it.
    cal = WorkCalendar.load(year, year + 1 + value // 200)
    due = cal.add_working_days(start, value)
    soon = cal.after_working_seconds(start, cal.working_seconds(start, due) * share)
    return soon, due, cal.missing_years


def missing_calendar_years(years) -> list[int]:
    """Years (of those given) without any Holiday rows: admins must load the official schedule."""
    from .models import Holiday

    known = {d.year for d in Holiday.objects.filter(date__year__in=list(years)).dates("date", "year")}
    return sorted(set(years) - known)
