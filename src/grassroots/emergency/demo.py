"""Demo step for emergency mode (`generate(ctx)`, step name "emergency"), after volunteers.

In the demo street (the first street, the one the `street` account manages): one closed emergency of
last summer (7·18 强降雨防汛: every call-up answered, every tagged household swept, needs delivered,
daily reports and the 战时档案 computed at stand-down) and one active now (暴雪寒潮, declared two days
ago: about 60% of the households swept, call-ups confirmed, pending and declined, needs in each state).
Call-ups and sweep tasks are created by the same set-based code as a real declaration.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from grassroots.cobuild.models import ItemState, Resource
from grassroots.regions.models import Region

from . import services
from .models import Callup, CallupKind, Emergency, EmergencyNeed, SweepTask
from .workflow import CallupState, EmergencyState, NeedState, TaskState

RESULTS = [("safe", 78), ("needs_help", 9), ("no_answer", 6), ("relocated", 7)]
NEEDS = [
    ("supplies", "饮用水和方便食品，独居老人家中断水"),
    ("medicine", "降压药、胰岛素，家中存量仅剩一天"),
    ("transport", "透析病人需转运至区医院"),
    ("supplies", "取暖器一台，家中暖气不热"),
    ("medicine", "老人感冒发烧，需要退烧药"),
    ("transport", "行动不便老人需转移至安置点"),
    ("other", "帮助清理门前积雪，方便出行"),
    ("supplies", "婴儿奶粉、尿不湿"),
]
DECLINE_NOTES = ["出差在外地", "本人生病在家", "家中有老人需照顾"]


def _pick(rng, weighted):
    total = sum(w for _v, w in weighted)
    x = rng.uniform(0, total)
    for v, w in weighted:
        x -= w
        if x <= 0:
            return v
    return weighted[-1][0]


def generate(ctx) -> None:
    rng = ctx.rng("emergency")
    root = Region.objects.filter(depth=1).order_by("path").first()
    street = (
        Region.objects.filter(level="street", path__startswith=root.path).order_by("path").first()
        if root
        else None
    )
    if street is None:
        return
    now = timezone.now()
    year = ctx.today.year if ctx.today.month > 8 else ctx.today.year - 1
    flood_at = timezone.make_aware(dt.datetime(year, 7, 18, 6, 30))
    past = _declare(
        street,
        title=f"{year}年7·18强降雨防汛",
        kind="flood",
        severity="3",
        at=flood_at,
        tags=",elderly_alone,disabled,extreme_poverty,",
        instructions="全面转移低洼地带和危旧房屋住户；网格员逐户摸排独居老人、残疾人、特困家庭，"
        "确保不漏一户、不落一人；在职党员、志愿者按分配网格到岗，协助转移和物资配送。",
    )
    _run(ctx, rng, past, start=flood_at, until=flood_at + dt.timedelta(days=3), share=1.0, confirm=0.92)
    past.state = EmergencyState.CLOSED
    past.activated_at = flood_at + dt.timedelta(minutes=40)
    past.stood_down_at = flood_at + dt.timedelta(days=4, hours=11)
    past.stand_down_note = "雨情结束，积水排除，转移群众全部返家，转入平时状态。"
    past.closed_at = past.stood_down_at + dt.timedelta(days=1)
    past.save()
    Callup.objects.filter(emergency=past, state__in=(CallupState.CALLED, CallupState.CONFIRMED)).update(
        state=CallupState.CLOSED, closed_at=past.stood_down_at
    )
    SweepTask.objects.filter(emergency=past).update(state=TaskState.CLOSED, closed_at=past.stood_down_at)
    EmergencyNeed.objects.filter(emergency=past, state__in=(NeedState.RAISED, NeedState.MATCHED)).update(
        state=NeedState.CLOSED, closed_at=past.stood_down_at
    )
    services.compute_service_records(past)
    for k in range(5):
        services.generate_reports(past, (flood_at + dt.timedelta(days=k)).date())

    started = now - dt.timedelta(days=2, hours=3)
    active = _declare(
        street,
        title="暴雪寒潮应急响应",
        kind="other",
        severity="3",
        at=started,
        tags=",elderly_alone,empty_nest,disabled,",
        instructions="受强寒潮和暴雪影响，请各社区立即摸排独居、空巢老人和残疾人家庭的取暖、饮水、用药情况；"
        "发现困难及时登记需求，由到岗党员、志愿者和共建单位配送；每日 18 时前报送摸排进度。",
    )
    active.state = EmergencyState.ACTIVE
    active.activated_at = started + dt.timedelta(minutes=30)
    active.save(update_fields=["state", "activated_at"])
    _run(ctx, rng, active, start=started, until=now - dt.timedelta(minutes=20), share=0.6, confirm=0.7)
    for k in range(3):
        services.generate_reports(active, (started + dt.timedelta(days=k)).date())


def _declare(street, *, title, kind, severity, at, tags, instructions) -> Emergency:
    e = Emergency.objects.create(
        number=f"YJ{at:%Y%m%d}{Emergency.objects.count() + 1:03d}",
        title=title,
        kind=kind,
        severity=severity,
        region=street,
        instructions=instructions,
        sweep_tags=tags,
        starts_at=at,
        declared_at=at,
    )
    services._create_callups(e)
    services._create_tasks(e)
    return e


def _run(ctx, rng, e: Emergency, *, start, until, share: float, confirm: float) -> None:
    """Answers to the call-ups, sweeps over the span, and needs raised from households needing help."""
    span = max(60.0, (until - start).total_seconds())
    callups = list(Callup.objects.filter(emergency=e).select_related("worker", "grid"))
    confirmed = []
    for c in callups:
        x = rng.random()
        if c.kind == CallupKind.WORKER or x < confirm:
            c.state, c.responded_at = CallupState.CONFIRMED, start + dt.timedelta(minutes=rng.randint(5, 180))
            c.confirmed_at = c.responded_at
            confirmed.append(c)
        elif x < confirm + (1 - confirm) / 2:
            c.state, c.responded_at = CallupState.DECLINED, start + dt.timedelta(minutes=rng.randint(10, 240))
            c.note = rng.choice(DECLINE_NOTES)
    Callup.objects.bulk_update(callups, ["state", "responded_at", "confirmed_at", "note"], batch_size=1000)
    by_grid: dict[int | None, list[Callup]] = {}
    for c in confirmed:
        if c.kind != CallupKind.UNIT:
            by_grid.setdefault(c.grid_id, []).append(c)
    tasks = list(SweepTask.objects.filter(emergency=e).only("id", "grid_id", "household_id", "community_id"))
    swept = []
    for t in tasks:
        if rng.random() >= share:
            continue
        people = by_grid.get(t.grid_id) or confirmed
        who = rng.choice(people) if people else None
        t.state, t.result = TaskState.DONE, _pick(rng, RESULTS)
        t.checked_at = start + dt.timedelta(seconds=rng.uniform(0.05, 1.0) * span)
        t.callup_id = who.pk if who else None
        t.checked_by_name = who.name if who else ""
        t.note = "已联系家属，明日复查" if t.result == "no_answer" else ""
        swept.append(t)
    SweepTask.objects.bulk_update(
        swept, ["state", "result", "checked_at", "callup", "checked_by_name", "note"], batch_size=1000
    )
    helpers = [c for c in confirmed if c.kind != CallupKind.UNIT]
    resources = list(
        Resource.objects.filter(
            community__path__startswith=e.region.path, state__in=(ItemState.OPEN, ItemState.CLAIMED)
        ).only("id")[:20]
    )
    help_tasks = [t for t in swept if t.result == "needs_help"][:40]
    rows = []
    open_states = [
        NeedState.RAISED,
        NeedState.MATCHED,
        NeedState.DELIVERED,
        NeedState.DELIVERED,
        NeedState.CANCELLED,
    ]
    for i, t in enumerate(help_tasks):
        category, text = NEEDS[i % len(NEEDS)]
        raised = t.checked_at + dt.timedelta(minutes=rng.randint(2, 30))
        state = NeedState.DELIVERED if share >= 1 else open_states[i % len(open_states)]
        n = EmergencyNeed(
            emergency=e,
            number=f"{e.number}-{i + 1:04d}",
            household_id=t.household_id,
            community_id=t.community_id,
            grid_id=t.grid_id,
            category=category,
            description=text,
            state=state,
            raised_at=raised,
        )
        if state in (NeedState.MATCHED, NeedState.DELIVERED):
            n.matched_at = raised + dt.timedelta(minutes=rng.randint(5, 60))
            if resources and i % 4 == 3:
                n.resource_id = rng.choice(resources).pk
            elif helpers:
                n.callup_id = rng.choice(helpers).pk
        if state == NeedState.DELIVERED:
            n.delivered_at = n.matched_at + dt.timedelta(minutes=rng.randint(20, 180))
            n.delivery_note = "已送达，老人状况良好"
        if state == NeedState.CANCELLED:
            n.closed_at = raised + dt.timedelta(hours=1)
            n.delivery_note = "家属已自行解决"
        rows.append(n)
    ctx.bulk_insert(EmergencyNeed, rows)
