"""Access matrix entries of service centers, rooms and bookings (contract: tests/access/registry.py).

Bookable rooms form a public directory (service centers are open to every resident of the city): the
booking pages and the room read operations of the API have no out-of-scope case. Everything else is
scoped: centers and rooms by region (unit venues also by the owner unit's party organisation),
bookings by region or their booker.
"""

import datetime

from django.utils import timezone

from tests.access.registry import api, holders, page

VIEW = holders("venues.view")
# Centers in the matrix hang off the region tree only: the unit liaison's party-org grant doesn't reach them.
DETAIL = VIEW - {"unit_liaison"}
CHANGE = holders("venues.change")
BOOK = holders("venues.book", own=True)
# Who sees a booking of A: the region roles and its booker (the matrix resident).
BOOKING = DETAIL | {"resident"}
REFUSED = BOOKING - CHANGE
A_CODE = "370202001001"  # community A (团岛社区) of tests/factories.build_city


def _slot(days: int = 3, hour: int = 14) -> dict:
    day = timezone.localdate() + datetime.timedelta(days=days)
    start = timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))
    return {"start": start.isoformat(), "end": (start + datetime.timedelta(hours=1)).isoformat()}


def center(tag):
    return lambda w: {"pk": getattr(w, f"center_{tag}").pk}


def room(tag):
    return lambda w: {"pk": getattr(w, f"room_{tag}").pk}


ENDPOINTS = [
    page("venues:centers", VIEW),
    page("venues:center_add", CHANGE),
    page("venues:center_detail", DETAIL, kwargs=center("a"), out=center("b")),
    page("venues:center_edit", CHANGE, kwargs=center("a"), out=center("b"), forbidden=DETAIL),
    page("venues:room_add", CHANGE, kwargs=center("a"), out=center("b"), forbidden=DETAIL),
    page("venues:ical_center", DETAIL, kwargs=center("a"), out=center("b")),
    page("venues:rooms", BOOK),
    page("venues:room_detail", DETAIL, kwargs=room("a"), out=room("b")),
    page("venues:room_edit", CHANGE, kwargs=room("a"), out=room("b"), forbidden=DETAIL),
    # The booking page of a room is part of the public directory: no out-of-scope case.
    page("venues:room_week", BOOK, kwargs=room("a")),
    page("venues:room_qr", DETAIL, kwargs=room("a"), out=room("b")),
    page("venues:ical_room", DETAIL, kwargs=room("a"), out=room("b")),
    # The QR code at a room's door: any booker may scan it (it checks in their own booking only).
    page("venues:checkin", BOOK, kwargs=lambda w: {"token": w.room_a.checkin_token}),
    page("venues:bookings", VIEW),
    page("venues:mine", BOOK),
    page("venues:calendar_feed", BOOK, method="POST", ok=(302,)),
    page(
        "venues:booking_detail",
        BOOKING,
        kwargs=lambda w: {"pk": w.booking_a.pk},
        out=lambda w: {"pk": w.booking_b.pk},
    ),
    page(
        "venues:booking_action",
        CHANGE,
        method="POST",
        kwargs=lambda w: {"pk": w.booking_a.pk, "action": "approve"},
        out=lambda w: {"pk": w.booking_b.pk, "action": "approve"},
        ok=(302,),
        forbidden=REFUSED,
        refused=(302,),
    ),
    # The personal calendar feed: the secret token is the credential (calendar apps can't log in).
    page("venues:ical_user", BOOK, kwargs=lambda w: {"token": w.calendar_token_raw}, public=True),
    page("venues:circle", VIEW),
    page("venues:stats", VIEW),
    api("GET", "/api/v1/venues/centers/", VIEW),
    api(
        "POST",
        "/api/v1/venues/centers/",
        CHANGE,
        body=lambda w: {"code": "MC-NEW-A", "name": "新驿站", "level": "outpost", "region_code": w.A.code},
        body_out=lambda w: {
            "code": "MC-NEW-B",
            "name": "新驿站",
            "level": "outpost",
            "region_code": w.B.code,
        },
        ok=(201,),
        forbidden=VIEW,
    ),
    api(
        "GET",
        "/api/v1/venues/centers/{code}",
        DETAIL,
        params=lambda w: {"code": w.center_a.code},
        out=lambda w: {"code": w.center_b.code},
    ),
    api(
        "PATCH",
        "/api/v1/venues/centers/{code}",
        CHANGE,
        params=lambda w: {"code": w.center_a.code},
        out=lambda w: {"code": w.center_b.code},
        body=lambda w: {"area_m2": 300},
        forbidden=DETAIL,
    ),
    api("GET", "/api/v1/venues/rooms/", BOOK),
    api(
        "POST",
        "/api/v1/venues/rooms/",
        CHANGE,
        body=lambda w: {"center_code": w.center_a.code, "name": "书屋"},
        body_out=lambda w: {"center_code": w.center_b.code, "name": "书屋"},
        ok=(201,),
        forbidden=DETAIL,
    ),
    api("GET", "/api/v1/venues/rooms/{room_id}", DETAIL | BOOK, params=lambda w: {"room_id": w.room_a.pk}),
    api(
        "PATCH",
        "/api/v1/venues/rooms/{room_id}",
        CHANGE,
        params=lambda w: {"room_id": w.room_a.pk},
        out=lambda w: {"room_id": w.room_b.pk},
        body=lambda w: {"capacity": 30},
        forbidden=DETAIL,
    ),
    api(
        "GET",
        "/api/v1/venues/rooms/{room_id}/availability",
        DETAIL | BOOK,
        params=lambda w: {"room_id": w.room_a.pk},
    ),
    api("GET", "/api/v1/venues/bookings/", VIEW),
    api("GET", "/api/v1/venues/bookings/mine", BOOK),
    api(
        "POST",
        "/api/v1/venues/bookings/",
        BOOK,
        body=lambda w: {"room_id": w.room_a.pk, "title": "矩阵预约", **_slot()},
        ok=(201,),
    ),
    api(
        "GET",
        "/api/v1/venues/bookings/{booking_id}",
        BOOKING,
        params=lambda w: {"booking_id": w.booking_a.pk},
        out=lambda w: {"booking_id": w.booking_b.pk},
    ),
    api(
        "POST",
        "/api/v1/venues/bookings/{booking_id}/approve",
        CHANGE,
        params=lambda w: {"booking_id": w.booking_a.pk},
        out=lambda w: {"booking_id": w.booking_b.pk},
        forbidden=REFUSED,
    ),
    api(
        "POST",
        "/api/v1/venues/bookings/{booking_id}/reject",
        CHANGE,
        params=lambda w: {"booking_id": w.booking_a.pk},
        out=lambda w: {"booking_id": w.booking_b.pk},
        body=lambda w: {"reason": "场地维修"},
        forbidden=REFUSED,
    ),
    api(
        "POST",
        "/api/v1/venues/bookings/{booking_id}/cancel",
        CHANGE | {"resident"},
        params=lambda w: {"booking_id": w.booking_a.pk},
        out=lambda w: {"booking_id": w.booking_b.pk},
        forbidden=REFUSED - {"resident"},
    ),
    api(
        "POST",
        "/api/v1/venues/bookings/{booking_id}/check-in",
        CHANGE,
        params=lambda w: {"booking_id": w.booking_now_a.pk},
        out=lambda w: {"booking_id": w.booking_now_b.pk},
        forbidden=REFUSED,
    ),
    api("GET", "/api/v1/venues/coverage", DETAIL, query={"region": A_CODE, "k": 1}),
    api("GET", "/api/v1/venues/stats", VIEW),
]
