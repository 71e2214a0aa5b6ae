"""Excel import/export of community workers (社区工作者, 三岗十八级). Key: the worker code (工号)."""

from __future__ import annotations

from decimal import Decimal

from grassroots.core.importing import Col, Importer, Ref
from grassroots.party.choices import Gender
from grassroots.regions.models import Region

from .choices import Education, Qualification, WorkerPost, WorkerRole
from .models import GRADE_MAX, GRADE_MIN, PayScale, Worker


def _region_code(obj):
    return obj.region.code if obj.region_id else ""


class WorkerImporter(Importer):
    kind = "workers"
    title = "社区工作者"
    model = Worker
    key_field = "code"
    scope_field = "region"
    refs = {"region": Ref(Region, label="区划编码")}
    export_order = ("region__path", "code")
    export_select = ("region",)
    columns = [
        Col("工号", "code", required=True, max_length=32, example="W511083001001-01"),
        Col("姓名", "name", required=True, max_length=50, example="李四"),
        Col("性别", "gender", "choice", choices=Gender.choices, default="", example="女"),
        Col("手机号", "phone", "phone", personal="phone", example="13900139000", width=14),
        Col(
            "所在社区/街道编码",
            "region",
            "ref",
            ref="region",
            required=True,
            max_length=24,
            example="511083001001",
            export=_region_code,
        ),
        Col("岗位", "post", "choice", required=True, choices=WorkerPost.choices, example="社区专职工作者"),
        Col(
            "等级",
            "grade",
            "int",
            required=True,
            min_value=GRADE_MIN,
            max_value=GRADE_MAX,
            example=15,
            help="三岗十八级：1 至 18",
        ),
        Col(
            "职责",
            "role",
            "choice",
            choices=WorkerRole.choices,
            default=WorkerRole.GENERALIST,
            example="全科社工",
        ),
        Col("入职日期", "hired_on", "date", example="2020-03-01"),
        Col("出生日期", "birth_date", "date", example="1990-05-01"),
        Col("学历", "education", "choice", choices=Education.choices, default="", example="本科"),
        Col(
            "社会工作者职业资格",
            "qualification",
            "choice",
            choices=Qualification.choices,
            default=Qualification.NONE,
            example="助理社会工作师",
            width=18,
        ),
        Col("取得资格日期", "qualified_on", "date", example="2022-06-01"),
        Col(
            "月薪（元）",
            "monthly_pay",
            "float",
            min_value=0,
            max_value=1_000_000,
            example=5200,
            export=lambda o: float(o.monthly_pay) if o.monthly_pay is not None else None,
        ),
    ]

    def apply(self, obj, values: dict, refs: dict) -> None:
        super().apply(obj, values, refs)
        if isinstance(obj.monthly_pay, float):
            obj.monthly_pay = Decimal(str(round(obj.monthly_pay, 2)))


class PayScaleImporter(Importer):
    """A city's yearly pay scale (薪酬标准): one row per post × grade. Key: city, year, post, grade."""

    kind = "pay_scales"
    title = "社区工作者薪酬标准"
    model = PayScale
    key_field = "uid"
    scope_field = "region"
    refs = {"region": Ref(Region, label="市编码")}
    export_order = ("region__path", "-year", "post", "grade")
    export_select = ("region",)
    columns = [
        Col(
            "市编码",
            "region",
            "ref",
            ref="region",
            required=True,
            max_length=24,
            example="370200",
            export=_region_code,
        ),
        Col("年度", "year", "int", required=True, min_value=2000, max_value=2100, example=2026, width=8),
        Col(
            "岗位",
            "post",
            "choice",
            required=True,
            choices=WorkerPost.choices,
            example="社区专职工作者",
            width=20,
        ),
        Col(
            "等级",
            "grade",
            "int",
            required=True,
            min_value=GRADE_MIN,
            max_value=GRADE_MAX,
            example=15,
            help="三岗十八级：1 至 18",
            width=8,
        ),
        Col(
            "月薪标准（元）",
            "monthly",
            "float",
            required=True,
            min_value=0,
            max_value=1_000_000,
            example=5200,
            width=14,
            export=lambda o: float(o.monthly),
        ),
    ]

    def key_of(self, values: dict) -> str:
        parts = [values.get(f) for f in ("region", "year", "post", "grade")]
        if any(p in (None, "") for p in parts):
            return ""
        return PayScale.make_uid(*parts)

    def key_display_field(self) -> str:
        return "grade"

    def apply(self, obj, values: dict, refs: dict) -> None:
        super().apply(obj, values, refs)
        if isinstance(obj.monthly, float):
            obj.monthly = Decimal(str(round(obj.monthly, 2)))
        if obj.region_id or getattr(obj, "region", None) is not None:
            obj.uid = PayScale.make_uid(obj.region.code, obj.year, obj.post, obj.grade)

    def row_check_needs(self) -> set[str]:
        return {"region"}

    def row_checks(self, obj, values: dict, refs: dict) -> list[tuple[str, str]]:
        city = refs.get("region")
        if city is not None and city.level != "city":
            return [("region", f"“{city.code}”不是市：薪酬标准按市制定")]
        return []

    def error_field(self, model_field: str) -> str:
        return "region" if model_field == "uid" else model_field
