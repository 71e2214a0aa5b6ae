"""Excel import/export of the region tree (行政区划). Key: the region code."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from grassroots.core.importing import Col, Importer, Ref

from .choices import CommunityCategory, RegionLevel, StreetCategory
from .models import Region, code_validator


def _parent_code(obj) -> str:
    parent = getattr(obj, "_import_parent", None)
    if parent is not None:
        return parent.code
    if obj.depth and obj.depth > 1:
        cache = getattr(obj, "_parent_code_cache", None)
        if cache is None:
            cache = (
                Region.objects.filter(path=obj.path[: -Region.steplen]).values_list("code", flat=True).first()
            )
        return cache or ""
    return ""


class RegionImporter(Importer):
    kind = "regions"
    title = "行政区划"
    model = Region
    key_field = "code"
    tree_parent = "parent"
    scope_field = "parent"
    refs = {"region": Ref(Region, label="区划编码")}
    export_order = ("path",)
    columns = [
        Col(
            "编码",
            "code",
            required=True,
            max_length=24,
            example="370202001001",
            help="12 位统计用区划代码，小区、楼栋、单元在上级编码后加 3 位",
        ),
        Col("名称", "name", required=True, max_length=100, example="团岛社区"),
        Col("层级", "level", "choice", required=True, choices=RegionLevel.choices, example="社区"),
        Col(
            "上级编码",
            "parent",
            "ref",
            ref="region",
            max_length=24,
            example="370202001000",
            help="上级区划的编码，可以是本文件中前后任一行",
            export=_parent_code,
        ),
        Col(
            "分类",
            "category",
            "choice",
            choices=StreetCategory.choices + CommunityCategory.choices,
            default="",
            help="只有街道和社区可以分类",
        ),
        Col("人口", "population", "int", min_value=0, default=0, example=3000),
        Col("户数", "household_count", "int", min_value=0, default=0, example=1000),
        Col("经度", "lng", "float", min_value=-180, max_value=180),
        Col("纬度", "lat", "float", min_value=-90, max_value=90),
        Col("封闭小区", "is_closed", "bool", help="只适用于小区：是/否"),
        Col("有物业管理", "has_property_management", "bool", help="只适用于小区：是/否"),
        Col("地址", "address", max_length=200),
    ]

    def apply(self, obj, values, refs):
        super().apply(obj, values, refs)
        if obj.pk is None:
            parent = refs.get("parent")
            obj._import_parent = parent
            # provisional path so the scope check sees where the node will hang
            obj.path = (parent.path if parent is not None else "") + "~" * Region.steplen
            obj.depth = len(obj.path) // Region.steplen

    def row_check_needs(self):
        return {"level", "parent"}

    def row_checks(self, obj, values, refs):
        problems = []
        parent = refs.get("parent")
        if parent is not None and obj.level and obj.pk is None:
            try:
                parent.check_child_level(obj.level)
            except ValidationError as exc:
                problems.append(("parent", exc.messages[0]))
        if obj.code:
            try:
                code_validator(obj.code)
            except ValidationError as exc:
                problems.append(("code", exc.messages[0]))
        return problems

    def current_parent_code(self, obj):
        return _parent_code(obj) or None

    def export_columns(self):
        return self.with_parent_codes(super().export_columns(), "上级编码")
