"""Demo step for the whistle (`generate(ctx)`, step name "whistle").

Every street blows the whistle 1–3 times a month over the last 12 months, on itself or one of its
communities, summoning 1–3 of its district's departments (created here when the cases step made
none). Most departments check in on time, some late, a few never; most report; a summons whose
departments all reported is closed; about 4% of street summonses are escalated to the district,
which answers with one more department. The street's manual scores of its departments are recorded
for the last complete quarter.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils import timezone

from grassroots.cases.models import Handler, HandlerKind
from grassroots.regions.models import Region

from .models import Assessment, CheckinMode, Level, Summons, Target, Urgency, WhistleEvent
from .periods import parse_period
from .workflow import SummonsState, TargetState

DEPARTMENTS = [
    "城市管理局",
    "住房和城乡建设局",
    "市场监督管理局",
    "生态环境分局",
    "公安分局",
    "应急管理局",
    "水务局",
    "交通运输局",
]
SUBJECTS = [
    ("占道经营整治", "街口早市占道经营，影响通行和消防通道，需要城管、市场监管联合执法。"),
    ("违建拆除协调", "小区内私搭乱建阻塞通道，居民多次反映，需要相关部门现场认定处置。"),
    ("老旧管网漏水", "老旧小区供水管网漏水，路面积水结冰，需要水务部门到场抢修。"),
    ("夜间施工噪音", "工地夜间施工噪音扰民，需要生态环境和住建部门现场核查。"),
    ("消防通道堵塞", "多辆车辆长期占用消防通道，存在安全隐患，需要联合整治。"),
    ("餐饮油烟扰民", "沿街餐饮油烟直排，居民投诉集中，需要市场监管和生态环境部门处置。"),
    ("道路破损修复", "主干道路面坑洼破损，雨后积水严重，需要交通部门到场查看。"),
    ("群租房安全隐患", "出租屋群租，电动车室内充电，存在火灾隐患，需要公安、应急部门联合检查。"),
]
REPORTS = [
    "已到现场核查，责令限期整改，明日复查。",
    "已组织人员现场处置完毕，现场恢复正常。",
    "已联合执法，违规行为已制止，建立长效巡查。",
    "已完成抢修，后续纳入日常巡查。",
]


def _departments(ctx) -> dict[int, list[Handler]]:
    """District id -> its department handlers (created when missing)."""
    out: dict[int, list[Handler]] = {}
    for district in Region.objects.filter(level="district").order_by("path"):
        rows = list(Handler.objects.filter(kind=HandlerKind.DEPARTMENT, region=district, is_active=True))
        if not rows:
            rows = [
                Handler.objects.get_or_create(
                    kind=HandlerKind.DEPARTMENT, name=f"{district.name}{name}", region=district
                )[0]
                for name in DEPARTMENTS
            ]
        out[district.pk] = rows
    return out


def generate(ctx) -> None:
    rng = ctx.rng("whistle")
    depts = _departments(ctx)
    streets = list(Region.objects.filter(level="street").order_by("path"))
    communities: dict[str, list[Region]] = {}
    for c in (
        Region.objects.filter(level="community").order_by("path").only("pk", "path", "name", "lng", "lat")
    ):
        communities.setdefault(c.path[: len(c.path) - Region.steplen], []).append(c)
    districts = {d.path: d for d in Region.objects.filter(level="district")}
    now = timezone.now()
    hours = {Urgency.NORMAL: 24, Urgency.URGENT: 2}
    plans = []
    for street in streets:
        district = districts.get(street.path[: len(street.path) - Region.steplen])
        if district is None or not depts.get(district.pk):
            continue
        for month in range(12):
            for _ in range(rng.randint(1, 3)):
                created = now - datetime.timedelta(days=30 * month + rng.uniform(0.5, 29.5))
                places = communities.get(street.path) or [street]
                place = street if rng.random() < 0.4 else rng.choice(places)
                plans.append((street, district, place, created))
    plans.sort(key=lambda p: p[3])
    with ctx.progress("吹哨报到", len(plans)) as bar:
        summonses, meta = [], []
        for i, (_street, district, place, created) in enumerate(plans, 1):
            subject, description = rng.choice(SUBJECTS)
            urgency = Urgency.URGENT if rng.random() < 0.15 else Urgency.NORMAL
            level = Level.STREET if place.level == "street" else Level.COMMUNITY
            escalate = level == Level.STREET and rng.random() < 0.04
            summonses.append(
                Summons(
                    number=f"CS{timezone.localtime(created):%Y%m%d}{i:05d}",
                    subject=subject,
                    description=description,
                    region=place,
                    level=level,
                    lng=place.lng,
                    lat=place.lat,
                    urgency=urgency,
                    requested_mode="onsite" if rng.random() < 0.5 else "any",
                    created_at=created,
                )
            )
            k = rng.randint(1, 3)
            picked = rng.sample(depts[district.pk], min(k, len(depts[district.pk])))
            meta.append((picked, urgency, escalate, district))
        Summons.objects.bulk_create(summonses, batch_size=ctx.batch_size)
        if any(s.pk is None for s in summonses):  # backends without RETURNING
            by_number = dict(
                Summons.objects.filter(number__in=[s.number for s in summonses]).values_list("number", "pk")
            )
            for s in summonses:
                s.pk = by_number[s.number]
        targets, events, updates = [], [], []
        for s, (picked, urgency, escalate, district) in zip(summonses, meta, strict=True):
            created = s.created_at
            events.append(
                WhistleEvent(
                    summons=s,
                    step="summon",
                    actor_name=f"{s.region.name}工作人员",
                    note="召集：" + "、".join(h.name for h in picked),
                    created_at=created,
                )
            )
            groups = [(picked, Level(s.level), created)]
            if escalate:
                s.escalated_at = created + datetime.timedelta(hours=rng.uniform(6, 48))
                s.escalation_reason = "涉及多个部门职责交叉，街道难以协调，提请区级统筹。"
                s.answered_at = s.escalated_at + datetime.timedelta(hours=rng.uniform(1, 24))
                extra = [h for h in depts[district.pk] if h not in picked][:1]
                if extra:
                    groups.append((extra, Level.DISTRICT, s.answered_at))
                events.append(
                    WhistleEvent(
                        summons=s,
                        step="escalate",
                        actor_name=f"{s.region.name}工作人员",
                        note=s.escalation_reason,
                        created_at=s.escalated_at,
                    )
                )
                events.append(
                    WhistleEvent(
                        summons=s,
                        step="answer",
                        actor_name=f"{district.name}工作人员",
                        note="区级召集",
                        created_at=s.answered_at,
                    )
                )
            all_reported, last = True, created
            for handlers, level, at in groups:
                due = at + datetime.timedelta(hours=hours[urgency])
                for h in handlers:
                    t = Target(summons=s, handler=h, level=level, summoned_at=at, due_at=due)
                    roll = rng.random()
                    if due > now and roll < 0.5:
                        pass  # still waiting: recent summonses
                    elif roll < 0.95:
                        window = (due - at).total_seconds()
                        late = roll > 0.85
                        delay = window * (rng.uniform(1.05, 2.0) if late else rng.uniform(0.1, 0.9))
                        t.checked_in_at = min(at + datetime.timedelta(seconds=delay), now)
                        onsite = s.requested_mode == "onsite" or rng.random() < 0.7
                        t.checkin_mode = CheckinMode.ONSITE if onsite else CheckinMode.ONLINE
                        if t.checkin_mode == CheckinMode.ONSITE and s.lng is not None:
                            t.checkin_lng, t.checkin_lat = s.lng, s.lat
                        t.state = TargetState.CHECKED_IN
                        events.append(
                            WhistleEvent(
                                summons=s,
                                step="check_in",
                                actor_name=h.name,
                                note=f"{h.name}{t.get_checkin_mode_display()}",
                                created_at=t.checked_in_at,
                            )
                        )
                        done_at = t.checked_in_at + datetime.timedelta(hours=rng.uniform(2, 72))
                        if done_at < now and rng.random() < 0.92:
                            t.reported_at, t.report, t.state = (
                                done_at,
                                rng.choice(REPORTS),
                                TargetState.REPORTED,
                            )
                            events.append(
                                WhistleEvent(
                                    summons=s,
                                    step="report",
                                    actor_name=h.name,
                                    note=f"{h.name}：{t.report}",
                                    created_at=done_at,
                                )
                            )
                            last = max(last, done_at)
                    if t.state != TargetState.REPORTED:
                        all_reported = False
                    targets.append(t)
            if all_reported:
                s.state, s.closed_at, s.conclusion = (
                    SummonsState.CLOSED,
                    last + datetime.timedelta(hours=2),
                    "各部门均已反馈，事项办结。",
                )
                events.append(
                    WhistleEvent(
                        summons=s,
                        step="close",
                        actor_name=f"{s.region.name}工作人员",
                        note=s.conclusion,
                        created_at=s.closed_at,
                    )
                )
            elif escalate and not s.answered_at:
                s.state = SummonsState.ESCALATED
            if s.state != SummonsState.OPEN or s.escalated_at:
                updates.append(s)
            bar.advance(1)
        ctx.bulk_insert(Target, targets)
        ctx.bulk_insert(WhistleEvent, events)
        Summons.objects.bulk_update(
            updates,
            ["state", "closed_at", "conclusion", "escalated_at", "escalation_reason", "answered_at"],
            batch_size=1000,
        )
    _assessments(ctx, rng, streets, districts, depts, now)


def _assessments(ctx, rng, streets, districts, depts, now) -> None:
    today = timezone.localdate(now)
    q = (today.month - 1) // 3  # the last complete quarter
    year, q = (today.year - 1, 4) if q == 0 else (today.year, q)
    period = f"{year}-Q{q}"
    parse_period(period)
    rows = []
    for street in streets:
        district = districts.get(street.path[: len(street.path) - Region.steplen])
        for h in depts.get(district.pk, []) if district else []:
            rows.append(
                Assessment(
                    region=street,
                    handler=h,
                    period=period,
                    score=Decimal(str(round(rng.uniform(70, 98), 1))),
                    comment=rng.choice(
                        ["响应及时，配合积极", "报到较及时，办理质量有待提高", "能够按时报到并反馈"]
                    ),
                    updated_at=now,
                )
            )
    ctx.bulk_insert(Assessment, rows)
