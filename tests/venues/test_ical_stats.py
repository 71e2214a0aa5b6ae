"""iCalendar feeds round-trip bookings; statistics (usage rate, no-shows); home figures; the API."""

from __future__ import annotations

import datetime
import json
import re

import pytest
from icalendar import Calendar

from grassroots.core.feedtokens import digest
from grassroots.venues import services, stats
from grassroots.venues.models import Booking, CalendarToken

from .conftest import at

pytestmark = pytest.mark.django_db


@pytest.fixture
def resident(make_user):
    return make_user("res", "resident")


@pytest.fixture
def admin(make_user, city):
    return make_user("cadmin", "community_admin", city.communities[0])


def _events(content: bytes):
    cal = Calendar.from_ical(content)
    return {str(e["uid"]): e for e in cal.walk("VEVENT")}


def test_ical_feeds_round_trip(client_for, resident, admin, venue, client):
    made = [
        services.book(resident, venue, start=at(1, 9), end=at(1, 10, 30), title="党课"),
        services.book(resident, venue, start=at(2, 14), end=at(2, 15), title="议事会"),
    ]
    cancelled = services.book(resident, venue, start=at(3, 14), end=at(3, 15), title="取消的")
    services.cancel(resident, cancelled)
    for url in (f"/venues/rooms/{venue.pk}/calendar.ics", f"/venues/{venue.center.pk}/calendar.ics"):
        r = client_for(admin).get(url)
        assert r.status_code == 200 and r["Content-Type"].startswith("text/calendar")
        events = _events(r.content)
        assert set(events) == {f"{b.uid}@grassroots" for b in made}
        for b in made:
            e = events[f"{b.uid}@grassroots"]
            assert e.decoded("dtstart") == b.start and e.decoded("dtend") == b.end
            assert str(e["summary"]) == b.title
    # The personal feed: a secret token URL, no login; a reset token invalidates the old URL.
    me = client_for(resident)
    me.post("/venues/bookings/feed/")
    page = me.get("/venues/bookings/mine/").content.decode()
    token = re.search(r"/venues/feeds/([^\"]+)\.ics", page).group(1)
    # Stored hashed only, and shown once: the next visit no longer carries the URL.
    row = CalendarToken.objects.get(user=resident)
    assert row.token_hash == digest(token)
    again = me.get("/venues/bookings/mine/").content.decode()
    assert token not in again and "data-feed-exists" in again
    r = client.get(f"/venues/feeds/{token}.ics")
    assert r.status_code == 200 and len(_events(r.content)) == 2
    me.post("/venues/bookings/feed/")
    assert client.get(f"/venues/feeds/{token}.ics").status_code == 404
    assert client.get("/venues/feeds/bogus.ics").status_code == 404


def test_usage_rate_no_shows_and_summary(resident, admin, venue):
    center = venue.center
    center.opens_at, center.closes_at = datetime.time(8), datetime.time(18)  # 10 h a day
    center.save()
    b1 = services.book(resident, venue, start=at(1, 9), end=at(1, 11), title="a")
    services.book(resident, venue, start=at(1, 14), end=at(1, 15), title="b")
    c = services.book(resident, venue, start=at(1, 16), end=at(1, 17), title="c")
    services.cancel(resident, c)
    day = at(1, 9).date()
    usage = stats.room_usage(admin, day, day)
    assert len(usage) == 1
    u = usage[0]
    assert (u.bookings, u.booked_hours, u.open_hours, u.rate) == (2, 3.0, 10.0, 30.0)
    Booking.objects.filter(pk=b1.pk).update(start=at(-1, 9), end=at(-1, 11))
    s = stats.summary(admin, at(-1, 9).date(), day)
    assert s["total"] == 3 and s["no_shows"] == 1 and s["by_state"]["cancelled"] == 1


def test_stats_page_and_export(client_for, admin, resident, venue):
    services.book(resident, venue, start=at(1, 9), end=at(1, 10), title="a")
    c = client_for(admin)
    r = c.get("/venues/stats/", {"start": at(1, 9).date().isoformat(), "end": at(1, 9).date().isoformat()})
    assert r.status_code == 200 and 'data-stat="total">1<' in r.content.decode()
    x = c.get("/venues/stats/", {"export": "xlsx"})
    assert x.status_code == 200 and x["Content-Type"].startswith("application/vnd.openxmlformats")


def test_home_figures(admin, resident, venue, make_user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):  # the home figures move after commit
        services.book(resident, venue, start=at(1, 9), end=at(1, 10), title="a")
    figs = stats.home_figures(admin)
    assert [f["value"] for f in figs] == [1, 1, 0]
    assert all(f["url"].startswith("/venues/") for f in figs)
    assert stats.home_figures(resident) == []


def test_api_booking_flow(client_for, token_for, resident, admin, venue, city):
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token_for(resident)}"}
    c = client_for(resident)
    body = {
        "room_id": venue.pk,
        "start": at(1, 10).isoformat(),
        "end": at(1, 11).isoformat(),
        "title": "API 预约",
    }
    r = c.post("/api/v1/venues/bookings/", json.dumps(body), content_type="application/json", **auth)
    assert r.status_code == 201, r.content
    data = r.json()
    assert data["state"] == "confirmed" and data["title"] == "API 预约"
    r = c.post("/api/v1/venues/bookings/", json.dumps(body), content_type="application/json", **auth)
    assert (
        r.status_code == 409
        and r["Content-Type"] == "application/problem+json"
        and "已被预约" in r.json()["detail"]
    )
    bad = {**body, "start": at(1, 12, 10).isoformat(), "end": at(1, 13).isoformat()}
    r = c.post("/api/v1/venues/bookings/", json.dumps(bad), content_type="application/json", **auth)
    assert r.status_code == 400 and "对齐" in r.json()["detail"]
    assert Booking.objects.count() == 1
    slots = c.get(
        f"/api/v1/venues/rooms/{venue.pk}/availability", {"week": at(1, 10).date().isoformat()}, **auth
    )
    states = {s["start"][:16]: s["state"] for s in slots.json()}
    assert states[at(1, 10).isoformat()[:16]] == "mine"
    mine = c.get("/api/v1/venues/bookings/mine", **auth).json()["items"]
    assert [b["title"] for b in mine] == ["API 预约"]
    admin_auth = {"HTTP_AUTHORIZATION": f"Bearer {token_for(admin)}"}
    listed = c.get("/api/v1/venues/bookings/", **admin_auth).json()["items"]
    assert listed[0]["contact_phone"] == "" and listed[0]["booker"] == "res"
    r = c.post(f"/api/v1/venues/bookings/{data['id']}/cancel", "{}", content_type="application/json", **auth)
    assert r.status_code == 200 and r.json()["state"] == "cancelled"


def test_api_coverage_and_centers(client_for, token_for, admin, venue, city):
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token_for(admin)}"}
    c = client_for(admin)
    r = c.get("/api/v1/venues/coverage", {"region": city.communities[0].code, "k": 1}, **auth)
    assert r.status_code == 200 and r.json()["distance"] == 1000
    assert c.get("/api/v1/venues/coverage", {"region": city.communities[2].code}, **auth).status_code == 404
    assert (
        c.get(
            "/api/v1/venues/coverage", {"region": city.communities[0].code, "distance": 10}, **auth
        ).status_code
        == 422
    )
    centers = c.get("/api/v1/venues/centers/", **auth).json()["items"]
    assert [x["code"] for x in centers] == ["C-A"] and centers[0]["contact_phone"] == "138****5678"
    r = c.patch(
        "/api/v1/venues/centers/C-A", json.dumps({"open_days": "19"}), content_type="application/json", **auth
    )
    assert r.status_code == 400 and "开放日" in r.json()["detail"]
