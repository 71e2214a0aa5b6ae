"""The activity figures of the home page and of /orglife/stats/, declared once (core.tallies): the
refresh groups these rows into scope buckets, the pages sum the buckets a user's grants cover, the tests
compare both.

Activity counts are split by "YYYY-MM|kind" (the local month the activity starts in), attendance by
the month of its activity, so any period of whole months (month, quarter, half year, year) is a sum of
buckets. Upcoming activities are split by the local hour they end: the home page sums the hours from
the current one on."""

from __future__ import annotations

from django.db.models import F
from django.db.models.functions import TruncHour, TruncMonth

from grassroots.core.tallies import Tally, hour_start, hour_text, month_text, register

from .models import Activity, ActivityStatus, Signup, SignupStatus


def activities():
    """Activities planned or held (not cancelled)."""
    return Activity.objects.exclude(status=ActivityStatus.CANCELLED)


def activities_done():
    return Activity.objects.filter(status=ActivityStatus.DONE)


def upcoming():
    return Activity.objects.filter(
        status__in=[ActivityStatus.PUBLISHED, ActivityStatus.ONGOING], ends_at__gte=hour_start()
    )


def attended():
    """Attended sign-ups of done activities."""
    return Signup.objects.filter(activity__status=ActivityStatus.DONE, status=SignupStatus.ATTENDED)


def expected_absent():
    """Sign-ups of done activities that did not attend (absent or never checked in)."""
    return Signup.objects.filter(
        activity__status=ActivityStatus.DONE, status__in=[SignupStatus.ABSENT, SignupStatus.SIGNED_UP]
    )


def _month_kind():
    return {"m": TruncMonth("starts_at"), "k": F("kind")}


def _month_kind_text(row: dict) -> str:
    return f"{month_text({'m': row['m']})}|{row['k']}"


def _activity_month():
    return {"m": TruncMonth("activity__starts_at")}


def _end_hour():
    return {"h": TruncHour("ends_at")}


_ACTIVITY = (("orglife.Activity", "region"),)  # its status and start move its sign-ups' buckets

TALLIES = [
    Tally("orglife.activities", "orglife.Activity", activities, key=_month_kind, key_text=_month_kind_text),
    Tally(
        "orglife.activities_done",
        "orglife.Activity",
        activities_done,
        key=_month_kind,
        key_text=_month_kind_text,
    ),
    Tally("orglife.upcoming", "orglife.Activity", upcoming, key=_end_hour, key_text=hour_text),
    Tally(
        "orglife.attended",
        "orglife.Activity",
        attended,
        via="activity",
        key=_activity_month,
        key_text=month_text,
        watch=_ACTIVITY,
    ),
    Tally(
        "orglife.expected_absent",
        "orglife.Activity",
        expected_absent,
        via="activity",
        key=_activity_month,
        key_text=month_text,
        watch=_ACTIVITY,
    ),
]
CODES = [t.code for t in TALLIES]


def register_all() -> None:
    for t in TALLIES:
        register(t)
