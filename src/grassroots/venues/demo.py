"""Demo step for venues (`generate(ctx)`): the three-level service network and three months of bookings.

- a regional center per district, a center per street and per community, micro-stations in some
  neighborhoods and 红星驿站 outposts, each at its region's point, with function rooms;
- shared unit venues (阵地共享): some units with a party organisation open a room to the community;
- bookings over the past two months and the coming month, never overlapping in a room, by demo resident
  accounts, units and branches: checked in, no-shows, cancellations (some late), rejections, pending.
"""

from __future__ import annotations

import datetime

from django.utils import timezone

from grassroots.core.text import initials
from grassroots.regions.models import Region

from .models import Booking, CenterLevel, Room, ServiceCenter, new_token

ROOMS = {
    CenterLevel.DISTRICT: [
        ("多功能报告厅", 200),
        ("党员教育室", 60),
        ("会议室", 30),
        ("书画室", 20),
        ("舞蹈室", 30),
    ],
    CenterLevel.STREET: [("多功能厅", 120), ("会议室", 30), ("党员活动室", 40), ("阅览室", 20)],
    CenterLevel.COMMUNITY: [("议事厅", 40), ("党员活动室", 30), ("四点半课堂", 25)],
    CenterLevel.STATION: [("活动室", 15)],
    CenterLevel.OUTPOST: [("驿站休息区", 10)],
}
SERVICES = {
    CenterLevel.DISTRICT: "党员教育\n政务服务\n志愿服务\n法律咨询\n文化活动",
    CenterLevel.STREET: "党员教育\n便民服务\n志愿服务\n议事协商",
    CenterLevel.COMMUNITY: "党员活动\n便民服务\n四点半课堂\n老年助餐",
    CenterLevel.STATION: "党员活动\n邻里议事",
    CenterLevel.OUTPOST: "歇脚饮水\n手机充电\n应急药箱\n快递小哥关爱",
}
TITLES = [
    "支部党员大会",
    "主题党日",
    "党课",
    "居民议事会",
    "志愿者培训",
    "四点半课堂",
    "书法班",
    "健康讲座",
    "合唱排练",
    "楼栋长例会",
    "法律咨询",
    "读书会",
    "共建单位联席会",
]


def _center(code, name, level, region, lng, lat, rng, owner_unit_id=None):
    c = ServiceCenter(
        code=code,
        name=name,
        level=level,
        region_id=region.pk,
        owner_unit_id=owner_unit_id,
        address=f"{region.name}{rng.randint(1, 299)}号",
        lng=lng,
        lat=lat,
        area_m2={"district": 3000, "street": 1200, "community": 600, "station": 120, "outpost": 40}[level]
        + rng.randint(0, 200),
        opens_at=datetime.time(8, 30),
        closes_at=datetime.time(20, 30) if level != CenterLevel.OUTPOST else datetime.time(21, 0),
        open_days="1234567" if level in (CenterLevel.COMMUNITY, CenterLevel.OUTPOST) else "123456",
        services=SERVICES[level],
        contact_name="",
        contact_phone=f"1{rng.choice('3589')}{rng.randint(100000000, 999999999)}",
    )
    c.name_initials = initials(name)
    return c


def _booker_accounts(ctx, n: int) -> list:
    """Demo resident accounts that make the bookings (no usable password; they never log in)."""
    from grassroots.accounts.models import Role, RoleAssignment, User

    fake = ctx.faker("venues-users")
    existing = list(User.objects.filter(username__startswith="venues-demo-").order_by("pk"))
    if existing:
        return existing
    users = []
    for i in range(n):
        u = User(username=f"venues-demo-{i:03d}", display_name=fake.name())
        u.set_unusable_password()
        users.append(u)
    users = User.objects.bulk_create(users)
    role = Role.objects.filter(code="resident").first()
    if role is not None:
        RoleAssignment.objects.bulk_create([RoleAssignment(user=u, role=role) for u in users])
    return users


def generate(ctx) -> None:
    from grassroots.units.models import Unit

    if ServiceCenter.objects.exists():
        return
    rng = ctx.rng("venues")
    regions = list(
        Region.objects.filter(level__in=("district", "street", "community", "neighborhood"))
        .only("id", "code", "name", "level", "path", "lng", "lat")
        .order_by("path")
    )
    centers: list[ServiceCenter] = []
    for r in regions:
        if r.lng is None:
            continue
        if r.level == "district":
            centers.append(
                _center(f"V{r.code}", f"{r.name}党群服务中心", CenterLevel.DISTRICT, r, r.lng, r.lat, rng)
            )
        elif r.level == "street":
            centers.append(
                _center(f"V{r.code}", f"{r.name}党群服务中心", CenterLevel.STREET, r, r.lng, r.lat, rng)
            )
        elif r.level == "community":
            centers.append(
                _center(f"V{r.code}", f"{r.name}党群服务中心", CenterLevel.COMMUNITY, r, r.lng, r.lat, rng)
            )
            # One or two 红星驿站 outposts a few hundred metres away.
            for k in range(rng.randint(0, 2)):
                lng = r.lng + rng.uniform(-0.006, 0.006)
                lat = r.lat + rng.uniform(-0.005, 0.005)
                centers.append(
                    _center(
                        f"V{r.code}H{k}", f"{r.name}红星驿站{k + 1}号", CenterLevel.OUTPOST, r, lng, lat, rng
                    )
                )
        elif r.level == "neighborhood" and rng.random() < 0.3:
            centers.append(
                _center(f"V{r.code}", f"{r.name}党群服务微站", CenterLevel.STATION, r, r.lng, r.lat, rng)
            )
    # Shared unit venues: units with a party organisation and a location, a few per hundred.
    units = list(
        Unit.objects.filter(party_org__isnull=False, lng__isnull=False)
        .select_related("region")
        .only("id", "code", "name", "region", "lng", "lat")
        .order_by("code")
    )
    shared = [u for u in units if rng.random() < 0.08]
    for u in shared:
        centers.append(
            _center(
                f"VU{u.code}",
                f"{u.name}党建活动室（共享）",
                CenterLevel.OUTPOST,
                u.region,
                u.lng,
                u.lat,
                rng,
                u.pk,
            )
        )
    with ctx.progress("党群服务阵地", len(centers)) as bar:
        ctx.bulk_insert(ServiceCenter, centers, bar)
    centers = list(
        ServiceCenter.objects.all().only("id", "level", "owner_unit_id", "region_id").order_by("pk")
    )
    rooms = []
    for c in centers:
        spec = ROOMS[c.level] if not c.owner_unit_id else [("共享活动室", rng.choice([20, 30, 50]))]
        for name, cap in spec:
            rooms.append(
                Room(
                    center_id=c.pk,
                    name=name,
                    capacity=cap,
                    equipment=rng.choice(["投影仪、音响", "电子屏、话筒", "桌椅", "投影仪、白板"]),
                    rules="请爱护公共设施，使用后恢复桌椅并关闭电源。",
                    bookable=c.level != CenterLevel.OUTPOST or c.owner_unit_id is not None,
                    requires_approval=c.level == CenterLevel.DISTRICT or bool(c.owner_unit_id),
                    slot_minutes=30,
                    max_hours=4,
                    cancel_hours=2,
                    checkin_token=new_token(),
                    calendar_token=new_token(),
                )
            )
    with ctx.progress("功能室", len(rooms)) as bar:
        ctx.bulk_insert(Room, rooms, bar)
    _bookings(ctx, rng)


def _bookings(ctx, rng) -> None:
    from grassroots.party.models import PartyOrg
    from grassroots.units.models import Unit

    rooms = list(
        Room.objects.filter(bookable=True)
        .select_related("center")
        .only(
            "id",
            "capacity",
            "requires_approval",
            "center__region_id",
            "center__owner_unit_id",
            "center__level",
        )
        .order_by("pk")
    )
    if not rooms:
        return
    users = _booker_accounts(ctx, min(200, max(20, len(rooms) // 10)))
    units_by_region: dict[int, list[int]] = {}
    for pk, region_id in Unit.objects.values_list("pk", "region_id"):
        units_by_region.setdefault(region_id, []).append(pk)
    branches_by_region: dict[int, list[int]] = {}
    for pk, region_id in PartyOrg.objects.filter(kind="branch").values_list("pk", "region_id"):
        branches_by_region.setdefault(region_id, []).append(pk)
    tz = timezone.get_current_timezone()
    now = timezone.now()
    today = ctx.today
    first = today - datetime.timedelta(days=60)
    days = [first + datetime.timedelta(days=i) for i in range(90)]
    busy = {CenterLevel.DISTRICT: 0.6, CenterLevel.STREET: 0.5, CenterLevel.COMMUNITY: 0.45}

    def rows():
        for room in rooms:
            p = busy.get(room.center.level, 0.25)
            region_id = room.center.region_id
            for day in days:
                if rng.random() > p:
                    continue
                hour = 8.5
                for _ in range(rng.randint(1, 3)):
                    hour += rng.choice([0, 0.5, 1, 1.5])
                    length = rng.choice([1, 1.5, 2, 2, 3])
                    if hour + length > 20.5:
                        break
                    start = datetime.datetime.combine(day, datetime.time(0), tzinfo=tz) + datetime.timedelta(
                        hours=hour
                    )
                    end = start + datetime.timedelta(hours=length)
                    hour += length
                    kind = rng.choices(["resident", "unit", "branch", "member"], [4, 2, 3, 1])[0]
                    unit_id = org_id = None
                    if kind == "unit" and units_by_region.get(region_id):
                        unit_id = rng.choice(units_by_region[region_id])
                    elif kind == "branch" and branches_by_region.get(region_id):
                        org_id = rng.choice(branches_by_region[region_id])
                    else:
                        kind = "resident"
                    approval = room.requires_approval or room.center.owner_unit_id is not None
                    b = Booking(
                        room_id=room.pk,
                        start=start,
                        end=end,
                        booker=rng.choice(users),
                        booker_kind=kind,
                        unit_id=unit_id,
                        org_id=org_id,
                        title=rng.choice(TITLES),
                        attendees=max(1, int(room.capacity * rng.uniform(0.2, 0.9))),
                        uid=new_token(),
                    )
                    r = rng.random()
                    if end <= now:
                        if r < 0.08:
                            b.state, b.cancelled_at = (
                                "cancelled",
                                start - datetime.timedelta(hours=rng.choice([1, 30])),
                            )
                            b.late_cancel = (start - b.cancelled_at) < datetime.timedelta(hours=2)
                        elif approval and r < 0.12:
                            b.state, b.reason = "rejected", "当日场地另有安排"
                            b.decided_at = start - datetime.timedelta(days=2)
                        elif r < 0.19:
                            b.state = "confirmed"  # no-show
                        else:
                            b.state = "checked_in"
                            b.checked_in_at = start + datetime.timedelta(minutes=rng.randint(-20, 10))
                            b.checkin_method = rng.choice(["qr", "qr", "staff"])
                    else:
                        if r < 0.05:
                            b.state, b.cancelled_at = "cancelled", now
                        elif approval and r < 0.35:
                            b.state = "pending"
                        else:
                            b.state = "confirmed"
                    yield b

    with ctx.progress("场地预约", len(rooms) * 40) as bar:
        ctx.bulk_insert(Booking, rows(), bar)
