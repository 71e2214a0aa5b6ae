"""API schemas for community workers, stewards (三长) and deputies (两代表一委员). Phones are masked."""

import datetime
import enum
from typing import Annotated

from ninja import Field, Schema

from grassroots.core.personal import masked_value
from grassroots.party.choices import Gender
from grassroots.regions.choices import RegionLevel
from grassroots.regions.schemas import InSchema, text

from .choices import DeputyKind, StewardRole, WorkerPost, WorkerRole
from .models import GRADE_MAX, GRADE_MIN

Grade = Annotated[int, Field(ge=GRADE_MIN, le=GRADE_MAX, description="等级（三岗十八级：1 至 18）")]
DeputyLevel = enum.StrEnum("DeputyLevel", {c.name: c.value for c in list(RegionLevel)[:3]})


def _region_code(obj):
    return obj.region.code


def _phone(obj):
    return masked_value(obj, "phone")


# ---- workers ------------------------------------------------------------------------------------


class WorkerOut(Schema):
    id: int
    code: str = Field(description="工号")
    name: str
    gender: Gender | None = None
    phone: str = Field(description="手机号（已脱敏）")
    region_code: str = Field(description="所在社区或街道编码")
    post: WorkerPost
    grade: int
    role: WorkerRole
    member_id: int | None = Field(None, description="党员身份（党员编号）")
    hired_on: datetime.date | None = None

    resolve_region_code = staticmethod(_region_code)
    resolve_phone = staticmethod(_phone)

    @staticmethod
    def resolve_gender(obj):
        return obj.gender or None


class WorkerCreate(InSchema):
    code: text(32, "工号", 1)
    name: text(50, "姓名", 1)
    gender: Gender | None = None
    phone: text(20, "手机号") = ""
    region_code: text(24, "所在社区或街道编码", 1)
    post: WorkerPost
    grade: Grade
    role: WorkerRole = WorkerRole.GENERALIST
    member_id: int | None = Field(None, description="党员身份（党员编号）")
    hired_on: datetime.date | None = None


class WorkerUpdate(InSchema):
    name: text(50, "姓名", 1) = None
    gender: Gender | None = None
    phone: text(20, "手机号") = None
    region_code: str = Field(None, max_length=24, description="所在社区或街道编码")
    post: WorkerPost = None
    grade: Grade = None
    role: WorkerRole = None
    member_id: int | None = Field(None, description="党员身份（党员编号）；null 表示清除")
    hired_on: datetime.date | None = None


# ---- stewards -----------------------------------------------------------------------------------


class StewardOut(Schema):
    id: int
    name: str
    phone: str = Field(description="手机号（已脱敏）")
    role: StewardRole
    region_code: str = Field(description="负责区域编码（小区、楼栋或单元）")
    member_id: int | None = Field(None, description="党员身份（党员编号）")

    resolve_region_code = staticmethod(_region_code)
    resolve_phone = staticmethod(_phone)


class StewardCreate(InSchema):
    name: text(50, "姓名", 1)
    phone: text(20, "手机号") = ""
    role: StewardRole
    region_code: text(24, "负责区域编码", 1)
    member_id: int | None = Field(None, description="党员身份（党员编号）")


class StewardUpdate(InSchema):
    name: text(50, "姓名", 1) = None
    phone: text(20, "手机号") = None
    role: StewardRole = None
    region_code: str = Field(None, max_length=24, description="负责区域编码")
    member_id: int | None = Field(None, description="党员身份（党员编号）；null 表示清除")


# ---- deputies -----------------------------------------------------------------------------------


class DeputyOut(Schema):
    id: int
    name: str
    kind: DeputyKind
    level: DeputyLevel = Field(description="代表或委员的层级（市、区、街道）")
    region_code: str = Field(description="联系社区编码")
    unit_name: str
    phone: str = Field(description="手机号（已脱敏）")

    resolve_region_code = staticmethod(_region_code)
    resolve_phone = staticmethod(_phone)


class DeputyCreate(InSchema):
    name: text(50, "姓名", 1)
    kind: DeputyKind
    level: DeputyLevel
    region_code: text(24, "联系社区编码", 1)
    unit_name: text(100, "工作单位") = ""
    phone: text(20, "手机号") = ""


class DeputyUpdate(InSchema):
    name: text(50, "姓名", 1) = None
    kind: DeputyKind = None
    level: DeputyLevel = None
    region_code: str = Field(None, max_length=24, description="联系社区编码")
    unit_name: text(100, "工作单位") = None
    phone: text(20, "手机号") = None
