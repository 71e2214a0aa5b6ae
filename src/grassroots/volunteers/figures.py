"""The volunteer figures of the home page, declared once (core.tallies): the refresh groups these rows
into scope buckets, the home page sums the buckets a user's grants cover, the tests compare both."""

from __future__ import annotations

from django.db.models import Sum

from grassroots.core.tallies import Tally, register

from .models import PointEntry, SourceType, Volunteer, VolunteerTeam, Wish, WishState

DONE_STATES = (WishState.FULFILLED, WishState.CONFIRMED)


def wishes_done():
    return Wish.objects.filter(state__in=DONE_STATES)


def teams():
    return VolunteerTeam.objects.filter(is_active=True)


def volunteers():
    return Volunteer.objects.all()


def hours_served():
    """Sign-ups of volunteer activities checked out (their hours), under the activity's region."""
    from grassroots.orglife.models import Signup

    return Signup.objects.filter(
        activity__kind="volunteer", checked_out_at__isnull=False, activity__volunteer__isnull=False
    )


def points_issued():
    return PointEntry.objects.filter(amount__gt=0).exclude(source_type=SourceType.REDEMPTION)


def _hours():
    return Sum("hours")


def _amount():
    return Sum("amount")


TALLIES = [
    Tally("volunteers.wishes_done", "volunteers.Wish", wishes_done),
    Tally("volunteers.teams", "volunteers.VolunteerTeam", teams),
    Tally("volunteers.volunteers", "volunteers.Volunteer", volunteers),
    Tally(
        "volunteers.hours",
        "volunteers.VolunteerActivity",
        hours_served,
        value=_hours,
        via="activity__volunteer",
        region="activity__region",
        watch=(("orglife.Activity", "region"),),
    ),
    Tally("volunteers.points_issued", "volunteers.PointEntry", points_issued, value=_amount),
]
CODES = [t.code for t in TALLIES]


def register_all() -> None:
    for t in TALLIES:
        register(t)
