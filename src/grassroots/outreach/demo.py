"""Demo step `outreach` (after volunteers): every hub member (党员中心户) linked to the households
around them by the suggestion rule (same building, neighborhood, distance; GOV-12's households per
hub), most links confirmed months ago and a few still waiting in some communities; contact logs over
the last four months (visits, calls, messages) with some households left overdue; a few contacts
followed up by a case of the community. Up to three grid workers per community keep a 民情日志
for the last two weeks on most working days; items became cases, visit records (cases.Visit) or
were settled."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.utils import timezone

from grassroots.cases.models import Case, Visit, VisitKind
from grassroots.party.models import Member
from grassroots.people.models import Worker
from grassroots.regions.models import Household, Region

from .models import ContactKind, ContactLog, HubLink, ItemKind, ItemState, LinkState, LogItem, WorkerLog
from .rules import hub_params
from .services import plan_suggestions

NOTES = {
    ContactKind.VISIT: [
        "上门看望，老人身体尚好，叮嘱注意防滑",
        "入户走访，了解家中近况，无困难反映",
        "走访时宣传防诈骗知识，发放宣传单",
        "上门送去社区活动通知，邀请参加周末义诊",
        "入户了解孩子上学情况，家长表示一切正常",
        "看望独居老人，帮忙检查燃气阀门",
    ],
    ContactKind.CALL: [
        "电话问候，家中一切安好",
        "电话提醒缴纳居民医保，已知晓",
        "电话了解住户外出情况，月底返回",
        "电话通知楼道清理时间，住户表示配合",
    ],
    ContactKind.MESSAGE: [
        "微信转发停水通知，已回复收到",
        "微信群里提醒防汛注意事项",
        "微信联系，住户咨询社区养老服务，已告知办理方式",
    ],
}
ITEMS = {
    ItemKind.OPINION: [
        "居民希望小区增设电动车充电桩",
        "居民建议在广场增加健身器材",
        "多位居民反映希望周末开放党群服务中心活动室",
        "居民对垃圾分类投放时间有意见，希望延长",
    ],
    ItemKind.HELP: [
        "独居老人请社区帮忙联系家政服务",
        "低保户咨询临时救助申请材料",
        "残疾人家庭希望帮忙申请无障碍改造",
        "老人智能手机不会用，希望有人上门教",
    ],
    ItemKind.HAZARD: [
        "楼道堆放杂物堵塞消防通道",
        "单元门口地砖破损，雨天易滑倒",
        "小区东门路灯不亮，夜间通行不安全",
        "飞线充电，存在火灾隐患",
    ],
    ItemKind.OTHER: [
        "走访中了解到新搬入住户两户，已登记",
        "协助派出所核对流动人口信息",
        "配合物业开展楼道清理",
    ],
}


def generate(ctx) -> None:
    if HubLink.objects.exists():
        return
    rng = ctx.rng("outreach")
    now = timezone.now()
    params = hub_params()
    communities = list(Region.objects.filter(level="community").order_by("path"))
    cases_by_c = defaultdict(list)
    for pk, region_id, grid_id, submitted_at in Case.objects.order_by("submitted_at").values_list(
        "pk", "region_id", "grid_id", "submitted_at"
    ):
        cases_by_c[region_id].append((pk, grid_id, submitted_at))
    with ctx.progress("联户与民情日志", len(communities)) as progress:
        links, contacts = _links(ctx, rng, communities, params, now)
        _contacts(ctx, rng, links, contacts, cases_by_c, params, now)
        _worker_logs(ctx, rng, communities, cases_by_c, now)
        progress.advance(len(communities))


def _links(ctx, rng, communities, params, now):
    cut = len(communities[0].path) if communities else 0
    by_path = {c.path: c for c in communities}
    hubs_by_c = defaultdict(list)
    for m in (
        Member.objects.filter(is_household_hub=True, residence__isnull=False)
        .select_related("residence")
        .order_by("residence__path", "pk")
    ):
        c = by_path.get(m.residence.path[:cut])
        if c is not None:
            hubs_by_c[c.pk].append(m)
    households = defaultdict(dict)
    for pk, entrance_id, path, room in Household.objects.values_list(
        "pk", "entrance_id", "entrance__path", "room"
    ).order_by("pk"):
        households[path[:cut]][pk] = (entrance_id, path, room)
    buildings = dict(
        (
            (p, (lng, lat))
            for p, lng, lat in Region.objects.filter(level="building").values_list("path", "lng", "lat")
        )
    )
    # A few communities have just run the suggestion and not confirmed it yet.
    pending = {c.pk for c in communities if rng.random() < 0.08}
    links = []
    for c in communities:
        hubs = hubs_by_c.get(c.pk)
        if not hubs:
            continue
        free = households.get(c.path, {})
        for hub, pk, reason, dist in plan_suggestions(
            c, hubs, free, buildings, {}, params.households_per_hub, params.max_distance_m
        ):
            confirmed = c.pk not in pending and rng.random() < 0.97
            suggested_at = now - dt.timedelta(days=rng.randint(130, 200))
            if c.pk in pending:
                suggested_at = now - dt.timedelta(days=rng.randint(1, 6))
            links.append(
                HubLink(
                    hub=hub,
                    household_id=pk,
                    community=c,
                    state=LinkState.CONFIRMED if confirmed else LinkState.SUGGESTED,
                    reason=reason,
                    distance_m=round(dist) if dist is not None else None,
                    suggested_at=suggested_at,
                    confirmed_at=suggested_at + dt.timedelta(days=rng.randint(2, 10)) if confirmed else None,
                )
            )
    return links, []


def _contacts(ctx, rng, links, _unused, cases_by_c, params, now):
    """3–6 contacts per confirmed household over four months; about one hub in eight has fallen
    behind (its households' last contact older than the interval), a few households never reached."""
    kinds = [ContactKind.VISIT] * 5 + [ContactKind.CALL] * 3 + [ContactKind.MESSAGE] * 2
    behind = {h for h in sorted({lk.hub_id for lk in links}) if rng.random() < 0.125}
    rows = []
    last = {}
    for lk in links:
        if lk.state != LinkState.CONFIRMED:
            continue
        start = max(lk.confirmed_at, now - dt.timedelta(days=120))
        span = (now - start).days
        if span < 2:
            continue
        latest = span if lk.hub_id not in behind else max(span - params.interval_days - rng.randint(5, 40), 0)
        if lk.hub_id in behind and rng.random() < 0.2:
            continue  # never contacted
        n = rng.randint(3, 6)
        days = sorted({rng.randint(0, max(latest, 1)) for _ in range(n)})
        if lk.hub_id not in behind:
            days.append(max(span - rng.randint(0, params.interval_days - 5), 0))
        for d in sorted(set(days)):
            day = timezone.localtime(start).replace(hour=0, minute=0, second=0, microsecond=0)
            at = day + dt.timedelta(days=d, hours=rng.randint(9, 19), minutes=rng.randint(0, 59))
            if at > now:
                at = now - dt.timedelta(hours=rng.randint(1, 5))
            kind = rng.choice(kinds)
            rows.append(ContactLog(link=lk, kind=kind, at=at, note=rng.choice(NOTES[kind]), created_at=at))
            last[id(lk)] = max(last.get(id(lk), at), at)
    # Follow-ups: a contact whose matter became a case of the community around that day.
    for log in rows:
        if rng.random() >= 0.02:
            continue
        case = _case_near(cases_by_c.get(log.link.community_id, []), log.at)
        if case is not None:
            log.case_id = case
            log.note = f"{log.note}；住户反映的问题已转社区办理"
    counts = defaultdict(int)
    for log in rows:
        counts[id(log.link)] += 1
    for lk in links:
        lk.last_contact_at = last.get(id(lk))
        lk.contact_count = counts.get(id(lk), 0)
    ctx.bulk_insert(HubLink, links)  # sets the primary keys the contact rows refer to
    for log in rows:
        log.link_id = log.link.pk
    ctx.bulk_insert(ContactLog, rows)


def _case_near(cases, at):
    """A case of the community submitted within two days of `at` (pk), else None."""
    for pk, _grid, submitted in cases:
        if abs((submitted - at).total_seconds()) < 2 * 86400:
            return pk
    return None


def _worker_logs(ctx, rng, communities, cases_by_c, now):
    today = timezone.localdate()
    by_c = {c.pk: c for c in communities}
    # The grid workers and governance officers of each community keep the log (up to three each).
    workers, per_c = [], defaultdict(int)
    for pk, name, region_id in (
        Worker.objects.filter(region__in=by_c, role__in=["grid_worker", "governance_officer"])
        .order_by("region_id", "-role", "code")  # grid workers first, as demoadmin picks its account
        .values_list("pk", "name", "region_id")
    ):
        if per_c[region_id] < 3:
            per_c[region_id] += 1
            workers.append((pk, name, region_id))
    cut = len(communities[0].path) if communities else 0
    households = defaultdict(list)
    for pk, path in Household.objects.values_list("pk", "entrance__path").order_by("pk"):
        households[path[:cut]].append(pk)
    logs = []
    for pk, _name, region_id in workers:
        for back in range(14):
            day = today - dt.timedelta(days=back)
            if day.weekday() >= 5 or rng.random() < 0.3:
                continue
            logs.append(WorkerLog(worker_id=pk, community_id=region_id, date=day, created_at=now))
    ctx.bulk_insert(WorkerLog, logs)
    saved = list(WorkerLog.objects.select_related("worker").order_by("pk"))
    kinds = list(ItemKind.values)
    items, visits = [], []
    for log in saved:
        community = by_c[log.community_id]
        hh = households.get(community.path, [])
        for _ in range(rng.randint(1, 4)):
            kind = rng.choice(kinds)
            at = timezone.make_aware(
                dt.datetime.combine(log.date, dt.time(rng.randint(9, 18), rng.randint(0, 59)))
            )
            item = LogItem(
                log=log,
                kind=kind,
                text=rng.choice(ITEMS[kind]),
                household_id=rng.choice(hh) if hh and rng.random() < 0.5 else None,
                created_at=at,
            )
            roll = rng.random()
            age = (today - log.date).days
            if roll < 0.15 and kind != ItemKind.OTHER:
                case = _case_near(cases_by_c.get(log.community_id, []), at)
                if case is not None:
                    item.state, item.case_id = ItemState.CASE, case
            elif roll < 0.27:
                visit = Visit(
                    kind=VisitKind.NIGHT,
                    region_id=log.community_id,
                    visitor_name=log.worker.name,
                    visited_at=at.replace(hour=19),
                    place=community.name,
                    whom="辖区居民",
                    heard=item.text,
                    created_at=at,
                )
                visits.append((visit, item))
            elif age > 2 or roll < 0.8:
                item.state = ItemState.DONE
            items.append(item)
    ctx.bulk_insert(Visit, [v for v, _i in visits])  # bulk_create sets the primary keys
    for visit, item in visits:
        item.state, item.visit_id = ItemState.VISIT, visit.pk
    ctx.bulk_insert(LogItem, items)
