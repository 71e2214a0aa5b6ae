"""Proactive governance API: hot topics (precomputed), the 重新计算 run, and the 未诉先办 / 每月一题
initiatives with their state transitions and measured effect."""

import datetime as dt
from typing import Literal

from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from grassroots.core.api import ERRORS, CursorPagination, given, pick, reference, require_perm, visible_or_404
from grassroots.core.errors import NotFound
from grassroots.core.resolvers import display, from_attr
from grassroots.people.models import Worker
from grassroots.regions.models import Region

from . import services
from .models import HotTopic, Initiative, InitiativeKind, InitiativeState, Level, Trend

router = Router(tags=["主动治理"])


class HotTopicOut(Schema):
    id: int
    level: Level
    region_code: str
    region: str
    category_code: str
    category: str
    keyword: str
    period_start: dt.date
    period_end: dt.date
    case_count: int
    previous_count: int
    trend: Trend
    change_pct: int | None
    keywords: list[str]
    sample_numbers: list[str]

    resolve_region_code = from_attr("region.code")
    resolve_region = from_attr("region.name")
    resolve_category_code = from_attr("category.code")
    resolve_category = from_attr("category.name")


class HotTopicDetailOut(HotTopicOut):
    series: list[tuple[str, int]]


class RunOut(Schema):
    id: int
    state: str
    created_at: dt.datetime


class InitiativeOut(Schema):
    number: str
    kind: InitiativeKind
    title: str
    region_code: str
    region: str
    owner_name: str
    cluster: str
    state: InitiativeState
    state_label: str
    month: dt.date | None
    due_date: dt.date | None
    started_at: dt.datetime | None
    effect_days: int | None
    effect_before: int | None
    effect_after: int | None
    effect_pct: int | None

    resolve_region_code = from_attr("region.code")
    resolve_region = from_attr("region.name")
    resolve_cluster = from_attr("cluster_title")
    resolve_state_label = display("state")


class InitiativeDetailOut(InitiativeOut):
    plan: str
    measures: str
    done_note: str
    evaluation: str
    cancel_reason: str
    hot_topic_id: int | None


class InitiativeIn(Schema):
    kind: InitiativeKind
    hot_topic_id: int = Field(..., ge=1, le=2**62)
    title: str = Field(..., max_length=60)
    region_code: str = Field(..., max_length=40, description="责任区域编码（须包含热点所在区域）")
    owner_name: str = Field("", max_length=50)
    owner_worker_code: str | None = Field(None, max_length=32, description="责任社区工作者工号")
    plan: str = Field(..., max_length=2000)
    measures: str = Field("", max_length=2000)
    month: dt.date | None = Field(None, description="每月一题的月份（任意一天，按当月计）")
    due_date: dt.date | None = None


class InitiativeTransitionIn(Schema):
    action: Literal["start", "finish", "evaluate", "cancel"]
    note: str = Field("", max_length=2000, description="完成情况、评估意见或取消原因")


_HOT = ("region", "category")
_INIT = ("region", "cluster_region", "category")


@router.get("/hot-topics", response={200: list[HotTopicOut], **ERRORS}, summary="热点问题列表")
@paginate(CursorPagination)
def list_hot_topics(request, level: Level | None = None, trend: Trend | None = None):
    require_perm(request.user, "proactive.view")
    qs = HotTopic.objects.visible_to(request.user).select_related(*_HOT)
    return given(qs, level=level, trend=trend).order_by("-case_count", "id")


@router.get("/hot-topics/{topic_id}", response={200: HotTopicDetailOut, **ERRORS}, summary="热点问题详情")
def get_hot_topic(request, topic_id: int):
    return visible_or_404(HotTopic, request.user, select_related=_HOT, pk=topic_id)


@router.post("/hot-topic-runs", response={202: RunOut, **ERRORS}, summary="重新计算热点（后台执行）")
def recompute(request):
    run = services.start_run(request.user)
    return Status(202, {"id": run.pk, "state": run.state, "created_at": run.created_at})


@router.get("/initiatives", response={200: list[InitiativeOut], **ERRORS}, summary="未诉先办与每月一题列表")
@paginate(CursorPagination)
def list_initiatives(request, kind: InitiativeKind | None = None, state: InitiativeState | None = None):
    require_perm(request.user, "proactive.view")
    qs = Initiative.objects.visible_to(request.user).select_related(*_INIT)
    return given(qs, kind=kind, state=state).order_by("-created_at", "-id")


@router.get("/initiatives/{number}", response={200: InitiativeDetailOut, **ERRORS}, summary="任务详情与效果")
def get_initiative(request, number: str):
    return visible_or_404(Initiative, request.user, select_related=_INIT, number=number)


@router.post(
    "/initiatives", response={201: InitiativeDetailOut, **ERRORS}, summary="由热点新建任务或每月一题"
)
def create_initiative(request, payload: InitiativeIn):
    require_perm(request.user, services.MANAGE)
    topic = HotTopic.objects.visible_to(request.user).select_related("region").filter(pk=payload.hot_topic_id)
    topic = topic.first()
    if topic is None:
        raise NotFound("热点不存在或无权访问")
    region = reference(Region, request.user, "region_code", "责任区域", payload.region_code)
    worker = None
    if payload.owner_worker_code:
        worker = reference(Worker, request.user, "owner_worker_code", "责任人", payload.owner_worker_code)
    obj = services.create_initiative(
        request.user,
        **pick(payload, "kind", "title", "owner_name", "plan", "measures", "month", "due_date"),
        hot_topic=topic,
        region=region,
        owner_worker=worker,
    )
    return Status(201, obj)


@router.post(
    "/initiatives/{number}/transitions",
    response={200: InitiativeDetailOut, **ERRORS},
    summary="启动、完成、评估或取消",
)
def transition(request, number: str, payload: InitiativeTransitionIn):
    obj = visible_or_404(Initiative, request.user, select_related=_INIT, number=number)
    if payload.action == "start":
        services.start(request.user, obj)
    elif payload.action == "finish":
        services.finish(request.user, obj, note=payload.note)
    elif payload.action == "evaluate":
        services.evaluate(request.user, obj, evaluation=payload.note)
    else:
        services.cancel(request.user, obj, reason=payload.note)
    return obj
