"""The venue figures of the home page, declared once (core.tallies): the refresh groups these rows into
scope buckets, the home page sums the buckets a user's grants cover, the tests compare both.

Upcoming bookings are split by the local hour they start: the home page sums the hours from the
current one on, so a booking leaves the figure within the hour it starts without any write."""

from __future__ import annotations

from django.db.models.functions import TruncHour

from grassroots.core.tallies import Tally, hour_start, hour_text, register

from .models import LIVE_STATES, Booking, BookingState, ServiceCenter


def centers():
    return ServiceCenter.objects.filter(is_active=True)


def upcoming():
    return Booking.objects.filter(state__in=LIVE_STATES, start__gte=hour_start())


def pending():
    return Booking.objects.filter(state=BookingState.PENDING, start__gte=hour_start())


def _start_hour():
    return {"hour": TruncHour("start")}


TALLIES = [
    Tally("venues.centers", "venues.ServiceCenter", centers),
    Tally("venues.upcoming", "venues.Booking", upcoming, key=_start_hour, key_text=hour_text),
    Tally("venues.pending", "venues.Booking", pending, key=_start_hour, key_text=hour_text),
]
CODES = [t.code for t in TALLIES]


def register_all() -> None:
    for t in TALLIES:
        register(t)
