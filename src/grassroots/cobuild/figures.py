"""The co-building figures of the home page, declared once (core.tallies): the refresh groups these
rows into scope buckets, the home page sums the buckets a user's grants cover, the tests compare both."""

from __future__ import annotations

from grassroots.core.tallies import Tally, register

from .models import (
    ItemState,
    Meeting,
    MeetingState,
    Need,
    Project,
    Registration,
    RegKind,
    RegState,
    Resolution,
    Resource,
)


def units():
    return Registration.objects.filter(state=RegState.ACTIVE, kind=RegKind.UNIT)


def members():
    return Registration.objects.filter(state=RegState.ACTIVE, kind=RegKind.MEMBER)


def open_needs():
    return Need.objects.filter(state=ItemState.OPEN)


def open_resources():
    return Resource.objects.filter(state=ItemState.OPEN)


def projects():
    return Project.objects.exclude(state="cancelled")


def meetings_held():
    return Meeting.objects.filter(state=MeetingState.HELD)


def resolutions_done():
    return Resolution.objects.filter(done_on__isnull=False)


TALLIES = [
    Tally("cobuild.units", "cobuild.Registration", units),
    Tally("cobuild.members", "cobuild.Registration", members),
    Tally("cobuild.open_needs", "cobuild.Need", open_needs),
    Tally("cobuild.open_resources", "cobuild.Resource", open_resources),
    Tally("cobuild.projects", "cobuild.Project", projects),
    Tally("cobuild.meetings_held", "cobuild.Meeting", meetings_held),
    Tally("cobuild.resolutions_done", "cobuild.Resolution", resolutions_done),
]
CODES = [t.code for t in TALLIES]


def register_all() -> None:
    for t in TALLIES:
        register(t)
