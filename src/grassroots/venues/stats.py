"""Venue statistics per scope: reservations by state, no-shows, late cancellations, and the usage rate
of each room (booked hours ÷ open hours over a period). Aggregated in the database, no N+1."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, F, Q, Sum
from django.urls import reverse
from django.utils import timezone

from grassroots.core.scoping import has_perm

from .models import LIVE_STATES, Booking, BookingState, Room, ServiceCenter


@dataclass
class RoomUsage:
    room: Room
    bookings: int
    booked_hours: float
    open_hours: float
    no_shows: int

    @property
    def rate(self) -> float:
        return round(100 * self.booked_hours / self.open_hours, 1) if self.open_hours else 0.0


def period(start: str | None, end: str | None) -> tuple[datetime.date, datetime.date]:
    """[start, end] dates; default the current month. Bad input falls back to the default."""
    today = timezone.localdate()
    first = today.replace(day=1)
    last = (first + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1)
    try:
        lo = datetime.date.fromisoformat(start) if start else first
        hi = datetime.date.fromisoformat(end) if end else last
    except ValueError:
        return first, last
    if hi < lo or (hi - lo).days > 366:
        return first, last
    return lo, hi


def _bounds(lo: datetime.date, hi: datetime.date):
    tz = timezone.get_current_timezone()
    return (
        datetime.datetime.combine(lo, datetime.time(0), tzinfo=tz),
        datetime.datetime.combine(hi + datetime.timedelta(days=1), datetime.time(0), tzinfo=tz),
    )


def _open_hours(center: ServiceCenter, lo: datetime.date, hi: datetime.date) -> float:
    per_day = (
        datetime.datetime.combine(lo, center.closes_at) - datetime.datetime.combine(lo, center.opens_at)
    ).total_seconds() / 3600
    days = sum(1 for i in range((hi - lo).days + 1) if center.open_on(lo + datetime.timedelta(days=i)))
    return max(0.0, per_day) * days


def scoped_bookings(user, region=None):
    qs = Booking.objects.visible_to(user)
    if region is not None:
        qs = qs.filter(room__center__region__path__startswith=region.path)
    return qs


def summary(user, lo: datetime.date, hi: datetime.date, region=None) -> dict:
    a, b = _bounds(lo, hi)
    now = timezone.now()
    qs = scoped_bookings(user, region).filter(start__gte=a, start__lt=b)
    by_state = dict(qs.order_by().values_list("state").annotate(n=Count("pk")).values_list("state", "n"))
    counts = qs.aggregate(
        total=Count("pk"),
        no_shows=Count("pk", filter=Q(state=BookingState.CONFIRMED, end__lte=now)),
        late=Count("pk", filter=Q(late_cancel=True)),
        checked_in=Count("pk", filter=Q(state=BookingState.CHECKED_IN)),
    )
    kinds = dict(
        qs.order_by().values_list("booker_kind").annotate(n=Count("pk")).values_list("booker_kind", "n")
    )
    return {
        "total": counts["total"],
        "no_shows": counts["no_shows"],
        "late_cancels": counts["late"],
        "checked_in": counts["checked_in"],
        "states": [(label, by_state.get(value, 0)) for value, label in BookingState.choices],
        "by_state": {value: by_state.get(value, 0) for value in BookingState.values},
        "kinds": kinds,
    }


def room_usage(user, lo: datetime.date, hi: datetime.date, region=None) -> list[RoomUsage]:
    """Usage of every visible room: one query for the rooms with their aggregated bookings."""
    a, b = _bounds(lo, hi)
    now = timezone.now()
    in_period = Q(bookings__start__gte=a, bookings__start__lt=b)
    live = in_period & Q(bookings__state__in=LIVE_STATES)
    rooms = Room.objects.visible_to(user).select_related("center__region")
    if region is not None:
        rooms = rooms.filter(center__region__path__startswith=region.path)
    rooms = rooms.annotate(
        n=Count("bookings", filter=live),
        seconds=Sum(F("bookings__end") - F("bookings__start"), filter=live),
        no_shows=Count(
            "bookings", filter=in_period & Q(bookings__state=BookingState.CONFIRMED, bookings__end__lte=now)
        ),
    ).order_by("center__region__path", "center__name", "name")
    out = []
    for r in rooms:
        secs = r.seconds.total_seconds() if r.seconds is not None else 0.0
        out.append(RoomUsage(r, r.n, round(secs / 3600, 1), _open_hours(r.center, lo, hi), r.no_shows))
    return out


def home_figures(user) -> list[dict]:
    """Figures for the home page: label, value, url. Empty for users without venues.view. Read from
    the precomputed buckets (venues.figures; one query): bookings from the current hour on."""
    if not has_perm(user, "venues.view"):
        return []
    from grassroots.core.tallies import hour_now, served, total

    from . import figures

    hour = hour_now()
    v = served(user, figures.CODES, ranges={"venues.upcoming": (hour, None), "venues.pending": (hour, None)})

    def from_now(key: str) -> bool:
        return key >= hour

    return [
        {
            "label": "党群服务阵地",
            "value": int(total(v["venues.centers"])),
            "url": reverse("venues:centers"),
        },
        {
            "label": "待使用预约",
            "value": int(total(v["venues.upcoming"], from_now)),
            "url": reverse("venues:bookings") + "?upcoming=1",
        },
        {
            "label": "待审批预约",
            "value": int(total(v["venues.pending"], from_now)),
            "url": reverse("venues:bookings") + "?state=pending",
        },
    ]
