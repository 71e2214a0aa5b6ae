"""Cases API (/api/v1/cases/): thin, reads through visible_to(), every change through cases.services.
Personal fields (reporter name and phone) are always masked here; /api/v1/personal/ unmasks with a purpose."""

import datetime as dt
from typing import Literal

from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from grassroots.core.api import ERRORS, CursorPagination
from grassroots.core.errors import NotFound, ServiceError
from grassroots.core.personal import masked_value
from grassroots.regions.models import Region

from . import services
from .models import Case, Category, Handler, handler_ids_for
from .workflow import CaseState

router = Router(tags=["cases"])

StateEnum = Literal[tuple(CaseState.values)]  # type: ignore[valid-type]
VerbEnum = Literal[
    "triage", "dispatch", "accept", "return", "log_work", "resolve", "reopen", "close", "merge"
]


class CategoryOut(Schema):
    code: str
    name: str
    parent: str | None = Field(None, description="上级类别编码")
    kind: str = Field(description="component 部件 / event 事件 / community 社区事项")
    default_tier: str = Field(description="major 大事 / minor 小事 / private 私事")
    deadline_value: int
    deadline_unit: str = Field(description="working_days 工作日 / hours 小时")
    handler_kind: str
    required_fields: list[str]


class CaseOut(Schema):
    number: str
    state: StateEnum
    channel: str
    category: str | None = Field(None, description="类别编码")
    tier: str
    description: str
    community_code: str
    lng: float | None = Field(None, description="WGS-84")
    lat: float | None = Field(None, description="WGS-84")
    address: str
    reporter_name: str = Field(description="已脱敏")
    reporter_phone: str = Field(description="已脱敏")
    handler_id: int | None
    handler: str | None
    submitted_at: dt.datetime
    dispatched_at: dt.datetime | None
    due_at: dt.datetime | None
    deadline_status: str = Field(description="on_track / due_soon / overdue，由时间戳推导")
    reopen_count: int
    return_count: int
    score: int | None

    @staticmethod
    def resolve_category(obj):
        return obj.category.code if obj.category_id else None

    @staticmethod
    def resolve_community_code(obj):
        return obj.region.code

    @staticmethod
    def resolve_reporter_name(obj):
        return masked_value(obj, "reporter_name")

    @staticmethod
    def resolve_reporter_phone(obj):
        return masked_value(obj, "reporter_phone")

    @staticmethod
    def resolve_handler(obj):
        return obj.handler.name if obj.handler_id else None

    @staticmethod
    def resolve_deadline_status(obj):
        return obj.deadline_status()


class EventOut(Schema):
    step: str
    from_state: str
    to_state: str
    actor_name: str
    note: str
    created_at: dt.datetime


class CaseDetailOut(CaseOut):
    actions: list[str] = Field(description="当前用户在当前状态下可执行的操作")
    events: list[EventOut]

    @staticmethod
    def resolve_actions(obj):
        return obj._actions

    @staticmethod
    def resolve_events(obj):
        return list(obj.events.all())


class CaseFilter(Schema):
    state: StateEnum | None = None
    community: str | None = Field(None, description="社区编码")
    overdue: bool | None = None


class CaseIn(Schema):
    channel: Literal["patrol", "hotline", "walk_in", "visit", "night_visit", "import", "h5"]
    community: str = Field(description="社区编码")
    category: str | None = Field(None, description="类别编码")
    description: str
    lng: float | None = None
    lat: float | None = None
    address: str = ""
    reporter_name: str = ""
    reporter_phone: str = ""


class ActionIn(Schema):
    category: str | None = Field(None, description="triage：类别编码")
    tier: str = Field("", description="triage：major / minor / private，空为类别默认")
    handler_id: int | None = Field(None, description="dispatch：承办单位，空为按规则")
    suggested_handler_id: int | None = Field(None, description="return：应由哪个承办单位办理")
    into: str | None = Field(None, description="merge：合并到的工单编号")
    note: str = Field("", description="说明、纪实、办理结果、退单或重办理由")


def _qs(user):
    return Case.objects.visible_to(user).select_related("region", "category", "handler")


def _case(user, number: str) -> Case:
    case = (
        _qs(user)
        .select_related("handler__region", "grid", "suggested_handler", "merged_into")
        .filter(number=number)
        .first()
    )
    if case is None:
        raise NotFound("工单不存在或无权访问")
    return case


def _detail(user, case):
    case._actions = services.available_actions(user, case)
    return case


@router.get("/categories", response={200: list[CategoryOut], **ERRORS}, summary="事项类别")
def categories(request):
    rows = Category.objects.filter(is_active=True).select_related("parent")
    return [
        {
            **{f: getattr(c, f) for f in CategoryOut.model_fields if f != "parent"},
            "parent": c.parent.code if c.parent_id else None,
        }
        for c in rows
    ]


@router.get("/", response={200: list[CaseOut], **ERRORS}, summary="工单列表")
@paginate(CursorPagination)
def list_cases(request, filters: Query[CaseFilter]):
    if not services_can_list(request.user):
        raise NotFound("对象不存在或无权访问")
    qs = _qs(request.user)
    if filters.state:
        qs = qs.filter(state=filters.state)
    if filters.community:
        qs = qs.filter(region__code=filters.community)
    if filters.overdue:
        qs = qs.overdue()
    return qs


def services_can_list(user) -> bool:
    from grassroots.core.scoping import has_perm

    return has_perm(user, "cases.view") or bool(handler_ids_for(user))


@router.get("/{number}", response={200: CaseDetailOut, **ERRORS}, summary="工单详情")
def get_case(request, number: str):
    return _detail(request.user, _case(request.user, number))


@router.post("/", response={201: CaseDetailOut, **ERRORS}, summary="受理诉求（网格巡查、热线、代录等）")
def submit_case(request, payload: CaseIn):
    region = Region.objects.visible_to(request.user).filter(code=payload.community, level="community").first()
    if region is None:
        raise ServiceError(
            f"社区“{payload.community}”不存在或不在您的管辖范围内", field="community", status=404
        )
    category = None
    if payload.category:
        category = Category.objects.filter(code=payload.category).first()
        if category is None:
            raise ServiceError(f"事项类别“{payload.category}”不存在", field="category")
    data = payload.dict(exclude={"community", "category"})
    case = services.submit(request.user, region=region, category=category, **data)
    return 201, _detail(request.user, _case(request.user, case.number))


@router.post("/{number}/actions/{verb}", response={200: CaseDetailOut, **ERRORS}, summary="办理操作")
def act(request, number: str, verb: VerbEnum, payload: ActionIn):
    user = request.user
    case = _case(user, number)

    def handler(pk, field):
        if pk is None:
            return None
        obj = Handler.objects.filter(pk=pk, is_active=True).select_related("region").first()
        if obj is None:
            raise ServiceError("承办单位不存在或已停用", field=field)
        return obj

    if verb == "triage":
        category = Category.objects.filter(code=payload.category or "").first()
        services.triage(user, case, category=category, tier=payload.tier, note=payload.note)
    elif verb == "dispatch":
        services.dispatch(user, case, handler=handler(payload.handler_id, "handler_id"), note=payload.note)
    elif verb == "accept":
        services.accept(user, case)
    elif verb == "return":
        services.return_case(
            user,
            case,
            reason=payload.note,
            suggested_handler=handler(payload.suggested_handler_id, "suggested_handler_id"),
        )
    elif verb == "log_work":
        services.log_work(user, case, note=payload.note)
    elif verb == "resolve":
        services.resolve(user, case, resolution=payload.note)
    elif verb == "reopen":
        services.reopen(user, case, reason=payload.note)
    elif verb == "close":
        services.close(user, case, note=payload.note)
    elif verb == "merge":
        into = _qs(user).filter(number=payload.into or "").first()
        services.merge(user, case, into=into, note=payload.note)
    return _detail(user, _case(user, number))
