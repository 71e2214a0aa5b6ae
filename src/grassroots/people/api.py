"""/api/v1/people/: community workers (by 工号), stewards (三长) and deputies (两代表一委员).

Thin: reads through visible_to(), writes through people.services (scope, validation, audit).
"""

from django.db.models import Q
from ninja import Query, Router, Status
from ninja.pagination import paginate

from grassroots.core.api import ERRORS, CursorPagination, references, require_perm, visible_or_404
from grassroots.core.text import name_search_q
from grassroots.party.models import Member
from grassroots.regions.models import Region
from grassroots.regions.schemas import dump

from . import services
from .models import Deputy, Steward, Worker
from .schemas import (
    DeputyCreate,
    DeputyFilter,
    DeputyOut,
    DeputyUpdate,
    StewardCreate,
    StewardFilter,
    StewardOut,
    StewardUpdate,
    WorkerCreate,
    WorkerFilter,
    WorkerOut,
    WorkerUpdate,
)

router = Router(tags=["people"])

REFS = {
    "region_code": ("region", Region, "所在区划"),
    "member_id": ("member", Member, "党员", "pk"),
}


def _filtered(user, qs, filters, search: Q | None):
    """Shared filters: enum fields by value, ?region=<code> subtree, ?q= search."""
    for name in ("post", "role", "kind", "level"):
        value = getattr(filters, name, None)
        if value is not None:
            qs = qs.filter(**{name: value.value})
    if filters.region:
        node = Region.objects.visible_to(user).filter(code=filters.region).only("path").first()
        if node is None:
            return qs.none()
        qs = qs.filter(region__path__startswith=node.path)
    if search is not None:
        qs = qs.filter(search)
    return qs


def _body(user, payload) -> dict:
    data = references(user, dump(payload), REFS)
    if "gender" in data and data["gender"] is None:
        data["gender"] = ""
    return data


# ---- workers ------------------------------------------------------------------------------------


def _workers(user):
    return Worker.objects.visible_to(user).select_related("region")


@router.get(
    "/workers/",
    response={200: list[WorkerOut], **ERRORS},
    operation_id="people_workers_list",
    summary="社区工作者列表",
)
@paginate(CursorPagination)
def workers_list(request, filters: Query[WorkerFilter]):
    require_perm(request.user, "people.view")
    return _filtered(
        request.user, _workers(request.user), filters, name_search_q(filters.q) if filters.q else None
    )


@router.get(
    "/workers/{code}",
    response={200: WorkerOut, **ERRORS},
    operation_id="people_workers_get",
    summary="社区工作者详情",
)
def workers_get(request, code: str):
    return visible_or_404(Worker, request.user, select_related=("region",), code=code)


@router.post(
    "/workers/",
    response={201: WorkerOut, **ERRORS},
    operation_id="people_workers_create",
    summary="登记社区工作者",
)
def workers_create(request, payload: WorkerCreate):
    worker = services.add_worker(request.user, **_body(request.user, payload))
    return Status(201, _workers(request.user).get(pk=worker.pk))


@router.patch(
    "/workers/{code}",
    response={200: WorkerOut, **ERRORS},
    operation_id="people_workers_update",
    summary="修改社区工作者",
)
def workers_update(request, code: str, payload: WorkerUpdate):
    worker = visible_or_404(Worker, request.user, select_related=("region",), code=code)
    services.update_worker(request.user, worker, **_body(request.user, payload))
    return _workers(request.user).get(pk=worker.pk)


@router.delete(
    "/workers/{code}",
    response={204: None, **ERRORS},
    operation_id="people_workers_delete",
    summary="删除社区工作者",
)
def workers_delete(request, code: str):
    worker = visible_or_404(Worker, request.user, select_related=("region",), code=code)
    services.delete_worker(request.user, worker)
    return Status(204, None)


# ---- stewards -----------------------------------------------------------------------------------


def _stewards(user):
    return Steward.objects.visible_to(user).select_related("region")


@router.get(
    "/stewards/",
    response={200: list[StewardOut], **ERRORS},
    operation_id="people_stewards_list",
    summary="三长列表",
)
@paginate(CursorPagination)
def stewards_list(request, filters: Query[StewardFilter]):
    require_perm(request.user, "people.view")
    search = Q(name__icontains=filters.q.strip()) if filters.q else None
    return _filtered(request.user, _stewards(request.user), filters, search)


@router.get(
    "/stewards/{int:steward_id}",
    response={200: StewardOut, **ERRORS},
    operation_id="people_stewards_get",
    summary="三长详情",
)
def stewards_get(request, steward_id: int):
    return visible_or_404(Steward, request.user, select_related=("region",), pk=steward_id)


@router.post(
    "/stewards/",
    response={201: StewardOut, **ERRORS},
    operation_id="people_stewards_create",
    summary="新增三长",
)
def stewards_create(request, payload: StewardCreate):
    steward = services.add_steward(request.user, **_body(request.user, payload))
    return Status(201, _stewards(request.user).get(pk=steward.pk))


@router.patch(
    "/stewards/{int:steward_id}",
    response={200: StewardOut, **ERRORS},
    operation_id="people_stewards_update",
    summary="修改三长",
)
def stewards_update(request, steward_id: int, payload: StewardUpdate):
    steward = visible_or_404(Steward, request.user, select_related=("region",), pk=steward_id)
    services.update_steward(request.user, steward, **_body(request.user, payload))
    return _stewards(request.user).get(pk=steward.pk)


@router.delete(
    "/stewards/{int:steward_id}",
    response={204: None, **ERRORS},
    operation_id="people_stewards_delete",
    summary="删除三长",
)
def stewards_delete(request, steward_id: int):
    steward = visible_or_404(Steward, request.user, select_related=("region",), pk=steward_id)
    services.delete_steward(request.user, steward)
    return Status(204, None)


# ---- deputies -----------------------------------------------------------------------------------


def _deputies(user):
    return Deputy.objects.visible_to(user).select_related("region")


@router.get(
    "/deputies/",
    response={200: list[DeputyOut], **ERRORS},
    operation_id="people_deputies_list",
    summary="两代表一委员列表",
)
@paginate(CursorPagination)
def deputies_list(request, filters: Query[DeputyFilter]):
    require_perm(request.user, "people.view")
    search = Q(name__icontains=filters.q.strip()) if filters.q else None
    return _filtered(request.user, _deputies(request.user), filters, search)


@router.get(
    "/deputies/{int:deputy_id}",
    response={200: DeputyOut, **ERRORS},
    operation_id="people_deputies_get",
    summary="两代表一委员详情",
)
def deputies_get(request, deputy_id: int):
    return visible_or_404(Deputy, request.user, select_related=("region",), pk=deputy_id)


@router.post(
    "/deputies/",
    response={201: DeputyOut, **ERRORS},
    operation_id="people_deputies_create",
    summary="新增两代表一委员",
)
def deputies_create(request, payload: DeputyCreate):
    deputy = services.add_deputy(request.user, **_body(request.user, payload))
    return Status(201, _deputies(request.user).get(pk=deputy.pk))


@router.patch(
    "/deputies/{int:deputy_id}",
    response={200: DeputyOut, **ERRORS},
    operation_id="people_deputies_update",
    summary="修改两代表一委员",
)
def deputies_update(request, deputy_id: int, payload: DeputyUpdate):
    deputy = visible_or_404(Deputy, request.user, select_related=("region",), pk=deputy_id)
    services.update_deputy(request.user, deputy, **_body(request.user, payload))
    return _deputies(request.user).get(pk=deputy.pk)


@router.delete(
    "/deputies/{int:deputy_id}",
    response={204: None, **ERRORS},
    operation_id="people_deputies_delete",
    summary="删除两代表一委员",
)
def deputies_delete(request, deputy_id: int):
    deputy = visible_or_404(Deputy, request.user, select_related=("region",), pk=deputy_id)
    services.delete_deputy(request.user, deputy)
    return Status(204, None)
