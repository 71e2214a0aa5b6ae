"""API schemas for activities, sign-ups, attendance and compliance."""

import datetime
import enum

from ninja import Field, Schema

from grassroots.core.resolvers import display, from_attr
from grassroots.regions.schemas import InSchema, Lat, Lng, text

from .models import ActivityKind as _Kind
from .models import ActivityStatus as _Status
from .models import SignupStatus as _SignupStatus

Kind = enum.StrEnum("Kind", {k.name: k.value for k in _Kind})
Status = enum.StrEnum("ActivityState", {k.name: k.value for k in _Status})
SignupState = enum.StrEnum("SignupState", {k.name: k.value for k in _SignupStatus})


class ActivityOut(Schema):
    id: int
    kind: Kind
    kind_label: str
    title: str
    description: str
    party_org_code: str | None = Field(None, description="党组织编码")
    region_code: str = Field(description="所属区划编码")
    unit_code: str | None = Field(None, description="联建单位编码")
    place: str
    lng: float | None = None
    lat: float | None = None
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    capacity: int | None = Field(None, description="人数上限，空为不限")
    signup_deadline: datetime.datetime | None = None
    signed_up_count: int
    status: Status
    status_label: str
    has_minutes: bool
    version: int

    resolve_kind_label = display("kind")
    resolve_status_label = display("status")
    resolve_party_org_code = from_attr("party_org.code")
    resolve_region_code = from_attr("region.code")
    resolve_unit_code = from_attr("unit.code")

    @staticmethod
    def resolve_has_minutes(obj):
        return bool(obj.minutes)


class ActivityDetailOut(ActivityOut):
    minutes: str
    allowed_actions: list[str] = Field(description="当前用户可执行的流转：publish/start/finish/cancel")


class ActivityCreate(InSchema):
    kind: Kind
    title: text(100, "标题", 1)
    description: text(5000, "内容") = ""
    party_org_code: str | None = Field(None, max_length=32, description="党组织编码（组织生活类必填）")
    region_code: str | None = Field(None, max_length=24, description="所属区划编码（缺省为党组织所在区划）")
    unit_code: str | None = Field(None, max_length=32, description="联建单位编码")
    place: text(200, "地点") = ""
    lng: Lng | None = None
    lat: Lat | None = None
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    capacity: int | None = Field(None, ge=1, le=100000, description="人数上限，空为不限")
    signup_deadline: datetime.datetime | None = None


class ActivityUpdate(InSchema):
    version: int | None = Field(None, ge=1, description="乐观锁：当前版本号，不一致时返回 409")
    kind: Kind | None = None
    title: text(100, "标题", 1) | None = None
    description: text(5000, "内容") | None = None
    party_org_code: str | None = Field(None, max_length=32)
    region_code: str | None = Field(None, max_length=24)
    unit_code: str | None = Field(None, max_length=32)
    place: text(200, "地点") | None = None
    lng: Lng | None = None
    lat: Lat | None = None
    starts_at: datetime.datetime | None = None
    ends_at: datetime.datetime | None = None
    capacity: int | None = Field(None, ge=1, le=100000)
    signup_deadline: datetime.datetime | None = None


class CancelIn(InSchema):
    reason: text(200, "取消原因", 1)


class SignupOut(Schema):
    id: int
    activity_id: int
    name: str
    status: SignupState
    checked_in_at: datetime.datetime | None = None
    checked_out_at: datetime.datetime | None = None
    hours: float


class CheckinIn(InSchema):
    token: str = Field(..., min_length=10, max_length=500, description="签到二维码中的令牌")


class AttendanceIn(InSchema):
    member_ids: list[int] = Field(..., max_length=5000, description="出席党员的编号；其余本组织党员记为缺席")


class AttendanceOut(Schema):
    attended: int
    absent: int


class MinutesIn(InSchema):
    minutes: text(20000, "会议记录", 1)


class PeriodStateOut(Schema):
    period: str
    start: datetime.date
    end: datetime.date
    count: int
    required: int
    state: str = Field(description="met 已完成 / due 待完成 / missed 未完成 / na 不适用")


class RuleHistoryOut(Schema):
    code: str
    name: str
    periods: list[PeriodStateOut]


class ComplianceRuleOut(Schema):
    code: str
    name: str
    judged: int
    met: int
    rate: float | None


class ComplianceRowOut(Schema):
    code: str
    name: str
    region_name: str
    judged: int
    met: int
    compliant: bool
    missed: list[str]


class ComplianceOut(Schema):
    start: datetime.date
    end: datetime.date
    branches: int
    judged_branches: int
    compliant: int
    rate: float | None
    rules: list[ComplianceRuleOut]
    rows: list[ComplianceRowOut]


class OrglifeStatsFilter(Schema):
    period: str | None = Field(None, max_length=10, description="统计期：2026、2026-H1、2026-Q3、2026-10")
    region: str | None = Field(None, max_length=24, description="区划编码（含下级）")
