"""Cases API (/api/v1/cases/): thin, reads through visible_to(), every change through cases.services.
Personal fields (reporter name and phone) are always masked here; /api/v1/personal/ unmasks with a purpose."""

import datetime as dt
from typing import Literal

from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from grassroots.core.api import ERRORS, CursorPagination, pick
from grassroots.core.errors import NotFound, ServiceError
from grassroots.core.resolvers import from_attr, masked
from grassroots.regions.models import Region

from . import services, visits
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

    resolve_category = from_attr("category.code")
    resolve_community_code = from_attr("region.code")
    resolve_reporter_name = masked("reporter_name")
    resolve_reporter_phone = masked("reporter_phone")
    resolve_handler = from_attr("handler.name")

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

    resolve_actions = from_attr("_actions")

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
    no_photo_reason: str = Field(
        "", description="resolve：无法提供办结照片的原因（通过接口办结时必填，照片请在页面上传）"
    )


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
    # Answered from the case in memory (its relations are set, its one event is the submit event):
    # no read-back of the case and its events.
    if not services.case_covers(request.user, case, "view"):
        raise NotFound("工单不存在或无权访问")
    events = case.events.all()
    events._result_cache, events._prefetch_done = [case._submit_event], True
    case._prefetched_objects_cache = {"events": events}
    return Status(201, _detail(request.user, case))


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
        services.resolve(user, case, resolution=payload.note, no_photo_reason=payload.no_photo_reason)
    elif verb == "reopen":
        services.reopen(user, case, reason=payload.note)
    elif verb == "close":
        services.close(user, case, note=payload.note)
    elif verb == "merge":
        into = _qs(user).filter(number=payload.into or "").first()
        services.merge(user, case, into=into, note=payload.note)
    return _detail(user, _case(user, number))


# ---------------------------------------------------------------- intake helpers and visits


class SuggestionOut(Schema):
    category: str = Field(description="类别编码")
    name: str
    score: float
    why: str = Field(description="推荐理由（命中的关键词、相似已办结诉求）")


class DuplicateOut(Schema):
    number: str
    state: StateEnum
    description: str
    distance_m: float | None = Field(None, description="与本工单的距离（米），无位置时为空")
    same_category: bool
    similarity: float = Field(description="描述的 Jaccard 相似度")
    why: str


class VisitOut(Schema):
    id: int
    kind: Literal["contact_point", "night"]
    community_code: str
    visitor_name: str
    visited_at: dt.datetime
    place: str
    whom: str
    heard: str
    cases: list[str] = Field(description="由本次走访转办的工单编号")

    resolve_community_code = from_attr("region.code")

    @staticmethod
    def resolve_cases(obj):
        return [c.number for c in obj.cases.all()]


class VisitIn(Schema):
    kind: Literal["contact_point", "night"]
    community: str = Field(description="社区编码")
    visitor_name: str
    visited_at: dt.datetime
    place: str
    whom: str
    heard: str


@router.get(
    "/suggestions/", response={200: list[SuggestionOut], **ERRORS}, summary="根据描述推荐事项类别（前 3 个）"
)
def suggest_categories(request, description: str = Query(..., max_length=2000)):
    from .suggest import suggest_categories as suggest_fn

    return [
        {"category": s.category.code, "name": str(s.category), "score": round(s.score, 4), "why": s.why}
        for s in suggest_fn(description)
    ]


@router.get(
    "/{number}/duplicates", response={200: list[DuplicateOut], **ERRORS}, summary="疑似重复的在办工单"
)
def duplicates(request, number: str):
    from .suggest import duplicates_of

    case = _case(request.user, number)
    return [
        {
            "number": d.case.number,
            "state": d.case.state,
            "description": d.case.description,
            "distance_m": round(d.distance, 1) if d.distance is not None else None,
            "same_category": d.same_category,
            "similarity": round(d.similarity, 3),
            "why": d.why,
        }
        for d in duplicates_of(case, queryset=Case.objects.visible_to(request.user))
    ]


def _visits(user):
    from .models import Visit

    return Visit.objects.visible_to(user).select_related("region").prefetch_related("cases")


@router.get("/visits/", response={200: list[VisitOut], **ERRORS}, summary="走访记录（联系点走访、夜访民情）")
@paginate(CursorPagination)
def list_visits(request):
    from .visit_views import can_see_visits

    if not can_see_visits(request.user):
        raise NotFound("对象不存在或无权访问")
    return _visits(request.user).order_by("-visited_at", "-id")


@router.post("/visits/", response={201: VisitOut, **ERRORS}, summary="登记走访")
def create_visit(request, payload: VisitIn):
    region = Region.objects.visible_to(request.user).filter(code=payload.community, level="community").first()
    if region is None:
        raise ServiceError(
            f"社区“{payload.community}”不存在或不在您的管辖范围内", field="community", status=404
        )
    visit = visits.record_visit(
        request.user,
        **pick(payload, "kind", "visitor_name", "visited_at", "place", "whom", "heard"),
        region=region,
    )
    return Status(201, _visits(request.user).get(pk=visit.pk))
