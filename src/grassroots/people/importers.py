"""Excel import/export of community workers (社区工作者, 三岗十八级). Key: the worker code (工号)."""

from __future__ import annotations

from grassroots.core.importing import Col, Importer, Ref
from grassroots.party.choices import Gender
from grassroots.regions.models import Region

from .choices import WorkerPost, WorkerRole
from .models import GRADE_MAX, GRADE_MIN, Worker


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
    ]
