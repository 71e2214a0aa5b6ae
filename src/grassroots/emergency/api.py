"""Emergency API (/api/v1/emergency/): thin; reads through visible_to(), every change through
emergency.services. The 战时档案 (records) is exposed for assessments."""

import datetime as dt
from typing import Annotated, Literal

from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from grassroots.core.api import ERRORS, CursorPagination, pick, require_perm
from grassroots.core.errors import NotFound, ServiceError
from grassroots.core.resolvers import from_attr
from grassroots.regions.choices import HouseholdTag
from grassroots.regions.models import Region

from . import services
from .filters import EmergencyFilters
from .models import Emergency, Kind, ServiceRecord, Severity, SweepResult
from .workflow import EmergencyState

router = Router(tags=["平急结合"])

StateEnum = Literal[tuple(EmergencyState.values)]  # type: ignore[valid-type]
KindEnum = Literal[tuple(Kind.values)]  # type: ignore[valid-type]
SeverityEnum = Literal[tuple(Severity.values)]  # type: ignore[valid-type]
TagEnum = Literal[tuple(HouseholdTag.values)]  # type: ignore[valid-type]
ResultEnum = Literal[tuple(SweepResult.values)]  # type: ignore[valid-type]
Id = Annotated[int, Field(ge=1, le=2**62)]


class EmergencyOut(Schema):
    id: int
    number: str
    title: str
    kind: KindEnum
    severity: SeverityEnum = Field(description="1=Ⅰ级 … 4=Ⅳ级")
    region_code: str
    region: str
    state: StateEnum
    sweep_tags: list[str]
    starts_at: dt.datetime
    declared_at: dt.datetime
    activated_at: dt.datetime | None
    stood_down_at: dt.datetime | None
    closed_at: dt.datetime | None

    resolve_region_code = from_attr("region.code")
    resolve_region = from_attr("region.name")
    resolve_sweep_tags = from_attr("tag_list")


class Progress(Schema):
    total: int
    done: int
    pct: float
    safe: int
    needs_help: int
    no_answer: int
    relocated: int


class EmergencyDetailOut(EmergencyOut):
    instructions: str
    stand_down_note: str
    sweep: Progress
    callups: dict[str, int] = Field(description="召集人数，按状态")
    needs: dict[str, int] = Field(description="需求数，按状态")
    actions: list[str] = Field(description="当前用户可执行的操作：activate / stand_down / close")

    resolve_sweep = from_attr("_sweep")
    resolve_callups = from_attr("_callups")
    resolve_needs = from_attr("_needs")
    resolve_actions = from_attr("_actions")


class AreaProgress(Progress):
    code: str
    name: str


class ProgressOut(Schema):
    total: Progress
    communities: list[AreaProgress]
    grids: list[AreaProgress]


class DeclareIn(Schema):
    region: str = Field(description="应急区域编码（市、区或街道）")
    title: str
    kind: KindEnum
    severity: SeverityEnum
    instructions: str
    sweep_tags: list[TagEnum] = Field(
        default_factory=list, max_length=20, description="摸排对象标签；空 = 全部住户"
    )
    starts_at: dt.datetime | None = None


class TransitionIn(Schema):
    verb: Literal["activate", "stand_down", "close"]
    note: str = ""


class SweepIn(Schema):
    result: ResultEnum
    note: str = ""


class SweepOut(Schema):
    id: int
    household_id: int
    state: str
    result: str
    note: str
    checked_at: dt.datetime | None
    checked_by_name: str


class RecordOut(Schema):
    id: int
    emergency_number: str
    emergency_title: str
    kind: str
    name: str
    worker_id: int | None
    member_id: int | None
    community_code: str
    confirmed: bool
    days_on_duty: int
    tasks_done: int
    needs_delivered: int
    computed_at: dt.datetime

    resolve_emergency_number = from_attr("emergency.number")
    resolve_emergency_title = from_attr("emergency.title")
    resolve_community_code = from_attr("community.code")


class RecordFilter(Schema):
    worker_id: Id | None = None
    member_id: Id | None = None
    emergency: str | None = Field(None, description="应急事件编号")


def _detail(user, e: Emergency) -> Emergency:
    from grassroots.emergency.models import Callup, EmergencyNeed, SweepTask
    from grassroots.emergency.workflow import CallupState

    e._sweep = services.progress(e, SweepTask.objects.visible_to(user))["total"]
    counts = services.callup_counts(Callup.objects.visible_to(user).filter(emergency=e))
    e._callups = {s: sum(v[s] for v in counts.values()) for s in CallupState.values}
    e._needs = services.need_counts(EmergencyNeed.objects.visible_to(user).filter(emergency=e))
    e._actions = services.emergency_actions(user, e)
    return e


@router.get("/", response={200: list[EmergencyOut], **ERRORS}, summary="应急事件列表")
@paginate(CursorPagination)
def list_emergencies(request, filters: Query[EmergencyFilters.schema()]):
    require_perm(request.user, "emergency.view")
    qs = Emergency.objects.visible_to(request.user).select_related("region")
    return EmergencyFilters.from_request(request).apply(qs)


@router.get("/records", response={200: list[RecordOut], **ERRORS}, summary="战时档案（可用于干部考核）")
@paginate(CursorPagination)
def list_records(request, filters: Query[RecordFilter]):
    require_perm(request.user, "emergency.view")
    qs = ServiceRecord.objects.visible_to(request.user).select_related("emergency", "community")
    if filters.worker_id:
        qs = qs.filter(worker_id=filters.worker_id)
    if filters.member_id:
        qs = qs.filter(member_id=filters.member_id)
    if filters.emergency:
        qs = qs.filter(emergency__number=filters.emergency)
    return qs


@router.get("/{pk}", response={200: EmergencyDetailOut, **ERRORS}, summary="应急事件详情")
def get_emergency(request, pk: Id):
    return _detail(request.user, services.get_emergency(request.user, pk))


@router.get("/{pk}/progress", response={200: ProgressOut, **ERRORS}, summary="摸排进度（按社区、网格）")
def get_progress(request, pk: Id):
    from .models import SweepTask

    e = services.get_emergency(request.user, pk)
    return services.progress(e, SweepTask.objects.visible_to(request.user))


@router.post("/", response={201: EmergencyDetailOut, **ERRORS}, summary="宣布应急状态")
def declare(request, payload: DeclareIn):
    region = Region.objects.filter(code=payload.region).first()
    declarable = region is not None and region.level in ("city", "district", "street")
    if region is None or (declarable and not services.can_declare(request.user, region)):
        raise ServiceError(f"区域“{payload.region}”不存在或不在您的管辖范围内", field="region", status=404)
    e = services.declare(
        request.user,
        region=region,
        **pick(payload, "title", "kind", "severity", "instructions", "sweep_tags", "starts_at"),
    )
    return Status(201, _detail(request.user, services.get_emergency(request.user, e.pk)))


@router.post("/{pk}/transition", response={200: EmergencyDetailOut, **ERRORS}, summary="启动响应、解除或归档")
def transition(request, pk: Id, payload: TransitionIn):
    e = services.get_emergency(request.user, pk)
    services.transition(request.user, e, payload.verb, note=payload.note)
    return _detail(request.user, services.get_emergency(request.user, pk))


@router.post("/tasks/{task_id}/sweep", response={200: SweepOut, **ERRORS}, summary="记录入户摸排结果")
def sweep(request, task_id: Id, payload: SweepIn):
    try:
        task = services.get_task(request.user, task_id)
    except NotFound:
        raise
    return services.record_sweep(request.user, task, payload.result, note=payload.note)
