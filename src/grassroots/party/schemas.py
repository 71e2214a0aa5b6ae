"""API schemas for party organisations, seats, members and transfers. ID numbers and phones are masked."""

import datetime
from typing import Annotated

from ninja import Field, Schema

from grassroots.core.personal import masked_value
from grassroots.core.resolvers import display, from_attr, masked
from grassroots.regions.schemas import InSchema, text

from .choices import Gender, MemberStatus, OrgKind, SeatPost

SmallUInt = Annotated[int, Field(ge=0, le=32767)]


# ---- organisations ------------------------------------------------------------------------------


class SeatOut(Schema):
    id: int
    post: SeatPost
    holder_name: str
    member_id: int | None = None
    unit_code: str | None = Field(None, description="兼职委员来自的单位编码")

    resolve_unit_code = from_attr("unit.code")


class SeatIn(InSchema):
    post: SeatPost
    holder_name: text(50, "姓名", 1)
    member_id: int | None = Field(None, description="本人的党员编号（如是党员）")
    unit_code: str | None = Field(None, max_length=32, description="兼职委员来自的单位编码")


class OrgOut(Schema):
    id: int
    code: str = Field(description="组织编码")
    name: str
    short_name: str
    kind: OrgKind
    is_regional: bool = Field(description="区域化党组织（大党委）")
    is_joint: bool = Field(description="联合党组织")
    is_functional: bool = Field(description="功能型党组织")
    parent_code: str | None = Field(None, description="上级党组织编码；根节点为空")
    children_count: int
    region_code: str = Field(description="所在区划编码")
    unit_code: str | None = Field(None, description="所在单位编码（单位党组织）")
    secretary_id: int | None = Field(None, description="书记（党员编号）")
    secretary_name: str
    committee_size: int
    established_on: datetime.date | None = None
    term_start: datetime.date | None = None
    term_end: datetime.date | None = None

    @staticmethod
    def resolve_parent_code(obj):
        return getattr(obj, "parent_code", None)

    resolve_children_count = from_attr("numchild")
    resolve_region_code = from_attr("region.code")
    resolve_unit_code = from_attr("unit.code")


class OrgDetail(OrgOut):
    seats: list[SeatOut] = Field(description="委员席位")

    @staticmethod
    def resolve_seats(obj):
        return list(obj.seats.all())


class OrgCreate(InSchema):
    parent_code: str | None = Field(
        max_length=32, description="上级党组织编码；为空表示新建根节点（仅系统管理员）"
    )
    code: text(32, "组织编码：字母、数字和连字符，2 至 32 位", 1)
    name: text(100, "名称", 1)
    short_name: text(50) = ""
    kind: OrgKind
    is_regional: bool = False
    is_joint: bool = False
    is_functional: bool = False
    region_code: str | None = Field(
        None, max_length=24, description="所在区划编码；单位党组织可不填，取单位所在区划"
    )
    unit_code: str | None = Field(None, max_length=32, description="所在单位编码")
    secretary_name: text(50) = ""
    committee_size: SmallUInt = 0
    established_on: datetime.date | None = None
    term_start: datetime.date | None = None
    term_end: datetime.date | None = None


class OrgUpdate(InSchema):
    name: text(100, "名称", 1) = None
    short_name: text(50) = None
    kind: OrgKind = None
    is_regional: bool = None
    is_joint: bool = None
    is_functional: bool = None
    region_code: str = Field(None, max_length=24, description="所在区划编码")
    unit_code: str | None = Field(None, max_length=32, description="所在单位编码；null 表示不属于单位")
    secretary_id: int | None = Field(None, description="书记（本组织党员编号）；null 表示空缺")
    secretary_name: text(50) = None
    committee_size: SmallUInt = None
    established_on: datetime.date | None = None
    term_start: datetime.date | None = None
    term_end: datetime.date | None = None


# ---- members ------------------------------------------------------------------------------------


class MemberOut(Schema):
    id: int
    name: str
    gender: Gender
    birth_date: str | None = Field(
        None, description="出生日期（已脱敏；明文只能通过查看个人信息接口并登记用途）；未登记为空"
    )
    id_number: str = Field(
        description="身份证号（已脱敏，只显示后 4 位；明文只能通过查看个人信息接口并登记用途）"
    )
    phone: str = Field(description="手机号（已脱敏）")
    party_org_code: str = Field(description="所在党组织编码")
    party_org_name: str
    status: MemberStatus
    joined_on: datetime.date
    converted_on: datetime.date | None = None
    in_service: bool = Field(description="在职党员")
    workplace_unit_code: str | None = Field(None, description="工作单位编码")
    residence_code: str | None = Field(None, description="居住地区划编码")
    room: str = Field(description="房号（已脱敏）")
    is_household_hub: bool = Field(description="党员中心户")

    @staticmethod
    def resolve_birth_date(obj):
        return masked_value(obj, "birth_date") or None

    resolve_id_number = masked("id_number")
    resolve_phone = masked("phone")
    resolve_room = masked("room")
    resolve_party_org_code = from_attr("party_org.code")
    resolve_party_org_name = from_attr("party_org.name")
    resolve_workplace_unit_code = from_attr("workplace_unit.code")
    resolve_residence_code = from_attr("residence.code")


class MemberCreate(InSchema):
    name: text(50, "姓名", 1)
    gender: Gender
    birth_date: datetime.date | None = None
    id_number: text(18, "身份证号，18 位", 1)
    phone: text(11, "手机号，11 位") = ""
    party_org_code: text(32, "所在党组织编码", 1)
    status: MemberStatus
    joined_on: datetime.date
    converted_on: datetime.date | None = None
    in_service: bool = False
    workplace_unit_code: str | None = Field(None, max_length=32, description="工作单位编码")
    residence_code: str | None = Field(None, max_length=24, description="居住地区划编码")
    room: text(20) = ""
    is_household_hub: bool = False


class MemberUpdate(InSchema):
    """Changing the org is a transfer (POST .../transfer), becoming a full member a conversion."""

    name: text(50, "姓名", 1) = None
    gender: Gender = None
    birth_date: datetime.date | None = None
    id_number: text(18, "身份证号，18 位", 1) = None
    phone: text(11, "手机号，11 位") = None
    joined_on: datetime.date = None
    in_service: bool = None
    workplace_unit_code: str | None = Field(None, max_length=32, description="工作单位编码；null 表示清除")
    residence_code: str | None = Field(None, max_length=24, description="居住地区划编码；null 表示清除")
    room: text(20) = None
    is_household_hub: bool = None


class TransferIn(InSchema):
    to_org: text(32, "转入党组织编码", 1)
    on: datetime.date | None = Field(None, description="转接日期；不填为今天")
    reason: text(200, "原因") = ""


class ConvertIn(InSchema):
    on: datetime.date = Field(description="转正日期")


class TransferOut(Schema):
    id: int
    letter_no: str | None
    kind: str
    state: str
    state_label: str
    member_id: int | None
    name: str
    from_org_code: str | None
    from_org_name: str
    to_org_code: str | None
    to_org_name: str
    outside_org_name: str
    issued_on: datetime.date | None
    deadline: datetime.date | None
    overdue: bool
    transferred_on: datetime.date | None
    reason: str
    return_reason: str

    resolve_state_label = display("state")
    resolve_name = from_attr("display_name")
    resolve_from_org_code = from_attr("from_org.code")
    resolve_from_org_name = from_attr("from_name")
    resolve_to_org_code = from_attr("to_org.code")
    resolve_to_org_name = from_attr("to_name")


class TransferIssueIn(InSchema):
    member_id: int
    to_org: str | None = Field(
        None, max_length=32, description="转入党组织编码（平台内，任何非功能型党组织）"
    )
    outside_org_name: text(100, "平台外党组织名称（转往平台外时填写）") = ""
    outside_org_address: text(200, "平台外党组织地址") = ""
    reason: text(200, "转接原因") = ""
    on: datetime.date | None = Field(None, description="开具日期；不填为今天")


class TransferIncomingIn(InSchema):
    to_org: text(32, "接收党组织编码", 1)
    outside_org_name: text(100, "转出党组织（平台外）", 1)
    outside_letter_no: text(40, "介绍信编号", 1)
    issued_on: datetime.date
    name: text(50, "姓名", 1)
    gender: str = Field(description="male / female")
    id_number: text(18, "身份证号", 1)
    birth_date: datetime.date | None = None
    phone: text(11, "手机号") = ""
    status: str = Field(description="full / probationary")
    joined_on: datetime.date
    converted_on: datetime.date | None = None
    reason: text(200, "转接原因") = ""


class TransferReasonIn(InSchema):
    reason: text(200, "原因") = ""


class TransferReceiptIn(InSchema):
    receipt_on: datetime.date
    receipt_ref: text(100, "回执编号或说明", 1)
