"""Writes on service centers, rooms and bookings: scope-checked, validated, atomic and audited.

Booking state machine (each step one audit row):

    book ──► pending ──approve──► confirmed ──check_in──► checked_in
               │  └──reject──► rejected          │
               └──cancel──► cancelled ◄──cancel──┘  (confirmed ──reject──► rejected, before start)

A confirmed booking whose end passed without a check-in is a no-show (derived, see
BookingQuerySet.no_shows); `VENUES_NO_SHOW_LIMIT` no-shows within `VENUES_BLOCK_DAYS` days block the
user from booking until the window has passed.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from grassroots.core import audit
from grassroots.core import services as core
from grassroots.core.errors import Conflict, NotFound, PermissionDenied, ServiceError
from grassroots.core.scoping import covers, grants_for, has_perm

from .models import (
    LIVE_STATES,
    BookerKind,
    Booking,
    BookingState,
    CalendarToken,
    Room,
    ServiceCenter,
)

__all__ = [
    "add_center",
    "update_center",
    "add_room",
    "update_room",
    "book",
    "approve",
    "reject",
    "cancel",
    "check_in",
    "check_in_by_qr",
    "can_decide",
    "booking_block",
    "issue_calendar_token",
]


def setting(name: str, default):
    return getattr(settings, name, default)


def no_show_limit() -> int:
    return int(setting("VENUES_NO_SHOW_LIMIT", 3))


def block_days() -> int:
    return int(setting("VENUES_BLOCK_DAYS", 30))


def days_ahead() -> int:
    return int(setting("VENUES_BOOKING_DAYS_AHEAD", 60))


CHECKIN_EARLY = datetime.timedelta(minutes=30)


# ---- centers and rooms --------------------------------------------------------------------------


def _unit_visible(user, unit) -> None:
    if unit is not None and not covers(user, unit, "view"):
        raise NotFound("产权单位不存在或不在您的管辖范围内")


def add_center(user, **data) -> ServiceCenter:
    _unit_visible(user, data.get("owner_unit"))
    return core.create_object(user, ServiceCenter(**data))


def update_center(user, center: ServiceCenter, **changes) -> ServiceCenter:
    if "owner_unit" in changes:
        _unit_visible(user, changes["owner_unit"])
    if "region" in changes and changes["region"] is not None and not covers(user, changes["region"], "view"):
        raise NotFound("所在区划不存在或不在您的管辖范围内")
    return core.update_object(user, center, changes)


def add_room(user, center: ServiceCenter, **data) -> Room:
    core.require_in_scope(user, center, "change")
    return core.create_object(user, Room(center=center, **data))


def update_room(user, room: Room, **changes) -> Room:
    changes.pop("center", None)
    return core.update_object(user, room, changes)


# ---- who may do what with a booking -------------------------------------------------------------


def can_decide(user, booking_or_room) -> bool:
    """Approve, reject and check in bookings of a room.

    A shared unit venue is decided by its owner unit: a grant on the owner's party organisation (the
    unit liaison). Other rooms by whoever may change venues in the room's region.
    """
    if user is None or not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    room = booking_or_room.room if isinstance(booking_or_room, Booking) else booking_or_room
    unit = room.center.owner_unit
    if unit is not None and unit.party_org_id:
        path = unit.party_org.path
        return any(
            g.org_path is not None and path.startswith(g.org_path) and "venues.view" in g.perms
            for g in grants_for(user)
        )
    return covers(user, room, "change")


def _acts_for_unit(user, unit) -> bool:
    if user.is_superuser or covers(user, unit, "view"):
        return True
    if unit.party_org_id:
        path = unit.party_org.path
        return any(g.org_path is not None and path.startswith(g.org_path) for g in grants_for(user))
    return False


def _acts_for_org(user, org) -> bool:
    from grassroots.party.models import Member

    if user.is_superuser or covers(user, org, "view"):
        return True
    return Member.objects.filter(user=user, party_org__path__startswith=org.path).exists()


@dataclass(frozen=True)
class Block:
    count: int
    until: datetime.datetime


def booking_block(user, now=None) -> Block | None:
    """The ban on booking after repeated no-shows, or None. Derived from the bookings themselves."""
    now = now or timezone.now()
    limit = no_show_limit()
    window = datetime.timedelta(days=block_days())
    ends = list(
        Booking.objects.no_shows(now)
        .filter(booker=user, end__gte=now - window)
        .order_by("-end")
        .values_list("end", flat=True)[:limit]
    )
    if limit <= 0 or len(ends) < limit:
        return None
    # Blocked until the oldest of the last `limit` no-shows leaves the window.
    return Block(count=len(ends), until=ends[-1] + window)


def _validate_slot(room: Room, start, end, now) -> None:
    if start is None or end is None:
        raise ServiceError("请选择预约时段", field="start")
    if end <= start:
        raise ServiceError("结束时间应晚于开始时间", field="end")
    if start < now:
        raise ServiceError("不能预约已经开始或已过去的时段", field="start")
    if start > now + datetime.timedelta(days=days_ahead()):
        raise ServiceError(f"最多可提前 {days_ahead()} 天预约", field="start")
    slot = room.slot_minutes
    local_start, local_end = timezone.localtime(start), timezone.localtime(end)
    for label, t in (("start", local_start), ("end", local_end)):
        if t.second or t.microsecond or (t.hour * 60 + t.minute) % slot:
            raise ServiceError(f"预约时间须按 {slot} 分钟整点对齐", field=label)
    if (end - start) > datetime.timedelta(hours=room.max_hours):
        raise ServiceError(f"单次预约不能超过 {room.max_hours} 小时", field="end")
    center = room.center
    if local_start.date() != local_end.date() and local_end.time() != datetime.time(0):
        raise ServiceError("预约不能跨天", field="end")
    if not center.open_on(local_start.date()):
        raise ServiceError("该阵地当天不开放", field="start")
    if local_start.time() < center.opens_at or local_end.time() > center.closes_at:
        raise ServiceError(
            f"请在开放时间 {center.opens_at:%H:%M}-{center.closes_at:%H:%M} 内预约", field="start"
        )


UNIT_NOT_YOURS = "预约单位不存在或您不能代表该单位预约"
ORG_NOT_YOURS = "党组织不存在或您不能代表该组织预约"


def book(
    user,
    room: Room,
    *,
    start,
    end,
    title: str,
    booker_kind: str = BookerKind.RESIDENT,
    unit=None,
    org=None,
    attendees: int = 1,
    contact_phone: str = "",
    activity=None,
    now=None,
) -> Booking:
    """Reserve [start, end) of a room. Never two live bookings of one room overlap (409 otherwise)."""
    if not has_perm(user, "venues.book"):
        raise PermissionDenied("您没有预约场地的权限")
    now = now or timezone.now()
    room = Room.objects.select_related("center__owner_unit__party_org", "center__region").get(pk=room.pk)
    if not room.bookable or not room.center.is_active:
        raise ServiceError("该功能室暂不开放预约")
    title = (title or "").strip()
    if not title:
        raise ServiceError("请填写活动名称", field="title")
    if len(title) > 100:
        raise ServiceError("活动名称不能超过 100 个字", field="title")
    if attendees is None or attendees < 1:
        raise ServiceError("预计人数至少为 1", field="attendees")
    if attendees > room.capacity:
        raise ServiceError(f"预计人数超过该功能室容纳人数（{room.capacity} 人）", field="attendees")
    contact_phone = (contact_phone or "").strip()
    if contact_phone and not (contact_phone.isdigit() and 7 <= len(contact_phone) <= 15):
        raise ServiceError("联系电话应为 7 到 15 位数字", field="contact_phone")
    if booker_kind not in BookerKind.values:
        raise ServiceError("预约主体不正确", field="booker_kind")
    if booker_kind == BookerKind.UNIT:
        if unit is None:
            raise ServiceError("请选择预约单位", field="unit")
        if not _acts_for_unit(user, unit):
            raise NotFound(UNIT_NOT_YOURS)
        org = None
    elif booker_kind == BookerKind.BRANCH:
        if org is None:
            raise ServiceError("请选择预约党组织", field="org")
        if not _acts_for_org(user, org):
            raise NotFound(ORG_NOT_YOURS)
        unit = None
    else:
        unit = org = None
        if booker_kind == BookerKind.MEMBER:
            from grassroots.party.models import Member

            if not Member.objects.filter(user=user).exists():
                raise ServiceError("您的账号未关联党员信息，请以居民身份预约", field="booker_kind")
    if start is not None and timezone.is_naive(start):
        start = timezone.make_aware(start)
    if end is not None and timezone.is_naive(end):
        end = timezone.make_aware(end)
    _validate_slot(room, start, end, now)
    if activity is not None and not covers(user, activity, "view"):
        raise NotFound("关联活动不存在或不在您的管辖范围内")
    block = booking_block(user, now)
    if block is not None:
        raise ServiceError(
            f"您近 {block_days()} 天内爽约 {block.count} 次，"
            f"{timezone.localtime(block.until):%Y-%m-%d %H:%M} 前暂停预约",
            status=403,
        )
    needs_approval = room.requires_approval or room.center.owner_unit_id is not None
    booking = Booking(
        room=room,
        start=start,
        end=end,
        title=title,
        booker=user,
        booker_kind=booker_kind,
        unit=unit,
        org=org,
        attendees=attendees,
        contact_phone=contact_phone,
        activity=activity,
        state=BookingState.PENDING if needs_approval else BookingState.CONFIRMED,
    )
    try:
        with transaction.atomic():
            if connection.vendor == "postgresql":
                # Queue bookers of the same room (the exclusion constraint is the final guard).
                Room.objects.select_for_update().filter(pk=room.pk).first()
            # On SQLite the transaction is IMMEDIATE: the check and the insert are serialised.
            if Booking.objects.overlapping(room.pk, start, end).exists():
                raise Conflict("该时段已被预约，请选择其他时段", field="start")
            booking.save()
            audit.record_create(user, booking)
    except IntegrityError as exc:
        raise Conflict("该时段已被预约，请选择其他时段", field="start") from exc
    if needs_approval:
        _notify_deciders(booking)
    return booking


def _ancestor_paths(path: str, steplen: int = 4) -> list[str]:
    return [path[:n] for n in range(steplen, len(path) + 1, steplen)]


def _notify_deciders(booking: Booking) -> None:
    """Tell who can approve: the owner unit's liaisons for a shared venue, else the region's admins."""
    from grassroots.accounts.models import RoleAssignment
    from grassroots.notifications.services import notify

    center = booking.room.center
    unit = center.owner_unit
    if unit is not None and unit.party_org_id:
        rows = RoleAssignment.objects.filter(
            role__code="unit_liaison", party_org__path__in=_ancestor_paths(unit.party_org.path)
        )
    else:
        rows = RoleAssignment.objects.filter(
            role__code__in=("community_admin", "street_admin"),
            region__path__in=_ancestor_paths(center.region.path),
        )
    users = [a.user for a in rows.select_related("user")]
    if users:
        from django.urls import reverse

        notify(
            users,
            kind="venues.pending",
            title=f"场地预约待审批：{booking.room}",
            body=f"{booking.title}，{timezone.localtime(booking.start):%m-%d %H:%M}",
            url=reverse("venues:booking_detail", args=[booking.pk]),
            obj=booking,
        )


def _locked(booking: Booking, states) -> Booking:
    fresh = (
        Booking.objects.select_for_update(of=("self",))
        .select_related("room__center__owner_unit__party_org", "room__center__region")
        .get(pk=booking.pk)
    )
    if fresh.state not in states:
        raise Conflict(f"该预约当前状态为“{fresh.get_state_display()}”，不能执行此操作")
    return fresh


def _require_decider(user, booking: Booking) -> None:
    if can_decide(user, booking):
        return
    if covers(user, booking, "view") or booking.booker_id == getattr(user, "pk", None):
        raise PermissionDenied("只有场地管理方（共享阵地为产权单位）可以审批或代为签到")
    raise NotFound()


def _transition(user, booking: Booking, to_state: str, now=None, **fields) -> Booking:
    from_state = booking.state
    booking.state = to_state
    for k, v in fields.items():
        setattr(booking, k, v)
    booking.save()
    audit.record_transition(user, booking, from_state, to_state, **fields)
    return booking


def _tell_booker(booking: Booking, title: str) -> None:
    from django.urls import reverse

    from grassroots.notifications.services import notify

    notify(
        [booking.booker],
        kind="venues.booking",
        title=title,
        body=f"{booking.room}，{timezone.localtime(booking.start):%m-%d %H:%M}",
        url=reverse("venues:booking_detail", args=[booking.pk]),
        obj=booking,
    )


def approve(user, booking: Booking, now=None) -> Booking:
    _require_decider(user, booking)
    now = now or timezone.now()
    with transaction.atomic():
        b = _locked(booking, (BookingState.PENDING,))
        if b.start <= now:
            raise ServiceError("预约时间已开始，不能再审批")
        b = _transition(user, b, BookingState.CONFIRMED, decided_by=user, decided_at=now)
    _tell_booker(b, "场地预约已通过")
    return b


def reject(user, booking: Booking, reason: str, now=None) -> Booking:
    _require_decider(user, booking)
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError("请填写驳回理由", field="reason")
    if len(reason) > 200:
        raise ServiceError("驳回理由不能超过 200 个字", field="reason")
    now = now or timezone.now()
    with transaction.atomic():
        b = _locked(booking, (BookingState.PENDING, BookingState.CONFIRMED))
        if b.start <= now:
            raise ServiceError("预约时间已开始，不能驳回")
        b = _transition(user, b, BookingState.REJECTED, decided_by=user, decided_at=now, reason=reason)
    _tell_booker(b, "场地预约未通过")
    return b


def cancel(user, booking: Booking, reason: str = "", now=None) -> Booking:
    """The booker (or the venue's manager) cancels before the start; late if within cancel_hours."""
    is_booker = booking.booker_id == getattr(user, "pk", None)
    if not is_booker:
        _require_decider(user, booking)
    now = now or timezone.now()
    with transaction.atomic():
        b = _locked(booking, (BookingState.PENDING, BookingState.CONFIRMED))
        if b.start <= now:
            raise ServiceError("预约已开始，不能取消")
        late = is_booker and b.state == BookingState.CONFIRMED
        late = late and b.start - now < datetime.timedelta(hours=b.room.cancel_hours)
        b = _transition(
            user,
            b,
            BookingState.CANCELLED,
            cancelled_at=now,
            late_cancel=late,
            reason=(reason or "").strip()[:200],
        )
    if not is_booker:
        _tell_booker(b, "场地预约已被管理方取消")
    return b


def check_in(user, booking: Booking, *, method: str = "staff", now=None) -> Booking:
    """Staff check-in (the venue's manager) or the booker's own QR check-in."""
    if method == "qr":
        if booking.booker_id != getattr(user, "pk", None):
            raise NotFound()
    else:
        _require_decider(user, booking)
    now = now or timezone.now()
    with transaction.atomic():
        b = _locked(booking, (BookingState.CONFIRMED,))
        if now < b.start - CHECKIN_EARLY:
            raise ServiceError("签到时间未到（开始前 30 分钟起可签到）")
        if now >= b.end:
            raise ServiceError("预约已结束，不能签到")
        b = _transition(
            user, b, BookingState.CHECKED_IN, checked_in_at=now, checked_in_by=user, checkin_method=method
        )
    return b


def check_in_by_qr(user, checkin_token: str, now=None) -> Booking:
    """The booker scans the room's QR code: checks in their current confirmed booking of that room."""
    now = now or timezone.now()
    room = Room.objects.filter(checkin_token=checkin_token).first()
    if room is None:
        raise NotFound("签到码无效")
    booking = (
        Booking.objects.filter(
            room=room,
            booker=user,
            state__in=(BookingState.CONFIRMED, BookingState.CHECKED_IN),
            start__lte=now + CHECKIN_EARLY,
            end__gt=now,
        )
        .order_by("start")
        .first()
    )
    if booking is None:
        raise ServiceError("您在该功能室当前没有可签到的预约", status=404)
    if booking.state == BookingState.CHECKED_IN:
        return booking
    return check_in(user, booking, method="qr", now=now)


# ---- calendar feed tokens -----------------------------------------------------------------------


def issue_calendar_token(user) -> str:
    """Make (or replace: the old URL stops working) the user's personal feed token. Returns the raw
    token, shown once; only its hash is stored."""
    with transaction.atomic():
        row, raw, replaced = CalendarToken.issue(user)
        audit.record(
            "update" if replaced else "create",
            row,
            user=user,
            object_repr="重置个人日历订阅地址" if replaced else "个人日历订阅地址",
            region_path="",
            org_path="",
        )
    return raw


def live_states() -> tuple:
    return LIVE_STATES
