"""Party-mass service centers (党群服务中心/站、红星驿站), their function rooms, shared unit venues
(阵地共享) and room bookings.

No double booking: a live booking (pending, confirmed or checked in) of a room never overlaps another
live booking of the same room. On PostgreSQL an exclusion constraint over tstzrange(start, end)
enforces it (migration 0002, btree_gist); on SQLite the booking service checks and inserts inside one
IMMEDIATE transaction, which SQLite serialises.
"""

from __future__ import annotations

import datetime
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from grassroots.core.feedtokens import FeedToken
from grassroots.core.scoping import ScopedManager, ScopedModel, ScopedQuerySet
from grassroots.core.text import InitialsMixin


def new_token() -> str:
    return secrets.token_urlsafe(18)


class CenterLevel(models.TextChoices):
    DISTRICT = "district", "区域党群服务中心"
    STREET = "street", "街道党群服务中心"
    COMMUNITY = "community", "社区党群服务中心"
    STATION = "station", "小区党群服务微站"
    OUTPOST = "outpost", "红星驿站"


class ServiceCenter(InitialsMixin, ScopedModel):
    """A service point. With an owner unit it is a unit's venue shared with the community (阵地共享)."""

    code = models.CharField("阵地编码", max_length=32, unique=True)
    name = models.CharField("名称", max_length=100)
    name_initials = models.CharField(max_length=64, blank=True, db_index=True)
    level = models.CharField("层级", max_length=16, choices=CenterLevel.choices, db_index=True)
    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="service_centers", verbose_name="所在区划"
    )
    owner_unit = models.ForeignKey(
        "units.Unit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="shared_venues",
        verbose_name="产权单位（共享阵地）",
    )
    address = models.CharField("地址", max_length=200, blank=True)
    lng = models.FloatField("经度(WGS-84)", null=True, blank=True)
    lat = models.FloatField("纬度(WGS-84)", null=True, blank=True)
    area_m2 = models.PositiveIntegerField("面积(㎡)", default=0)
    opens_at = models.TimeField("开放时间", default=datetime.time(8, 30))
    closes_at = models.TimeField("关闭时间", default=datetime.time(20, 30))
    open_days = models.CharField(
        "开放日", max_length=7, default="1234567", help_text="星期几开放，1=周一 … 7=周日，如 12345"
    )
    services = models.TextField("服务项目", blank=True, help_text="每行一项")
    contact_name = models.CharField("联系人", max_length=50, blank=True)
    contact_phone = models.CharField("联系电话", max_length=20, blank=True)
    is_active = models.BooleanField("启用", default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager()
    scope_region = "region"
    scope_org = "owner_unit__party_org"
    personal_fields = {"contact_phone": "phone"}

    class Meta:
        verbose_name = verbose_name_plural = "党群服务阵地"
        indexes = [models.Index(fields=["region", "level"])]

    def __str__(self):
        return self.name

    def clean(self):
        errors = {}
        if (self.lng is None) != (self.lat is None):
            errors["lat"] = "经度和纬度须同时填写"
        if self.lng is not None and not (73 <= self.lng <= 136):
            errors["lng"] = "经度应在 73 到 136 之间（中国境内，WGS-84）"
        if self.lat is not None and not (3 <= self.lat <= 54):
            errors["lat"] = "纬度应在 3 到 54 之间（中国境内，WGS-84）"
        if self.opens_at and self.closes_at and self.opens_at >= self.closes_at:
            errors["closes_at"] = "关闭时间应晚于开放时间"
        days = self.open_days or ""
        if not days or any(c not in "1234567" for c in days) or len(set(days)) != len(days):
            errors["open_days"] = "开放日应由 1 到 7 的数字组成且不重复，如 12345"
        if errors:
            raise ValidationError(errors)

    @property
    def is_shared(self) -> bool:
        return self.owner_unit_id is not None

    @property
    def service_list(self) -> list[str]:
        return [s.strip() for s in (self.services or "").splitlines() if s.strip()]

    @property
    def opening_hours(self) -> str:
        names = "一二三四五六日"
        days = "".join(sorted(self.open_days or ""))
        if days == "1234567":
            label = "每天"
        elif days == "12345":
            label = "周一至周五"
        else:
            label = "周" + "、".join(names[int(d) - 1] for d in days)
        return f"{label} {self.opens_at:%H:%M}-{self.closes_at:%H:%M}"

    def open_on(self, day: datetime.date) -> bool:
        return str(day.isoweekday()) in (self.open_days or "")


class Room(ScopedModel):
    """A function room (功能室) of a center."""

    center = models.ForeignKey(
        ServiceCenter, on_delete=models.CASCADE, related_name="rooms", verbose_name="阵地"
    )
    name = models.CharField("名称", max_length=100)
    capacity = models.PositiveIntegerField("容纳人数", default=20)
    equipment = models.CharField("设施设备", max_length=200, blank=True)
    rules = models.TextField("使用须知", blank=True)
    bookable = models.BooleanField("开放预约", default=True)
    requires_approval = models.BooleanField("预约须审批", default=False)
    slot_minutes = models.PositiveSmallIntegerField(
        "预约时段粒度(分钟)", default=30, choices=[(15, "15 分钟"), (30, "30 分钟"), (60, "60 分钟")]
    )
    max_hours = models.PositiveSmallIntegerField("单次最长(小时)", default=4)
    cancel_hours = models.PositiveSmallIntegerField(
        "提前取消时限(小时)", default=2, help_text="开始前不足该时限取消记为逾期取消"
    )
    checkin_token = models.CharField(max_length=32, unique=True, default=new_token, editable=False)
    calendar_token = models.CharField(max_length=32, unique=True, default=new_token, editable=False)

    objects = ScopedManager()
    scope_region = "center__region"
    scope_org = "center__owner_unit__party_org"

    class Meta:
        verbose_name = verbose_name_plural = "功能室"
        indexes = [models.Index(fields=["center", "bookable"])]

    def __str__(self):
        return f"{self.center.name} · {self.name}"

    def clean(self):
        if self.max_hours is not None and not (1 <= self.max_hours <= 24):
            raise ValidationError({"max_hours": "单次最长应在 1 到 24 小时之间"})
        if self.capacity is not None and self.capacity < 1:
            raise ValidationError({"capacity": "容纳人数至少为 1"})


class BookerKind(models.TextChoices):
    RESIDENT = "resident", "居民"
    MEMBER = "member", "党员"
    UNIT = "unit", "驻区单位"
    BRANCH = "branch", "党组织"


class BookingState(models.TextChoices):
    PENDING = "pending", "待审批"
    CONFIRMED = "confirmed", "已确认"
    CHECKED_IN = "checked_in", "已签到"
    REJECTED = "rejected", "已驳回"
    CANCELLED = "cancelled", "已取消"


# States that hold the slot: a rejected or cancelled booking frees it.
LIVE_STATES = (BookingState.PENDING, BookingState.CONFIRMED, BookingState.CHECKED_IN)


class BookingQuerySet(ScopedQuerySet):
    def live(self):
        return self.filter(state__in=LIVE_STATES)

    def overlapping(self, room_id: int, start, end):
        return self.live().filter(room_id=room_id, start__lt=end, end__gt=start)

    def no_shows(self, now=None):
        """Confirmed bookings whose time has passed without a check-in (derived, never stored)."""
        return self.filter(state=BookingState.CONFIRMED, end__lte=now or timezone.now())


class Booking(ScopedModel):
    room = models.ForeignKey(Room, on_delete=models.PROTECT, related_name="bookings", verbose_name="功能室")
    start = models.DateTimeField("开始时间")
    end = models.DateTimeField("结束时间")
    state = models.CharField(
        "状态", max_length=16, choices=BookingState.choices, default=BookingState.PENDING, db_index=True
    )
    booker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="venue_bookings",
        verbose_name="预约人",
    )
    booker_kind = models.CharField("预约主体", max_length=16, choices=BookerKind.choices)
    unit = models.ForeignKey(
        "units.Unit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="预约单位",
    )
    org = models.ForeignKey(
        "party.PartyOrg",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="预约党组织",
    )
    title = models.CharField("活动名称", max_length=100)
    activity = models.ForeignKey(
        "orglife.Activity",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="venue_bookings",
        verbose_name="关联活动",
    )
    attendees = models.PositiveIntegerField("预计人数", default=1)
    contact_phone = models.CharField("联系电话", max_length=20, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField("审批时间", null=True, blank=True)
    reason = models.CharField("说明", max_length=200, blank=True)
    cancelled_at = models.DateTimeField("取消时间", null=True, blank=True)
    late_cancel = models.BooleanField("逾期取消", default=False)
    checked_in_at = models.DateTimeField("签到时间", null=True, blank=True)
    checked_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    checkin_method = models.CharField("签到方式", max_length=8, blank=True)  # "qr" | "staff"
    uid = models.CharField(max_length=40, unique=True, default=new_token, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = models.Manager.from_queryset(BookingQuerySet)()
    scope_region = "room__center__region"
    scope_org = "room__center__owner_unit__party_org"
    scope_owner = "booker"
    personal_fields = {"contact_phone": "phone"}

    class Meta:
        verbose_name = verbose_name_plural = "场地预约"
        indexes = [
            models.Index(fields=["room", "start"]),
            models.Index(fields=["booker", "start"]),
            models.Index(fields=["state", "end"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__gt=models.F("start")), name="venues_booking_end_after_start"
            )
        ]

    def __str__(self):
        return f"{self.title}（{timezone.localtime(self.start):%m-%d %H:%M}）"

    @property
    def is_live(self) -> bool:
        return self.state in LIVE_STATES

    @property
    def is_no_show(self) -> bool:
        return self.state == BookingState.CONFIRMED and self.end <= timezone.now()

    @property
    def hours(self) -> float:
        return (self.end - self.start).total_seconds() / 3600

    @property
    def booker_label(self) -> str:
        if self.booker_kind == BookerKind.UNIT and self.unit_id:
            return self.unit.name
        if self.booker_kind == BookerKind.BRANCH and self.org_id:
            return self.org.name
        return str(self.booker)

    @property
    def state_badge(self) -> str:
        return {
            BookingState.PENDING: "bg-yellow-lt",
            BookingState.CONFIRMED: "bg-blue-lt",
            BookingState.CHECKED_IN: "bg-green-lt",
            BookingState.REJECTED: "bg-red-lt",
            BookingState.CANCELLED: "bg-secondary-lt",
        }.get(self.state, "")


class CalendarToken(FeedToken):
    """A secret per-user token for the personal iCalendar feed (calendar apps can't log in); only its
    hash is stored (core.feedtokens)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="venue_calendar"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "个人日历订阅"

    def __str__(self):
        return f"{self.user} 的日历订阅"
