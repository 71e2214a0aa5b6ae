"""Grids API (/api/v1/grids/): thin, reads through visible_to(), writes through services.

Coordinate systems: every polygon and point in a response is WGS-84 (GeoJSON order lng, lat).
Inputs that carry coordinates take `coord_system` = wgs84 (default) | gcj02 (Amap, Tencent) | bd09
(Baidu) and are converted to WGS-84 before use.
"""

from __future__ import annotations

from typing import Any, Literal

from django.db.models import Prefetch
from django.http import Http404
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from grassroots.core.api import ERRORS, CursorPagination, pick
from grassroots.core.errors import PermissionDenied, ServiceError
from grassroots.core.personal import can_unmask, masked_value
from grassroots.core.scoping import has_perm
from grassroots.regions.models import Region

from . import routing, services
from .geometry import KIND_LABELS
from .models import Grid, GridAssignment, GridLayer

router = Router(tags=["grids"])

CoordSystem = Literal["wgs84", "gcj02", "bd09"]
COORD_DOC = (
    "输入坐标所用坐标系：wgs84（默认，GPS）、gcj02（高德、腾讯）、bd09（百度）；服务端统一转换为 WGS-84"
)


class LayerOut(Schema):
    department: str = Field(
        description="部门：zongzhi 综治、chengguan 城管、minzheng 民政、yingji 应急、weijian 卫健等"
    )
    code: str = Field(description="该部门自己的网格编码")


class GridOut(Schema):
    code: str = Field(description="15 位网格编码：社区 12 位编码 + 3 位序号")
    name: str
    level: str = Field(description="street / community / neighborhood")
    kind: str = Field(description="comprehensive 全科网格 / special 专属网格")
    community_code: str = Field(description="所属社区（或街道）编码")
    community_name: str
    area_m2: float = Field(description="面积，平方米")
    lng: float = Field(description="网格内代表点经度，WGS-84")
    lat: float = Field(description="网格内代表点纬度，WGS-84")
    party_org: str | None = Field(None, description="网格党组织编码")
    layers: list[LayerOut]

    @staticmethod
    def resolve_community_code(obj):
        if isinstance(obj, dict):
            return obj["community_code"]
        return obj.region.code

    @staticmethod
    def resolve_community_name(obj):
        if isinstance(obj, dict):
            return obj["community_name"]
        return obj.region.name

    @staticmethod
    def resolve_party_org(obj):
        if isinstance(obj, dict):
            return obj["party_org"]
        return obj.party_org.code if obj.party_org_id else None

    @staticmethod
    def resolve_layers(obj):
        if isinstance(obj, dict):
            return obj["layers"]
        return [{"department": la.department, "code": la.code} for la in obj.layers.all()]


class PersonOut(Schema):
    role: str
    name: str
    phone: str = Field(description="手机号，无权限时已脱敏")


class DutyOut(Schema):
    level: str = Field(description="包保层级：city / district / street / community / grid")
    cadre_name: str
    post: str
    phone: str = Field(description="联系电话，无权限时已脱敏")


class GridDetailOut(GridOut):
    polygon: dict = Field(description="边界，GeoJSON Polygon/MultiPolygon，WGS-84 经纬度")
    people: list[PersonOut]
    duties: list[DutyOut]


class GridIn(Schema):
    code: str = Field(description="15 位网格编码：社区 12 位编码 + 3 位序号")
    name: str
    community: str = Field(description="所属社区（或街道）12 位编码")
    level: str = ""
    kind: str = ""
    polygon: dict = Field(description="边界，GeoJSON Polygon/MultiPolygon，坐标系见 coord_system")
    layers: dict[str, str] = Field(
        default_factory=dict, description='部门 → 部门网格编码，如 {"zongzhi": "ZZ-01"}'
    )
    coord_system: CoordSystem = Field("wgs84", description=COORD_DOC)


class GridPatch(Schema):
    name: str | None = None
    level: str | None = None
    kind: str | None = None
    polygon: dict | None = Field(None, description="新边界，GeoJSON，坐标系见 coord_system")
    layers: dict[str, str] | None = None
    coord_system: CoordSystem = Field("wgs84", description=COORD_DOC)
    repair: bool = Field(False, description="边界无效时用 make_valid 自动修复")


class RouteGrid(Schema):
    code: str
    name: str
    community_code: str
    community_name: str
    street_code: str
    street_name: str


class RouteOut(Schema):
    lng: float = Field(description="参与匹配的经度，WGS-84（已由输入坐标系转换）")
    lat: float = Field(description="参与匹配的纬度，WGS-84")
    found: bool
    message: str = Field(description="未落入任何网格时为“不在任何网格内”")
    grid: RouteGrid | None
    also: list[str] = Field(
        description="点位于共用边界上时，同样覆盖该点的其他网格编码（已按最小编码规则归属）"
    )
    input: dict[str, Any] = Field(description="原样返回的输入坐标及其坐标系")


class PointIn(Schema):
    lng: float = Field(ge=-180, le=180, description="经度，坐标系见 coord_system")
    lat: float = Field(ge=-90, le=90, description="纬度，坐标系见 coord_system")


class BatchIn(Schema):
    points: list[PointIn] = Field(max_length=10000, description="最多 10000 个点")
    coord_system: CoordSystem = Field("wgs84", description=COORD_DOC)


class AddressIn(Schema):
    address: str = Field(description="楼栋地址或“小区名 楼栋名”，须与已登记楼栋匹配")


class ImportIn(Schema):
    geojson: dict = Field(
        description="FeatureCollection；properties: code, name, community, level, kind, layers"
    )
    coord_system: CoordSystem = Field("wgs84", description=COORD_DOC)
    dry_run: bool = Field(False, description="只校验，不写入")


class ImportOut(Schema):
    created: int
    updated: int
    dry_run: bool


class ProblemOut(Schema):
    kind: str = Field(
        description="invalid 边界无效 / out_of_parent 超出所属社区 / overlap 重叠 / gap 覆盖缺口"
    )
    kind_label: str
    message: str
    lng: float = Field(description="问题位置经度，WGS-84")
    lat: float = Field(description="问题位置纬度，WGS-84")
    grid_code: str
    other_code: str
    area_m2: float
    can_repair: bool
    geometry: dict | None = Field(None, description="问题区域，GeoJSON，WGS-84")


class CoverageItemOut(Schema):
    key: str
    label: str
    covered: int
    total: int
    rate: float
    warnings: list[dict[str, str]]


class GridCoverageOut(Schema):
    total: int
    households: int
    workers: int
    households_per_grid: float
    households_per_worker: float
    items: list[CoverageItemOut]


def _visible(request, action: str = "view"):
    return (
        Grid.objects.visible_to(request.user, action)
        .select_related("region", "party_org")
        .prefetch_related(Prefetch("layers", queryset=GridLayer.objects.order_by("department")))
    )


def _get(request, code: str, action: str = "view") -> Grid:
    grid = _visible(request).filter(code=code).first()
    if grid is None:
        raise Http404
    return grid


def _region(request, code: str | None) -> Region | None:
    if not code:
        return None
    region = Region.objects.visible_to(request.user).filter(code=code).first()
    if region is None:
        raise Http404
    return region


def _require_view(request):
    if not has_perm(request.user, "regions.view"):
        raise PermissionDenied()


@router.get("/", response={200: list[GridOut], **ERRORS}, summary="网格列表")
@paginate(CursorPagination)
def list_grids(
    request,
    region: str | None = Query(None, description="只看该区划（编码）之下的网格"),
    q: str | None = None,
):
    qs = _visible(request)
    node = _region(request, region)
    if node is not None:
        qs = qs.filter(region__path__startswith=node.path)
    if q:
        from grassroots.core.text import name_search_q

        qs = qs.filter(name_search_q(q, "name", "name_initials"))
    return qs


@router.get("/geojson", response={200: dict, **ERRORS}, summary="网格 GeoJSON（WGS-84）")
def grids_geojson(request, region: str | None = Query(None, description="区划编码")):
    qs = _visible(request)
    node = _region(request, region)
    if node is not None:
        qs = qs.filter(region__path__startswith=node.path)
    return services.feature_collection(qs.order_by("code"))


@router.get("/route", response={200: RouteOut, **ERRORS}, summary="单点定位到网格、社区、街道")
def route(
    request,
    lng: float = Query(..., ge=-180, le=180, description="经度，坐标系见 coord_system"),
    lat: float = Query(..., ge=-90, le=90, description="纬度，坐标系见 coord_system"),
    coord_system: CoordSystem = Query("wgs84", description=COORD_DOC),  # noqa: B008
):
    """点落在网格内部或边界上即属于该网格；落在多个网格的共用边界上时归属编码最小的网格（其余列在 also 中）；
    不在任何网格内时 found=false。"""
    _require_view(request)
    return routing.route_point(lng, lat, coord_system)


@router.post("/route/batch", response={200: list[RouteOut], **ERRORS}, summary="批量定位")
def route_batch(request, payload: BatchIn):
    _require_view(request)
    if len(payload.points) > 10000:
        raise ServiceError("每次最多定位 10000 个点，请分批提交", field="points")
    return routing.route_points(
        [p.lng for p in payload.points], [p.lat for p in payload.points], payload.coord_system
    )


@router.post("/route/address", response={200: RouteOut, **ERRORS}, summary="按楼栋地址定位")
def route_address(request, payload: AddressIn):
    _require_view(request)
    return routing.route_address(payload.address)


@router.get("/validate", response={200: list[ProblemOut], **ERRORS}, summary="网格校验")
def validate(
    request,
    region: str = Query(..., max_length=24, description="区划编码（街道或社区等）"),
    tolerance_m2: float = Query(
        1.0, ge=0, le=1_000_000, description="忽略小于该面积（平方米）的重叠、越界和缺口"
    ),
):
    if not region.strip():
        raise ServiceError("请提供区划编码", field="region")
    node = _region(request, region.strip())
    problems = services.validate_region(request.user, node, tolerance_m2)
    return [dict(p.as_dict(), kind_label=KIND_LABELS.get(p.kind, p.kind)) for p in problems]


@router.get("/coverage", response={200: GridCoverageOut, **ERRORS}, summary="网格覆盖统计（GOV-4）")
def coverage(request, region: str | None = Query(None, description="区划编码")):
    from .stats import coverage as _coverage

    qs = _visible(request)
    node = _region(request, region)
    if node is not None:
        qs = qs.filter(region__path__startswith=node.path)
    data = _coverage(list(qs))
    data["items"] = [
        {
            "key": c.key,
            "label": c.label,
            "covered": c.covered,
            "total": c.total,
            "rate": c.rate,
            "warnings": [{"grid": g.code, "name": g.name, "warning": w} for g, w in c.warnings],
        }
        for c in data["items"]
    ]
    return data


@router.post("/import", response={200: ImportOut, **ERRORS}, summary="导入 GeoJSON（全部成功才写入）")
def import_geojson(request, payload: ImportIn):
    rows = services.rows_from_geojson(payload.geojson, payload.coord_system)
    result = services.import_rows(request.user, rows, dry_run=payload.dry_run, source="API")
    return {"created": result.created, "updated": result.updated, "dry_run": result.dry_run}


def _detail(request, grid: Grid) -> dict:
    people = []
    for a in (
        GridAssignment.objects.filter(grid=grid).select_related("worker", "worker__region").order_by("role")
    ):
        w = a.worker
        phone = w.phone if can_unmask(request.user, w) else masked_value(w, "phone")
        people.append({"role": a.role, "name": w.name, "phone": phone})
    duties = []
    from .duties import chain_for_grid

    for d in chain_for_grid(grid):
        phone = d.phone if can_unmask(request.user, d) else masked_value(d, "phone")
        duties.append({"level": d.level, "cadre_name": d.cadre_name, "post": d.post, "phone": phone})
    return {
        "code": grid.code,
        "name": grid.name,
        "level": grid.level,
        "kind": grid.kind,
        "community_code": grid.region.code,
        "community_name": grid.region.name,
        "area_m2": grid.area_m2,
        "lng": grid.lng,
        "lat": grid.lat,
        "party_org": grid.party_org.code if grid.party_org_id else None,
        "layers": [{"department": la.department, "code": la.code} for la in grid.layers.all()],
        "polygon": grid.polygon,
        "people": people,
        "duties": duties,
    }


@router.get("/{code}", response={200: GridDetailOut, **ERRORS}, summary="网格详情")
def get_grid(request, code: str):
    return _detail(request, _get(request, code))


@router.post("/", response={201: GridDetailOut, **ERRORS}, summary="新建网格")
def create_grid(request, payload: GridIn):
    region = services.region_by_code(request.user, payload.community)
    grid = services.create_grid(
        request.user,
        region=region,
        **pick(payload, "code", "name", "polygon", "level", "kind", "layers", "coord_system"),
    )
    return Status(201, _detail(request, _get(request, grid.code)))


@router.patch("/{code}", response={200: GridDetailOut, **ERRORS}, summary="修改网格")
def patch_grid(request, code: str, payload: GridPatch):
    grid = _get(request, code)
    services.update_grid(
        request.user,
        grid,
        **pick(payload, "name", "level", "kind", "polygon", "layers", "coord_system", "repair"),
    )
    return _detail(request, _get(request, code))


@router.delete("/{code}", response={204: None, **ERRORS}, summary="删除网格")
def delete_grid(request, code: str):
    services.delete_grid(request.user, _get(request, code))
    return Status(204, None)
