"""API schemas for units (驻区单位) and party-building instructors."""

from ninja import Field, Schema

from grassroots.core.resolvers import from_attr, masked
from grassroots.regions.schemas import InSchema, Lat, Lng, UInt, text

from .choices import PartyWork, UnitType


class UnitOut(Schema):
    id: int
    code: str = Field(description="单位编码")
    name: str
    type: UnitType
    industry: str
    employees: int
    region_code: str = Field(description="所在区划编码")
    address: str
    lng: float | None = Field(None, description="经度，WGS-84 坐标系")
    lat: float | None = Field(None, description="纬度，WGS-84 坐标系")
    party_work: PartyWork = Field(description="党组织设置方式")
    covered: bool = Field(description="党的组织已覆盖（两个覆盖）")
    party_org_code: str | None = Field(None, description="覆盖该单位的党组织编码")
    full_members: int = Field(description="以该单位为工作单位的正式党员人数（按党员信息统计）")
    has_union: bool
    has_youth_league: bool
    instructor_id: int | None = Field(None, description="党建指导员编号")
    grid_code: str | None = Field(None, description="所在网格编码")

    resolve_region_code = from_attr("region.code")
    resolve_covered = from_attr("is_covered")
    resolve_party_org_code = from_attr("party_org.code")
    resolve_grid_code = from_attr("grid.code")


class UnitCreate(InSchema):
    code: text(32, "单位编码", 1)
    name: text(100, "名称", 1)
    type: UnitType
    industry: text(50) = ""
    employees: UInt = 0
    region_code: text(24, "所在区划编码", 1)
    address: text(200) = ""
    lng: Lng | None = None
    lat: Lat | None = None
    party_work: PartyWork = PartyWork.NONE
    party_org_code: str | None = Field(None, max_length=32, description="覆盖该单位的党组织编码")
    has_union: bool = False
    has_youth_league: bool = False
    instructor_id: int | None = Field(None, description="党建指导员编号")


class UnitUpdate(InSchema):
    name: text(100, "名称", 1) = None
    type: UnitType = None
    industry: text(50) = None
    employees: UInt = None
    region_code: str = Field(None, max_length=24, description="所在区划编码")
    address: text(200) = None
    lng: Lng | None = None
    lat: Lat | None = None
    party_work: PartyWork = None
    party_org_code: str | None = Field(
        None, max_length=32, description="覆盖该单位的党组织编码；null 表示清除"
    )
    has_union: bool = None
    has_youth_league: bool = None
    instructor_id: int | None = Field(None, description="党建指导员编号；null 表示清除")


class InstructorOut(Schema):
    id: int
    name: str
    phone: str = Field(description="手机号（已脱敏）")
    region_code: str = Field(description="所属区划编码")
    org_code: str | None = Field(None, description="选派党组织编码")

    resolve_phone = masked("phone")
    resolve_region_code = from_attr("region.code")
    resolve_org_code = from_attr("org.code")


class InstructorCreate(InSchema):
    name: text(50, "姓名", 1)
    phone: text(20, "手机号") = ""
    region_code: text(24, "所属区划编码", 1)
    org_code: str | None = Field(None, max_length=32, description="选派党组织编码")


class InstructorUpdate(InSchema):
    name: text(50, "姓名", 1) = None
    phone: text(20, "手机号") = None
    region_code: str = Field(None, max_length=24, description="所属区划编码")
    org_code: str | None = Field(None, max_length=32, description="选派党组织编码；null 表示清除")
