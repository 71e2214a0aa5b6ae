"""/api/v1/venues/: service centers, rooms, availability, bookings and their transitions, the 15-minute
service circle and statistics. Thin: reads through visible_to(), writes through venues.services."""

import datetime
from typing import Annotated

from django.db.models import Q
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status
from pydantic import AfterValidator

from grassroots.core.api import pick, reference, references, require_perm, visible_or_404
from grassroots.core.crud import action_route, crud_routes, endpoint, get_route, list_route
from grassroots.core.errors import NotFound, ServiceError
from grassroots.core.resolvers import from_attr, masked
from grassroots.core.scoping import has_perm
from grassroots.party.models import PartyOrg
from grassroots.regions.models import Region
from grassroots.regions.schemas import InSchema, Lat, Lng, UInt, dump, text
from grassroots.units.models import Unit

from . import availability, circle, services, stats
from .filters import BookingFilters, CenterFilters
from .models import BookerKind, Booking, BookingState, CenterLevel, Room, ServiceCenter
from .views import bookable_rooms


def _wall_clock(value: datetime.time) -> datetime.time:
    if value.tzinfo is not None:
        raise ValueError("时间应为北京时间 HH:MM，不带时区")
    return value


# Opening hours are a wall-clock time in Beijing time: an offset (08:30+08:00) is refused, not stored.
WallClock = Annotated[datetime.time, AfterValidator(_wall_clock)]

router = Router(tags=["阵地与预约"])

CENTER_RELATED = ("region", "owner_unit__party_org")
ROOM_RELATED = ("center__region", "center__owner_unit__party_org")
BOOKING_RELATED = ("room__center__region", "room__center__owner_unit__party_org", "unit", "org")
CENTER_REFS = {
    "region_code": ("region", Region, "所在区划"),
    "owner_unit_code": ("owner_unit", Unit, "产权单位"),
}


# ---- schemas ------------------------------------------------------------------------------------


class CenterOut(Schema):
    id: int
    code: str
    name: str
    level: CenterLevel
    region_code: str
    owner_unit_code: str | None = Field(None, description="产权单位编码（共享阵地）")
    address: str
    lng: float | None = Field(None, description="经度，WGS-84")
    lat: float | None = Field(None, description="纬度，WGS-84")
    area_m2: int
    opens_at: str = Field(description="开放时间 HH:MM（北京时间）")
    closes_at: str = Field(description="关闭时间 HH:MM（北京时间）")
    open_days: str = Field(description="开放日，1=周一 … 7=周日")
    opening_hours: str
    services: list[str]
    contact_name: str
    contact_phone: str = Field(description="联系电话（脱敏）")
    is_active: bool

    resolve_region_code = from_attr("region.code")
    resolve_owner_unit_code = from_attr("owner_unit.code")

    @staticmethod
    def resolve_opens_at(obj):
        return f"{obj.opens_at:%H:%M}"

    @staticmethod
    def resolve_closes_at(obj):
        return f"{obj.closes_at:%H:%M}"

    resolve_services = from_attr("service_list")
    resolve_contact_phone = masked("contact_phone")


class CenterCreate(InSchema):
    code: text(32, "阵地编码", 1)
    name: text(100, "名称", 1)
    level: CenterLevel
    region_code: text(24, "所在区划编码", 1)
    owner_unit_code: text(32, "产权单位编码") | None = None
    address: text(200) = ""
    lng: Lng | None = None
    lat: Lat | None = None
    area_m2: UInt = 0
    opens_at: WallClock = datetime.time(8, 30)
    closes_at: WallClock = datetime.time(20, 30)
    open_days: text(7, "开放日", 1) = "1234567"
    services: text(2000) = ""
    contact_name: text(50) = ""
    contact_phone: text(20) = ""
    is_active: bool = True


class CenterUpdate(InSchema):
    name: text(100, "名称", 1) | None = None
    level: CenterLevel | None = None
    region_code: text(24, "所在区划编码", 1) | None = None
    owner_unit_code: text(32, "产权单位编码") | None = None
    address: text(200) | None = None
    lng: Lng | None = None
    lat: Lat | None = None
    area_m2: UInt | None = None
    opens_at: WallClock | None = None
    closes_at: WallClock | None = None
    open_days: text(7, "开放日", 1) | None = None
    services: text(2000) | None = None
    contact_name: text(50) | None = None
    contact_phone: text(20) | None = None
    is_active: bool | None = None


class RoomOut(Schema):
    id: int
    center_code: str
    center_name: str
    name: str
    capacity: int
    equipment: str
    rules: str
    bookable: bool
    requires_approval: bool = Field(description="须审批（共享阵地总是须产权单位审批）")
    slot_minutes: int
    max_hours: int
    cancel_hours: int

    resolve_center_code = from_attr("center.code")
    resolve_center_name = from_attr("center.name")

    @staticmethod
    def resolve_requires_approval(obj):
        return obj.requires_approval or obj.center.owner_unit_id is not None


class RoomCreate(InSchema):
    center_code: text(32, "阵地编码", 1)
    name: text(100, "名称", 1)
    capacity: int = Field(20, ge=1, le=100000)
    equipment: text(200) = ""
    rules: text(2000) = ""
    bookable: bool = True
    requires_approval: bool = False
    slot_minutes: int = Field(30, description="15、30 或 60")
    max_hours: int = Field(4, ge=1, le=24)
    cancel_hours: int = Field(2, ge=0, le=720)


class RoomUpdate(InSchema):
    name: text(100, "名称", 1) | None = None
    capacity: int | None = Field(None, ge=1, le=100000)
    equipment: text(200) | None = None
    rules: text(2000) | None = None
    bookable: bool | None = None
    requires_approval: bool | None = None
    slot_minutes: int | None = None
    max_hours: int | None = Field(None, ge=1, le=24)
    cancel_hours: int | None = Field(None, ge=0, le=720)


class SlotOut(Schema):
    start: datetime.datetime
    end: datetime.datetime
    state: str = Field(description="free 空闲 / busy 已约 / mine 我的 / past 已过 / closed 不开放")


class BookingOut(Schema):
    id: int
    uid: str
    room_id: int
    room_name: str
    center_code: str
    start: datetime.datetime
    end: datetime.datetime
    state: BookingState
    no_show: bool = Field(description="已结束未签到（爽约）")
    late_cancel: bool
    booker_kind: BookerKind
    booker: str = Field(description="预约方（单位、党组织或用户）")
    unit_code: str | None = None
    org_code: str | None = None
    title: str
    attendees: int
    contact_phone: str = Field(description="联系电话（脱敏）")
    reason: str
    checked_in_at: datetime.datetime | None = None
    activity_id: int | None = None

    resolve_room_name = from_attr("room.name")
    resolve_center_code = from_attr("room.center.code")
    resolve_no_show = from_attr("is_no_show")
    resolve_booker = from_attr("booker_label")
    resolve_unit_code = from_attr("unit.code")
    resolve_org_code = from_attr("org.code")
    resolve_contact_phone = masked("contact_phone")


class BookingCreate(InSchema):
    room_id: int = Field(..., ge=1, le=2**62)
    start: datetime.datetime = Field(description="开始时间（ISO 8601，无时区按北京时间）")
    end: datetime.datetime
    title: text(100, "活动名称", 1)
    attendees: int = Field(1, ge=1, le=100000)
    booker_kind: BookerKind = BookerKind.RESIDENT
    unit_code: text(32, "预约单位编码") | None = None
    org_code: text(32, "预约党组织编码") | None = None
    contact_phone: text(20) = ""
    activity_id: int | None = Field(None, ge=1, le=2**62, description="关联的组织生活或活动编号")


class ReasonIn(InSchema):
    reason: text(200, "理由") = ""


class AreaOut(Schema):
    code: str
    name: str
    level: str
    entrances: int
    entrances_covered: int
    entrance_rate: float
    households: int
    households_covered: int
    household_rate: float


class PickOut(Schema):
    code: str = Field(description="建议位置（单元）编码")
    name: str
    lng: float
    lat: float
    gain: int = Field(description="新增覆盖户数")
    entrances: int = Field(description="新增覆盖单元数")


class CoverageOut(Schema):
    region_code: str
    distance: int = Field(description="步行距离（米，直线）")
    total: AreaOut
    areas: list[AreaOut]
    picks: list[PickOut]
    missing_points: int = Field(description="未标注坐标、未计入的单元数")


class CircleQuery(Schema):
    region: str = Field(..., min_length=1, max_length=24, description="街道或社区（或更高层级）区划编码")
    distance: int | None = Field(None, ge=100, le=5000, description="步行距离（米），默认 1000")
    k: int = Field(0, ge=0, le=20, description="规划新增驿站数")


class RoomUsageOut(Schema):
    room_id: int
    room_name: str
    center_name: str
    bookings: int
    booked_hours: float
    open_hours: float
    rate: float = Field(description="使用率（%）= 预约时长 ÷ 开放时长")
    no_shows: int


class VenueStatsOut(Schema):
    start: datetime.date
    end: datetime.date
    total: int
    checked_in: int
    no_shows: int
    late_cancels: int
    by_state: dict[str, int]
    rooms: list[RoomUsageOut]


class StatsQuery(Schema):
    start: datetime.date | None = None
    end: datetime.date | None = None
    region: str | None = Field(None, max_length=24)


# ---- centers ------------------------------------------------------------------------------------


def _centers(user):
    return ServiceCenter.objects.visible_to(user).select_related(*CENTER_RELATED)


def _region(user, code: str | None):
    if not code:
        return None
    node = Region.objects.visible_to(user).filter(code=code).first()
    if node is None:
        raise NotFound(f"区划“{code}”不存在或不在您的管辖范围内")
    return node


crud_routes(
    router, "/centers/", ServiceCenter, name="venues_centers", label="服务阵地", out=CenterOut,
    create=CenterCreate, update=CenterUpdate, filters=CenterFilters, read=_centers, perm="venues.view",
    body=lambda user, payload: references(user, dump(payload), CENTER_REFS),
    add=services.add_center, change=services.update_center, select_related=CENTER_RELATED,
    summaries={"create": "新增服务阵地"},
)  # fmt: skip


# ---- rooms --------------------------------------------------------------------------------------


def _rooms(user, q: str | None, center: str | None):
    qs = bookable_rooms()
    if center:
        qs = qs.filter(center__code=center)
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(center__name__icontains=q))
    return qs


ROOM_QUERY = {
    "q": (str | None, Query(None, max_length=50)),
    "center": (str | None, Query(None, max_length=32)),
}
list_route(
    router, "/rooms/", RoomOut, "venues_rooms_list", "可预约功能室",
    read=_rooms, perm="venues.book", params=ROOM_QUERY,
)  # fmt: skip


@endpoint(router.post, "/rooms/", RoomOut, "venues_rooms_create", "新增功能室", status=201)
def rooms_create(request, payload: RoomCreate):
    data = dump(payload)
    center = reference(ServiceCenter, request.user, "center_code", "阵地", data.pop("center_code"))
    room = services.add_room(request.user, center, **data)
    return Status(201, Room.objects.select_related(*ROOM_RELATED).get(pk=room.pk))


def _room(user, room_id: int):
    """A room the caller may see: managers in scope, and bookers through the public directory."""
    room = Room.objects.visible_to(user).select_related(*ROOM_RELATED).filter(pk=room_id).first()
    if room is None and has_perm(user, "venues.book"):
        room = bookable_rooms().select_related(*ROOM_RELATED).filter(pk=room_id).first()
    if room is None:
        raise NotFound()
    return room


def _updated_room(user, room: Room, _result=None) -> Room:
    return Room.objects.select_related(*ROOM_RELATED).get(pk=room.pk)


get_route(router, "/rooms/{int:room_id}", RoomOut, "venues_rooms_get", "功能室详情", _room)
action_route(
    router, "/rooms/{int:room_id}", RoomOut, "venues_rooms_update", "修改功能室", method="patch",
    fetch=lambda user, pk: visible_or_404(Room, user, select_related=ROOM_RELATED, pk=pk), payload=RoomUpdate,
    act=lambda user, room, p: services.update_room(user, room, **dump(p)),
    reply=_updated_room,
)  # fmt: skip


@endpoint(
    router.get, "/rooms/{int:room_id}/availability", list[SlotOut], "venues_rooms_availability",
    "功能室一周空闲时段",
)  # fmt: skip
def rooms_availability(request, room_id: int, week: datetime.date | None = None):
    room = _room(request.user, room_id)
    w = availability.week(room, availability.week_start(week or timezone.localdate()), request.user)
    return [{"start": c.start, "end": c.end, "state": c.state} for row in w["rows"] for c in row["cells"]]


# ---- bookings -----------------------------------------------------------------------------------


def _booking(user, booking_id: int) -> Booking:
    b = Booking.objects.select_related(*BOOKING_RELATED, "booker").filter(pk=booking_id).first()
    if b is None:
        raise NotFound()
    if b.booker_id == user.pk:
        return b
    if has_perm(user, "venues.view") and Booking.objects.visible_to(user).filter(pk=b.pk).exists():
        return b
    raise NotFound()


def _out(pk: int) -> Booking:
    return Booking.objects.select_related(*BOOKING_RELATED, "booker").get(pk=pk)


def _my_bookings(user):
    return Booking.objects.filter(booker=user).select_related(*BOOKING_RELATED, "booker")


def _bookings(user):
    return Booking.objects.visible_to(user).select_related(*BOOKING_RELATED, "booker")


list_route(
    router, "/bookings/", BookingOut, "venues_bookings_list", "预约列表（管理）",
    read=_bookings, filters=BookingFilters, perm="venues.view",
)  # fmt: skip
list_route(
    router, "/bookings/mine", BookingOut, "venues_bookings_mine", "我的预约", perm="venues.book",
    read=_my_bookings,
)  # fmt: skip


@endpoint(router.post, "/bookings/", BookingOut, "venues_bookings_create", "预约功能室", status=201)
def bookings_create(request, payload: BookingCreate):
    require_perm(request.user, "venues.book")
    room = bookable_rooms().filter(pk=payload.room_id).first()
    if room is None:
        raise NotFound("功能室不存在或暂不开放预约")
    unit = org = None
    # A code that does not exist answers exactly like one the user cannot act for (services.book), so
    # the answer never tells which codes exist; a code the chosen kind of booker doesn't use is ignored.
    if payload.unit_code and payload.booker_kind.value == BookerKind.UNIT:
        unit = Unit.objects.select_related("party_org").filter(code=payload.unit_code).first()
        if unit is None:
            raise NotFound(services.UNIT_NOT_YOURS)
    if payload.org_code and payload.booker_kind.value == BookerKind.BRANCH:
        org = PartyOrg.objects.filter(code=payload.org_code).first()
        if org is None:
            raise NotFound(services.ORG_NOT_YOURS)
    activity = None
    if payload.activity_id:
        from grassroots.orglife.models import Activity

        activity = Activity.objects.visible_to(request.user).filter(pk=payload.activity_id).first()
        if activity is None:
            raise NotFound("关联活动不存在或不在您的管辖范围内")
    b = services.book(
        request.user,
        room,
        **pick(payload, "start", "end", "title", "attendees", "contact_phone"),
        booker_kind=payload.booker_kind.value,
        unit=unit,
        org=org,
        activity=activity,
    )
    return Status(201, _out(b.pk))


BOOKING = "/bookings/{int:booking_id}"
get_route(router, BOOKING, BookingOut, "venues_bookings_get", "预约详情", _booking)
for verb, summary, payload, act in (
    ("approve", "通过预约", None, services.approve),
    ("reject", "驳回预约", ReasonIn, lambda user, b, p: services.reject(user, b, p.reason)),
    ("cancel", "取消预约", ReasonIn, lambda user, b, p: services.cancel(user, b, p.reason)),
    ("check-in", "工作人员代为签到", None, services.check_in),
):
    action_route(
        router, f"{BOOKING}/{verb}", BookingOut, f"venues_bookings_{verb.replace('-', '_')}", summary,
        fetch=_booking, payload=payload, act=act, reply=lambda user, b, done: _out(done.pk),
    )  # fmt: skip


# ---- coverage and statistics --------------------------------------------------------------------


def _area(a) -> dict:
    return {
        "code": a.code,
        "name": a.name,
        "level": a.level,
        "entrances": a.entrances,
        "entrances_covered": a.entrances_covered,
        "entrance_rate": a.entrance_rate,
        "households": a.households,
        "households_covered": a.households_covered,
        "household_rate": a.household_rate,
    }


@endpoint(router.get, "/coverage", CoverageOut, "venues_coverage", "15分钟服务圈覆盖与选址建议")
def coverage(request, params: Query[CircleQuery]):
    require_perm(request.user, "venues.view")
    region = _region(request.user, params.region.strip())
    if region is None:
        raise ServiceError("请指定区划编码", field="region")
    rep = circle.report(region, params.distance, params.k, with_points=False)
    return {
        "region_code": region.code,
        "distance": rep.distance,
        "total": _area(rep.total),
        "areas": [_area(a) for a in rep.areas],
        "picks": [{k: p[k] for k in ("code", "name", "lng", "lat", "gain", "entrances")} for p in rep.picks],
        "missing_points": rep.missing_points,
    }


@endpoint(router.get, "/stats", VenueStatsOut, "venues_stats", "预约与功能室使用率统计")
def stats_get(request, params: Query[StatsQuery]):
    require_perm(request.user, "venues.view")
    region = _region(request.user, params.region)
    lo, hi = stats.period(
        params.start.isoformat() if params.start else None, params.end.isoformat() if params.end else None
    )
    s = stats.summary(request.user, lo, hi, region)
    rooms = stats.room_usage(request.user, lo, hi, region)
    return {
        "start": lo,
        "end": hi,
        "total": s["total"],
        "checked_in": s["checked_in"],
        "no_shows": s["no_shows"],
        "late_cancels": s["late_cancels"],
        "by_state": s["by_state"],
        "rooms": [
            {
                "room_id": u.room.pk,
                "room_name": u.room.name,
                "center_name": u.room.center.name,
                "bookings": u.bookings,
                "booked_hours": u.booked_hours,
                "open_hours": u.open_hours,
                "rate": u.rate,
                "no_shows": u.no_shows,
            }
            for u in rooms
        ],
    }
