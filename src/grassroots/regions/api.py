"""/api/v1/regions/: the administrative tree (addressed by code), its GeoJSON, and households.

Thin: reads through visible_to(), writes through regions.services (scope, validation, audit).
"""

from django.db.models import OuterRef, Subquery
from django.db.models.functions import Length, Substr
from ninja import Router, Status

from grassroots.core.api import reference, references, visible_or_404
from grassroots.core.crud import action_route, crud_routes, endpoint, get_route, list_route
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

MASKED = "（个人信息已脱敏）"
HOUSEHOLD_REFS = {"entrance_code": ("entrance", Region, "单元")}
crud_routes(
    router, "/households/", Household, name="households", label="住户", out=HouseholdOut,
    create=HouseholdCreate, update=HouseholdUpdate, filters=HouseholdFilters, perm="regions.view",
    read=lambda user: Household.objects.visible_to(user).select_related("entrance", "grid"),
    body=lambda user, payload: references(user, dump(payload), HOUSEHOLD_REFS),
    add=lambda user, entrance, **data: services.add_household(user, entrance, **data),
    change=services.update_household, remove=services.delete_household, key="pk", param="household_id",
    select_related=("entrance", "grid"), summaries={"list": f"住户列表{MASKED}", "get": f"住户详情{MASKED}"},
)  # fmt: skip


# ---- regions ------------------------------------------------------------------------------------

list_route(
    router, "/", RegionOut, "regions_list", "行政区划列表",
    read=_regions, filters=RegionFilters, perm="regions.view",
)  # fmt: skip


@endpoint(router.post, "/", RegionDetail, "regions_create", "新增下级区划", status=201)
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


def _node(user, code: str) -> Region:
    return visible_or_404(Region, user, code=code)


def _update_region(user, node: Region, payload: RegionUpdate) -> None:
    data = dump(payload)
    if "category" in data and data["category"] is None:
        data["category"] = ""
    services.update_region(user, node, **data)


def _delete_region(user, node: Region) -> None:
    require_in_scope(user, node, "change")  # 403 before the service's own checks (households, children)
    services.delete_region(user, node)


def _children(user, code: str):
    node = _node(user, code)
    return _regions(user).filter(path__startswith=node.path, depth=node.depth + 1)


get_route(router, "/{code}", RegionDetail, "regions_get", "区划详情（含边界）", _region)
action_route(
    router, "/{code}", RegionDetail, "regions_update", "修改区划", fetch=_node, payload=RegionUpdate,
    act=_update_region, reply=lambda user, node, _: _region(user, node.code), method="patch",
)  # fmt: skip
action_route(
    router, "/{code}", None, "regions_delete", "删除区划（仅限无下级、无住户的节点）", fetch=_node,
    act=_delete_region, method="delete", status=204,
)  # fmt: skip
list_route(router, "/{code}/children", RegionOut, "regions_children", "直接下级区划", read=_children)


@endpoint(
    router.get, "/{code}/children.geojson", FeatureCollection, "regions_children_geojson",
    "直接下级区划的 GeoJSON（WGS-84）",
    description="地图用：每个直接下级一个 Feature，几何为其边界（WGS-84 经纬度），未绘制边界的几何为空。",
)  # fmt: skip
def regions_children_geojson(request, code: str):
    node = _node(request.user, code)
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
