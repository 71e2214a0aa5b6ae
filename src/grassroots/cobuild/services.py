"""Every state change of co-building: scope- and permission-checked, validated, atomic, audited.

Sides: the community side acts with `cobuild.change` over the community (region grants); the unit
side acts with `cobuild.claim` for a unit it represents (`acting_units(user)`); an in-service member
registers with `cobuild.register` over their own records.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from grassroots.core import audit, tallies
from grassroots.core.errors import Conflict, NotFound, PermissionDenied, ServiceError
from grassroots.core.scoping import covers, grants_for, has_perm
from grassroots.core.services import full_clean, require_in_scope, save_changes

from .models import (
    RATING_CRITERIA,
    Agreement,
    Committee,
    CommitteeMember,
    ItemState,
    Meeting,
    MeetingState,
    Milestone,
    Need,
    Project,
    ProjectOutput,
    ProjectState,
    Rating,
    RatingSide,
    Registration,
    RegKind,
    RegState,
    Resolution,
    Resource,
    ServicePost,
    ServiceRecord,
)

# ---- helpers ----------------------------------------------------------------------------------------


def community_org(community):
    """The community's own party organisation (社区党委), the org of community-side rows."""
    from grassroots.party.models import PartyOrg

    if community is None:
        return None
    return PartyOrg.objects.filter(region=community).order_by("depth", "path").first()


def unit_org(unit, community):
    return unit.party_org if unit.party_org_id else community_org(community)


def acting_units(user):
    """Units the user may act for with cobuild.claim: those in a region they hold it on, or covered
    by / located under the party org they hold it on."""
    from grassroots.party.models import PartyOrg
    from grassroots.units.models import Unit

    if user is None or not user.is_authenticated:
        return Unit.objects.none()
    if user.is_superuser:
        return Unit.objects.all()
    q = Q(pk__in=[])
    org_paths = []
    for g in grants_for(user):
        if "cobuild.claim" not in g.perms:
            continue
        if g.region_path is not None:
            q |= Q(region__path__startswith=g.region_path)
        if g.org_path is not None:
            q |= Q(party_org__path__startswith=g.org_path)
            org_paths.append(g.org_path)
    if org_paths:
        for region_path in PartyOrg.objects.filter(path__in=org_paths).values_list("region__path", flat=True):
            q |= Q(region__path__startswith=region_path)
    return Unit.objects.filter(q)


def _require_unit(user, unit):
    if unit is None:
        raise ServiceError("请选择单位", field="unit")
    if not acting_units(user).filter(pk=unit.pk).exists():
        raise NotFound("单位不存在或您无权代表该单位")


def _require_community(user, community, perm="cobuild.change"):
    if community is None:
        raise ServiceError("请选择社区", field="community")
    if community.level != "community":
        raise ServiceError("请选择社区一级的区划", field="community")
    if not covers(user, community, perm):
        raise NotFound("社区不存在或不在您的管辖范围内")


def _transition(user, obj, to_state, *, field="state", **extra):
    current = getattr(obj, field)
    if to_state not in type(obj).TRANSITIONS.get(current, set()):
        labels = dict(type(obj)._meta.get_field(field).choices)
        raise Conflict(f"当前状态“{labels.get(current, current)}”不能变为“{labels.get(to_state, to_state)}”")
    setattr(obj, field, to_state)
    audit.record_transition(user, obj, current, to_state, **extra)


def _notify(users, **kw):
    from grassroots.notifications.services import notify

    return notify(users, **kw)


def _community_users(community):
    from grassroots.accounts.models import RoleAssignment

    rows = RoleAssignment.objects.filter(
        region__isnull=False, role__code__in=("community_admin",), region=community
    ).select_related("user")
    return [r.user for r in rows]


# ---- service posts ----------------------------------------------------------------------------------


def add_post(user, *, community, name, description="") -> ServicePost:
    _require_community(user, community)
    post = ServicePost(community=community, org=community_org(community), name=(name or "").strip())
    post.description = description
    if not post.name:
        raise ServiceError("请填写岗位名称", field="name")
    if ServicePost.objects.filter(community=community, name=post.name).exists():
        raise ServiceError("该社区已有同名岗位", field="name")
    full_clean(post)
    with transaction.atomic():
        post.save()
        audit.record_create(user, post)
    return post


# ---- dual registration ------------------------------------------------------------------------------


def register_unit(
    user,
    *,
    unit,
    community,
    items: list[str],
    signed_on=None,
    term_start=None,
    term_end=None,
    contact_name="",
    contact_phone="",
    note="",
) -> Registration:
    """A unit reports to its community and signs a co-building agreement (pending until confirmed)."""
    if unit is None:
        raise ServiceError("请选择报到单位", field="unit")
    if community is None:
        raise ServiceError("请选择报到社区", field="community")
    community_side = covers(user, community, "cobuild.change")
    if not community_side:
        _require_unit(user, unit)
    if community.level != "community":
        raise ServiceError("报到对象必须是社区", field="community")
    if Registration.objects.filter(unit=unit, community=community, state__in=["pending", "active"]).exists():
        raise Conflict("该单位已向此社区报到，不能重复报到")
    items = [str(i).strip() for i in (items or []) if str(i).strip()]
    reg = Registration(
        kind=RegKind.UNIT,
        unit=unit,
        community=community,
        org=unit_org(unit, community),
        contact_name=contact_name,
        contact_phone=contact_phone,
        note=note,
    )
    agreement = Agreement(
        community=community,
        org=reg.org,
        items=items,
        signed_on=signed_on,
        term_start=term_start,
        term_end=term_end,
    )
    full_clean(reg)
    full_clean(agreement, exclude=["registration"])
    try:
        with transaction.atomic():
            reg.save()
            agreement.registration = reg
            agreement.save()
            audit.record_create(user, reg)
            audit.record_create(user, agreement)
    except IntegrityError as exc:
        raise Conflict("该单位已向此社区报到，不能重复报到") from exc
    return reg


def update_agreement(user, reg: Registration, *, items, signed_on=None, term_start=None, term_end=None):
    """Amend or renew a unit's co-building agreement (new items, a new term). The community side
    changes it; an ended or rejected registration's agreement stays as it was signed."""
    _require_community(user, reg.community)
    if reg.kind != RegKind.UNIT:
        raise ServiceError("只有单位报到有共驻共建协议")
    if reg.state not in (RegState.PENDING, RegState.ACTIVE):
        raise Conflict(f"报到状态为“{reg.get_state_display()}”，协议不能再修改")
    with transaction.atomic():
        agreement = Agreement.objects.select_for_update().filter(registration=reg).first()
        if agreement is None:
            raise NotFound("该报到没有共驻共建协议")
        before = audit.snapshot(agreement)
        agreement.items = [str(i).strip() for i in (items or []) if str(i).strip()]
        agreement.signed_on, agreement.term_start, agreement.term_end = signed_on, term_start, term_end
        full_clean(agreement, exclude=["registration"])  # refused: the transaction rolls back
        agreement.save(update_fields=["items", "signed_on", "term_start", "term_end"])
        audit.record_update(user, agreement, before)
    return agreement


def register_member(user, *, community, posts=(), note="") -> Registration:
    """An in-service member (the logged-in party member) reports to the community where they live."""
    from grassroots.party.models import Member

    if not has_perm(user, "cobuild.register"):
        raise PermissionDenied("只有在职党员可以到社区报到")
    member = Member.objects.filter(user=user).select_related("party_org").first()
    if member is None:
        raise ServiceError("您的账号未关联党员信息，请联系所在党组织")
    if not member.in_service:
        raise ServiceError("只有在职党员需要到社区报到")
    if community is None:
        raise ServiceError("请选择报到社区", field="community")
    if community.level != "community":
        raise ServiceError("报到对象必须是社区", field="community")
    posts = list(posts or [])
    if not posts:
        raise ServiceError("请至少选择一个服务岗位", field="posts")
    if any(p.community_id != community.pk or not p.active for p in posts):
        raise ServiceError("所选岗位不属于该社区", field="posts")
    if Registration.objects.filter(member=member, state__in=["pending", "active"]).exists():
        raise Conflict("您已有报到记录（待确认或已报到），不能重复报到")
    reg = Registration(
        kind=RegKind.MEMBER,
        member=member,
        community=community,
        org=member.party_org,
        contact_name=member.name,
        note=note,
    )
    full_clean(reg)
    try:
        with transaction.atomic():
            reg.save()
            reg.posts.set(posts)
            audit.record_create(user, reg)
            _notify(
                _community_users(community),
                kind="cobuild.registered",
                title=f"在职党员{member.name}到社区报到，待确认",
                obj=reg,
            )
    except IntegrityError as exc:
        raise Conflict("您已有报到记录（待确认或已报到），不能重复报到") from exc
    return reg


def _move_registration(user, reg, to_state: str, changes: dict, **extra) -> Registration:
    """Inside the transaction: the registration re-read under a row lock, moved (audited) with the fields
    the step stamps."""
    reg = (
        Registration.objects.select_for_update(of=("self",))
        .select_related("community", "org", "member", "unit")
        .get(pk=reg.pk)
    )
    _transition(user, reg, to_state, **extra)
    for field, value in changes.items():
        setattr(reg, field, value)
    reg.save(update_fields=["state", *changes])
    return reg


def confirm_registration(user, reg: Registration) -> Registration:
    require_in_scope(user, reg, "change")
    with transaction.atomic():
        reg = _move_registration(user, reg, RegState.ACTIVE, {"confirmed_at": timezone.now()})
        if reg.kind == RegKind.MEMBER and reg.member.user_id:
            _notify(
                reg.member.user,
                kind="cobuild.confirmed",
                title=f"{reg.community.name}已确认您的报到",
                obj=reg,
            )
    return reg


def reject_registration(user, reg: Registration, reason: str) -> Registration:
    require_in_scope(user, reg, "change")
    if not (reason or "").strip():
        raise ServiceError("请填写退回原因", field="reason")
    with transaction.atomic():
        reg = _move_registration(
            user, reg, RegState.REJECTED, {"note": reason.strip()[:200]}, reason=reason.strip()
        )
    return reg


def end_registration(user, reg: Registration) -> Registration:
    require_in_scope(user, reg, "change")
    with transaction.atomic():
        reg = _move_registration(user, reg, RegState.ENDED, {"ended_at": timezone.now()})
    return reg


def record_service(user, reg: Registration, *, served_on, activity: str, hours) -> ServiceRecord:
    """The community records an in-service member's service (hours and activity)."""
    require_in_scope(user, reg, "change")
    reg = Registration.objects.select_related("community", "org").get(pk=reg.pk)
    if reg.kind != RegKind.MEMBER:
        raise ServiceError("只能为在职党员登记服务时长")
    if reg.state != RegState.ACTIVE:
        raise Conflict("报到确认后才能登记服务")
    if served_on and served_on > timezone.localdate():
        raise ServiceError("服务日期不能晚于今天", field="served_on")
    rec = ServiceRecord(registration=reg, served_on=served_on, activity=(activity or "").strip(), hours=hours)
    if not rec.activity:
        raise ServiceError("请填写服务内容", field="activity")
    full_clean(rec)
    with transaction.atomic():
        rec.save()
        audit.record_create(user, rec)
    return rec


# ---- two-way rating ---------------------------------------------------------------------------------


def parse_period(period: str) -> tuple[datetime.date, datetime.date]:
    """'2026Q3' -> (2026-07-01, 2026-09-30)."""
    try:
        year, q = period.upper().split("Q")
        year, q = int(year), int(q)
        if not (2000 <= year <= 2100 and 1 <= q <= 4):
            raise ValueError
    except ValueError as exc:
        raise ServiceError("考核季度格式应为“2026Q3”", field="period") from exc
    start = datetime.date(year, 3 * q - 2, 1)
    end = datetime.date(year + (q == 4), (3 * q) % 12 + 1, 1) - datetime.timedelta(days=1)
    return start, end


def current_period(today=None) -> str:
    today = today or timezone.localdate()
    return f"{today.year}Q{(today.month - 1) // 3 + 1}"


def rate(user, *, side: str, community, unit, period: str, scores: dict, comment="") -> Rating:
    """One rating per pair and quarter: a community rates a unit (c2u) or a unit a community (u2c)."""
    if side not in RATING_CRITERIA:
        raise ServiceError("评价方向不正确", field="side")
    if community is None or unit is None:
        raise ServiceError("请选择社区和单位")
    if side == RatingSide.COMMUNITY_RATES_UNIT:
        _require_community(user, community)
    else:
        _require_unit(user, unit)
        if not Registration.objects.filter(unit=unit, community=community, kind=RegKind.UNIT).exists():
            raise NotFound("该单位未向此社区报到")
    parse_period(period)
    criteria = dict(RATING_CRITERIA[side])
    clean = {}
    for key, label in criteria.items():
        value = (scores or {}).get(key)
        try:
            value = int(value)
        except (TypeError, ValueError):
            raise ServiceError(f"请为“{label}”打分（1–5 分）", field=key) from None
        if not 1 <= value <= 5:
            raise ServiceError(f"“{label}”的评分须在 1–5 分之间", field=key)
        clean[key] = value
    unknown = set(scores or {}) - set(criteria)
    if unknown:
        raise ServiceError(f"未知的评分项：{'、'.join(sorted(unknown))}")
    avg = Decimal(sum(clean.values())) / len(clean)
    r = Rating(
        side=side,
        community=community,
        unit=unit,
        org=unit_org(unit, community),
        period=period.upper(),
        scores=clean,
        score=avg.quantize(Decimal("0.01")),
        comment=comment,
    )
    if Rating.objects.filter(side=side, community=community, unit=unit, period=r.period).exists():
        raise Conflict("本季度已评价过，不能重复评价")
    full_clean(r, exclude=["org"])
    try:
        with transaction.atomic():
            r.save()
            audit.record_create(user, r)
    except IntegrityError as exc:
        raise Conflict("本季度已评价过，不能重复评价") from exc
    return r


# ---- needs and resources ----------------------------------------------------------------------------


def post_need(user, *, community, title, category, quantity=1, description="", place="", lng=None,
              lat=None, valid_until=None, on_behalf_of="") -> Need:  # fmt: skip
    _require_community(user, community)
    need = Need(
        community=community,
        org=community_org(community),
        title=(title or "").strip(),
        category=category,
        quantity=quantity,
        description=description,
        place=place,
        lng=lng,
        lat=lat,
        valid_until=valid_until,
        on_behalf_of=on_behalf_of,
    )
    return _create_item(user, need)


def offer_resource(user, *, unit, community=None, title, category, quantity=1, description="", place="",
                   lng=None, lat=None, valid_until=None) -> Resource:  # fmt: skip
    """A unit offers a resource in its community (the unit side, or the community on its behalf)."""
    if unit is None:
        raise ServiceError("请选择提供资源的单位", field="unit")
    community = community or (unit.region if unit.region.level == "community" else None)
    if community is None:
        raise ServiceError("请选择资源所在社区", field="community")
    if not covers(user, community, "cobuild.change"):
        _require_unit(user, unit)
    res = Resource(
        unit=unit,
        community=community,
        org=unit_org(unit, community),
        title=(title or "").strip(),
        category=category,
        quantity=quantity,
        description=description,
        place=place,
        lng=lng if lng is not None else unit.lng,
        lat=lat if lat is not None else unit.lat,
        valid_until=valid_until,
    )
    return _create_item(user, res)


def _create_item(user, item):
    if item.valid_until and item.valid_until < timezone.localdate():
        raise ServiceError("有效期不能早于今天", field="valid_until")
    full_clean(item)
    with transaction.atomic():
        item.save()
        audit.record_create(user, item)
    return item


def _claim(user, model, item, values: dict, message: str):
    """The conditional UPDATE ... WHERE state='open': of N concurrent claims exactly one updates a row."""
    now = timezone.now()
    today = timezone.localdate()
    with transaction.atomic():
        n = (
            model.objects.filter(pk=item.pk, state=ItemState.OPEN)
            .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=today))
            .update(state=ItemState.CLAIMED, claimed_at=now, claimed_by=user, **values)
        )
        if n != 1:
            fresh = model.objects.filter(pk=item.pk).values_list("state", "valid_until").first()
            if fresh and fresh[0] == ItemState.OPEN:
                raise Conflict("已过有效期，不能认领")
            raise Conflict(message)
        tallies.changed(item)  # an UPDATE sends no signal: the open counts of its community move
        item.refresh_from_db()
        audit.record_transition(user, item, ItemState.OPEN, ItemState.CLAIMED, **values)
    return item


def claim_need(user, need: Need, unit) -> Need:
    """A unit claims an open need (one winner under concurrency; the others get a Conflict)."""
    if not covers(user, need, "view"):
        raise NotFound()
    _require_unit(user, unit)
    need = _claim(user, Need, need, {"claimed_unit": unit}, "该需求已被其他单位认领")
    _notify(_community_users(need.community), kind="cobuild.need_claimed",
            title=f"需求“{need.title}”已被{unit.name}认领", obj=need)  # fmt: skip
    return need


def claim_resource(user, resource: Resource, community) -> Resource:
    """A community claims an open resource offered by a unit."""
    if not covers(user, resource, "view"):
        raise NotFound()
    _require_community(user, community, "cobuild.claim")
    return _claim(user, Resource, resource, {"claimed_community": community}, "该资源已被其他社区认领")


def _may_manage_claim(user, item, claimant_side_ok: bool) -> None:
    if covers(user, item, "change") or claimant_side_ok:
        return
    if covers(user, item, "view"):
        raise PermissionDenied()
    raise NotFound()


def _require_claimed(user, item) -> None:
    if not covers(user, item, "view"):
        raise NotFound()
    if type(item).objects.filter(pk=item.pk, state=ItemState.CLAIMED).exists():
        return
    raise Conflict("只有已认领的事项可以退回")


def release_need(user, need: Need, reason: str = "") -> Need:
    """The claiming unit gives the need back (or the community takes it back): claimed -> open."""
    _require_claimed(user, need)
    need.refresh_from_db()
    ok = need.claimed_unit_id is not None and acting_units(user).filter(pk=need.claimed_unit_id).exists()
    _may_manage_claim(user, need, ok)
    return _release(user, Need, need, {"claimed_unit": None}, reason)


def release_resource(user, resource: Resource, reason: str = "") -> Resource:
    _require_claimed(user, resource)
    resource.refresh_from_db()
    ok = resource.claimed_community_id is not None and covers(
        user, resource.claimed_community, "cobuild.claim"
    )
    _may_manage_claim(user, resource, ok or bool(acting_units(user).filter(pk=resource.unit_id).exists()))
    return _release(user, Resource, resource, {"claimed_community": None}, reason)


def _release(user, model, item, clear: dict, reason: str):
    with transaction.atomic():
        n = model.objects.filter(pk=item.pk, state=ItemState.CLAIMED).update(
            state=ItemState.OPEN, claimed_at=None, claimed_by=None, **clear
        )
        if n != 1:
            raise Conflict("只有已认领的事项可以退回")
        item.refresh_from_db()
        tallies.changed(item)
        audit.record_transition(user, item, ItemState.CLAIMED, ItemState.OPEN, reason=reason)
    return item


def finish_item(user, item) -> Need | Resource:
    """The community marks a claimed need or resource as done."""
    require_in_scope(user, item, "change")
    return _set_item_state(user, item, ItemState.DONE)


def cancel_item(user, item) -> Need | Resource:
    """Withdraw an open item: the community, or for a resource also the offering unit."""
    ok = isinstance(item, Resource) and acting_units(user).filter(pk=item.unit_id).exists()
    _may_manage_claim(user, item, ok)
    return _set_item_state(user, item, ItemState.CANCELLED)


def _set_item_state(user, item, to_state):
    model = type(item)
    with transaction.atomic():
        item = model.objects.select_for_update().get(pk=item.pk)
        _transition(user, item, to_state)
        item.save(update_fields=["state"])
    return item


# ---- projects ---------------------------------------------------------------------------------------


def create_project(user, *, community, title, description="", budget_fen=0, units=(), needs=(),
                   resources=()) -> Project:  # fmt: skip
    """A project owned by the community and units; needs/resources it comes from link back to it."""
    _require_community(user, community)
    project = Project(
        community=community,
        org=community_org(community),
        title=(title or "").strip(),
        description=description,
        budget_fen=budget_fen,
    )
    if budget_fen is not None and budget_fen < 0:
        raise ServiceError("预算不能为负数", field="budget_fen")
    for item in list(needs) + list(resources):
        if not covers(user, item, "view"):
            raise NotFound("关联的需求或资源不存在或无权访问")
        if item.project_id:
            raise Conflict(f"“{item.title}”已关联其他项目")
    full_clean(project)
    units = set(units) | {n.claimed_unit for n in needs if n.claimed_unit_id} | {r.unit for r in resources}
    with transaction.atomic():
        project.save()
        project.units.set(units)
        for item in list(needs) + list(resources):
            type(item).objects.filter(pk=item.pk).update(project=project)
        audit.record_create(user, project)
    return project


def set_project_state(user, project: Project, to_state: str) -> Project:
    require_in_scope(user, project, "change")
    with transaction.atomic():
        project = Project.objects.select_for_update().get(pk=project.pk)
        _transition(user, project, to_state)
        project.save(update_fields=["state"])
    return project


def add_milestone(user, project: Project, *, title, due) -> Milestone:
    require_in_scope(user, project, "change")
    project = Project.objects.select_related("community", "org").get(pk=project.pk)
    if project.state in (ProjectState.DONE, ProjectState.CANCELLED):
        raise Conflict("项目已结束，不能新增节点")
    m = Milestone(project=project, title=(title or "").strip(), due=due)
    full_clean(m)
    with transaction.atomic():
        m.save()
        audit.record_create(user, m)
    return m


def complete_milestone(user, milestone: Milestone, done_on=None) -> Milestone:
    require_in_scope(user, milestone.project, "change")
    if milestone.done_on:
        raise Conflict("该节点已完成")
    done_on = done_on or timezone.localdate()
    if done_on > timezone.localdate():
        raise ServiceError("完成日期不能晚于今天", field="done_on")
    with transaction.atomic():
        return save_changes(user, milestone, done_on=done_on)


def add_output(user, project: Project, *, title, body="", photos=()) -> ProjectOutput:
    from grassroots.core.attachments import attach, validate_files

    require_in_scope(user, project, "change")
    out = ProjectOutput(project=project, title=(title or "").strip(), body=body)
    full_clean(out)
    photos = validate_files(list(photos), user=user) if photos else photos  # before the transaction
    with transaction.atomic():
        out.save()
        if photos:
            attach(user, out, photos)
        audit.record_create(user, out)
    return out


def evaluate_project(user, project: Project, *, score: int, evaluation: str = "") -> Project:
    require_in_scope(user, project, "change")
    project = Project.objects.select_related("community", "org").get(pk=project.pk)
    if project.state != ProjectState.DONE:
        raise Conflict("项目完成后才能评价")
    try:
        score = int(score)
    except (TypeError, ValueError):
        raise ServiceError("评价得分须为 1–5 的整数", field="score") from None
    if not 1 <= score <= 5:
        raise ServiceError("评价得分须为 1–5 的整数", field="score")
    with transaction.atomic():
        return save_changes(user, project, evaluation_score=score, evaluation=evaluation)


# ---- committees, meetings, resolutions --------------------------------------------------------------


def create_committee(user, *, region, name, kind="joint", place, day_of_month=15, time=None,
                     default_theme="", remind_days=2, units=()) -> Committee:  # fmt: skip
    if region is None:
        raise ServiceError("请选择所在区划", field="community")
    if not covers(user, region, "cobuild.change"):
        raise NotFound("区划不存在或不在您的管辖范围内")
    c = Committee(
        community=region,
        org=community_org(region),
        name=(name or "").strip(),
        kind=kind,
        place=(place or "").strip(),
        day_of_month=day_of_month,
        default_theme=default_theme,
        remind_days=remind_days,
    )
    if time is not None:
        c.time = time
    full_clean(c)
    with transaction.atomic():
        c.save()
        c.units.set(units)
        audit.record_create(user, c)
    return c


def add_committee_member(user, committee: Committee, *, name, unit=None, post="委员", member_user=None):
    require_in_scope(user, committee, "change")
    m = CommitteeMember(
        committee=committee, name=(name or "").strip(), unit=unit, post=post, user=member_user
    )
    full_clean(m)
    with transaction.atomic():
        m.save()
        audit.record_create(user, m)
    return m


def schedule_meetings(user, committee: Committee, *, start: datetime.date, months: int = 12,
                      themes: list[str] | None = None) -> list[Meeting]:  # fmt: skip
    """三定: one session a month on the committee's fixed day, time and place; existing ones are kept."""
    require_in_scope(user, committee, "change")
    if not 1 <= months <= 24:
        raise ServiceError("一次最多排定 24 个月", field="months")
    tz = timezone.get_current_timezone()
    created = []
    with transaction.atomic():
        y, m = start.year, start.month
        for i in range(months):
            day = datetime.date(y, m, committee.day_of_month)
            starts = datetime.datetime.combine(day, committee.time, tzinfo=tz)
            theme = (
                (themes[i] if themes and i < len(themes) else "") or committee.default_theme or "共驻共建议事"
            )
            if day >= start and not Meeting.objects.filter(committee=committee, starts_at=starts).exists():
                mt = Meeting.objects.create(
                    committee=committee, starts_at=starts, place=committee.place, theme=theme
                )
                audit.record_create(user, mt)
                created.append(mt)
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return created


def hold_meeting(user, meeting: Meeting, *, attendee_ids=(), minutes: str = "") -> Meeting:
    """Record a session as held with its attendance and minutes (planned -> held)."""
    require_in_scope(user, meeting, "change")
    if meeting.starts_at > timezone.now() + datetime.timedelta(hours=12):
        raise Conflict("会议尚未召开，不能登记为已召开")
    if not (minutes or "").strip():
        raise ServiceError("请填写会议纪要", field="minutes")
    people = list(CommitteeMember.objects.filter(committee=meeting.committee, pk__in=list(attendee_ids)))
    if len(people) != len(set(attendee_ids)):
        raise ServiceError("出席人员须为本委员会成员", field="attendees")
    with transaction.atomic():
        meeting = Meeting.objects.select_for_update().select_related("committee").get(pk=meeting.pk)
        _transition(user, meeting, MeetingState.HELD, attendees=len(people))
        meeting.minutes = minutes.strip()
        meeting.save(update_fields=["state", "minutes"])
        meeting.attendees.set(people)
    return meeting


def cancel_meeting(user, meeting: Meeting) -> Meeting:
    require_in_scope(user, meeting, "change")
    with transaction.atomic():
        meeting = Meeting.objects.select_for_update().select_related("committee").get(pk=meeting.pk)
        _transition(user, meeting, MeetingState.CANCELLED)
        meeting.save(update_fields=["state"])
    return meeting


def raise_issue(user, meeting: Meeting, *, issue: str, raised_by: str = "") -> Resolution:
    require_in_scope(user, meeting, "change")
    if meeting.state == MeetingState.CANCELLED:
        raise Conflict("会议已取消，不能提出议题")
    r = Resolution(meeting=meeting, issue=(issue or "").strip(), raised_by=raised_by)
    full_clean(r)
    with transaction.atomic():
        r.save()
        audit.record_create(user, r)
    return r


def resolve_issue(user, item: Resolution, *, decision, owner, duty, due, owner_unit=None) -> Resolution:
    """The meeting's decision on an issue: an owner, a duty and a deadline (GOV-8)."""
    require_in_scope(user, item, "change")
    if item.decision:
        raise Conflict("该议题已形成决议")
    if not all((v or "").strip() for v in (decision, owner, duty)) or due is None:
        raise ServiceError("决议须明确决议内容、责任主体、责任事项和完成期限", field="decision")
    before = audit.snapshot(item)
    item.decision, item.owner, item.duty, item.due, item.owner_unit = decision, owner, duty, due, owner_unit
    full_clean(item)
    with transaction.atomic():
        item.save()
        audit.record_update(user, item, before)
    return item


def complete_resolution(user, item: Resolution, *, result: str, done_on=None) -> Resolution:
    require_in_scope(user, item, "change")
    if not item.decision:
        raise Conflict("议题尚未形成决议")
    if item.done_on:
        raise Conflict("该决议已办结")
    if not (result or "").strip():
        raise ServiceError("请填写办理结果", field="result")
    done_on = done_on or timezone.localdate()
    if done_on > timezone.localdate():
        raise ServiceError("办结日期不能晚于今天", field="done_on")
    with transaction.atomic():
        return save_changes(user, item, done_on=done_on, result=result.strip())


def send_reminders(now=None) -> int:
    """Remind committee members (with an account) of sessions within their remind window, once."""
    now = now or timezone.now()
    count = 0
    qs = Meeting.objects.filter(state=MeetingState.PLANNED, reminded_at__isnull=True, starts_at__gt=now)
    qs = qs.filter(starts_at__lte=now + datetime.timedelta(days=7)).select_related("committee")
    for meeting in qs:
        if meeting.starts_at > now + datetime.timedelta(days=meeting.committee.remind_days):
            continue
        users = [p.user for p in meeting.committee.people.select_related("user") if p.user_id]
        with transaction.atomic():
            if Meeting.objects.filter(pk=meeting.pk, reminded_at__isnull=True).update(reminded_at=now) != 1:
                continue
            when = timezone.localtime(meeting.starts_at)
            _notify(
                users,
                kind="cobuild.meeting_reminder",
                title=f"{meeting.committee.name}将于{when:%m月%d日 %H:%M}召开",
                body=f"地点：{meeting.place}；主题：{meeting.theme}",
                obj=meeting,
                channels=("sms",),
            )
            count += 1
    return count
