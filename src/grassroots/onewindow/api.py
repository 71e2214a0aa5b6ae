"""一窗受理 API: the service catalog, the scoped application list and detail (staff, departments and
residents' own), the department's and community's steps, and the resident's evaluation."""

import datetime as dt
from typing import Literal

from ninja import Query, Router, Schema
from ninja.pagination import paginate

from grassroots.core.api import ERRORS, CursorPagination
from grassroots.core.errors import NotFound, PermissionDenied
from grassroots.core.masking import mask_name, mask_phone
from grassroots.core.resolvers import display, from_attr
from grassroots.core.scoping import has_perm

from . import services
from .filters import ApplicationFilters
from .models import Application, ApplicationChannel, ApplicationState, ServiceItem, department_ids_for
from .views import catalog_reader

router = Router(tags=["一窗受理"])


class ItemOut(Schema):
    id: int
    name: str
    region: str
    department: str
    materials: list[str]
    time_limit_days: int
    door_to_door: bool
    description: str
    is_active: bool

    resolve_region = from_attr("region.name")
    resolve_department = from_attr("department.name")


class ApplicationOut(Schema):
    number: str
    community: str
    item: str
    department: str
    channel: ApplicationChannel
    state: ApplicationState
    state_label: str
    applicant_name: str
    applicant_phone: str
    created_at: dt.datetime
    forwarded_at: dt.datetime | None
    due_at: dt.datetime | None
    finished_at: dt.datetime | None
    on_time: bool | None
    rating: int | None

    resolve_community = from_attr("community.name")
    resolve_item = from_attr("item.name")
    resolve_department = from_attr("department.name")
    resolve_state_label = display("state")

    # Personal data is masked here for every role; plaintext goes through the audited /unmask endpoint.
    @staticmethod
    def resolve_applicant_name(obj):
        return mask_name(obj.applicant_name)

    @staticmethod
    def resolve_applicant_phone(obj):
        return mask_phone(obj.applicant_phone)


class ApplicationDetailOut(ApplicationOut):
    materials_required: list[str]
    materials_received: list[str]
    result: str
    refuse_reason: str
    withdraw_reason: str
    rating_comment: str


class ApplicationStepIn(Schema):
    action: Literal["forward", "withdraw", "accept", "complete", "refuse"]
    text: str = ""


class EvaluationIn(Schema):
    rating: int
    comment: str = ""


def _can_list(user) -> bool:
    return has_perm(user, "onewindow.view") or bool(department_ids_for(user))


def _get(user, number: str) -> Application:
    app = (
        Application.objects.visible_to(user)
        .select_related("community", "item", "department", "household")
        .filter(number=number)
        .first()
    )
    if app is None:
        raise NotFound()
    return app


@router.get("/items", response={200: list[ItemOut], **ERRORS}, summary="服务事项清单")
@paginate(CursorPagination)
def list_items(request, q: str = "", door_to_door: bool | None = None):
    if not catalog_reader(request.user):
        raise PermissionDenied()
    qs = ServiceItem.objects.visible_to(request.user).select_related("region", "department")
    if q:
        qs = qs.filter(name__icontains=q)
    if door_to_door is not None:
        qs = qs.filter(door_to_door=door_to_door)
    return qs.order_by("name", "id")


@router.get("/applications", response={200: list[ApplicationOut], **ERRORS}, summary="代办申请列表")
@paginate(CursorPagination)
def list_applications(request, filters: Query[ApplicationFilters.schema()]):
    if not _can_list(request.user):
        raise PermissionDenied()
    qs = Application.objects.visible_to(request.user).select_related("community", "item", "department")
    return ApplicationFilters.from_request(request).apply(qs.order_by("-created_at", "-id"))


@router.get("/applications/{number}", response={200: ApplicationDetailOut, **ERRORS}, summary="代办申请详情")
def get_application(request, number: str):
    return _get(request.user, number)


@router.post(
    "/applications/{number}/steps",
    response={200: ApplicationDetailOut, **ERRORS},
    summary="办理一步（社区转办、撤回；部门受理、办结、不予办理）",
)
def take_step(request, number: str, payload: ApplicationStepIn):
    app = _get(request.user, number)
    user, text = request.user, payload.text
    if payload.action == "forward":
        services.forward(user, app)
    elif payload.action == "withdraw":
        services.withdraw(user, app, reason=text)
    elif payload.action == "accept":
        services.accept(user, app)
    elif payload.action == "complete":
        services.complete(user, app, result=text)
    else:
        services.refuse(user, app, reason=text)
    return app


@router.post(
    "/applications/{number}/evaluation",
    response={200: ApplicationDetailOut, **ERRORS},
    summary="评价办理结果（1–5 星）",
)
def evaluate(request, number: str, payload: EvaluationIn):
    app = _get(request.user, number)
    return services.evaluate(request.user, app, rating=payload.rating, comment=payload.comment)
