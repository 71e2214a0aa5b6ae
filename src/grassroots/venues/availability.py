"""The week view of a room: free and busy slots, computed from the room's live bookings (one query)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils import timezone

from .models import Booking, Room

WEEKDAYS = "一二三四五六日"


@dataclass
class Cell:
    start: datetime.datetime
    end: datetime.datetime
    state: str  # free | busy | mine | past | closed
    title: str = ""

    @property
    def date(self) -> str:
        return timezone.localtime(self.start).date().isoformat()

    @property
    def hm(self) -> str:
        return f"{timezone.localtime(self.start):%H:%M}"

    @property
    def end_hm(self) -> str:
        return f"{timezone.localtime(self.end):%H:%M}"


def week_start(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=day.weekday())


def parse_week(value: str | None) -> datetime.date:
    try:
        day = datetime.date.fromisoformat(value) if value else timezone.localdate()
    except ValueError:
        day = timezone.localdate()
    return week_start(day)


def slot_times(room: Room) -> list[datetime.time]:
    c = room.center
    out, minutes = [], c.opens_at.hour * 60 + c.opens_at.minute
    step = room.slot_minutes
    minutes += (-minutes) % step  # first aligned slot
    close = c.closes_at.hour * 60 + c.closes_at.minute
    while minutes + step <= close:
        out.append(datetime.time(minutes // 60, minutes % 60))
        minutes += step
    return out


def week(room: Room, monday: datetime.date, user=None, now=None) -> dict:
    """Rows of slots x 7 days. Other people's bookings show only as busy (no names)."""
    now = now or timezone.now()
    tz = timezone.get_current_timezone()
    days = [monday + datetime.timedelta(days=i) for i in range(7)]
    lo = datetime.datetime.combine(days[0], datetime.time(0), tzinfo=tz)
    hi = lo + datetime.timedelta(days=7)
    bookings = list(
        Booking.objects.live()
        .filter(room=room, start__lt=hi, end__gt=lo)
        .only("start", "end", "booker_id", "title", "state")
        .order_by("start")
    )
    step = datetime.timedelta(minutes=room.slot_minutes)
    rows = []
    for t in slot_times(room):
        cells = []
        for d in days:
            start = datetime.datetime.combine(d, t, tzinfo=tz)
            end = start + step
            if not room.center.open_on(d):
                cells.append(Cell(start, end, "closed"))
                continue
            hit = next((b for b in bookings if b.start < end and b.end > start), None)
            if hit is not None:
                mine = user is not None and hit.booker_id == getattr(user, "pk", None)
                cells.append(Cell(start, end, "mine" if mine else "busy", hit.title if mine else ""))
            elif start < now:
                cells.append(Cell(start, end, "past"))
            else:
                cells.append(Cell(start, end, "free"))
        rows.append({"time": f"{t:%H:%M}", "cells": cells})
    free = sum(1 for r in rows for c in r["cells"] if c.state == "free")
    return {
        "days": [{"date": d, "label": f"周{WEEKDAYS[d.weekday()]}", "md": f"{d:%m-%d}"} for d in days],
        "rows": rows,
        "free": free,
        "prev": (monday - datetime.timedelta(days=7)).isoformat(),
        "next": (monday + datetime.timedelta(days=7)).isoformat(),
        "monday": monday,
    }
