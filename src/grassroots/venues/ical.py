"""iCalendar (RFC 5545) feeds of bookings: per room, per center and per user (secret token URL)."""

from __future__ import annotations

from django.http import HttpResponse
from django.utils import timezone
from icalendar import Calendar, Event

from .models import BookingState

STATUS = {
    BookingState.PENDING: "TENTATIVE",
    BookingState.CONFIRMED: "CONFIRMED",
    BookingState.CHECKED_IN: "CONFIRMED",
}


def calendar_bytes(name: str, bookings, *, private: bool) -> bytes:
    """One VEVENT per live booking. `private` feeds (the user's own) show titles; public ones show
    the room as busy with the title (titles are what the booker chose to publish for the venue)."""
    cal = Calendar()
    cal.add("prodid", "-//Grassroots//venues//ZH")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", "Asia/Shanghai")
    stamp = timezone.now()
    for b in bookings:
        ev = Event()
        ev.add("uid", f"{b.uid}@grassroots")
        ev.add("dtstamp", stamp)
        ev.add("dtstart", b.start)
        ev.add("dtend", b.end)
        ev.add("summary", b.title)
        ev.add("location", f"{b.room.center.name} {b.room.name}")
        ev.add("status", STATUS.get(b.state, "CONFIRMED"))
        if private:
            ev.add("description", f"状态：{b.get_state_display()}")
        cal.add_component(ev)
    return cal.to_ical()


def response(name: str, bookings, *, private: bool, filename: str) -> HttpResponse:
    resp = HttpResponse(
        calendar_bytes(name, bookings, private=private), content_type="text/calendar; charset=utf-8"
    )
    resp["Content-Disposition"] = f'inline; filename="{filename}.ics"'
    resp["Cache-Control"] = "private, max-age=300"
    return resp
