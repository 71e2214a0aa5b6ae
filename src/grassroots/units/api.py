"""/api/v1/units/: units (驻区单位, by code) and party-building instructors.

Thin: reads through visible_to(), writes through units.services (scope, validation, audit); the
endpoints come from core.crud, the filters from units.filters.
"""

from ninja import Router

from grassroots.core.api import references
from grassroots.core.crud import crud_routes
from grassroots.party.models import PartyOrg
from grassroots.regions.models import Region
from grassroots.regions.schemas import dump

from . import services
from .filters import InstructorFilters, UnitFilters
from .models import Instructor, Unit, full_members_expr
from .schemas import InstructorCreate, InstructorOut, InstructorUpdate, UnitCreate, UnitOut, UnitUpdate

router = Router(tags=["units"])

UNIT_RELATED = ("region", "party_org", "grid")
INSTRUCTOR_RELATED = ("region", "org")
UNIT_REFS = {
    "region_code": ("region", Region, "所在区划"),
    "party_org_code": ("party_org", PartyOrg, "覆盖党组织"),
    "instructor_id": ("instructor", Instructor, "党建指导员", "pk"),
}
INSTRUCTOR_REFS = {"region_code": ("region", Region, "所属区划"), "org_code": ("org", PartyOrg, "选派党组织")}


def _units(user):
    qs = Unit.objects.visible_to(user).select_related(*UNIT_RELATED)
    return qs.annotate(full_count=full_members_expr())


# Instructors first, so the literal /instructors/ path wins over /{code}.
crud_routes(
    router,
    "/instructors/",
    Instructor,
    name="units_instructors",
    label="党建指导员",
    out=InstructorOut,
    create=InstructorCreate,
    update=InstructorUpdate,
    filters=InstructorFilters,
    read=lambda user: Instructor.objects.visible_to(user).select_related(*INSTRUCTOR_RELATED),
    perm="units.view",
    body=lambda user, payload: references(user, dump(payload), INSTRUCTOR_REFS),
    add=services.add_instructor,
    change=services.update_instructor,
    key="pk",
    param="instructor_id",
    select_related=INSTRUCTOR_RELATED,
    summaries={"create": "新增党建指导员"},
)
crud_routes(
    router,
    "/",
    Unit,
    name="units",
    label="驻区单位",
    out=UnitOut,
    create=UnitCreate,
    update=UnitUpdate,
    filters=UnitFilters,
    read=_units,
    perm="units.view",
    body=lambda user, payload: references(user, dump(payload), UNIT_REFS),
    add=services.add_unit,
    change=services.update_unit,
    remove=services.delete_unit,
    select_related=UNIT_RELATED,
)
