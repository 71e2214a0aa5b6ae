"""API schemas for the region tree and households (also the shared field types of the other routers)."""

import enum
from typing import Annotated, Any, Literal

from ninja import Field, Schema
from pydantic import ConfigDict, model_validator

from grassroots.core.resolvers import from_attr, masked

from .choices import CommunityCategory, HouseholdTag, RegionLevel, StreetCategory

# ---- shared field types -------------------------------------------------------------------------

Lng = Annotated[float, Field(ge=-180, le=180, description="经度，WGS-84 坐标系（度）")]
Lat = Annotated[float, Field(ge=-90, le=90, description="纬度，WGS-84 坐标系（度）")]
UInt = Annotated[int, Field(ge=0, le=2147483647)]


def text(max_length: int, description: str = "", min_length: int = 0):
    return Annotated[str, Field(max_length=max_length, min_length=min_length, description=description)]


class InSchema(Schema):
    """Request bodies: unknown fields are refused (422), so a typo never silently does nothing."""

    model_config = ConfigDict(extra="forbid")


def _plain(value):
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def dump(payload: Schema) -> dict[str, Any]:
    """Only the fields the client sent (PATCH semantics), enum members as their stored values."""
    return {k: _plain(v) for k, v in payload.model_dump(exclude_unset=True).items()}


# Category choices of both levels, as one enum so the OpenAPI lists them.
RegionCategory = enum.StrEnum(
    "RegionCategory", {c.name: c.value for c in [*StreetCategory, *CommunityCategory]}
)


class GeoJSONPolygon(Schema):
    """A GeoJSON Polygon or MultiPolygon geometry, longitude/latitude in WGS-84."""

    model_config = ConfigDict(extra="allow")

    type: Literal["Polygon", "MultiPolygon"]
    coordinates: list[Any] = Field(description="GeoJSON 坐标数组，经度在前，WGS-84 坐标系")

    @model_validator(mode="after")
    def _valid_polygon(self):
        from shapely.geometry import shape

        try:
            geom = shape({"type": self.type, "coordinates": self.coordinates})
        except Exception as exc:
            raise ValueError("边界不是有效的 GeoJSON 多边形") from exc
        if geom.is_empty or not geom.is_valid:
            raise ValueError("边界多边形无效（自相交、不闭合或为空）")
        minx, miny, maxx, maxy = geom.bounds
        if minx < -180 or maxx > 180 or miny < -90 or maxy > 90:
            raise ValueError("边界坐标超出 WGS-84 经纬度范围")
        return self


# ---- regions ------------------------------------------------------------------------------------


class RegionOut(Schema):
    id: int
    code: str = Field(description="区划编码（统计用区划代码，12 位起，下级追加 3 位序号）")
    name: str
    level: RegionLevel
    category: RegionCategory | None = Field(None, description="街道或社区分类")
    parent_code: str | None = Field(None, description="上级区划编码；根节点为空")
    children_count: int = Field(description="直接下级数量")
    population: int
    household_count: int
    lng: float | None = Field(None, description="中心点经度，WGS-84 坐标系")
    lat: float | None = Field(None, description="中心点纬度，WGS-84 坐标系")
    is_closed: bool | None = Field(None, description="封闭小区（仅小区）")
    has_property_management: bool | None = Field(None, description="有物业管理（仅小区）")
    address: str
    grid_code: str | None = Field(None, description="所在网格编码（楼栋、单元）")

    @staticmethod
    def resolve_category(obj):
        return obj.category or None

    @staticmethod
    def resolve_parent_code(obj):
        return getattr(obj, "parent_code", None)

    resolve_children_count = from_attr("numchild")
    resolve_grid_code = from_attr("grid.code")


class RegionDetail(RegionOut):
    polygon: dict | None = Field(None, description="边界，GeoJSON 几何（WGS-84 经纬度）")


class RegionCreate(InSchema):
    parent_code: str | None = Field(
        max_length=24, description="上级区划编码；为空表示新建根节点（仅系统管理员）"
    )
    code: text(24, "区划编码，6 至 24 位数字", 1)
    name: text(100, "名称", 1)
    level: RegionLevel | None = Field(None, description="层级；不填则取上级的下一级")
    category: RegionCategory | None = None
    population: UInt = 0
    household_count: UInt = 0
    polygon: GeoJSONPolygon | None = None
    lng: Lng | None = None
    lat: Lat | None = None
    is_closed: bool | None = None
    has_property_management: bool | None = None
    address: text(200) = ""


class RegionUpdate(InSchema):
    name: text(100, "名称", 1) = None
    category: RegionCategory | None = None
    population: UInt = None
    household_count: UInt = None
    polygon: GeoJSONPolygon | None = None
    lng: Lng | None = None
    lat: Lat | None = None
    is_closed: bool | None = None
    has_property_management: bool | None = None
    address: text(200) = None


class FeatureProperties(Schema):
    code: str
    name: str
    level: RegionLevel
    population: int
    household_count: int
    children_count: int


class Feature(Schema):
    type: Literal["Feature"] = "Feature"
    id: str = Field(description="区划编码")
    geometry: dict | None = Field(description="GeoJSON 几何，WGS-84 经纬度；未绘制边界时为空")
    properties: FeatureProperties


class FeatureCollection(Schema):
    type: Literal["FeatureCollection"] = "FeatureCollection"
    features: list[Feature]


# ---- households ---------------------------------------------------------------------------------


class HouseholdOut(Schema):
    id: int
    entrance_code: str = Field(description="所在单元编码")
    room: str = Field(description="房号（已脱敏）")
    head_name: str = Field(description="户主姓名（已脱敏）")
    phone: str = Field(description="联系电话（已脱敏）")
    size: int
    tags: list[HouseholdTag]
    note: str
    grid_code: str | None = Field(None, description="所在网格编码")

    resolve_entrance_code = from_attr("entrance.code")
    resolve_room = masked("room")
    resolve_head_name = masked("head_name")
    resolve_phone = masked("phone")
    resolve_tags = from_attr("tag_list")
    resolve_grid_code = from_attr("grid.code")


class HouseholdCreate(InSchema):
    entrance_code: text(24, "所在单元编码", 1)
    room: text(20, "房号", 1)
    head_name: text(50, "户主姓名", 1)
    phone: text(20, "联系电话") = ""
    size: Annotated[int, Field(ge=0, le=32767)] = 1
    tags: list[HouseholdTag] = Field(default_factory=list, max_length=len(HouseholdTag))
    note: text(200) = ""


class HouseholdUpdate(InSchema):
    entrance_code: text(24, "所在单元编码", 1) = None
    room: text(20, "房号", 1) = None
    head_name: text(50, "户主姓名", 1) = None
    phone: text(20, "联系电话") = None
    size: Annotated[int, Field(ge=0, le=32767)] = None
    tags: list[HouseholdTag] = Field(None, max_length=len(HouseholdTag))
    note: text(200) = None
