"""Whistle API (/api/v1/whistle/): thin; reads through visible_to(), every change through whistle.services."""

import datetime as dt
from typing import Annotated, Literal

from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from grassroots.cases.models import Case, Handler, HandlerKind
from grassroots.core.api import ERRORS, CursorPagination, pick, require_perm
from grassroots.core.errors import NotFound, ServiceError
from grassroots.core.resolvers import from_attr
from grassroots.core.scoping import has_perm
from grassroots.regions.models import Region

from . import services, stats
from .filters import SummonsFilters
from .models import Summons, department_ids_for
from .periods import PeriodError, parse_period
from .workflow import SummonsState, TargetState

router = Router(tags=["吹哨报到"])

SummonsStateEnum = Literal[tuple(SummonsState.values)]  # type: ignore[valid-type]
TargetStateEnum = Literal[tuple(TargetState.values)]  # type: ignore[valid-type]


class TargetOut(Schema):
    id: int
    handler_id: int
    handler: str
    level: str = Field(description="community / street / district（区级响应）")
    state: TargetStateEnum
    due_at: dt.datetime
    overdue: bool = Field(description="超时未报到（由时间戳推导）")
    checked_in_at: dt.datetime | None
    checkin_mode: str
    checked_in_late: bool
    reported_at: dt.datetime | None
    report: str
    actions: list[str] = Field(description="当前用户可执行的操作：check_in / report")

    resolve_handler = from_attr("handler.name")
    resolve_overdue = from_attr("is_overdue")

    @staticmethod
    def resolve_actions(obj):
        return getattr(obj, "_actions", [])


class SummonsOut(Schema):
    number: str
    subject: str
    region_code: str
    region: str
    level: str
    urgency: Literal["normal", "urgent"]
    requested_mode: Literal["onsite", "online", "any"]
    state: SummonsStateEnum
    case_number: str | None
    address: str
    lng: float | None
    lat: float | None
    created_at: dt.datetime
    escalated_at: dt.datetime | None
    answered_at: dt.datetime | None
    closed_at: dt.datetime | None

    resolve_region_code = from_attr("region.code")
    resolve_region = from_attr("region.name")
    resolve_case_number = from_attr("case.number")


class SummonsDetailOut(SummonsOut):
    description: str
    escalation_reason: str
    conclusion: str
    targets: list[TargetOut]
    actions: list[str] = Field(description="当前用户可执行的吹哨操作")

    resolve_targets = from_attr("_targets")
    resolve_actions = from_attr("_actions")


# Ids are database integers: a larger number (≥ 2^63) is refused as input, never sent to the database.
HandlerId = Annotated[int, Field(ge=1, le=2**62)]


class SummonsIn(Schema):
    region: str = Field(description="发生地区划编码（街道、社区或其下级）")
    subject: str
    description: str
    handler_ids: list[HandlerId] = Field(max_length=100, description="被召集的职能部门（承办单位 id）")
    urgency: Literal["normal", "urgent"] = "normal"
    requested_mode: Literal["onsite", "online", "any"] = "any"
    case: str | None = Field(None, description="关联工单编号")
    address: str = ""
    lng: float | None = None
    lat: float | None = None


class WhistleActionIn(Schema):
    handler_ids: list[HandlerId] = Field(
        default_factory=list, max_length=100, description="add_targets / answer：召集的部门"
    )
    note: str = Field("", description="上报理由、办结说明、撤销理由或响应说明")


class WhistleCheckinIn(Schema):
    mode: Literal["onsite", "online"]
    lng: float | None = None
    lat: float | None = None
    note: str = ""


class ReportIn(Schema):
    text: str


class ScoreOut(Schema):
    rank: int
    handler_id: int
    handler: str
    summoned: int
    checked_in_on_time: int
    punctuality: float | None
    cases: int
    cases_on_time: int
    on_time: float | None
    evaluations: int
    satisfaction: float | None
    manual: float | None
    total: float | None


class AssessmentIn(Schema):
    street: str = Field(description="街道编码")
    handler_id: int
    period: str = Field(description="2026、2026-Q3 或 2026-07")
    score: float
    comment: str = ""


class AssessmentOut(Schema):
    street: str
    handler_id: int
    period: str
    score: float
    comment: str

    resolve_street = from_attr("region.code")


def _can_list(user) -> None:
    if not (has_perm(user, "whistle.view") or department_ids_for(user)):
        raise NotFound("对象不存在或无权访问")


def _get(user, number: str) -> Summons:
    q = Summons.objects.visible_to(user).select_related("region", "case").filter(number=number).first()
    if q is None:
        raise NotFound("吹哨事项不存在或无权访问")
    return q


def _detail(user, summons: Summons) -> Summons:
    targets = list(summons.targets.select_related("handler"))
    for t in targets:
        t._actions = services.target_actions(user, t, summons)
    summons._targets = targets
    summons._actions = services.summons_actions(user, summons)
    return summons


def _departments(ids: list[int]) -> list[Handler]:
    ids = list(dict.fromkeys(ids or []))
    found = {h.pk: h for h in Handler.objects.filter(pk__in=ids, kind=HandlerKind.DEPARTMENT, is_active=True)}
    missing = [str(i) for i in ids if i not in found]
    if missing:
        raise ServiceError(f"职能部门不存在或已停用：{'、'.join(missing)}", field="handler_ids")
    return [found[i] for i in ids]


@router.get("/", response={200: list[SummonsOut], **ERRORS}, summary="吹哨列表")
@paginate(CursorPagination)
def list_summonses(request, filters: Query[SummonsFilters.schema()]):
    _can_list(request.user)
    qs = Summons.objects.visible_to(request.user).select_related("region", "case")
    return SummonsFilters.from_request(request).apply(qs)


@router.get("/scores", response={200: list[ScoreOut], **ERRORS}, summary="街道对部门考核排名")
def scores(request, street: str, period: str):
    require_perm(request.user, "whistle.view")
    node = Region.objects.visible_to(request.user, "whistle.view").filter(code=street, level="street").first()
    if node is None:
        raise ServiceError(f"街道“{street}”不存在或不在您的管辖范围内", field="street", status=404)
    try:
        start, end = parse_period(period)
    except PeriodError as exc:
        raise ServiceError(str(exc), field="period") from None
    return stats.department_scores(node, start, end, period=period)


@router.put("/assessments", response={200: AssessmentOut, **ERRORS}, summary="录入部门评议得分")
def put_assessment(request, payload: AssessmentIn):
    node = Region.objects.visible_to(request.user).filter(code=payload.street, level="street").first()
    if node is None:
        raise ServiceError(f"街道“{payload.street}”不存在或不在您的管辖范围内", field="street", status=404)
    handler = _departments([payload.handler_id])[0]
    return services.assess(
        request.user, region=node, handler=handler, **pick(payload, "period", "score", "comment")
    )


@router.get("/{number}", response={200: SummonsDetailOut, **ERRORS}, summary="吹哨详情")
def get_summons(request, number: str):
    return _detail(request.user, _get(request.user, number))


@router.post("/", response={201: SummonsDetailOut, **ERRORS}, summary="吹哨召集部门")
def create_summons(request, payload: SummonsIn):
    user = request.user
    region = Region.objects.visible_to(user).filter(code=payload.region).first()
    if region is None:
        raise ServiceError(f"区划“{payload.region}”不存在或不在您的管辖范围内", field="region", status=404)
    case = None
    if payload.case:
        case = Case.objects.visible_to(user).filter(number=payload.case).first()
        if case is None:
            raise ServiceError(f"工单“{payload.case}”不存在或无权访问", field="case", status=404)
    summons = services.summon(
        user,
        region=region,
        **pick(payload, "subject", "description", "urgency", "requested_mode", "address", "lng", "lat"),
        handlers=_departments(payload.handler_ids),
        case=case,
    )
    return Status(201, _detail(user, _get(user, summons.number)))


@router.post(
    "/{number}/actions/{verb}",
    response={200: SummonsDetailOut, **ERRORS},
    summary="吹哨操作（追加、上报、响应、办结、撤销）",
)
def act(
    request,
    number: str,
    verb: Literal["add_targets", "escalate", "answer", "close", "cancel"],
    payload: WhistleActionIn,
):
    user = request.user
    summons = _get(user, number)
    if verb == "add_targets":
        services.add_targets(user, summons, handlers=_departments(payload.handler_ids))
    elif verb == "answer":
        services.answer(user, summons, handlers=_departments(payload.handler_ids), note=payload.note)
    elif verb == "escalate":
        services.escalate(user, summons, reason=payload.note)
    elif verb == "close":
        services.close(user, summons, conclusion=payload.note)
    else:
        services.cancel(user, summons, reason=payload.note)
    return _detail(user, _get(user, number))


def _target(user, number: str, target_id: int):
    summons = _get(user, number)
    target = summons.targets.select_related("handler").filter(pk=target_id).first()
    if target is None:
        raise NotFound("被召集部门不存在")
    return summons, target


@router.post(
    "/{number}/targets/{target_id}/check-in", response={200: SummonsDetailOut, **ERRORS}, summary="部门报到"
)
def check_in(request, number: str, target_id: int, payload: WhistleCheckinIn):
    summons, target = _target(request.user, number, target_id)
    services.check_in(request.user, summons, target, **pick(payload, "mode", "lng", "lat", "note"))
    return _detail(request.user, _get(request.user, number))


@router.post(
    "/{number}/targets/{target_id}/report",
    response={200: SummonsDetailOut, **ERRORS},
    summary="部门反馈办理情况",
)
def report(request, number: str, target_id: int, payload: ReportIn):
    summons, target = _target(request.user, number, target_id)
    services.report(request.user, summons, target, text=payload.text)
    return _detail(request.user, _get(request.user, number))
