"""/api/v1/units/: units (驻区单位, by code) and party-building instructors.

Thin: reads through visible_to(), writes through units.services (scope, validation, audit).
"""

from ninja import Query, Router, Status
from ninja.pagination import paginate

from grassroots.core.api import ERRORS, CursorPagination, references, require_perm, visible_or_404
from grassroots.party.models import PartyOrg
from grassroots.regions.models import Region
from grassroots.regions.schemas import dump

from . import services
from .filters import InstructorFilters, UnitFilters
from .models import Instructor, Unit, full_members_expr
from .schemas import (
    InstructorCreate,
    InstructorOut,
    InstructorUpdate,
    UnitCreate,
    UnitOut,
    UnitUpdate,
)

router = Router(tags=["units"])

UNIT_RELATED = ("region", "party_org", "grid")
INSTRUCTOR_RELATED = ("region", "org")
UNIT_REFS = {
    "region_code": ("region", Region, "所在区划"),
    "party_org_code": ("party_org", PartyOrg, "覆盖党组织"),
    "instructor_id": ("instructor", Instructor, "党建指导员", "pk"),
}
INSTRUCTOR_REFS = {"region_code": ("region", Region, "所属区划"), "org_code": ("org", PartyOrg, "选派党组织")}


# ---- instructors (declared before /{code} so the literal path wins) -------------------------------


def _instructors(user):
    return Instructor.objects.visible_to(user).select_related(*INSTRUCTOR_RELATED)


@router.get(
    "/instructors/",
    response={200: list[InstructorOut], **ERRORS},
    operation_id="units_instructors_list",
    summary="党建指导员列表",
)
@paginate(CursorPagination)
def instructors_list(request, filters: Query[InstructorFilters.schema()]):
    require_perm(request.user, "units.view")
    return InstructorFilters.from_request(request).apply(_instructors(request.user))


@router.get(
    "/instructors/{int:instructor_id}",
    response={200: InstructorOut, **ERRORS},
    operation_id="units_instructors_get",
    summary="党建指导员详情",
)
def instructors_get(request, instructor_id: int):
    return visible_or_404(Instructor, request.user, select_related=INSTRUCTOR_RELATED, pk=instructor_id)


@router.post(
    "/instructors/",
    response={201: InstructorOut, **ERRORS},
    operation_id="units_instructors_create",
    summary="新增党建指导员",
)
def instructors_create(request, payload: InstructorCreate):
    data = references(request.user, dump(payload), INSTRUCTOR_REFS)
    instructor = services.add_instructor(request.user, **data)
    return Status(201, _instructors(request.user).get(pk=instructor.pk))


@router.patch(
    "/instructors/{int:instructor_id}",
    response={200: InstructorOut, **ERRORS},
    operation_id="units_instructors_update",
    summary="修改党建指导员",
)
def instructors_update(request, instructor_id: int, payload: InstructorUpdate):
    instructor = visible_or_404(Instructor, request.user, select_related=INSTRUCTOR_RELATED, pk=instructor_id)
    services.update_instructor(
        request.user, instructor, **references(request.user, dump(payload), INSTRUCTOR_REFS)
    )
    return _instructors(request.user).get(pk=instructor.pk)


# ---- units --------------------------------------------------------------------------------------


def _units(user):
    qs = Unit.objects.visible_to(user).select_related(*UNIT_RELATED)
    return qs.annotate(full_count=full_members_expr())


@router.get("/", response={200: list[UnitOut], **ERRORS}, operation_id="units_list", summary="驻区单位列表")
@paginate(CursorPagination)
def units_list(request, filters: Query[UnitFilters.schema()]):
    require_perm(request.user, "units.view")
    return UnitFilters.from_request(request).apply(_units(request.user))


@router.post("/", response={201: UnitOut, **ERRORS}, operation_id="units_create", summary="登记驻区单位")
def units_create(request, payload: UnitCreate):
    unit = services.add_unit(request.user, **references(request.user, dump(payload), UNIT_REFS))
    return Status(201, _units(request.user).get(pk=unit.pk))


@router.get("/{code}", response={200: UnitOut, **ERRORS}, operation_id="units_get", summary="驻区单位详情")
def units_get(request, code: str):
    unit = visible_or_404(Unit, request.user, select_related=UNIT_RELATED, code=code)
    return _units(request.user).get(pk=unit.pk)


@router.patch(
    "/{code}", response={200: UnitOut, **ERRORS}, operation_id="units_update", summary="修改驻区单位"
)
def units_update(request, code: str, payload: UnitUpdate):
    unit = visible_or_404(Unit, request.user, select_related=UNIT_RELATED, code=code)
    services.update_unit(request.user, unit, **references(request.user, dump(payload), UNIT_REFS))
    return _units(request.user).get(pk=unit.pk)


@router.delete("/{code}", response={204: None, **ERRORS}, operation_id="units_delete", summary="删除驻区单位")
def units_delete(request, code: str):
    unit = visible_or_404(Unit, request.user, select_related=UNIT_RELATED, code=code)
    services.delete_unit(request.user, unit)
    return Status(204, None)
