"""Booking rules and the booking state machine (allowed and refused transitions, audit rows)."""

from __future__ import annotations

import datetime

import pytest
from django.test import override_settings

from grassroots.core.errors import Conflict, NotFound, PermissionDenied, ServiceError
from grassroots.core.models import AuditEvent
from grassroots.venues import services
from grassroots.venues.models import Booking, BookingState

from .conftest import at

pytestmark = pytest.mark.django_db


@pytest.fixture
def resident(make_user):
    return make_user("res1", "resident")


@pytest.fixture
def admin(make_user, city):
    return make_user("cadmin", "community_admin", city.communities[0])


def _book(user, room, start, end, **kw):
    kw.setdefault("title", "读书会")
    return services.book(user, room, start=start, end=end, **kw)


def test_book_confirms_and_audits(venue, resident):
    b = _book(resident, venue, at(1, 10), at(1, 11))
    assert b.state == BookingState.CONFIRMED and b.booker == resident
    ev = AuditEvent.objects.get(model="venues.booking", object_id=str(b.pk))
    assert ev.action == "create" and ev.region_path == venue.center.region.path


def test_overlaps_refused_adjacent_allowed(venue, resident, make_user):
    other = make_user("res2", "resident")
    _book(resident, venue, at(1, 10), at(1, 11))
    for start, end in [
        (at(1, 10), at(1, 11)),
        (at(1, 9, 30), at(1, 10, 30)),
        (at(1, 10, 30), at(1, 12)),
        (at(1, 9), at(1, 12)),
        (at(1, 10, 30), at(1, 11)),
    ]:
        with pytest.raises(Conflict):
            _book(other, venue, start, end)
    assert _book(other, venue, at(1, 11), at(1, 12)).state == BookingState.CONFIRMED
    assert _book(other, venue, at(1, 9), at(1, 10)).state == BookingState.CONFIRMED
    assert Booking.objects.filter(room=venue).count() == 3


def test_cancelled_and_rejected_free_the_slot(venue, resident, admin, make_user):
    b = _book(resident, venue, at(2, 10), at(2, 11))
    services.cancel(resident, b)
    b2 = _book(resident, venue, at(2, 10), at(2, 11))
    services.reject(admin, b2, "场地维修")
    b3 = _book(make_user("res3", "resident"), venue, at(2, 10), at(2, 11))
    assert b3.state == BookingState.CONFIRMED
    assert Booking.objects.live().filter(room=venue).count() == 1


@pytest.mark.parametrize(
    "start,end,field,message",
    [
        (lambda: at(-1, 10), lambda: at(-1, 11), "start", "已过去"),
        (lambda: at(1, 11), lambda: at(1, 10), "end", "晚于"),
        (lambda: at(1, 10, 15), lambda: at(1, 11), "start", "30 分钟"),
        (lambda: at(1, 8), lambda: at(1, 14), "end", "4 小时"),
        (lambda: at(90, 10), lambda: at(90, 11), "start", "60 天"),
    ],
)
def test_bad_slots_refused_nothing_written(venue, resident, start, end, field, message):
    with pytest.raises(ServiceError) as exc:
        _book(resident, venue, start(), end())
    assert exc.value.field == field and message in exc.value.message
    assert not Booking.objects.exists() and not AuditEvent.objects.filter(model="venues.booking").exists()


def test_opening_hours_capacity_and_closed_room(venue, resident):
    center = venue.center
    center.opens_at, center.closes_at = datetime.time(9), datetime.time(17)
    center.save()
    with pytest.raises(ServiceError, match="开放时间"):
        _book(resident, venue, at(1, 16), at(1, 18))
    with pytest.raises(ServiceError, match="容纳人数"):
        _book(resident, venue, at(1, 10), at(1, 11), attendees=51)
    venue.bookable = False
    venue.save()
    with pytest.raises(ServiceError, match="暂不开放"):
        _book(resident, venue, at(1, 10), at(1, 11))


def test_approval_flow_and_refused_transitions(venue, resident, admin, make_user, city):
    venue.requires_approval = True
    venue.save()
    b = _book(resident, venue, at(3, 10), at(3, 11))
    assert b.state == BookingState.PENDING
    # Pending holds the slot.
    with pytest.raises(Conflict):
        _book(make_user("x", "resident"), venue, at(3, 10), at(3, 11))
    # The booker can't approve their own booking; another community's admin doesn't see it at all.
    with pytest.raises(PermissionDenied):
        services.approve(resident, b)
    outsider = make_user("cb", "community_admin", city.communities[2])
    with pytest.raises((NotFound, PermissionDenied)):
        services.approve(outsider, b)
    with pytest.raises(ServiceError, match="驳回理由"):
        services.reject(admin, b, " ")
    b = services.approve(admin, b)
    assert b.state == BookingState.CONFIRMED and b.decided_by == admin
    with pytest.raises(Conflict):
        services.approve(admin, b)
    b = services.check_in(admin, b, now=b.start)
    assert b.state == BookingState.CHECKED_IN and b.checkin_method == "staff"
    for action in (
        lambda: services.cancel(resident, b, now=b.start - datetime.timedelta(hours=5)),
        lambda: services.reject(admin, b, "x", now=b.start - datetime.timedelta(hours=5)),
    ):
        with pytest.raises(Conflict):
            action()
    states = list(
        AuditEvent.objects.filter(model="venues.booking", object_id=str(b.pk), action="transition")
        .order_by("pk")
        .values_list("changes__state", flat=True)
    )
    assert states == [["pending", "confirmed"], ["confirmed", "checked_in"]]


def test_shared_venue_needs_owner_unit_approval(shared_room, resident, admin, make_user, city):
    b = _book(resident, shared_room, at(1, 10), at(1, 11))
    assert b.state == BookingState.PENDING
    # The community admin is not the owner: refused (the venue belongs to the unit).
    with pytest.raises(PermissionDenied):
        services.approve(admin, b)
    liaison = make_user("liaison", "unit_liaison", city.branches[0])
    other_liaison = make_user("liaison2", "unit_liaison", city.branches[2])
    with pytest.raises(NotFound):
        services.approve(other_liaison, b)
    assert services.approve(liaison, b).state == BookingState.CONFIRMED


def test_cancellation_rules(venue, resident):
    b = _book(resident, venue, at(1, 10), at(1, 11))
    early = services.cancel(resident, b, now=b.start - datetime.timedelta(hours=5))
    assert early.state == BookingState.CANCELLED and not early.late_cancel
    b = _book(resident, venue, at(1, 10), at(1, 11))
    late = services.cancel(resident, b, now=b.start - datetime.timedelta(minutes=30))
    assert late.late_cancel
    b = _book(resident, venue, at(1, 10), at(1, 11))
    with pytest.raises(ServiceError, match="已开始"):
        services.cancel(resident, b, now=b.start + datetime.timedelta(minutes=1))


def test_qr_check_in_window(venue, resident, make_user):
    b = _book(resident, venue, at(1, 10), at(1, 11))
    with pytest.raises(ServiceError, match="没有可签到"):
        services.check_in_by_qr(resident, venue.checkin_token, now=b.start - datetime.timedelta(hours=2))
    with pytest.raises(ServiceError):
        services.check_in_by_qr(make_user("y", "resident"), venue.checkin_token, now=b.start)
    with pytest.raises(NotFound):
        services.check_in_by_qr(resident, "nope", now=b.start)
    done = services.check_in_by_qr(
        resident, venue.checkin_token, now=b.start - datetime.timedelta(minutes=10)
    )
    assert done.pk == b.pk and done.state == BookingState.CHECKED_IN and done.checkin_method == "qr"


@override_settings(VENUES_NO_SHOW_LIMIT=2, VENUES_BLOCK_DAYS=30)
def test_repeated_no_shows_block_booking(venue, resident):
    past = []
    for d in (1, 2):
        b = _book(resident, venue, at(d, 10), at(d, 11))
        past.append(b)
    # Move both into the past without a check-in: two no-shows.
    for i, b in enumerate(past):
        Booking.objects.filter(pk=b.pk).update(start=at(-3 - i, 10), end=at(-3 - i, 11))
    assert Booking.objects.no_shows().filter(booker=resident).count() == 2
    block = services.booking_block(resident)
    assert block is not None and block.until == at(-4, 11) + datetime.timedelta(days=30)
    with pytest.raises(ServiceError, match="暂停预约") as exc:
        _book(resident, venue, at(5, 10), at(5, 11))
    assert exc.value.status == 403
    # After the window the ban lifts.
    assert services.booking_block(resident, now=block.until + datetime.timedelta(minutes=1)) is None


def test_booker_kinds(venue, make_user, city):
    member_user = make_user("pm", "party_member")
    with pytest.raises(ServiceError, match="未关联党员"):
        _book(member_user, venue, at(1, 10), at(1, 11), booker_kind="member")
    m = city.members[0]
    m.user = member_user
    m.save(update_fields=["user"])
    assert _book(member_user, venue, at(1, 10), at(1, 11), booker_kind="member").booker_kind == "member"
    # A member books for their own branch, not for another one.
    b = _book(member_user, venue, at(1, 12), at(1, 13), booker_kind="branch", org=city.branches[0])
    assert b.org == city.branches[0] and b.booker_label == city.branches[0].name
    with pytest.raises(NotFound):
        _book(member_user, venue, at(1, 14), at(1, 15), booker_kind="branch", org=city.branches[2])
    with pytest.raises(ServiceError, match="预约单位"):
        _book(member_user, venue, at(1, 14), at(1, 15), booker_kind="unit")
    admin = make_user("ad", "community_admin", city.communities[0])
    assert (
        _book(admin, venue, at(1, 16), at(1, 17), booker_kind="unit", unit=city.units[0]).unit
        == city.units[0]
    )
    with pytest.raises(NotFound):
        _book(admin, venue, at(1, 18), at(1, 19), booker_kind="unit", unit=city.units[2])


def test_no_permission_to_book(venue, make_user):
    nobody = make_user("nobody")
    with pytest.raises(PermissionDenied):
        _book(nobody, venue, at(1, 10), at(1, 11))


def test_booking_linked_to_activity(venue, admin, resident, city):
    from grassroots.orglife.models import Activity

    act = Activity.objects.create(
        kind="theme_day",
        title="主题党日",
        party_org=city.branches[0],
        region=city.communities[0],
        starts_at=at(1, 10),
        ends_at=at(1, 11),
    )
    b = _book(admin, venue, at(1, 10), at(1, 11), booker_kind="branch", org=city.branches[0], activity=act)
    assert b.activity == act and list(act.venue_bookings.all()) == [b]
    with pytest.raises(NotFound):
        _book(resident, venue, at(1, 12), at(1, 13), activity=act)


def test_deciders_and_booker_are_notified(venue, shared_room, resident, admin, make_user, city):
    from grassroots.notifications.models import Notification

    liaison = make_user("liaison", "unit_liaison", city.branches[0])
    venue.requires_approval = True
    venue.save()
    b = _book(resident, venue, at(1, 10), at(1, 11))
    s = _book(resident, shared_room, at(1, 10), at(1, 11))
    pending = Notification.objects.filter(kind="venues.pending")
    assert set(pending.filter(title__contains=venue.name).values_list("user__username", flat=True)) == {
        "cadmin"
    }
    assert set(pending.filter(title__contains=shared_room.name).values_list("user__username", flat=True)) == {
        "liaison"
    }
    services.approve(admin, b)
    services.reject(liaison, s, "单位内部活动")
    told = Notification.objects.filter(kind="venues.booking", user=resident).values_list("title", flat=True)
    assert sorted(told) == ["场地预约已通过", "场地预约未通过"]
