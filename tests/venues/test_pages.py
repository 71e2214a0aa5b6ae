"""Venue pages: lists with search/filters/export, detail pages, booking from the week view, actions,
scope (out of scope = 404), masking, empty states and the query budget of the main lists."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from grassroots.core.models import AuditEvent
from grassroots.venues import services
from grassroots.venues.models import Booking, BookingState, Room, ServiceCenter

from .conftest import at

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(make_user, city):
    return make_user("cadmin", "community_admin", city.communities[0])


@pytest.fixture
def resident(make_user):
    return make_user("res", "resident")


def test_center_list_search_filter_export(client_for, admin, venue, city, make_user):
    ServiceCenter.objects.create(
        code="C-B", name="四方路社区党群服务中心", level="community", region=city.communities[2]
    )
    c = client_for(admin)
    r = c.get("/venues/")
    assert r.status_code == 200
    body = r.content.decode()
    assert "团岛社区党群服务中心" in body and "四方路" not in body  # out of scope
    assert c.get("/venues/", {"q": "tdsq"}).content.decode().count("data-row") == 1
    assert c.get("/venues/", {"level": "outpost"}).content.decode().count("data-row") == 0
    assert "没有符合条件" in c.get("/venues/", {"level": "outpost"}).content.decode()
    x = c.get("/venues/", {"export": "xlsx"})
    ws = load_workbook(io.BytesIO(x.content)).active
    rows = list(ws.values)
    assert rows[0][0] == "阵地编码" and rows[1][1] == "团岛社区党群服务中心"
    assert "138****5678" in rows[1] and "13812345678" not in rows[1]  # masked for every role
    worker = make_user("gw", "grid_worker", city.communities[0])
    rows = list(
        load_workbook(
            io.BytesIO(client_for(worker).get("/venues/", {"export": "xlsx"}).content)
        ).active.values
    )
    assert "138****5678" in rows[1] and "13812345678" not in rows[1]
    assert AuditEvent.objects.filter(action="export", model="venues.servicecenter").exists()


def test_center_detail_masks_phone_and_scope(client_for, admin, venue, city, make_user):
    r = client_for(admin).get(f"/venues/{venue.center.pk}/")
    assert r.status_code == 200 and "多功能厅" in r.content.decode()
    assert "13812345678" not in r.content.decode()
    other = make_user("cb", "community_admin", city.communities[2])
    assert client_for(other).get(f"/venues/{venue.center.pk}/").status_code == 404
    assert client_for(other).get(f"/venues/rooms/{venue.pk}/").status_code == 404


def test_create_center_and_room_through_forms(client_for, admin, city):
    c = client_for(admin)
    bad = c.post(
        "/venues/add/",
        {
            "code": "N1",
            "name": "新站",
            "level": "station",
            "region": city.communities[2].code,
            "opens_at": "08:00",
            "closes_at": "20:00",
            "open_days": "1234567",
            "area_m2": 10,
        },
    )
    assert bad.status_code == 400 and "不在您的管辖范围内" in bad.content.decode()
    bad = c.post(
        "/venues/add/",
        {
            "code": "N1",
            "name": "新站",
            "level": "station",
            "region": city.communities[0].code,
            "opens_at": "20:00",
            "closes_at": "08:00",
            "open_days": "1234567",
            "area_m2": 10,
        },
    )
    assert bad.status_code == 400 and "晚于开放时间" in bad.content.decode()
    assert not ServiceCenter.objects.exists()
    ok = c.post(
        "/venues/add/",
        {
            "code": "N1",
            "name": "新站",
            "level": "station",
            "region": city.communities[0].code,
            "opens_at": "08:00",
            "closes_at": "20:00",
            "open_days": "12345",
            "area_m2": 10,
            "is_active": "on",
        },
    )
    assert ok.status_code == 302
    center = ServiceCenter.objects.get(code="N1")
    r = c.post(
        f"/venues/{center.pk}/rooms/add/",
        {
            "name": "会议室",
            "capacity": 12,
            "slot_minutes": 60,
            "max_hours": 3,
            "cancel_hours": 2,
            "bookable": "on",
        },
    )
    assert r.status_code == 302
    room = Room.objects.get(center=center)
    assert room.capacity == 12 and room.slot_minutes == 60
    assert AuditEvent.objects.filter(model="venues.room", action="create", object_id=str(room.pk)).exists()


def test_book_from_week_view(client_for, resident, venue):
    c = client_for(resident)
    assert "多功能厅" in c.get("/venues/rooms/").content.decode()
    page = c.get(f"/venues/rooms/{venue.pk}/book/", {"date": at(1, 10).date().isoformat()})
    assert page.status_code == 200 and "data-slot" in page.content.decode()
    assert "暂停预约" not in page.content.decode()  # no ban shown to a user without no-shows
    data = {
        "date": at(1, 10).date().isoformat(),
        "start": "10:00",
        "end": "11:00",
        "title": "楼道议事会",
        "attendees": 8,
        "booker_kind": "resident",
    }
    r = c.post(f"/venues/rooms/{venue.pk}/book/", data)
    assert r.status_code == 302
    b = Booking.objects.get()
    assert b.title == "楼道议事会" and b.state == BookingState.CONFIRMED
    # The same slot again: refused with a clear message, nothing written.
    again = c.post(f"/venues/rooms/{venue.pk}/book/", data)
    assert again.status_code == 409 and "已被预约" in again.content.decode()
    assert Booking.objects.count() == 1
    week = c.get(f"/venues/rooms/{venue.pk}/book/", {"week": at(1, 10).date().isoformat()}).content.decode()
    assert "slot-mine" in week
    mine = c.get("/venues/bookings/mine/").content.decode()
    assert "楼道议事会" in mine
    # Cancel from the detail page.
    r = c.post(f"/venues/bookings/{b.pk}/cancel/")
    assert r.status_code == 302
    b.refresh_from_db()
    assert b.state == BookingState.CANCELLED


def test_booking_form_errors(client_for, resident, venue):
    r = client_for(resident).post(
        f"/venues/rooms/{venue.pk}/book/",
        {
            "date": at(1, 10).date().isoformat(),
            "start": "10:10",
            "end": "11:00",
            "title": "x",
            "attendees": 1,
            "booker_kind": "resident",
        },
    )
    assert r.status_code == 400 and "30 分钟" in r.content.decode()
    assert not Booking.objects.exists()


def test_booking_detail_scope_and_actions(client_for, admin, resident, make_user, venue, city):
    venue.requires_approval = True
    venue.save()
    b = services.book(
        resident, venue, start=at(2, 10), end=at(2, 11), title="合唱排练", contact_phone="13911112222"
    )
    other = make_user("res2", "resident")
    assert client_for(other).get(f"/venues/bookings/{b.pk}/").status_code == 404
    outsider = make_user("cb", "community_admin", city.communities[2])
    assert client_for(outsider).get(f"/venues/bookings/{b.pk}/").status_code == 404
    assert client_for(outsider).post(f"/venues/bookings/{b.pk}/approve/").status_code == 404
    page = client_for(admin).get(f"/venues/bookings/{b.pk}/").content.decode()
    assert "通过" in page and "13911112222" not in page
    assert client_for(admin).post(f"/venues/bookings/{b.pk}/approve/").status_code == 302
    b.refresh_from_db()
    assert b.state == BookingState.CONFIRMED
    # The booker may not approve their own (refused with a message, no change).
    client_for(resident).post(f"/venues/bookings/{b.pk}/reject/", {"reason": "x"})
    b.refresh_from_db()
    assert b.state == BookingState.CONFIRMED


def test_booking_list_filters_and_query_budget(
    client_for, admin, resident, venue, django_assert_max_num_queries
):
    for d in range(1, 8):
        services.book(resident, venue, start=at(d, 10), end=at(d, 11), title=f"活动{d}")
    c = client_for(admin)
    with django_assert_max_num_queries(12):
        r = c.get("/venues/bookings/")
    assert r.content.decode().count("data-row") == 7
    assert c.get("/venues/bookings/", {"q": "活动3"}).content.decode().count("data-row") == 1
    assert c.get("/venues/bookings/", {"state": "cancelled"}).content.decode().count("data-row") == 0
    x = c.get("/venues/bookings/", {"export": "xlsx"})
    assert len(list(load_workbook(io.BytesIO(x.content)).active.values)) == 8
    with django_assert_max_num_queries(12):
        assert c.get("/venues/").status_code == 200


def test_qr_checkin_page(client_for, resident, venue, admin):
    page = client_for(admin).get(f"/venues/rooms/{venue.pk}/")
    assert page.status_code == 200 and "签到二维码" in page.content.decode()
    qr = client_for(admin).get(f"/venues/rooms/{venue.pk}/qr.svg")
    assert qr.status_code == 200 and qr.content.startswith(b"<svg")
    assert b'xmlns="http://www.w3.org/2000/svg"' in qr.content
    r = client_for(resident).get(f"/venues/checkin/{venue.checkin_token}/")
    assert r.status_code == 200 and "没有可签到的预约" in r.content.decode()
    assert client_for(resident).get("/venues/checkin/nope/").status_code == 404


def test_empty_states(client_for, admin, resident):
    assert "暂无党群服务阵地" in client_for(admin).get("/venues/").content.decode()
    assert "暂无预约" in client_for(resident).get("/venues/bookings/mine/").content.decode()
    assert "暂无开放预约的功能室" in client_for(resident).get("/venues/rooms/").content.decode()


def test_resident_cannot_manage(client_for, resident, venue):
    c = client_for(resident)
    for url in (
        "/venues/",
        f"/venues/{venue.center.pk}/",
        "/venues/bookings/",
        "/venues/stats/",
        "/venues/circle/",
    ):
        assert c.get(url).status_code == 404, url
