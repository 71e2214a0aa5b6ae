"""/api/v1/regions/: the administrative tree (addressed by code), its GeoJSON, and households.

Thin: reads through visible_to(), writes through regions.services (scope, validation, audit).
"""

from django.db.models import OuterRef, Subquery
from django.db.models.functions import Length, Substr
from ninja import Query, Router, Status
from ninja.pagination import paginate

from grassroots.core.api import ERRORS, CursorPagination, reference, require_perm, visible_or_404
from grassroots.core.services import require_in_scope

from . import services
from .filters import HouseholdFilters, RegionFilters
from .models import Household, Region
from .schemas import (
    FeatureCollection,
    HouseholdCreate,
    HouseholdOut,
    HouseholdUpdate,
    RegionCreate,
    RegionDetail,
    RegionOut,
    RegionUpdate,
    dump,
)

router = Router(tags=["regions"])


def with_parent_code(qs, model):
    """Annotate each node with its parent's code in the same query (materialized path minus one step)."""
    parent = (
        model._default_manager.filter(
            path=Substr(OuterRef("path"), 1, Length(OuterRef("path")) - model.steplen)
        )
        .order_by()
        .values("code")[:1]
    )
    return qs.annotate(parent_code=Subquery(parent))


def _regions(user, action: str = "view"):
    return with_parent_code(Region.objects.visible_to(user, action).select_related("grid"), Region)


def _region(user, code: str) -> Region:
    node = _regions(user).filter(code=code).first()
    if node is None:
        visible_or_404(Region, user, code=code)  # raises the 404 problem
    return node


# ---- households (declared before /{code} so the literal path wins) --------------------------------


def _households(user):
    return Household.objects.visible_to(user).select_related("entrance", "grid")


@router.get(
    "/households/",
    response={200: list[HouseholdOut], **ERRORS},
    operation_id="households_list",
    summary="住户列表（个人信息已脱敏）",
)
@paginate(CursorPagination)
def households_list(request, filters: Query[HouseholdFilters.schema()]):
    require_perm(request.user, "regions.view")
    return HouseholdFilters.from_request(request).apply(_households(request.user))


@router.get(
    "/households/{int:household_id}",
    response={200: HouseholdOut, **ERRORS},
    operation_id="households_get",
    summary="住户详情（个人信息已脱敏）",
)
def households_get(request, household_id: int):
    return visible_or_404(Household, request.user, select_related=("entrance", "grid"), pk=household_id)


@router.post(
    "/households/",
    response={201: HouseholdOut, **ERRORS},
    operation_id="households_create",
    summary="登记住户",
)
def households_create(request, payload: HouseholdCreate):
    data = dump(payload)
    entrance = reference(Region, request.user, "entrance_code", "单元", data.pop("entrance_code"))
    household = services.add_household(request.user, entrance, **data)
    return Status(201, _households(request.user).get(pk=household.pk))


@router.patch(
    "/households/{int:household_id}",
    response={200: HouseholdOut, **ERRORS},
    operation_id="households_update",
    summary="修改住户",
)
def households_update(request, household_id: int, payload: HouseholdUpdate):
    household = visible_or_404(Household, request.user, select_related=("entrance",), pk=household_id)
    data = dump(payload)
    if "entrance_code" in data:
        data["entrance"] = reference(Region, request.user, "entrance_code", "单元", data.pop("entrance_code"))
    services.update_household(request.user, household, **data)
    return _households(request.user).get(pk=household.pk)


@router.delete(
    "/households/{int:household_id}",
    response={204: None, **ERRORS},
    operation_id="households_delete",
    summary="删除住户",
)
def households_delete(request, household_id: int):
    household = visible_or_404(Household, request.user, select_related=("entrance",), pk=household_id)
    services.delete_household(request.user, household)
    return Status(204, None)


# ---- regions ------------------------------------------------------------------------------------


@router.get(
    "/",
    response={200: list[RegionOut], **ERRORS},
    operation_id="regions_list",
    summary="行政区划列表",
)
@paginate(CursorPagination)
def regions_list(request, filters: Query[RegionFilters.schema()]):
    require_perm(request.user, "regions.view")
    return RegionFilters.from_request(request).apply(_regions(request.user))


@router.post(
    "/",
    response={201: RegionDetail, **ERRORS},
    operation_id="regions_create",
    summary="新增下级区划",
)
def regions_create(request, payload: RegionCreate):
    data = dump(payload)
    parent_code = data.pop("parent_code")
    parent = reference(Region, request.user, "parent_code", "上级区划", parent_code)
    if parent is not None:
        require_in_scope(request.user, parent, "change")  # visible but not changeable -> 403
    if data.get("category") is None:
        data["category"] = ""
    if data.get("level") is None:
        data.pop("level", None)
    node = services.add_region(request.user, parent, **data)
    return Status(201, _region(request.user, node.code))


@router.get(
    "/{code}",
    response={200: RegionDetail, **ERRORS},
    operation_id="regions_get",
    summary="区划详情（含边界）",
)
def regions_get(request, code: str):
    return _region(request.user, code)


@router.patch(
    "/{code}",
    response={200: RegionDetail, **ERRORS},
    operation_id="regions_update",
    summary="修改区划",
)
def regions_update(request, code: str, payload: RegionUpdate):
    node = visible_or_404(Region, request.user, code=code)
    data = dump(payload)
    if "category" in data and data["category"] is None:
        data["category"] = ""
    services.update_region(request.user, node, **data)
    return _region(request.user, code)


@router.delete(
    "/{code}",
    response={204: None, **ERRORS},
    operation_id="regions_delete",
    summary="删除区划（仅限无下级、无住户的节点）",
)
def regions_delete(request, code: str):
    node = visible_or_404(Region, request.user, code=code)
    require_in_scope(
        request.user, node, "change"
    )  # 403 before the service's own checks (households, children)
    services.delete_region(request.user, node)
    return Status(204, None)


@router.get(
    "/{code}/children",
    response={200: list[RegionOut], **ERRORS},
    operation_id="regions_children",
    summary="直接下级区划",
)
@paginate(CursorPagination)
def regions_children(request, code: str):
    node = visible_or_404(Region, request.user, code=code)
    return _regions(request.user).filter(path__startswith=node.path, depth=node.depth + 1)


@router.get(
    "/{code}/children.geojson",
    response={200: FeatureCollection, **ERRORS},
    operation_id="regions_children_geojson",
    summary="直接下级区划的 GeoJSON（WGS-84）",
    description="地图用：每个直接下级一个 Feature，几何为其边界（WGS-84 经纬度），未绘制边界的几何为空。",
)
def regions_children_geojson(request, code: str):
    node = visible_or_404(Region, request.user, code=code)
    children = (
        Region.objects.visible_to(request.user)
        .filter(path__startswith=node.path, depth=node.depth + 1)
        .only("code", "name", "level", "population", "household_count", "numchild", "polygon")
        .order_by("path")
    )
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": c.code,
                "geometry": c.polygon or None,
                "properties": {
                    "code": c.code,
                    "name": c.name,
                    "level": c.level,
                    "population": c.population,
                    "household_count": c.household_count,
                    "children_count": c.numchild,
                },
            }
            for c in children
        ],
    }
