"""Demo step for cases (`generate(ctx)`, after grids): handlers and dispatch rules, a year of cases in
every community across all channels, states, categories and handlers, with their timelines, the
residents' evaluations (some unsatisfied, reopened, closed-unresolved), returns (some twice), overdue
cases, repeated cases at one place, and leaders' visits (some opening cases).

Fast: ids are pre-assigned so numbers follow services.submit (YYYYMMDD + id), deadlines come from one
working-day calendar loaded once, cases and evaluations go in with ctx.copy_insert and events (most of
the rows) as plain tuples with ctx.insert_rows.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from django.db.models import Max
from django.utils import timezone

from grassroots.core.crypto import lookup_hash
from grassroots.grids.models import Grid
from grassroots.regions.models import Region

from .analytics import alert_params
from .models import (
    Case,
    CaseEvent,
    CaseFollower,
    Category,
    Channel,
    DeadlineUnit,
    DispatchRule,
    Evaluation,
    Handler,
    HandlerKind,
    Tier,
    Visit,
    VisitKind,
)
from .services import compute_score
from .stats import ScoreParams, score_params
from .workdays import WorkCalendar, due_soon_share, local_tz
from .workflow import CaseState as S

# Cases per community over the 12 months, by preset (small: ~100 communities → ~14,000 cases).
# The province preset: ~1,370 per community × ~7,300 communities ≈ 10 million cases (issue 20).
PER_COMMUNITY = {"tiny": 40, "small": 150, "city": 200, "province": 1370, "province_slice": 1370}
DEPARTMENTS = ["区城市管理局", "区住房和城乡建设局", "区交通运输局", "区水务局", "区园林和林业局", "公安分局"]
# Top-level category code → department (index into DEPARTMENTS) for the dispatch rules.
DEPT_RULES = {"01": 1, "02": 2, "04": 4, "13": 0, "15": 3, "24": 5}
CHANNELS = [
    (Channel.H5, 34),
    (Channel.PATROL, 30),
    (Channel.HOTLINE, 20),
    (Channel.WALK_IN, 7),
    (Channel.VISIT, 4),
    (Channel.NIGHT_VISIT, 3),
    (Channel.OPEN311, 2),
    (Channel.IMPORT, 1),
]
DETAILS = [
    "已经持续好几天了，希望尽快处理",
    "影响居民正常出行",
    "老人孩子经过很不安全",
    "多次反映一直没有解决",
    "晚上尤其严重",
    "请相关部门来看看",
    "周边居民意见很大",
    "下雨后更明显",
]
PLACES = ["小区门口", "楼下", "路口", "公交站旁", "菜市场附近", "学校门口", "单元门前", "停车场"]
RESOLUTIONS = [
    "已安排人员现场处置完毕",
    "已联系责任单位整改到位",
    "已修复并恢复正常使用",
    "已清理完毕并加强巡查",
]
HOUR = dt.timedelta(hours=1)
# The newest cases of the first FRESH_COMMUNITIES communities stop at these states (submitted in the
# last four days), so the lists show every in-flight state on any day.
FRESH_COMMUNITIES = 3
FRESH_STOPS = [S.SUBMITTED, S.TRIAGED, S.DISPATCHED, S.ACCEPTED, S.IN_PROGRESS, S.IN_PROGRESS]


@dataclass
class _Rules:
    """What the workflow services read from the Rule table and the calendar, loaded once for the demo."""

    cal: WorkCalendar
    due_soon: float  # GOV-5
    scores: ScoreParams  # GOV-6
    response_hours: int = 24  # GOV-5 response deadline


def _calendar_deadline(rules: _Rules, start: dt.datetime, cat: Category):
    if cat.deadline_unit == DeadlineUnit.HOURS:
        due = start + dt.timedelta(hours=cat.deadline_value)
        return start + dt.timedelta(seconds=cat.deadline_value * 3600 * rules.due_soon), due
    cal = rules.cal
    due = cal.add_working_days(start, cat.deadline_value)
    soon = cal.after_working_seconds(start, cal.working_seconds(start, due) * rules.due_soon)
    return soon, due


def _pick(rng, weighted):
    total = sum(w for _, w in weighted)
    x = rng.uniform(0, total)
    for value, w in weighted:
        x -= w
        if x <= 0:
            return value
    return weighted[-1][0]


def _handlers(ctx, communities, streets, districts) -> dict:
    """One handler per community and street, the departments of every district, and the rules."""
    existing = {(h.kind, h.region_id, h.name): h for h in Handler.objects.all()}
    new = []
    for r in communities:
        if (HandlerKind.COMMUNITY, r.pk, f"{r.name}居委会") not in existing:
            new.append(Handler(kind=HandlerKind.COMMUNITY, name=f"{r.name}居委会", region=r))
    for r in streets:
        if (HandlerKind.STREET, r.pk, f"{r.name}办事处") not in existing:
            new.append(Handler(kind=HandlerKind.STREET, name=f"{r.name}办事处", region=r))
    for d in districts:
        for name in DEPARTMENTS:
            full = f"{d.name}{name[1:]}" if name.startswith("区") else f"{d.name}{name}"
            if (HandlerKind.DEPARTMENT, d.pk, full) not in existing:
                new.append(Handler(kind=HandlerKind.DEPARTMENT, name=full, region=d))
    ctx.bulk_insert(Handler, new)
    by_region: dict = {}
    for h in Handler.objects.filter(is_active=True).order_by("id"):
        by_region.setdefault((h.kind, h.region_id), []).append(h)
    tops = {c.code: c for c in Category.objects.filter(parent__isnull=True)}
    rules = []
    have = set(DispatchRule.objects.values_list("category_id", "region_id"))
    for d in districts:
        depts = by_region.get((HandlerKind.DEPARTMENT, d.pk), [])
        if len(depts) < len(DEPARTMENTS):
            continue
        for code, i in DEPT_RULES.items():
            cat = tops.get(code)
            if cat is not None and (cat.pk, d.pk) not in have:
                rules.append(DispatchRule(category=cat, region=d, handler=depts[i]))
    ctx.bulk_insert(DispatchRule, rules)
    return by_region


def generate(ctx) -> None:
    rng = ctx.rng("cases")
    fake = ctx.faker("cases")
    per_community = PER_COMMUNITY.get(ctx.preset, 200)
    communities = list(Region.objects.filter(level="community").order_by("path"))
    if not communities or Case.objects.exists():
        return
    paths = {r.path: r for r in Region.objects.filter(level__in=("district", "street"))}
    streets = [r for r in paths.values() if r.level == "street"]
    districts = [r for r in paths.values() if r.level == "district"]
    handlers = _handlers(ctx, communities, streets, districts)
    grids: dict[int, list] = {}
    for g in Grid.objects.filter(region__in=communities).only("id", "region_id", "lng", "lat", "name"):
        grids.setdefault(g.region_id, []).append(g)
    cats = list(Category.objects.filter(is_active=True, parent__isnull=False).select_related("parent"))
    weights = [(c, 3 if c.kind == "community" else 2) for c in cats]
    now = timezone.now()
    start = now - dt.timedelta(days=365)
    rules = _Rules(
        WorkCalendar.load(start.year, now.year + 1),
        due_soon_share(),
        score_params(),
        alert_params().response_hours,
    )
    next_id = (Case.objects.aggregate(m=Max("id"))["m"] or 0) + 1
    next_visit = (Visit.objects.aggregate(m=Max("id"))["m"] or 0) + 1
    cases, events, evaluations, visits = [], [], [], []
    tz = local_tz()

    def street_of(r):
        return paths.get(r.path[: -Region.steplen])

    def district_of(r):
        s = street_of(r)
        return paths.get(s.path[: -Region.steplen]) if s else None

    def handler_for(cat, r):
        if cat.handler_kind == HandlerKind.DEPARTMENT or cat.default_tier == Tier.MAJOR:
            d = district_of(r)
            depts = handlers.get((HandlerKind.DEPARTMENT, d.pk), []) if d else []
            i = DEPT_RULES.get(cat.parent.code if cat.parent_id else cat.code, 0)
            return depts[i] if len(depts) > i else (depts[0] if depts else None)
        if cat.handler_kind == HandlerKind.STREET:
            s = street_of(r)
            hs = handlers.get((HandlerKind.STREET, s.pk), []) if s else []
            if hs:
                return hs[0]
        hs = handlers.get((HandlerKind.COMMUNITY, r.pk), [])
        return hs[0] if hs else None

    def other_handler(h, r):
        s = street_of(r)
        pool = handlers.get((HandlerKind.STREET, s.pk), []) if s else []
        pool = pool + handlers.get((HandlerKind.COMMUNITY, r.pk), [])
        pool = [x for x in pool if x.pk != h.pk]
        return pool[0] if pool else None

    with ctx.progress("诉求工单", len(communities) * per_community) as bar:
        for n_community, r in enumerate(communities):
            cgrids = grids.get(r.pk, [])
            # Leaders visit each community about once a month; some visits are night visits.
            community_visits = []
            for _ in range(max(2, per_community // 20)):
                when = start + dt.timedelta(seconds=rng.uniform(0, 364 * 86400))
                night = rng.random() < 0.4
                if night:
                    when = when.astimezone(tz).replace(hour=rng.randint(19, 21), minute=rng.choice([0, 30]))
                v = Visit(
                    id=next_visit,
                    kind=VisitKind.NIGHT if night else VisitKind.CONTACT_POINT,
                    region=r,
                    visitor_name=fake.name()
                    + rng.choice(["（街道党工委书记）", "（区委常委）", "（社区书记）"]),
                    visited_at=when,
                    place=f"{r.name}{rng.choice(['党群服务中心', '居民议事厅', '小区广场', '网格驿站'])}",
                    whom=rng.choice(["居民代表", "楼栋长和党员中心户", "物业和业委会", "商户代表"]),
                    heard=f"居民反映{rng.choice(PLACES)}{rng.choice(cats).name}问题，{rng.choice(DETAILS)}",
                    created_at=when,
                )
                next_visit += 1
                visits.append(v)
                community_visits.append(v)
            repeat_cat = rng.choice(cats) if rng.random() < 0.25 else None
            repeat_grid = rng.choice(cgrids) if cgrids else None
            repeat_at = start + dt.timedelta(days=rng.uniform(200, 330))
            for i in range(per_community):
                cat = _pick(rng, weights)
                grid = rng.choice(cgrids) if cgrids else None
                submitted = start + dt.timedelta(seconds=rng.uniform(0, 364.5 * 86400))
                fresh = i - (per_community - len(FRESH_STOPS)) if n_community < FRESH_COMMUNITIES else -1
                if fresh >= 0:
                    # Cases in every in-flight state, whatever day the demo is generated.
                    submitted = now - dt.timedelta(hours=rng.uniform(3, 96))
                    for _ in range(20):
                        if cat.default_tier != Tier.PRIVATE:
                            break
                        cat = _pick(rng, weights)
                if repeat_cat is not None and i < 4:
                    # Repeated at one place: 4 cases of one category within ~30 m in 3 weeks (GOV-5).
                    cat, grid = repeat_cat, repeat_grid
                    submitted = repeat_at + dt.timedelta(days=i * 5, hours=rng.uniform(0, 8))
                    jitter = 0.0002
                else:
                    jitter = 0.002
                lng = lat = None
                if grid is not None and grid.lng:
                    lng = round(grid.lng + rng.uniform(-jitter, jitter), 6)
                    lat = round(grid.lat + rng.uniform(-jitter, jitter), 6)
                channel = _pick(rng, CHANNELS)
                visit = None
                if channel in (Channel.VISIT, Channel.NIGHT_VISIT) and community_visits:
                    visit = rng.choice(community_visits)
                    channel = Channel.NIGHT_VISIT if visit.kind == VisitKind.NIGHT else Channel.VISIT
                    submitted = max(submitted, visit.visited_at + HOUR)
                submitted = min(submitted, now - dt.timedelta(minutes=5))
                case = Case(
                    id=next_id,
                    number=f"{timezone.localtime(submitted):%Y%m%d}{next_id:06d}",
                    external_number=f"12345-{next_id:08d}" if channel == Channel.HOTLINE else "",
                    channel=channel,
                    category=cat,
                    tier=cat.default_tier,
                    description=f"{rng.choice(PLACES)}{cat.name}，{rng.choice(DETAILS)}",
                    lng=lng,
                    lat=lat,
                    address=f"{r.name}{rng.randint(1, 40)}号楼附近",
                    region=r,
                    grid=grid,
                    reporter_name=fake.name() if channel != Channel.PATROL else "",
                    reporter_phone=(phone := fake.phone_number() if channel != Channel.PATROL else ""),
                    reporter_phone_hash=lookup_hash(phone),
                    submitted_at=submitted,
                    visit=visit,
                )
                next_id += 1
                stop = FRESH_STOPS[fresh] if fresh >= 0 else None
                _life(rng, case, cat, rules, now, handler_for, other_handler, events, evaluations, stop)
                cases.append(case)
                bar.advance()
            if len(cases) >= FLUSH_CASES:
                _write(ctx, rng, visits, cases, events, evaluations)
    _write(ctx, rng, visits, cases, events, evaluations)
    ctx.reset_sequences(Visit, Case, CaseEvent, Evaluation)


# Cases held in memory before they are written (COPY): the province preset (~10 M cases) goes in slices
# of whole communities; the small and city presets (≤ ~200,000 cases) are written once, at the end.
FLUSH_CASES = 250_000


def _write(ctx, rng, visits: list, cases: list, events: list, evaluations: list) -> None:
    """COPY the buffered rows, then empty the buffers (a slice always holds whole communities)."""
    ctx.copy_insert(Visit, visits)
    ctx.copy_insert(Case, cases)
    to_db = ctx.db_time
    ctx.insert_rows(CaseEvent, EVENT_COLUMNS, (row[:-1] + (to_db(row[-1]),) for row in events))
    ctx.copy_insert(Evaluation, evaluations)
    # Merged duplicates point at another case of their community submitted before them.
    _merge_some(rng, cases)
    for buf in (visits, cases, events, evaluations):
        buf.clear()


EVENT_COLUMNS = [
    "case_id",
    "step",
    "from_state",
    "to_state",
    "actor_id",
    "actor_name",
    "handler_id",
    "note",
    "data",
    "created_at",
]


def _ev(events, case, step, frm, to, at, handler=None, note="", actor="", data=None):
    """One event as a DB-ready tuple (events are most of the rows: no model instance per row)."""
    events.append(
        (
            case.id,
            step,
            frm,
            to,
            None,
            actor or "系统",
            handler.pk if handler is not None else None,
            note,
            json.dumps(data or {}, ensure_ascii=False),
            at,
        )
    )


def _life(rng, case, cat, rules, now, handler_for, other_handler, events, evaluations, stop=None) -> None:
    """Walk the case through the workflow up to `stop`, or a state that fits its age, writing its events."""
    t = case.submitted_at
    respond = dt.timedelta(hours=rules.response_hours)
    case.respond_soon_at, case.respond_due_at = t + respond * rules.due_soon, t + respond
    reporter = case.reporter_name or "网格员"
    _ev(events, case, "submit", "", S.SUBMITTED, t, actor=reporter, data={"channel": case.channel})
    age_days = (now - t).total_seconds() / 86400
    # How far the case got: recent cases are still on the way, older ones are mostly closed.
    if stop is None:
        stop = (
            rng.choice([S.SUBMITTED, S.TRIAGED, S.DISPATCHED, S.ACCEPTED, S.IN_PROGRESS, S.RESOLVED])
            if age_days < 10 and rng.random() < 0.8
            else "end"
        )

    def step(delta_hours):
        nonlocal t
        t = min(t + dt.timedelta(hours=delta_hours), now - dt.timedelta(minutes=1))
        return t

    case.state = S.SUBMITTED
    if stop == S.SUBMITTED:
        return
    if case.channel == Channel.H5 and rng.random() < 0.03 and stop == "end":
        case.state = S.MERGED  # target chosen by _merge_some
        _ev(
            events,
            case,
            "merge",
            S.SUBMITTED,
            S.MERGED,
            step(1),
            actor="街道分拨员",
            note="与同一问题的工单合并",
        )
        return
    case.triaged_at = step(rng.uniform(0.2, 4))
    _ev(events, case, "triage", S.SUBMITTED, S.TRIAGED, t, actor="街道分拨员")
    case.state = S.TRIAGED
    if cat.default_tier == Tier.PRIVATE:
        if stop == "end":
            case.closed_at = case.responded_at = step(2)
            _ev(
                events,
                case,
                "close",
                S.TRIAGED,
                S.CLOSED,
                t,
                note="属于私事，已告知居民通过调解或法律途径解决",
            )
            case.state = S.CLOSED
        return
    if stop == S.TRIAGED:
        return
    handler = handler_for(cat, case.region)
    if handler is None:
        return
    returns = 2 if rng.random() < 0.01 else (1 if rng.random() < 0.05 else 0)
    for _ in range(returns):
        wrong = other_handler(handler, case.region) or handler
        _ev(events, case, "dispatch", case.state, S.DISPATCHED, step(1), handler=wrong, actor="街道分拨员")
        case.responded_at = case.responded_at or t
        _ev(
            events,
            case,
            "return",
            S.DISPATCHED,
            S.RETURNED,
            step(rng.uniform(2, 20)),
            handler=None,
            note="不属于本单位职责，建议改派",
            actor=wrong.name,
            data={"returned_by": wrong.pk, "suggested": handler.pk},
        )
        case.state = S.RETURNED
        case.return_count += 1
    case.dispatched_at = step(rng.uniform(0.5, 3))
    case.responded_at = case.responded_at or case.dispatched_at
    case.due_soon_at, case.due_at = _calendar_deadline(rules, case.dispatched_at, cat)
    case.handler, case.dispatcher = handler, None
    _ev(events, case, "dispatch", case.state, S.DISPATCHED, t, handler=handler, actor="街道分拨员")
    case.state = S.DISPATCHED
    if stop == S.DISPATCHED:
        return
    case.accepted_at = step(rng.uniform(0.5, 6))
    _ev(events, case, "accept", S.DISPATCHED, S.ACCEPTED, t, handler=handler, actor=handler.name)
    case.state = S.ACCEPTED
    if stop == S.ACCEPTED:
        return
    _ev(
        events,
        case,
        "log_work",
        S.ACCEPTED,
        S.IN_PROGRESS,
        step(2),
        handler=handler,
        actor=handler.name,
        note="已到现场核实情况",
    )
    case.state = S.IN_PROGRESS
    if stop == S.IN_PROGRESS:
        return
    span = (case.due_at - case.dispatched_at).total_seconds() / 3600
    late = rng.random() < 0.12
    hours = span * (rng.uniform(1.05, 1.8) if late else rng.uniform(0.2, 0.95))
    resolve_at = case.dispatched_at + dt.timedelta(hours=hours)
    if resolve_at >= now:
        return  # still in progress (and maybe overdue by now)
    t = max(resolve_at, t)
    _resolve(rng, case, handler, events, t)
    if stop == S.RESOLVED or t + dt.timedelta(days=3) > now:
        return
    # The resident's evaluation (most evaluate; some don't and the case is closed with a note).
    roll = rng.random()
    if roll < 0.12:
        case.closed_at = step(72)
        case.score = compute_score(case, None, rules.scores)
        _ev(
            events,
            case,
            "close",
            S.RESOLVED,
            S.CLOSED,
            t,
            note="居民超期未评价，电话回访后结案",
            actor="街道分拨员",
        )
        case.state = S.CLOSED
        return
    result = "unsatisfied" if roll > 0.93 else ("basic" if roll > 0.75 else "satisfied")
    t = step(rng.uniform(4, 48))
    evaluations.append(
        Evaluation(
            case_id=case.id,
            round=1,
            result=result,
            comment="" if result != "unsatisfied" else "问题没有彻底解决",
            handler=handler,
            created_at=t,
        )
    )
    if result == "unsatisfied":
        _ev(
            events,
            case,
            "evaluate",
            S.RESOLVED,
            S.RESOLVED,
            t,
            note="问题没有彻底解决",
            actor="居民",
            data={"result": result},
        )
        case.reopen_count = 1
        case.dispatched_at = t
        case.due_soon_at, case.due_at = _calendar_deadline(rules, t, cat)
        case.accepted_at = case.resolved_at = None
        _ev(
            events,
            case,
            "reopen",
            S.RESOLVED,
            S.DISPATCHED,
            t,
            handler=handler,
            note="群众评价不满意：问题没有彻底解决",
        )
        case.state = S.DISPATCHED
        case.accepted_at = step(2)
        _ev(events, case, "accept", S.DISPATCHED, S.ACCEPTED, t, handler=handler, actor=handler.name)
        case.state = S.ACCEPTED
        if t + dt.timedelta(days=5) > now:
            return
        _resolve(rng, case, handler, events, step(rng.uniform(10, 60)))
        second = "unsatisfied" if rng.random() < 0.4 else "basic"
        t = step(24)
        evaluations.append(
            Evaluation(
                case_id=case.id,
                round=2,
                result=second,
                comment="仍未解决" if second == "unsatisfied" else "",
                handler=handler,
                created_at=t,
            )
        )
        if second == "unsatisfied":
            case.evaluated_at = case.closed_at = t
            case.score = 0
            _ev(
                events,
                case,
                "close_unresolved",
                S.RESOLVED,
                S.CLOSED_UNRESOLVED,
                t,
                note="仍未解决",
                actor="居民",
                data={"result": second},
            )
            case.state = S.CLOSED_UNRESOLVED
            return
        result = second
    else:
        pass
    case.evaluated_at = t
    _ev(events, case, "evaluate", S.RESOLVED, S.EVALUATED, t, actor="居民", data={"result": result})
    case.state = S.EVALUATED
    if rng.random() < 0.1:
        return
    case.closed_at = step(rng.uniform(2, 30))
    case.score = compute_score(case, result, rules.scores)
    _ev(events, case, "close", S.EVALUATED, S.CLOSED, t, actor="街道分拨员")
    case.state = S.CLOSED


def _resolve(rng, case, handler, events, at) -> None:
    case.resolved_at = at
    case.resolution = rng.choice(RESOLUTIONS)
    _ev(
        events,
        case,
        "resolve",
        case.state,
        S.RESOLVED,
        at,
        handler=handler,
        note=case.resolution,
        actor=handler.name,
        data={"no_photo_reason": "现场已恢复原状，无需拍照"} if rng.random() < 0.2 else None,
    )
    case.state = S.RESOLVED


def _merge_some(rng, cases) -> None:
    """Point each merged case at an earlier open-or-handled case of the same community."""
    by_region: dict[int, list] = {}
    updates = []
    for c in sorted(cases, key=lambda c: c.submitted_at):
        if c.state == S.MERGED:
            pool = by_region.get(c.region_id, [])
            if pool:
                target = pool[-1]
                updates.append((c.id, target.id))
            continue
        if c.state not in (S.SUBMITTED,):
            by_region.setdefault(c.region_id, []).append(c)
    Case.objects.bulk_update(
        [Case(id=case_id, merged_into_id=target_id) for case_id, target_id in updates],
        ["merged_into"],
        batch_size=500,
    )
    by_id = {c.id: c for c in cases}
    CaseFollower.objects.bulk_create(
        [
            CaseFollower(case_id=target_id, source_id=case_id, phone=by_id[case_id].reporter_phone)
            for case_id, target_id in updates
        ]
    )
    # A merged case without an earlier case to point at stays a plain submitted case.
    Case.objects.filter(state=S.MERGED, merged_into__isnull=True).update(state=S.SUBMITTED)
