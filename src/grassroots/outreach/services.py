"""Every write of 联户 and 民情日志: permission and scope checked, atomic, audited.

Who may do what:
- suggest, confirm, end links: `regions.change` over the household's community (the community);
- log a contact: `outreach.log` over the link (the hub member on their own links, or staff);
- a worker's log: `outreach.log`, on the worker record linked to the user;
- turning a matter into a case goes through `cases.services.submit` (the hub member, without a case
  permission, reports through the resident channel as the case's reporter and follows it in 我的诉求).
"""

from __future__ import annotations

import datetime
import math
from collections import defaultdict

from django.db import transaction
from django.utils import timezone

from grassroots.core import audit
from grassroots.core.attachments import attach, validate_files
from grassroots.core.errors import NotFound, PermissionDenied, ServiceError
from grassroots.core.scoping import covers, has_perm
from grassroots.regions.models import Household, Region

from .models import ContactKind, ContactLog, HubLink, ItemKind, ItemState, LinkState, LogItem, WorkerLog
from .rules import hub_params

MAX_PHOTOS = 3
STEP = Region.steplen


def _text(value, label: str, minimum: int = 2, maximum: int = 2000) -> str:
    value = (value or "").strip()
    if len(value) < minimum:
        raise ServiceError(f"请填写{label}（至少 {minimum} 个字）", field="note")
    if len(value) > maximum:
        raise ServiceError(f"{label}不能超过 {maximum} 个字", field="note")
    return value


def community_of(region: Region | None) -> Region | None:
    """The community a region (entrance, building, ...) belongs to."""
    if region is None:
        return None
    if region.level == "community":
        return region
    return Region.objects.filter(level="community", path__in=_prefixes(region.path)).first()


def _prefixes(path: str) -> list[str]:
    return [path[:k] for k in range(STEP, len(path) + 1, STEP)]


def hub_member_of(user):
    """The hub member (党员中心户) record of a signed-in user, else None."""
    from grassroots.party.models import Member

    if user is None or not user.is_authenticated:
        return None
    return Member.objects.filter(user=user, is_household_hub=True).select_related("residence").first()


# ---------------------------------------------------------------- suggestions


def _distance_m(a: tuple[float, float] | None, b: tuple[float, float] | None) -> float | None:
    if not a or not b or None in a or None in b:
        return None
    lng1, lat1, lng2, lat2 = map(math.radians, (a[0], a[1], b[0], b[1]))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lng2 - lng1) / 2) ** 2
    return 2 * 6371000 * math.asin(math.sqrt(h))


def _building_path(region: Region | None) -> str:
    if region is None:
        return ""
    if region.level == "entrance":
        return region.path[:-STEP]
    return region.path if region.level == "building" else ""


def plan_suggestions(community, hubs, free: dict, buildings: dict, counts: dict, per_hub: int, max_m: int):
    """[(hub, household pk, reason, distance)]: for each hub (in order) up to per_hub - counts[hub]
    households of `free` ({pk: (entrance id, entrance path, room)}, consumed): the hub's building,
    then its neighborhood (within max_m when both have coordinates), then any building within max_m.
    `buildings`: {building path: (lng, lat)}. Pure (no queries): the demo uses it too."""
    hood_len = len(community.path) + STEP
    wants, ranked_by_hub = {}, {}
    for hub in hubs:
        want = per_hub - counts.get(hub.pk, 0)
        if want <= 0:
            continue
        home = _building_path(hub.residence)
        home_xy = buildings.get(home)
        hood = home[:hood_len] if home else ""
        ranked = []
        for pk, (entrance_id, path, room) in free.items():
            if entrance_id == hub.residence_id and room == hub.room:
                continue  # the hub's own household
            building = path[:-STEP]
            dist = _distance_m(home_xy, buildings.get(building))
            if home and building == home:
                ranked.append((0, 0, pk, "同楼栋", None))
            elif hood and path.startswith(hood):
                if dist is None or dist <= max_m:
                    ranked.append((1, dist or 0, pk, "同小区", dist))
            elif dist is not None and dist <= max_m:
                ranked.append((2, dist, pk, f"{round(dist)} 米内", dist))
        ranked.sort()
        wants[hub.pk], ranked_by_hub[hub.pk] = want, ranked
    # Round robin: every hub takes its nearest free household in turn, so neighbours share fairly.
    out, cursor = [], dict.fromkeys(ranked_by_hub, 0)
    for _round in range(per_hub):
        for hub in hubs:
            if wants.get(hub.pk, 0) <= 0:
                continue
            ranked, i = ranked_by_hub[hub.pk], cursor[hub.pk]
            while i < len(ranked) and ranked[i][2] not in free:
                i += 1
            cursor[hub.pk] = i + 1
            if i < len(ranked):
                _tier, _d, pk, reason, dist = ranked[i]
                out.append((hub, pk, reason, dist))
                del free[pk]
                wants[hub.pk] -= 1
    return out


def suggest_links(user, community: Region, *, per_hub: int | None = None, now=None) -> list[HubLink]:
    """Suggest households for every hub of the community that has fewer than [households_per_hub]
    open links: households not yet linked to any hub, the hub's own building first, then its
    neighborhood, then other buildings within [max_distance_m] (by building coordinates). Each
    household goes to one hub. Returns the new suggested links."""
    from grassroots.party.models import Member

    if community is None or community.level != "community":
        raise ServiceError("请选择社区", field="community")
    if not covers(user, community, "regions.change"):
        if covers(user, community, "regions.view"):
            raise PermissionDenied("没有维护该社区联户关系的权限")
        raise NotFound("社区不存在或不在您的管辖范围内")
    params = hub_params()
    per_hub = per_hub or params.households_per_hub
    if not 1 <= per_hub <= 50:
        raise ServiceError("每名中心户联系户数应在 1—50 之间", field="per_hub")
    now = now or timezone.now()
    hubs = list(
        Member.objects.filter(is_household_hub=True, residence__path__startswith=community.path)
        .select_related("residence")
        .order_by("residence__path", "pk")
    )
    if not hubs:
        raise ServiceError("该社区还没有党员中心户，请先在党员信息中标记党员中心户")
    open_links = HubLink.objects.filter(community=community).exclude(state=LinkState.ENDED)
    taken = set(open_links.values_list("household_id", flat=True))
    counts: dict[int, int] = defaultdict(int)
    for hub_id in open_links.values_list("hub_id", flat=True):
        counts[hub_id] += 1
    households = list(
        Household.objects.filter(entrance__path__startswith=community.path)
        .exclude(pk__in=taken)
        .values_list("pk", "entrance_id", "entrance__path", "room")
    )
    buildings = {
        p: (lng, lat)
        for p, lng, lat in Region.objects.filter(
            path__startswith=community.path, level="building"
        ).values_list("path", "lng", "lat")
    }
    free = {pk: (entrance_id, path, room) for pk, entrance_id, path, room in households}
    created = [
        HubLink(
            hub=hub,
            household_id=pk,
            community=community,
            state=LinkState.SUGGESTED,
            reason=reason,
            distance_m=round(dist) if dist is not None else None,
            suggested_at=now,
        )
        for hub, pk, reason, dist in plan_suggestions(
            community, hubs, free, buildings, counts, per_hub, params.max_distance_m
        )
    ]
    with transaction.atomic():
        HubLink.objects.bulk_create(created)
        audit.record(
            "create",
            community,
            user=user,
            changes={"hub_links_suggested": [None, len(created)], "per_hub": [None, per_hub]},
        )
    return created


def _links_for_change(user, community: Region, ids) -> list[HubLink]:
    if not covers(user, community, "regions.change"):
        if covers(user, community, "regions.view"):
            raise PermissionDenied("没有维护该社区联户关系的权限")
        raise NotFound("社区不存在或不在您的管辖范围内")
    try:
        ids = sorted({int(i) for i in ids})
    except (TypeError, ValueError):
        raise ServiceError("所选联户关系不正确") from None
    if not ids:
        raise ServiceError("请至少选择一条联户关系")
    links = list(
        HubLink.objects.filter(community=community, pk__in=ids).select_related("hub__user", "household")
    )
    if len(links) != len(ids):
        raise NotFound("所选联户关系不存在或不属于该社区")
    return links


def confirm_links(user, community: Region, ids) -> int:
    """The community confirms suggested links (a suggested link only; a confirmed one stays as is)."""
    links = _links_for_change(user, community, ids)
    bad = [lk for lk in links if lk.state != LinkState.SUGGESTED]
    if bad:
        raise ServiceError(f"只能确认待确认的联户关系（{len(bad)} 条不是待确认状态）")
    now = timezone.now()
    with transaction.atomic():
        for lk in links:
            HubLink.objects.filter(pk=lk.pk).update(
                state=LinkState.CONFIRMED, confirmed_by=user, confirmed_at=now
            )
            audit.record_transition(user, lk, LinkState.SUGGESTED, LinkState.CONFIRMED)
        _tell_hubs(links, community)
    return len(links)


def _tell_hubs(links: list[HubLink], community: Region) -> None:
    """Each hub member with an account hears how many households the community confirmed for them."""
    from django.urls import reverse

    from grassroots.notifications.services import notify

    per_hub: dict = defaultdict(int)
    users = {}
    for lk in links:
        if lk.hub.user_id:
            per_hub[lk.hub.user_id] += 1
            users[lk.hub.user_id] = lk.hub.user
    for user_id, n in per_hub.items():
        notify(
            users[user_id],
            kind="outreach.links_confirmed",
            title=f"{community.name}为您确认了 {n} 户联系户",
            body="请在规定天数内走访、电话或微信联系，并在“我的联系户”中登记。",
            url=reverse("outreach:my_links"),
        )


def end_links(user, community: Region, ids, *, reason: str = "") -> int:
    """The community ends links (a rejected suggestion, a household moved away, a hub stepped down)."""
    links = _links_for_change(user, community, ids)
    bad = [lk for lk in links if lk.state == LinkState.ENDED]
    if bad:
        raise ServiceError("所选联户关系已解除")
    now = timezone.now()
    with transaction.atomic():
        for lk in links:
            HubLink.objects.filter(pk=lk.pk).update(state=LinkState.ENDED, ended_at=now)
            audit.record_transition(user, lk, lk.state, LinkState.ENDED, reason=reason[:200])
    return len(links)


# ---------------------------------------------------------------- contacts


def get_link(user, pk, action: str = "outreach.log") -> HubLink:
    link = (
        HubLink.objects.visible_to(user, action)
        .select_related("hub", "household", "household__entrance", "household__grid", "community")
        .filter(pk=pk)
        .first()
    )
    if link is None:
        raise NotFound("联系户不存在或不在您的管辖范围内")
    return link


def log_contact(
    user,
    link: HubLink,
    *,
    kind: str,
    note: str,
    at: datetime.datetime | None = None,
    photos=(),
    matter: str = "",
) -> ContactLog:
    """A hub's contact with a linked household. A `matter` (a problem the household raised) opens a
    case in the household's grid; the case is kept on the log."""
    if not covers(user, link, "outreach.log"):
        if covers(user, link, "regions.view"):
            raise PermissionDenied("没有登记联户联系的权限")
        raise NotFound("联系户不存在或不在您的管辖范围内")
    if link.state != LinkState.CONFIRMED:
        raise ServiceError("联户关系确认后才能登记联系")
    if kind not in ContactKind.values:
        raise ServiceError("请选择联系方式", field="kind")
    note = _text(note, "情况记录")
    now = timezone.now()
    at = at or now
    if at > now + datetime.timedelta(minutes=5):
        raise ServiceError("联系时间不能晚于现在", field="at")
    if at < now - datetime.timedelta(days=90):
        raise ServiceError("只能补登 90 天内的联系", field="at")
    matter = (matter or "").strip()
    if matter:
        matter = _text(matter, "需要办理的事项", minimum=5)
    photos = [p for p in (photos or []) if p]
    photos = validate_files(photos, max_files=MAX_PHOTOS, user=user) if photos else []
    with transaction.atomic():
        log = ContactLog.objects.create(link=link, kind=kind, at=at, note=note, created_by=user)
        if photos:
            attach(user, log, photos, role="photo", max_files=MAX_PHOTOS)
        if matter:
            log.case = _open_case(user, link.household, link.community, matter, source="党员中心户联户")
            log.save(update_fields=["case"])
        newest = link.last_contact_at is None or at > link.last_contact_at
        HubLink.objects.filter(pk=link.pk).update(
            contact_count=link.contact_count + 1, **({"last_contact_at": at} if newest else {})
        )
        link.contact_count += 1
        if newest:
            link.last_contact_at = at
        audit.record_create(user, log)
    return log


def open_case_from_contact(user, log: ContactLog, *, matter: str):
    """A matter raised after the contact was logged: opens the case now and keeps it on the log."""
    link = log.link
    if not covers(user, log, "outreach.log"):
        raise NotFound("联系记录不存在或不在您的管辖范围内")
    if log.case_id:
        raise ServiceError("该联系记录已转为工单")
    matter = _text(matter, "需要办理的事项", minimum=5)
    with transaction.atomic():
        log.case = _open_case(user, link.household, link.community, matter, source="党员中心户联户")
        ContactLog.objects.filter(pk=log.pk).update(case=log.case)
        audit.record("update", log, user=user, changes={"case": [None, log.case.number]})
    return log.case


def _open_case(user, household: Household | None, community: Region, text: str, *, source: str, visit=None):
    """Through the cases intake: the household's grid when known, so routing puts the case there.
    Staff with cases.submit report as a visit; a hub member as the case's reporter (resident channel)."""
    from grassroots.cases import services as cases
    from grassroots.cases.models import Case, Channel

    grid = household.grid if household is not None and household.grid_id else None
    if grid is not None and not (
        grid.region_id == community.pk or community.path.startswith(grid.region.path)
    ):
        grid = None
    address = ""
    if household is not None:
        entrance = household.entrance
        building = Region.objects.filter(path=entrance.path[:-STEP]).only("name").first()
        address = f"{community.name}{building.name if building else ''}{entrance.name}"
    staff = cases.case_covers(user, Case(region=community), "submit")
    return cases.submit(
        user,
        channel=(Channel.VISIT if staff else Channel.H5),
        region=community,
        grid=grid,
        description=f"{text}（{source}）",
        address=address,
        visit=visit,
    )


# ---------------------------------------------------------------- 民情日志


def worker_of(user):
    """The community worker record of the user (the log's author), else None."""
    from grassroots.people.models import Worker

    if user is None or not user.is_authenticated:
        return None
    return Worker.objects.filter(user=user).select_related("region").first()


def _worker_community(worker) -> Region:
    community = community_of(worker.region)
    if community is None:
        raise ServiceError("您不是社区工作者，无法记录民情日志")
    return community


def day_log(user, date: datetime.date | None = None, *, create: bool = False) -> WorkerLog | None:
    """The user's log of a day (today by default); created on the first item."""
    worker = worker_of(user)
    if worker is None:
        raise PermissionDenied("您的账号没有关联社区工作者，无法记录民情日志")
    community = _worker_community(worker)
    date = date or timezone.localdate()
    log = WorkerLog.objects.filter(worker=worker, date=date).select_related("worker", "community").first()
    if log is None and create:
        probe = WorkerLog(worker=worker, community=community, date=date)
        if not covers(user, probe, "outreach.log"):
            raise PermissionDenied("没有记录民情日志的权限")
        if date > timezone.localdate():
            raise ServiceError("不能记录未来日期的日志", field="date")
        if date < timezone.localdate() - datetime.timedelta(days=7):
            raise ServiceError("只能补记 7 天内的日志", field="date")
        with transaction.atomic():
            log, created = WorkerLog.objects.get_or_create(
                worker=worker, date=date, defaults={"community": community}
            )
            if created:
                audit.record_create(user, log)
    return log


def add_item(user, *, kind: str, text: str, household: Household | None = None, date=None) -> LogItem:
    if kind not in ItemKind.values:
        raise ServiceError("请选择类别", field="kind")
    text = _text(text, "内容", minimum=4)
    log = day_log(user, date, create=True)
    if household is not None and not household.entrance.path.startswith(log.community.path):
        raise ServiceError("涉及住户不在本社区", field="household")
    with transaction.atomic():
        item = LogItem.objects.create(log=log, kind=kind, text=text, household=household)
        audit.record_create(user, item)
    return item


def get_item(user, pk) -> LogItem:
    item = (
        LogItem.objects.visible_to(user, "outreach.log")
        .select_related(
            "log", "log__worker", "log__community", "household", "household__entrance", "household__grid"
        )
        .filter(pk=pk)
        .first()
    )
    if item is None:
        raise NotFound("日志条目不存在或不在您的管辖范围内")
    return item


def _require_open(user, item: LogItem) -> None:
    if item.log.worker.user_id != user.pk and not covers(user, item.log.community, "regions.change"):
        raise PermissionDenied("只能处理本人或本社区的日志条目")
    if item.state != ItemState.OPEN:
        raise ServiceError(f"该条目{item.get_state_display()}，不能重复处理")


def item_to_case(user, item: LogItem, *, description: str = ""):
    """A log item becomes a case (channel 走访) in the household's grid, or the community."""
    _require_open(user, item)
    text = _text(description or item.text, "问题描述", minimum=5)
    with transaction.atomic():
        case = _open_case(user, item.household, item.log.community, text, source="民情日志")
        LogItem.objects.filter(pk=item.pk).update(state=ItemState.CASE, case=case)
        audit.record_transition(user, item, item.state, ItemState.CASE, case=case.number)
        item.state, item.case = ItemState.CASE, case
    return case


def item_to_visit(user, item: LogItem, *, kind: str = "night", place: str = "", whom: str = ""):
    """A log item becomes a visit record (cases.Visit, 走访记录: 夜访民情 or 联系点走访)."""
    from grassroots.cases import visits

    _require_open(user, item)
    log = item.log
    if not place and item.household is not None:
        entrance = item.household.entrance
        building = Region.objects.filter(path=entrance.path[:-STEP]).only("name").first()
        place = f"{building.name if building else ''}{entrance.name}"
    whom = whom or (str(item.household) if item.household is not None else "辖区居民")
    with transaction.atomic():
        visit = visits.record_visit(
            user,
            kind=kind,
            region=log.community,
            visitor_name=log.worker.name,
            visited_at=timezone.make_aware(datetime.datetime.combine(log.date, datetime.time(19, 0)))
            if log.date < timezone.localdate()
            else timezone.now(),
            place=place or log.community.name,
            whom=whom,
            heard=item.text,
        )
        LogItem.objects.filter(pk=item.pk).update(state=ItemState.VISIT, visit=visit)
        audit.record_transition(user, item, item.state, ItemState.VISIT, visit=visit.pk)
        item.state, item.visit = ItemState.VISIT, visit
    return visit


def close_item(user, item: LogItem) -> LogItem:
    """Settled on the spot (answered, explained): nothing further to open."""
    _require_open(user, item)
    with transaction.atomic():
        LogItem.objects.filter(pk=item.pk).update(state=ItemState.DONE)
        audit.record_transition(user, item, item.state, ItemState.DONE)
        item.state = ItemState.DONE
    return item


def can_manage_links(user, community: Region) -> bool:
    return has_perm(user, "regions.change") and covers(user, community, "regions.change")


def household_choices(user, community: Region, q: str = "", limit: int = 20) -> list[Household]:
    from grassroots.core.text import name_search_q

    qs = Household.objects.visible_to(user, "regions.view").filter(entrance__path__startswith=community.path)
    if q:
        qs = qs.filter(name_search_q(q, "head_name", "name_initials"))
    return list(qs.select_related("entrance").order_by("name_initials", "pk")[:limit])
