"""Case services: one function per verb of the closed loop. Each is atomic and audited, checks the
transition table (workflow.TRANSITIONS), the permission in scope and the input, and refuses with a
Chinese ServiceError before changing anything.

Every transition is a conditional UPDATE ... WHERE state = <seen state> AND version = <seen version>
(accept also pins the handler): of two concurrent requests exactly one changes the row, the other gets
a Conflict, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
import uuid

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from grassroots.core import audit
from grassroots.core.attachments import attach, attachments_of, validate_files
from grassroots.core.crypto import lookup_hash
from grassroots.core.errors import Conflict, NotFound, PermissionDenied, ServiceError
from grassroots.core.scoping import covers
from grassroots.regions.models import Region

from . import casedays
from .analytics import alert_params
from .models import (
    AdmissionItem,
    Case,
    CaseEvent,
    CaseFollower,
    Category,
    Channel,
    DispatchRule,
    Evaluation,
    EvaluationLink,
    EvaluationResult,
    Handler,
    HandlerKind,
    Tier,
    TierDeadline,
    case_grants,
    handler_ids_for,
)
from .stats import ScoreParams, score_params
from .workdays import compute_deadline
from .workflow import TRANSITIONS, VERB_LABELS, VERB_PERMISSION, CaseState, allowed_verbs

MAX_PHOTOS = 9
PHONE_RE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")
MIN_TEXT = 5
MAX_WORK_PHOTOS = 27
EVALUATION_LINK_MAX_AGE = 7 * 24 * 3600  # seconds
EVALUATION_SALT = "grassroots.cases.evaluation"


# ---------------------------------------------------------------- scope and permissions


def case_covers(user, case: Case, action: str = "view") -> bool:
    """Object-level twin of Case.objects.visible_to: both come from Case.scope_q_for (core.scoping.covers
    evaluates it on the case, no query once grants and relations are loaded)."""
    return covers(user, case, action)


def can_act_for(user, handler: Handler | None) -> bool:
    """Whether the user may accept / return / log / resolve for this handler."""
    if handler is None or user is None or not user.is_authenticated:
        return False
    if user.is_superuser or handler.pk in handler_ids_for(user):
        return True
    if handler.kind == HandlerKind.DEPARTMENT:
        return False
    path = handler.region.path
    return any(
        g.region_path is not None and path.startswith(g.region_path) for g in case_grants(user, "handle")
    )


def get_case(user, pk, action: str = "view") -> Case:
    """A case the user may see (404 otherwise), with the relations the pages and services use."""
    try:
        return (
            Case.objects.visible_to(user, action)
            .select_related(
                "region", "category", "handler__region", "grid", "suggested_handler", "merged_into"
            )
            .get(pk=pk)
        )
    except (Case.DoesNotExist, ValueError, TypeError):
        raise NotFound("工单不存在或无权访问") from None


def _require(user, case: Case, verb: str) -> None:
    action = VERB_PERMISSION[verb]
    if action == "handle":
        if not case_covers(user, case, "view") and not can_act_for(user, case.handler):
            raise NotFound("工单不存在或无权访问")
        if not can_act_for(user, case.handler):
            raise PermissionDenied("您不是该工单的承办人，不能执行此操作")
        return
    if case_covers(user, case, action):
        return
    if case_covers(user, case, "view"):
        raise PermissionDenied(f"没有{VERB_LABELS[verb]}权限")
    raise NotFound("工单不存在或无权访问")


def _require_state(case: Case, verb: str) -> None:
    sources, _target = TRANSITIONS[verb]
    if case.state not in sources:
        raise Conflict(f"工单当前状态为“{case.get_state_display()}”，不能{VERB_LABELS[verb]}")


def available_actions(user, case: Case) -> list[str]:
    """Verbs the user may perform now (the buttons a page shows)."""
    out = []
    for verb in allowed_verbs(case.state):
        action = VERB_PERMISSION.get(verb)
        if action is None:
            continue
        ok = can_act_for(user, case.handler) if action == "handle" else case_covers(user, case, action)
        if ok and not (verb == "reopen" and case.reopen_count >= score_params().reopen_limit):
            out.append(verb)
    return out


# ---------------------------------------------------------------- the transition itself


def _event(case, step, from_state, to_state, user, note="", handler=None, data=None, also=()) -> CaseEvent:
    """Every step of every case passes here (submit and each transition): the step's event row, and the
    statistics summary of the case's days refreshed after commit (cases.casedays; `also`: moments whose
    day the step moved a figure out of, such as the resolution day a reopen clears)."""
    casedays.touch(case, *also)
    return CaseEvent.objects.create(
        case=case,
        step=step,
        from_state=from_state,
        to_state=to_state,
        actor=user if user is not None and user.is_authenticated else None,
        actor_name=(str(user) if user is not None and user.is_authenticated else "居民")[:150],
        handler=handler,
        note=note,
        data=data or {},
    )


def _transition(
    user, case: Case, verb: str, changes: dict, *, target=None, note="", extra_filter=None, data=None
):
    """Apply a transition with a conditional UPDATE; refresh `case` in memory; log event and audit."""
    _sources, default_target = TRANSITIONS[verb]
    target = target or default_target
    from_state = case.state
    was_resolved_at = case.resolved_at
    flt = {"pk": case.pk, "state": from_state, "version": case.version, **(extra_filter or {})}
    updated = Case.objects.filter(**flt).update(state=target, version=F("version") + 1, **changes)
    if updated != 1:
        raise Conflict("工单已被他人处理或状态已变化，请刷新后重试")
    case.state = target
    case.version += 1
    for k, v in changes.items():
        setattr(case, k, v)
    handler = changes.get("handler", case.handler) if "handler" in changes else case.handler
    _event(
        case, verb, from_state, target, user, note=note, handler=handler, data=data, also=(was_resolved_at,)
    )
    extra = {k: v for k, v in changes.items() if k not in ("version",)}
    audit.record_transition(user, case, from_state, target, **extra)
    return case


def _text(value, label: str, minimum: int = MIN_TEXT, maximum: int = 2000) -> str:
    value = (value or "").strip()
    if len(value) < minimum:
        raise ServiceError(f"请填写{label}（至少 {minimum} 个字）", field=None)
    if len(value) > maximum:
        raise ServiceError(f"{label}不能超过 {maximum} 个字")
    return value


# ---------------------------------------------------------------- intake


def _validate_location(lng, lat) -> tuple[float | None, float | None]:
    if lng in (None, "") and lat in (None, ""):
        return None, None
    try:
        lng, lat = float(lng), float(lat)
    except (TypeError, ValueError):
        raise ServiceError("位置坐标格式不正确", field="lng") from None
    if not (-180 <= lng <= 180 and -90 <= lat <= 90):
        raise ServiceError("位置坐标超出范围", field="lng")
    return lng, lat


def route_location(lng, lat):
    """(grid, community) for a WGS-84 point from the grid index, (None, None) outside every grid."""
    from grassroots.grids.models import Grid
    from grassroots.grids.routing import route_point

    if lng is None or lat is None:
        return None, None
    found = route_point(lng, lat)
    if not found.get("found"):
        return None, None
    grid = Grid.objects.select_related("region").filter(code=found["grid"]["code"]).first()
    if grid is None:
        return None, None
    community = grid.region if grid.region.level == "community" else None
    if community is None:
        community = Region.objects.filter(code=found["grid"]["community_code"], level="community").first()
    return grid, community


def handling_deadline(category: Category, tier: str) -> tuple[int, str]:
    """GOV-5: (value, unit) of the handling deadline for a category and a tier of 三事分流. The most
    specific active TierDeadline row wins (the 小类's own, then its 大类's); otherwise the category's own
    deadline."""
    rows = {
        row.category_id: row
        for row in TierDeadline.objects.filter(
            tier=tier, is_active=True, category_id__in=[c for c in (category.pk, category.parent_id) if c]
        )
    }
    row = rows.get(category.pk) or rows.get(category.parent_id)
    if row is not None:
        return row.deadline_value, row.deadline_unit
    return category.deadline_value, category.deadline_unit


def handling_dates(case: Case, start):
    """(due_soon_at, due_at, years without calendar data) of the case's handling deadline from start."""
    value, unit = handling_deadline(case.category, case.tier or case.category.default_tier)
    return compute_deadline(start, value, unit)


def response_dates(start):
    """(respond_soon_at, respond_due_at) of the GOV-5 response deadline (the wait before dispatch)."""
    params = alert_params()
    soon, due, _missing = compute_deadline(start, params.response_hours, "hours")
    return soon, due


def submit(
    user,
    *,
    channel: str,
    region: Region | None,
    description: str,
    category: Category | None = None,
    lng=None,
    lat=None,
    address: str = "",
    reporter_name: str = "",
    reporter_phone: str = "",
    grid=None,
    photos=(),
    visit=None,
    prefer_location: bool = False,
) -> Case:
    """Create a case from any intake channel. Residents (or anonymous H5 visitors) use channel h5;
    every other channel needs cases.submit over the community.

    A location inside a grid routes the case to that grid and its community (grids.routing); without
    one (or outside every grid) the chosen `region` (a community) is used. When both are given and
    disagree, the chosen region wins unless `prefer_location` (the H5 form: a tapped point is more
    precise than a picked community). Anonymous reporters must
    leave a phone number. `photos`: up to 9 uploaded images (core.attachments, role "photo")."""
    if channel not in Channel.values:
        raise ServiceError("受理渠道不正确", field="channel")
    authenticated = user is not None and user.is_authenticated
    description = _text(description, "问题描述")
    if category is not None and not category.is_active:
        raise ServiceError("该事项类别已停用", field="category")
    lng, lat = _validate_location(lng, lat)
    if grid is None and lng is not None:
        routed_grid, routed_region = route_location(lng, lat)
        if routed_region is not None and (region is None or prefer_location or routed_region.pk == region.pk):
            grid, region = routed_grid, routed_region
    if region is None and grid is not None and grid.region.level == "community":
        region = grid.region
    if region is None or region.level != "community":
        raise ServiceError("请选择问题所在社区，或在地图上标注问题位置", field="region")
    if channel != Channel.H5 and not case_covers(user, Case(region=region), "submit"):
        raise PermissionDenied("没有在该社区代录诉求的权限")
    address = (address or "").strip()[:200]
    reporter_name = (reporter_name or "").strip()[:50]
    reporter_phone = (reporter_phone or "").strip().replace(" ", "")
    if reporter_phone and not PHONE_RE.match(reporter_phone):
        raise ServiceError("联系电话格式不正确", field="reporter_phone")
    if channel == Channel.H5 and not authenticated and not reporter_phone:
        raise ServiceError("请留下联系电话，便于反馈办理结果", field="reporter_phone")
    if category is not None:
        values = {
            "location": lng is not None,
            "address": bool(address),
            "reporter_phone": bool(reporter_phone),
            "reporter_name": bool(reporter_name),
        }
        from .models import REQUIRABLE_FIELDS

        missing = [REQUIRABLE_FIELDS[f] for f in category.required_fields if not values.get(f, True)]
        if missing:
            raise ServiceError(f"“{category.name}”类诉求须填写：{'、'.join(missing)}")
    if grid is not None and not (grid.region_id == region.pk or region.path.startswith(grid.region.path)):
        raise ServiceError("所选网格不属于该社区", field="grid")
    photos = [p for p in (photos or []) if p]
    # Decode and re-encode before the transaction (a slow image must not hold the write lock).
    photos = validate_files(photos, max_files=MAX_PHOTOS, user=user) if photos else []
    now = timezone.now()
    respond_soon, respond_due = response_dates(now)
    case = Case(
        number="tmp-" + uuid.uuid4().hex[:16],
        channel=channel,
        category=category,
        description=description,
        lng=lng,
        lat=lat,
        address=address,
        region=region,
        grid=grid,
        reporter_name=reporter_name,
        reporter_phone=reporter_phone,
        reporter_phone_hash=lookup_hash(reporter_phone) if reporter_phone else "",
        reporter_user=user if authenticated and channel == Channel.H5 else None,
        created_by=user if authenticated else None,
        submitted_at=now,
        respond_soon_at=respond_soon,
        respond_due_at=respond_due,
        visit=visit,
    )
    with transaction.atomic():
        case.save()
        case.number = f"{timezone.localtime(now):%Y%m%d}{case.pk:06d}"
        Case.objects.filter(pk=case.pk).update(number=case.number)
        if photos:
            attach(user, case, photos, role="photo", max_files=MAX_PHOTOS)
        event = _event(case, "submit", "", CaseState.SUBMITTED, user, data={"channel": channel})
        audit.record_create(user if authenticated else None, case)
        if channel == Channel.H5:
            # The receipt (inbox rows, text message) is not what the resident waits for: a background
            # task sends it once the case is committed (cases.tasks.tell_reporter).
            _tell_reporter_later(
                case,
                "cases.received",
                f"您反映的诉求已受理：{case.number}",
                "我们将尽快分派办理，可随时查看办理进度。",
            )
    case._submit_event = event  # for a caller answering with the new case's detail (cases.api)
    return case


TRACK_SALT = "grassroots.cases.track"


def tracking_token(case: Case) -> str:
    """The signed token of a case's tracking page (no login; shows no personal data)."""
    return signing.Signer(salt=TRACK_SALT).sign(str(case.pk))


def case_for_tracking(token: str) -> Case:
    try:
        pk = int(signing.Signer(salt=TRACK_SALT).unsign(token))
    except (signing.BadSignature, ValueError):
        raise NotFound("查询链接无效") from None
    case = Case.objects.select_related("region", "category", "handler", "merged_into").filter(pk=pk).first()
    if case is None:
        raise NotFound("查询链接无效")
    days = int(getattr(settings, "CASE_TRACKING_DAYS_AFTER_CLOSE", 90))
    if case.closed_at and timezone.now() > case.closed_at + dt.timedelta(days=days):
        closed = timezone.localtime(case.closed_at)
        raise TrackingExpired(
            f"该诉求已于 {closed:%Y年%m月%d日} 结案，查询链接在结案 {days} 天后失效。"
            "如需了解办理情况，请联系所在社区。"
        )
    return case


class TrackingExpired(ServiceError):
    """A tracking link of a case closed longer ago than settings.CASE_TRACKING_DAYS_AFTER_CLOSE."""

    def __init__(self, message: str):
        super().__init__(message, status=410)


def case_by_number_and_phone(number: str, phone: str) -> Case:
    """查询进度 without an account: the case with this number reported with this phone (both must
    match; the same answer for a wrong number and a wrong phone)."""
    number = (number or "").strip()
    phone = "".join(ch for ch in (phone or "") if ch.isdigit() or ch == "-")
    if not number or not phone:
        raise ServiceError("请输入工单编号和提交时留下的联系电话")
    case = Case.objects.filter(number=number[:32], reporter_phone_hash=lookup_hash(phone)).first()
    if case is None:
        raise NotFound("没有找到该工单，请核对工单编号和联系电话")
    return case


def my_cases(user):
    """Cases a signed-in resident reported or follows (a merged case shows its survivor too)."""
    from django.db.models import Q

    if user is None or not user.is_authenticated:
        return Case.objects.none()
    mine = Q(reporter_user=user) | Q(followers__user=user)
    if getattr(user, "phone_hash", ""):
        # reports left with the phone this resident signed in with (also before the account existed)
        mine |= Q(reporter_phone_hash=user.phone_hash)
    return (
        Case.objects.filter(mine)
        .distinct()
        .select_related("category", "handler", "region", "merged_into")
        .order_by("-submitted_at", "-id")
    )


# ---------------------------------------------------------------- triage and dispatch


def triage(user, case: Case, *, category: Category, tier: str = "", grid=None, note: str = "") -> Case:
    _require(user, case, "triage")
    _require_state(case, "triage")
    if category is None or not category.is_active:
        raise ServiceError("请选择有效的事项类别", field="category")
    tier = tier or category.default_tier
    if tier not in Tier.values:
        raise ServiceError("三事分流类型不正确", field="tier")
    if grid is not None and not grid.region.path.startswith(case.region.path):
        raise ServiceError("所选网格不属于该工单所在社区", field="grid")
    changes = {"category": category, "tier": tier, "triaged_at": timezone.now()}
    if grid is not None:
        changes["grid"] = grid
    with transaction.atomic():
        return _transition(user, case, "triage", changes, note=note.strip())


def _category_chain(category: Category) -> list[int]:
    """The category and its ancestors, nearest first."""
    chain, node, seen = [], category, set()
    while node is not None and node.pk not in seen:
        chain.append(node.pk)
        seen.add(node.pk)
        node = node.parent
    return chain


def route(case: Case) -> Handler | None:
    """The handler the rules give for this case (category × tier × place), or the place's own
    street / community / grid handler when the category's handler kind is not a department."""
    chain = _category_chain(case.category) if case.category_id else []
    region_path = case.region.path
    best, best_key = None, None
    rules = DispatchRule.objects.filter(is_active=True, handler__is_active=True).select_related(
        "region", "handler__region"
    )
    for rule in rules:
        if rule.category_id is not None and rule.category_id not in chain:
            continue
        if rule.tier and rule.tier != case.tier:
            continue
        if rule.region_id is not None and not region_path.startswith(rule.region.path):
            continue
        key = (
            len(chain) - chain.index(rule.category_id) if rule.category_id else 0,
            len(rule.region.path) if rule.region_id else 0,
            1 if rule.tier else 0,
        )
        if best_key is None or key > best_key:
            best, best_key = rule.handler, key
    if best is not None:
        return best
    kind = case.category.handler_kind if case.category_id else HandlerKind.COMMUNITY
    qs = Handler.objects.filter(is_active=True, kind=kind).select_related("region")
    if kind == HandlerKind.GRID:
        return qs.filter(grid=case.grid).first() if case.grid_id else None
    if kind == HandlerKind.COMMUNITY:
        return qs.filter(region=case.region).first()
    if kind == HandlerKind.STREET:
        return qs.filter(region__path=region_path[: len(region_path) - case.region.steplen]).first()
    return None


def admission_allows(case: Case) -> bool:
    """GOV-2: may this case's category be delegated to a community?"""
    if not case.category_id:
        return False
    items = AdmissionItem.objects.filter(
        is_active=True, category_id__in=_category_chain(case.category)
    ).select_related("region")
    return any(i.region_id is None or case.region.path.startswith(i.region.path) for i in items)


def dispatchable_handlers(case: Case):
    """The handlers `dispatch` accepts for this case (the dispatch form's choices): active, with an area
    containing the case's community or inside it, and not a community or grid when the category is
    outside the admission list (GOV-2) or the case is a major matter. Keep in step with dispatch()."""
    from grassroots.regions.models import Region

    cpath = case.region.path
    ancestors = [cpath[:i] for i in range(Region.steplen, len(cpath) + 1, Region.steplen)]
    qs = Handler.objects.filter(is_active=True).filter(
        Q(region__path__in=ancestors) | Q(region__path__startswith=cpath)
    )
    if not admission_allows(case) or case.tier == Tier.MAJOR:
        qs = qs.exclude(kind__in=[HandlerKind.COMMUNITY, HandlerKind.GRID])
    return qs.select_related("region").order_by("kind", "region__path", "name")


def dispatch(user, case: Case, *, handler: Handler | None = None, note: str = "") -> Case:
    _require(user, case, "dispatch")
    _require_state(case, "dispatch")
    if case.tier == Tier.PRIVATE:
        raise ServiceError("私事应引导居民自行解决或通过市场服务解决，不派单；请说明处理建议后结案")
    if not case.category_id:
        raise ServiceError("请先分拨并确定事项类别")
    if handler is None:
        handler = route(case)
        if handler is None:
            raise ServiceError("没有适用的派单规则，请手动选择承办单位", field="handler")
    if not handler.is_active:
        raise ServiceError(f"承办单位“{handler.name}”已停用", field="handler")
    hpath, cpath = handler.region.path, case.region.path
    if not (cpath.startswith(hpath) or hpath.startswith(cpath)):
        raise ServiceError(f"承办单位“{handler.name}”的管辖区域不包含该工单所在社区", field="handler")
    if handler.kind in (HandlerKind.COMMUNITY, HandlerKind.GRID) and not admission_allows(case):
        raise ServiceError(
            f"“{case.category.name}”不在社区事项准入清单内，不能派给社区或网格办理，请派给街道或职能部门",
            field="handler",
        )
    if case.tier == Tier.MAJOR and handler.kind in (HandlerKind.COMMUNITY, HandlerKind.GRID):
        raise ServiceError("大事应由政府职能部门或街道办理，不能派给社区或网格", field="handler")
    now = timezone.now()
    soon, due, missing = handling_dates(case, now)
    changes = {
        "handler": handler,
        "dispatcher": user,
        "dispatched_at": now,
        "responded_at": case.responded_at or now,
        "accepted_at": None,
        "due_soon_at": soon,
        "due_at": due,
        "suggested_handler": None,
    }
    data = {"missing_calendar_years": sorted(missing)} if missing else None
    with transaction.atomic():
        _transition(user, case, "dispatch", changes, note=note.strip(), data=data)
        _notify(
            handler.members.filter(is_active=True),
            "cases.dispatched",
            f"新工单待接单：{case.number}",
            f"{case.category}｜{case.region.name}｜{case.description[:60]}",
            case,
        )
        _tell_reporter(
            case,
            "cases.dispatched_resident",
            f"您反映的诉求已派单办理：{case.number}",
            f"承办单位：{handler.name}。",
        )
    return case


# ---------------------------------------------------------------- handling


def accept(user, case: Case) -> Case:
    _require(user, case, "accept")
    _require_state(case, "accept")
    with transaction.atomic():
        return _transition(
            user,
            case,
            "accept",
            {"accepted_at": timezone.now()},
            extra_filter={"handler_id": case.handler_id},
        )


def return_case(user, case: Case, *, reason: str, suggested_handler: Handler | None) -> Case:
    """退单: the handler refuses with a reason and names the right handler; back to the dispatcher."""
    _require(user, case, "return")
    _require_state(case, "return")
    reason = _text(reason, "退单理由")
    if suggested_handler is None:
        raise ServiceError("请指明应由哪个承办单位办理", field="suggested_handler")
    if suggested_handler.pk == case.handler_id:
        raise ServiceError("建议的承办单位不能是本单位", field="suggested_handler")
    if not suggested_handler.is_active:
        raise ServiceError(f"承办单位“{suggested_handler.name}”已停用", field="suggested_handler")
    changes = {
        "handler": None,
        "suggested_handler": suggested_handler,
        "return_count": case.return_count + 1,
        "accepted_at": None,
        "due_soon_at": None,
        "due_at": None,
    }
    returning = case.handler
    with transaction.atomic():
        _transition(
            user,
            case,
            "return",
            changes,
            note=reason,
            extra_filter={"handler_id": case.handler_id},
            data={"returned_by": returning.pk if returning else None, "suggested": suggested_handler.pk},
        )
        _notify(
            [case.dispatcher] if case.dispatcher_id else [],
            "cases.returned",
            f"工单被退回：{case.number}",
            f"{returning or ''}退单，理由：{reason[:80]}；建议由{suggested_handler.name}办理",
            case,
        )
    return case


def log_work(user, case: Case, *, note: str, photos=()) -> Case:
    """纪实: a work log with optional photos (role "work" on the case)."""
    _require(user, case, "log_work")
    _require_state(case, "log_work")
    note = _text(note, "办理纪实")
    photos = [p for p in (photos or []) if p]
    photos = validate_files(photos, max_files=MAX_WORK_PHOTOS, user=user) if photos else []
    with transaction.atomic():
        rows = attach(user, case, photos, role="work", max_files=MAX_WORK_PHOTOS) if photos else []
        return _transition(
            user,
            case,
            "log_work",
            {},
            note=note,
            extra_filter={"handler_id": case.handler_id},
            data={"photos": [a.pk for a in rows]} if rows else None,
        )


def resolve(user, case: Case, *, resolution: str, photos=(), no_photo_reason: str = "") -> Case:
    """办结 with evidence: the result in words and at least one photo (role "evidence"; work-log photos
    count), or the reason why there can be none."""
    _require(user, case, "resolve")
    _require_state(case, "resolve")
    resolution = _text(resolution, "办理结果")
    photos = [p for p in (photos or []) if p]
    no_photo_reason = (no_photo_reason or "").strip()
    has_photos = bool(photos) or bool(attachments_of(case, "work")) or bool(attachments_of(case, "evidence"))
    if not has_photos and len(no_photo_reason) < MIN_TEXT:
        raise ServiceError(
            f"请上传办结照片作为佐证，或说明无法拍照的原因（至少 {MIN_TEXT} 个字）", field="photos"
        )
    changes = {"resolution": resolution, "resolved_at": timezone.now()}
    photos = validate_files(photos, max_files=MAX_PHOTOS, user=user) if photos else []
    with transaction.atomic():
        rows = attach(user, case, photos, role="evidence", max_files=MAX_PHOTOS) if photos else []
        data = {"photos": [a.pk for a in rows]} if rows else {}
        if not has_photos:
            data["no_photo_reason"] = no_photo_reason
        _transition(
            user,
            case,
            "resolve",
            changes,
            note=resolution,
            extra_filter={"handler_id": case.handler_id},
            data=data or None,
        )
        _tell_reporter(
            case,
            "cases.resolved",
            f"您反映的诉求已办结：{case.number}",
            f"办理结果：{resolution[:80]}。请对办理结果进行评价。",
            evaluate=True,
        )
    return case


# ---------------------------------------------------------------- evaluation, reopen, close


def issue_evaluation_link(case: Case) -> str:
    """A signed token for one evaluation of the current resolution round (single use, expires)."""
    if case.state != CaseState.RESOLVED:
        raise Conflict("工单尚未办结，不能发起评价")
    nonce = secrets.token_hex(16)
    EvaluationLink.objects.create(case=case, round=case.reopen_count + 1, nonce=nonce)
    return signing.TimestampSigner(salt=EVALUATION_SALT).sign_object({"c": case.pk, "n": nonce})


def evaluation_token(case: Case) -> str:
    """A token for the current round: the unused link of the round if there is one, else a new link."""
    if case.state != CaseState.RESOLVED:
        raise Conflict("工单尚未办结，不能发起评价")
    link = EvaluationLink.objects.filter(case=case, round=case.reopen_count + 1, used_at__isnull=True).first()
    if link is None:
        return issue_evaluation_link(case)
    return signing.TimestampSigner(salt=EVALUATION_SALT).sign_object({"c": case.pk, "n": link.nonce})


def read_evaluation_link(token: str) -> EvaluationLink:
    """The link a token stands for, if the signature holds, it has not expired and was not used."""
    try:
        payload = signing.TimestampSigner(salt=EVALUATION_SALT).unsign_object(
            token, max_age=EVALUATION_LINK_MAX_AGE
        )
    except signing.SignatureExpired:
        raise ServiceError("评价链接已过期", status=410) from None
    except signing.BadSignature:
        raise NotFound("评价链接无效") from None
    link = (
        EvaluationLink.objects.select_related("case__category", "case__handler")
        .filter(nonce=payload.get("n"), case_id=payload.get("c"))
        .first()
    )
    if link is None:
        raise NotFound("评价链接无效")
    if link.used_at is not None:
        raise ServiceError("该评价链接已使用，感谢您的评价", status=410)
    if link.case.state != CaseState.RESOLVED or link.round != link.case.reopen_count + 1:
        raise ServiceError("该工单当前不在待评价状态，链接已失效", status=410)
    return link


def evaluate_with_link(token: str, *, result: str, comment: str = "") -> Case:
    with transaction.atomic():
        link = read_evaluation_link(token)
        used = EvaluationLink.objects.filter(pk=link.pk, used_at__isnull=True).update(used_at=timezone.now())
        if used != 1:
            raise ServiceError("该评价链接已使用，感谢您的评价", status=410)
        return evaluate(None, link.case, result=result, comment=comment, _via_link=True)


def evaluate(user, case: Case, *, result: str, comment: str = "", _via_link: bool = False) -> Case:
    """The resident's evaluation (GOV-6). satisfied / basic → evaluated; unsatisfied → reopened to the
    same handler the first time, closed_unresolved (counted against the handler) the second time."""
    # Without a link only the reporter themselves may evaluate.
    if not _via_link and not is_reporter(user, case):
        raise PermissionDenied("只有诉求人本人可以评价")
    _require_state(case, "evaluate")
    if result not in EvaluationResult.values:
        raise ServiceError("请选择评价结果", field="result")
    comment = (comment or "").strip()
    if len(comment) > 500:
        raise ServiceError("评价意见不能超过 500 个字", field="comment")
    if result == EvaluationResult.UNSATISFIED and len(comment) < 2:
        raise ServiceError("请说明不满意的原因", field="comment")
    now = timezone.now()
    with transaction.atomic():
        try:
            with transaction.atomic():
                Evaluation.objects.create(
                    case=case,
                    round=case.reopen_count + 1,
                    result=result,
                    comment=comment,
                    handler=case.handler,
                )
        except IntegrityError:
            raise Conflict("本轮办理已评价") from None
        if result != EvaluationResult.UNSATISFIED:
            return _transition(
                user, case, "evaluate", {"evaluated_at": now}, note=comment, data={"result": result}
            )
        if case.reopen_count < score_params().reopen_limit:
            _event(case, "evaluate", case.state, case.state, user, note=comment, data={"result": result})
            return _reopen(user, case, reason=f"群众评价不满意：{comment}")
        return _transition(
            user,
            case,
            "close_unresolved",
            {"evaluated_at": now, "closed_at": now, "score": 0},
            note=comment,
            data={"result": result},
        )


def _reopen(user, case: Case, *, reason: str) -> Case:
    now = timezone.now()
    soon, due, _missing = handling_dates(case, now)
    changes = {
        "reopen_count": case.reopen_count + 1,
        "dispatched_at": now,
        "accepted_at": None,
        "resolved_at": None,
        "due_soon_at": soon,
        "due_at": due,
    }
    _transition(user, case, "reopen", changes, note=reason)
    handler_users = list(case.handler.members.filter(is_active=True)) if case.handler_id else []
    _notify(
        handler_users + ([case.dispatcher] if case.dispatcher_id else []),
        "cases.reopened",
        f"工单重办：{case.number}",
        f"{reason[:100]}。请重新办理，期限 {timezone.localtime(due):%Y-%m-%d %H:%M}。"
        if due
        else f"{reason[:100]}。请重新办理。",
        case,
    )
    return case


def reopen(user, case: Case, *, reason: str) -> Case:
    """A dispatcher reopens a resolved case (e.g. the resident complained by phone), up to GOV-6's
    reopen_limit times (once by default)."""
    _require(user, case, "reopen")
    _require_state(case, "reopen")
    reason = _text(reason, "重办理由")
    limit = score_params().reopen_limit
    if case.reopen_count >= limit:
        raise ServiceError(f"该工单已重办过 {case.reopen_count} 次，不能再次重办（上限 {limit} 次）")
    with transaction.atomic():
        return _reopen(user, case, reason=reason)


def compute_score(case: Case, result: str | None, params: ScoreParams | None = None) -> int:
    """赋分 by GOV-6: the evaluation's base score (not evaluated: score_unevaluated), less the late
    penalty when the case was resolved after its deadline, less the reopen penalty for every time the
    case was reopened (a reopen counts against the handler even when the case ends 满意)."""
    p = params or score_params()
    score = {
        EvaluationResult.SATISFIED: p.score_satisfied,
        EvaluationResult.BASIC: p.score_basic,
        None: p.score_unevaluated,
    }[result]
    if case.due_at and case.resolved_at and case.resolved_at > case.due_at:
        score -= p.late_penalty
    score -= p.reopen_penalty * case.reopen_count
    return max(score, 0)


def close(user, case: Case, *, note: str = "") -> Case:
    """结案 and 赋分. From evaluated (the normal end), from resolved when the resident did not evaluate
    (a note is required), or from triaged for 私事 with the advice given to the resident (GOV-1)."""
    _require(user, case, "close")
    _require_state(case, "close")
    note = (note or "").strip()
    if case.state == CaseState.TRIAGED:
        if case.tier != Tier.PRIVATE:
            raise ServiceError("只有私事可在分拨后直接结案，其他诉求须派单办理")
        note = _text(note, "处理建议")
    if case.state == CaseState.RESOLVED:
        note = _text(note, "未评价结案说明")
    last = case.evaluations.order_by("-round").first() if case.state == CaseState.EVALUATED else None
    score = compute_score(case, last.result if last else None) if case.state != CaseState.TRIAGED else None
    now = timezone.now()
    changes = {"closed_at": now, "score": score}
    if case.responded_at is None:  # a 私事 answered with advice: that is its response (GOV-5)
        changes["responded_at"] = now
    with transaction.atomic():
        _transition(user, case, "close", changes, note=note)
        _tell_reporter(case, "cases.closed", f"您反映的诉求已结案：{case.number}", "感谢您的参与和监督。")
    return case


def merge(user, case: Case, *, into: Case, note: str = "") -> Case:
    """Merge a duplicate into another case: the duplicate's reporter (and its own followers) follow
    the surviving case and are told so."""
    _require(user, case, "merge")
    _require_state(case, "merge")
    if into is None or into.pk == case.pk:
        raise ServiceError("请选择要合并到的另一张工单", field="into")
    if not case_covers(user, into, "view"):
        raise NotFound("要合并到的工单不存在或无权访问")
    if into.state == CaseState.MERGED:
        raise ServiceError(f"工单 {into.number} 本身已被合并，请合并到原工单", field="into")
    with transaction.atomic():
        _transition(user, case, "merge", {"merged_into": into}, note=note.strip(), data={"into": into.number})
        rows = [CaseFollower(case=into, source=case, user=case.reporter_user, phone=case.reporter_phone)]
        for f in case.followers.all():
            rows.append(CaseFollower(case=into, source=f.source, user=f.user, phone=f.phone))
        existing = set(CaseFollower.objects.filter(case=into).values_list("source_id", flat=True))
        rows = [r for r in rows if r.source_id not in existing and r.source_id != into.pk]
        CaseFollower.objects.bulk_create(rows)
        for r in rows:
            audit.record_create(user, r)
        _notify(
            [r.user for r in rows if r.user_id],
            "cases.merged",
            f"您反映的诉求已并入工单 {into.number} 办理",
            f"与同一问题的诉求合并办理，当前状态：{into.get_state_display()}",
            into,
            resident=True,
        )
    return case


def reporters_of(case: Case) -> list:
    """The reporter's account and the accounts following the case."""
    users = [case.reporter_user] if case.reporter_user_id else []
    users += [f.user for f in case.followers.select_related("user") if f.user_id]
    return users


def _notify(
    users, kind: str, title: str, body: str, case: Case, *, resident: bool = False, url: str = ""
) -> None:
    """Tell people about a case: staff get the case page, residents their tracking page."""
    from django.urls import reverse

    from grassroots.notifications.services import notify

    url = url or (
        reverse("cases:track", args=[tracking_token(case)])
        if resident
        else reverse("cases:detail", args=[case.pk])
    )
    notify(list(users), kind=kind, title=title, body=body, url=url, obj=case)


def is_reporter(user, case: Case) -> bool:
    """The signed-in resident reported the case: from this account, or with the phone it signed in with."""
    if user is None or not user.is_authenticated:
        return False
    if case.reporter_user_id == user.pk:
        return True
    return bool(user.phone_hash) and case.reporter_phone_hash == user.phone_hash


def _tell_reporter(case: Case, kind: str, title: str, body: str, *, evaluate: bool = False) -> None:
    """Tell the reporter (and followers) a step they wait for: an inbox row for each resident account
    (the reporter's, the followers', and the account signed in with the phone left on the form), and a
    text message to each phone left on a report, with the tracking link (and the evaluation link once
    resolved). The text goes to the SMS sender (core.senders) after the transaction commits."""
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.urls import reverse

    users = reporters_of(case)
    if case.reporter_phone_hash:
        users += list(get_user_model().objects.filter(phone_hash=case.reporter_phone_hash, is_active=True))
    link = reverse("cases:track", args=[tracking_token(case)])
    if evaluate and case.state == CaseState.RESOLVED:
        link = reverse("cases:evaluate", args=[evaluation_token(case)])
    _notify(users, kind, title, body, case, resident=True, url=link)
    phones = {case.reporter_phone} | {f.phone for f in case.followers.all()}
    phones = sorted(p for p in phones if p and p[0] == "1")  # mobile numbers only
    if not phones:
        return
    action = "评价办理结果" if evaluate else "查看办理进度"
    text = f"【基层治理平台】{title}。{body}{action}：{settings.SITE_URL}{link}"

    def send():
        from grassroots.core.senders import send_sms

        for phone in phones:
            send_sms(phone, text, kind=kind)

    transaction.on_commit(send)


def _tell_reporter_later(case: Case, kind: str, title: str, body: str, *, evaluate: bool = False) -> None:
    """_tell_reporter in a background task queued after the transaction commits (nothing is queued if
    it rolls back)."""
    from .tasks import tell_reporter

    pk = case.pk
    transaction.on_commit(lambda: tell_reporter.enqueue(pk, kind, title, body, evaluate))


VERB_SERVICES = {
    "triage": triage,
    "dispatch": dispatch,
    "accept": accept,
    "return": return_case,
    "log_work": log_work,
    "resolve": resolve,
    "reopen": reopen,
    "close": close,
    "merge": merge,
}


def can_view_personal(user, case: Case) -> bool:
    return covers(user, case, "personal.view")
