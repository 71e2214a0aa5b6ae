"""Whistle services: one function per verb. Each is atomic and audited, checks the transition table
(whistle.workflow), the permission in scope and the input, and refuses with a Chinese ServiceError
before changing anything. Transitions are conditional UPDATEs on (state, version): of two concurrent
requests exactly one wins, the other gets a Conflict.

Deadlines come from the Rule table (GOV-3: checkin_hours, urgent_checkin_hours), in clock hours.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from grassroots.cases.models import Handler, HandlerKind
from grassroots.core import audit
from grassroots.core.attachments import attach, validate_files
from grassroots.core.errors import Conflict, NotFound, PermissionDenied, ServiceError
from grassroots.core.scoping import covers, grants_for
from grassroots.core.services import save_changes
from grassroots.notifications.services import notify
from grassroots.regions.models import Region

from .models import (
    Assessment,
    CheckinMode,
    Level,
    RequestedMode,
    Summons,
    Target,
    Urgency,
    WhistleEvent,
    department_ids_for,
    summons_scope_q,
)
from .periods import PeriodError, parse_period
from .workflow import (
    RESPONDABLE_SUMMONS_STATES,
    STEP_LABELS,
    SUMMONS_TRANSITIONS,
    TARGET_TRANSITIONS,
    TargetState,
)

MIN_TEXT = 5
MAX_TARGETS = 20
DEFAULT_HOURS = {Urgency.NORMAL: 24, Urgency.URGENT: 2}
# A reminder goes out once 75% of the check-in window has passed without a check-in.
REMIND_AT_SHARE = 0.75


# ---------------------------------------------------------------- rules and scope


def checkin_hours(urgency: str) -> float:
    """GOV-3 from the Rule table (a disabled or missing rule falls back to 24 h / 2 h)."""
    from grassroots.core.rules import Rule

    rule = Rule.objects.filter(code="GOV-3", enabled=True).first()
    key = "urgent_checkin_hours" if urgency == Urgency.URGENT else "checkin_hours"
    value = rule.param(key) if rule else None
    try:
        value = float(value)
    except (TypeError, ValueError):
        value = None
    return value if value and value > 0 else float(DEFAULT_HOURS[Urgency(urgency)])


def _covers_path(user, path: str, perm: str) -> bool:
    if user is None or not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    return any(
        perm in g.perms and g.region_path is not None and path.startswith(g.region_path)
        for g in grants_for(user)
    )


def can_see(user, summons: Summons) -> bool:
    """Object-level twin of Summons.objects.visible_to (both from Summons.scope_q_for)."""
    return covers(user, summons, "view")


def can_summon(user, region: Region) -> bool:
    return _covers_path(user, region.path, "whistle.summon")


def district_of(region: Region) -> Region | None:
    return Region.objects.filter(path__in=_ancestor_paths(region.path), level="district").first()


def _ancestor_paths(path: str) -> list[str]:
    step = Region.steplen
    return [path[:i] for i in range(step, len(path) + 1, step)]


def can_answer(user, summons: Summons) -> bool:
    district = district_of(summons.region)
    return district is not None and _covers_path(user, district.path, "whistle.summon")


def can_respond(user, target: Target) -> bool:
    if user is None or not user.is_authenticated:
        return False
    return user.is_superuser or target.handler_id in department_ids_for(user)


def get_summons(user, pk, action: str = "view") -> Summons:
    q = summons_scope_q(user, action)
    qs = Summons.objects.all() if q is None else Summons.objects.filter(q)
    try:
        return qs.select_related("region", "case", "created_by").get(pk=pk)
    except (Summons.DoesNotExist, ValueError, TypeError):
        raise NotFound("吹哨事项不存在或无权访问") from None


def summons_actions(user, summons: Summons) -> list[str]:
    """Summons verbs the user may perform now (the buttons a page shows)."""
    out = []
    for verb, (sources, _t) in SUMMONS_TRANSITIONS.items():
        if summons.state not in sources:
            continue
        if verb == "answer":
            ok = can_answer(user, summons)
        elif verb == "escalate":
            ok = summons.level == Level.STREET and can_summon(user, summons.region)
        else:
            ok = can_summon(user, summons.region)
        if ok:
            out.append(verb)
    return out


def target_actions(user, target: Target, summons: Summons) -> list[str]:
    if summons.state not in RESPONDABLE_SUMMONS_STATES or not can_respond(user, target):
        return []
    return [v for v, (sources, _t) in TARGET_TRANSITIONS.items() if target.state in sources]


# ---------------------------------------------------------------- helpers


def _text(value, label: str, minimum: int = MIN_TEXT, maximum: int = 2000, field: str | None = None) -> str:
    value = (value or "").strip()
    if len(value) < minimum:
        raise ServiceError(f"请填写{label}（至少 {minimum} 个字）", field=field)
    if len(value) > maximum:
        raise ServiceError(f"{label}不能超过 {maximum} 个字", field=field)
    return value


def _location(lng, lat, field="lng") -> tuple[float | None, float | None]:
    if lng in (None, "") and lat in (None, ""):
        return None, None
    try:
        lng, lat = float(lng), float(lat)
    except (TypeError, ValueError):
        raise ServiceError("位置坐标格式不正确", field=field) from None
    if not (-180 <= lng <= 180 and -90 <= lat <= 90):
        raise ServiceError("位置坐标超出范围", field=field)
    return lng, lat


def _departments(handlers: Iterable[Handler] | None, existing: Iterable[int] = ()) -> list[Handler]:
    out, seen = [], set(existing)
    for h in handlers or []:
        if h is None or h.pk in seen:
            continue
        if h.kind != HandlerKind.DEPARTMENT or not h.is_active:
            raise ServiceError(f"“{h.name}”不是启用中的职能部门，不能召集", field="handlers")
        seen.add(h.pk)
        out.append(h)
    return out


def _event(summons, step, user, note="", target=None) -> WhistleEvent:
    return WhistleEvent.objects.create(
        summons=summons,
        target=target,
        step=step,
        actor_name=(str(user) if user is not None and getattr(user, "is_authenticated", False) else "系统")[
            :150
        ],
        note=note,
    )


def _url(summons) -> str:
    return reverse("whistle:detail", args=[summons.pk])


def _members(handlers) -> list:
    from django.contrib.auth import get_user_model

    ids = [h.pk for h in handlers]
    return list(get_user_model().objects.filter(case_handlers__in=ids, is_active=True).distinct())


def _create_targets(user, summons: Summons, handlers: list[Handler], level: str, now) -> list[Target]:
    hours = checkin_hours(summons.urgency)
    due = now + datetime.timedelta(hours=hours)
    targets = []
    for h in handlers:
        t = Target.objects.create(summons=summons, handler=h, level=level, summoned_at=now, due_at=due)
        audit.record_create(user, t)
        targets.append(t)
    urgent = "【紧急】" if summons.urgency == Urgency.URGENT else ""
    notify(
        _members(handlers),
        kind="whistle.summoned",
        title=f"{urgent}吹哨报到：{summons.subject}"[:120],
        body=f"{summons.region.name}召集贵部门，请于 {timezone.localtime(due):%m月%d日 %H:%M} 前报到。",
        url=_url(summons),
        obj=summons,
        channels=("sms",),
    )
    return targets


def _require_state(summons: Summons, verb: str) -> None:
    if summons.state not in SUMMONS_TRANSITIONS[verb][0]:
        raise Conflict(f"吹哨事项当前状态为“{summons.get_state_display()}”，不能{STEP_LABELS[verb]}")


def _update_summons(user, summons: Summons, verb: str, changes: dict, note: str = "") -> Summons:
    sources, target_state = SUMMONS_TRANSITIONS[verb]
    _require_state(summons, verb)
    from_state = summons.state
    updated = Summons.objects.filter(pk=summons.pk, state=from_state, version=summons.version).update(
        state=target_state, version=F("version") + 1, **changes
    )
    if updated != 1:
        raise Conflict("吹哨事项已被他人处理或状态已变化，请刷新后重试")
    summons.state = target_state
    summons.version += 1
    for k, v in changes.items():
        setattr(summons, k, v)
    _event(summons, verb, user, note=note)
    audit.record_transition(user, summons, from_state, target_state, **changes)
    return summons


def _update_target(user, target: Target, verb: str, changes: dict) -> Target:
    sources, target_state = TARGET_TRANSITIONS[verb]
    from_state = target.state
    updated = Target.objects.filter(pk=target.pk, state=from_state, version=target.version).update(
        state=target_state, version=F("version") + 1, **changes
    )
    if updated != 1:
        raise Conflict("该部门已报到或已反馈，请刷新后重试")
    target.state = target_state
    target.version += 1
    for k, v in changes.items():
        setattr(target, k, v)
    audit.record_transition(user, target, from_state, target_state, **changes)
    return target


def _require_summon(user, summons: Summons, label: str) -> None:
    if can_summon(user, summons.region):
        return
    if can_see(user, summons):
        raise PermissionDenied(f"没有{label}权限")
    raise NotFound("吹哨事项不存在或无权访问")


# ---------------------------------------------------------------- verbs


def summon(
    user,
    *,
    region: Region,
    subject: str,
    description: str,
    handlers: Iterable[Handler],
    urgency: str = Urgency.NORMAL,
    requested_mode: str = RequestedMode.ANY,
    case=None,
    address: str = "",
    lng=None,
    lat=None,
) -> Summons:
    """A street or community summons departments (吹哨). The place is a street or community (or a
    finer node under one) the user may summon in; `case` (optional) must be visible to the user."""
    if region is None:
        raise ServiceError("请选择发生地", field="region")
    if not can_summon(user, region):
        if region.pk and Region.objects.visible_to(user).filter(pk=region.pk).exists():
            raise PermissionDenied("没有在该区域吹哨的权限")
        raise ServiceError("发生地不存在或不在您的管辖范围内", field="region", status=404)
    if region.level in ("city", "district"):
        raise ServiceError("吹哨须由街道或社区发起：请选择街道、社区或其下的具体地点", field="region")
    level = Level.STREET if region.level == "street" else Level.COMMUNITY
    subject = _text(subject, "事由", minimum=2, maximum=100, field="subject")
    description = _text(description, "情况说明", field="description")
    if urgency not in Urgency.values:
        raise ServiceError("紧急程度不正确", field="urgency")
    if requested_mode not in RequestedMode.values:
        raise ServiceError("报到方式要求不正确", field="requested_mode")
    lng, lat = _location(lng, lat)
    depts = _departments(handlers)
    if not depts:
        raise ServiceError("请至少选择一个被召集的职能部门", field="handlers")
    if len(depts) > MAX_TARGETS:
        raise ServiceError(f"一次最多召集 {MAX_TARGETS} 个部门", field="handlers")
    if case is not None:
        from grassroots.cases.models import Case

        if not Case.objects.visible_to(user).filter(pk=case.pk).exists():
            raise ServiceError("关联工单不存在或无权访问", field="case", status=404)
    now = timezone.now()
    summons = Summons(
        number="tmp-" + uuid.uuid4().hex[:16],
        subject=subject,
        description=description,
        region=region,
        level=level,
        address=(address or "").strip()[:200],
        lng=lng,
        lat=lat,
        case=case,
        urgency=urgency,
        requested_mode=requested_mode,
        created_by=user,
        created_at=now,
    )
    with transaction.atomic():
        summons.save()
        summons.number = f"CS{timezone.localtime(now):%Y%m%d}{summons.pk:05d}"
        Summons.objects.filter(pk=summons.pk).update(number=summons.number)
        audit.record_create(user, summons)
        _event(summons, "summon", user, note="召集：" + "、".join(h.name for h in depts))
        _create_targets(user, summons, depts, level, now)
    return summons


def add_targets(user, summons: Summons, *, handlers: Iterable[Handler]) -> list[Target]:
    """The summoner calls more departments while the summons is open."""
    _require_summon(user, summons, "追加召集")
    _require_state(summons, "add_targets")
    existing = list(summons.targets.values_list("handler_id", flat=True))
    depts = _departments(handlers, existing)
    if not depts:
        raise ServiceError("请选择尚未召集的职能部门", field="handlers")
    if len(existing) + len(depts) > MAX_TARGETS:
        raise ServiceError(f"一次最多召集 {MAX_TARGETS} 个部门", field="handlers")
    with transaction.atomic():
        _update_summons(
            user, summons, "add_targets", {}, note="追加召集：" + "、".join(h.name for h in depts)
        )
        return _create_targets(user, summons, depts, summons.level, timezone.now())


def _target_for(user, summons: Summons, target: Target, verb: str) -> None:
    if target.summons_id != summons.pk:
        raise NotFound("被召集部门不存在")
    if not can_respond(user, target):
        if can_see(user, summons):
            raise PermissionDenied("您不是该部门的经办人，不能代为报到或反馈")
        raise NotFound("吹哨事项不存在或无权访问")
    if summons.state not in RESPONDABLE_SUMMONS_STATES:
        raise Conflict(f"吹哨事项{summons.get_state_display()}，不能再{STEP_LABELS[verb]}")
    sources, _t = TARGET_TRANSITIONS[verb]
    if target.state not in sources:
        raise Conflict(f"该部门当前状态为“{target.get_state_display()}”，不能{STEP_LABELS[verb]}")


def check_in(
    user, summons: Summons, target: Target, *, mode: str, lng=None, lat=None, note: str = ""
) -> Target:
    """A summoned department checks in: on site (with its location) or online (when allowed)."""
    _target_for(user, summons, target, "check_in")
    if mode not in CheckinMode.values:
        raise ServiceError("请选择报到方式", field="mode")
    if summons.requested_mode == RequestedMode.ONSITE and mode != CheckinMode.ONSITE:
        raise ServiceError("本次吹哨要求现场报到", field="mode")
    lng, lat = _location(lng, lat)
    if mode == CheckinMode.ONSITE and lng is None:
        raise ServiceError("现场报到须提供当前位置", field="lng")
    note = (note or "").strip()
    if len(note) > 500:
        raise ServiceError("报到说明不能超过 500 个字", field="note")
    now = timezone.now()
    changes = {
        "checked_in_at": now,
        "checkin_mode": mode,
        "checkin_lng": lng,
        "checkin_lat": lat,
        "checkin_note": note,
        "checked_in_by": user,
    }
    with transaction.atomic():
        _update_target(user, target, "check_in", changes)
        late = "（超时）" if now > target.due_at else ""
        _event(
            summons,
            "check_in",
            user,
            note=f"{target.handler.name}{CheckinMode(mode).label}{late}",
            target=target,
        )
        notify(
            summons.created_by,
            kind="whistle.checked_in",
            title=f"{target.handler.name}已报到：{summons.subject}"[:120],
            body=f"{CheckinMode(mode).label}{late}" + (f"：{note}" if note else ""),
            url=_url(summons),
            obj=summons,
        )
    return target


def report(user, summons: Summons, target: Target, *, text: str, photos=()) -> Target:
    """A checked-in department reports what it did (text + up to 9 photos)."""
    _target_for(user, summons, target, "report")
    text = _text(text, "办理情况", field="text")
    changes = {"reported_at": timezone.now(), "report": text, "reported_by": user}
    photos = validate_files(photos, user=user) if photos else photos  # decoded before the transaction
    with transaction.atomic():
        _update_target(user, target, "report", changes)
        if photos:  # validated before anything is stored; a refusal rolls the transition back
            attach(user, target, photos, role="report")
        _event(summons, "report", user, note=f"{target.handler.name}：{text}", target=target)
        notify(
            summons.created_by,
            kind="whistle.reported",
            title=f"{target.handler.name}已反馈：{summons.subject}"[:120],
            body=text[:200],
            url=_url(summons),
            obj=summons,
        )
    return target


def escalate(user, summons: Summons, *, reason: str) -> Summons:
    """街呼区应: a street hands a summons it can't settle to the district."""
    _require_summon(user, summons, "上报")
    _require_state(summons, "escalate")
    if summons.level != Level.STREET:
        raise ServiceError("只有街道吹哨的事项可以上报区级")
    district = district_of(summons.region)
    if district is None:
        raise ServiceError("该街道没有上级区（县），不能上报")
    reason = _text(reason, "上报理由", field="reason")
    with transaction.atomic():
        _update_summons(
            user,
            summons,
            "escalate",
            {"escalated_at": timezone.now(), "escalation_reason": reason, "escalated_by": user},
            note=reason,
        )
        notify(
            district_admins(district),
            kind="whistle.escalated",
            title=f"街道上报：{summons.subject}"[:120],
            body=f"{summons.region.name}：{reason}"[:200],
            url=_url(summons),
            obj=summons,
        )
    return summons


def district_admins(district: Region) -> list:
    """Users holding whistle.summon on the district node itself (those who answer escalations)."""
    from grassroots.accounts.models import RoleAssignment

    rows = RoleAssignment.objects.filter(region=district).select_related("user", "role")
    return [a.user for a in rows if "whistle.summon" in a.role.permissions]


def answer(user, summons: Summons, *, handlers: Iterable[Handler], note: str = "") -> list[Target]:
    """The district answers an escalation by summoning departments at district level."""
    if not can_answer(user, summons):
        if can_see(user, summons):
            raise PermissionDenied("只有区级可以响应街道上报的事项")
        raise NotFound("吹哨事项不存在或无权访问")
    _require_state(summons, "answer")
    existing = list(summons.targets.values_list("handler_id", flat=True))
    depts = _departments(handlers, existing)
    if not depts:
        raise ServiceError("请选择尚未召集的职能部门", field="handlers")
    if len(existing) + len(depts) > MAX_TARGETS:
        raise ServiceError(f"一次最多召集 {MAX_TARGETS} 个部门", field="handlers")
    note = (note or "").strip()[:500]
    now = timezone.now()
    with transaction.atomic():
        _update_summons(
            user,
            summons,
            "answer",
            {"answered_at": now},
            note="区级召集：" + "、".join(h.name for h in depts),
        )
        targets = _create_targets(user, summons, depts, Level.DISTRICT, now)
        notify(
            summons.escalated_by or summons.created_by,
            kind="whistle.answered",
            title=f"区级已响应：{summons.subject}"[:120],
            body=note or "区级已召集部门",
            url=_url(summons),
            obj=summons,
        )
    return targets


def close(user, summons: Summons, *, conclusion: str) -> Summons:
    """The summoner closes the matter once every summoned department has reported."""
    _require_summon(user, summons, "办结")
    _require_state(summons, "close")
    conclusion = _text(conclusion, "办结说明", field="conclusion")
    pending = summons.targets.exclude(state=TargetState.REPORTED).select_related("handler")
    names = [t.handler.name for t in pending]
    if names:
        raise Conflict(f"尚有部门未反馈：{'、'.join(names)}")
    with transaction.atomic():
        return _update_summons(
            user, summons, "close", {"closed_at": timezone.now(), "conclusion": conclusion}, note=conclusion
        )


def cancel(user, summons: Summons, *, reason: str) -> Summons:
    _require_summon(user, summons, "撤销")
    _require_state(summons, "cancel")
    reason = _text(reason, "撤销理由", field="reason")
    with transaction.atomic():
        _update_summons(
            user, summons, "cancel", {"closed_at": timezone.now(), "conclusion": reason}, note=reason
        )
        notify(
            _members([t.handler for t in summons.targets.select_related("handler")]),
            kind="whistle.cancelled",
            title=f"吹哨已撤销：{summons.subject}"[:120],
            body=reason,
            url=_url(summons),
            obj=summons,
        )
    return summons


def send_reminders(now=None) -> int:
    """Remind the members of departments that have not checked in once 75% of their window has
    passed (each target once). Returns the number of targets reminded. Run by whistle.tasks."""
    now = now or timezone.now()
    rows = (
        Target.objects.filter(
            state=TargetState.SUMMONED,
            reminded_at__isnull=True,
            due_at__gt=now,
            summons__state__in=RESPONDABLE_SUMMONS_STATES,
        )
        .select_related("summons", "handler")
        .order_by("due_at")
    )
    n = 0
    for t in rows.iterator(chunk_size=500):
        window = (t.due_at - t.summoned_at).total_seconds()
        if (now - t.summoned_at).total_seconds() < REMIND_AT_SHARE * window:
            continue
        with transaction.atomic():
            if Target.objects.filter(pk=t.pk, reminded_at__isnull=True).update(reminded_at=now) != 1:
                continue
            _event(t.summons, "remind", None, note=f"提醒{t.handler.name}尽快报到", target=t)
            notify(
                _members([t.handler]),
                kind="whistle.remind",
                title=f"请尽快报到：{t.summons.subject}"[:120],
                body=f"报到时限 {timezone.localtime(t.due_at):%m月%d日 %H:%M}",
                url=_url(t.summons),
                obj=t.summons,
                channels=("sms",),
            )
        n += 1
    return n


# ---------------------------------------------------------------- assessment (street → department)


def assess(user, *, region: Region, handler: Handler, period: str, score, comment: str = "") -> Assessment:
    """A street records (or revises) its manual score of a department for a period (audited)."""
    if region is None or region.level != "street":
        raise ServiceError("考核须由街道进行：请选择街道", field="region")
    if not _covers_path(user, region.path, "standards.assess"):
        if Region.objects.visible_to(user).filter(pk=region.pk).exists():
            raise PermissionDenied("没有考核部门的权限")
        raise ServiceError("街道不存在或不在您的管辖范围内", field="region", status=404)
    if handler is None or handler.kind != HandlerKind.DEPARTMENT:
        raise ServiceError("请选择被考核的职能部门", field="handler")
    try:
        parse_period(period)
    except PeriodError as exc:
        raise ServiceError(str(exc), field="period") from None
    try:
        score = Decimal(str(score)).quantize(Decimal("0.1"))
    except (InvalidOperation, ValueError, TypeError):
        raise ServiceError("评议得分须为数字", field="score") from None
    if not (0 <= score <= 100):
        raise ServiceError("评议得分须在 0 到 100 之间", field="score")
    comment = (comment or "").strip()
    if len(comment) > 1000:
        raise ServiceError("评议意见不能超过 1000 个字", field="comment")
    with transaction.atomic():
        row = (
            Assessment.objects.select_for_update()
            .filter(region=region, handler=handler, period=period.strip())
            .first()
        )
        if row is None:
            row = Assessment.objects.create(
                region=region,
                handler=handler,
                period=period.strip(),
                score=score,
                comment=comment,
                assessed_by=user,
            )
            audit.record_create(user, row)
            return row
        return save_changes(
            user, row, score=score, comment=comment, assessed_by=user, updated_at=timezone.now()
        )
