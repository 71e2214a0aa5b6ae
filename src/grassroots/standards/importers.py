"""Excel import/export of the standards catalog items (key: 标准编号) and of the streets' duty lists and
delegated powers (key: 街道编码 + 事项编号), through core.importing (row-level errors, all-or-nothing)."""

from __future__ import annotations

from grassroots.core.importing import Col, Importer, Ref, ref_code
from grassroots.core.scoping import covers, has_perm
from grassroots.regions.models import Region

from .models import Area, CheckStatus, DutyKind, Item, Measure, StreetDuty, make_duty_uid

APPLIES = [("community", "社区"), ("street", "街道"), ("all", "街道和社区")]


class ItemImporter(Importer):
    """The catalog is one table for the installation: importing it needs standards.change (city admins)."""

    kind = "standard_items"
    title = "标准条目"
    model = Item
    key_field = "code"
    refs = {"area": Ref(Area, label="领域编号")}
    export_order = ("area__order", "order", "code")
    export_select = ("area",)
    columns = [
        Col("标准编号", "code", required=True, max_length=16, example="A2-01"),
        Col(
            "领域编号",
            "area",
            "ref",
            ref="area",
            required=True,
            max_length=8,
            example="A2",
            export=ref_code("area"),
            help="A1 组织领导、A2 组织体系、A3 队伍建设、A4 区域党建、A5 引领治理、A6 基础保障",
        ),
        Col("标准内容", "title", required=True, max_length=300, example="网格党组织覆盖所有网格", width=50),
        Col("考评对象", "applies_to", "choice", required=True, choices=APPLIES, example="社区"),
        Col("考评方式", "measure", "choice", required=True, choices=Measure.choices, example="系统指标"),
        Col("指标", "indicator", max_length=32, example="grid_party", help="考评方式为系统指标时必填"),
        Col("分值", "max_score", "float", required=True, min_value=0.1, max_value=100, example=3),
        Col("排序", "order", "int", min_value=0, max_value=999, default=0, example=1),
        Col("启用", "enabled", "bool", default=True, example="是"),
    ]

    def allowed(self) -> bool:
        return self.user is None or (
            has_perm(self.user, "imports.run") and has_perm(self.user, "standards.change")
        )

    def covers(self, obj) -> bool:
        return self.user is None or has_perm(self.user, "standards.change")

    def visible(self, qs, action: str):
        return qs

    def row_check_needs(self) -> set[str]:
        return {"measure", "indicator"}

    def row_checks(self, obj, values: dict, refs: dict) -> list[tuple[str, str]]:
        from . import indicators

        if obj.measure == Measure.INDICATOR:
            if not obj.indicator:
                return [("indicator", "考评方式为系统指标时请填写指标")]
            if indicators.get(obj.indicator) is None:
                known = "、".join(indicators.REGISTRY)
                return [("indicator", f"指标“{obj.indicator}”不存在，可选：{known}")]
        elif obj.indicator:
            return [("indicator", "考评方式为佐证材料时指标应为空")]
        return []


class StreetDutyImporter(Importer):
    """A street's duty list (Jilin: 282 items) and the county powers delegated to it (60)."""

    kind = "street_duties"
    title = "街道职责清单与赋权事项"
    model = StreetDuty
    key_field = "uid"
    scope_field = "street"
    refs = {"street": Ref(Region, label="街道编码", action="standards.assess")}
    export_order = ("street__path", "kind", "code")
    export_select = ("street",)
    columns = [
        Col(
            "街道编码",
            "street",
            "ref",
            ref="street",
            required=True,
            max_length=24,
            example="370202001",
            export=ref_code("street"),
        ),
        Col("类别", "kind", "choice", required=True, choices=DutyKind.choices, example="街道职责清单"),
        Col("事项编号", "code", required=True, max_length=24, example="ZZ-001"),
        Col("事项类别", "category", max_length=50, example="党的建设"),
        Col("事项名称", "title", required=True, max_length=200, example="统筹辖区党的建设", width=40),
        Col("依据", "basis", max_length=300, width=30),
        Col(
            "核查状态",
            "status",
            "choice",
            choices=CheckStatus.choices,
            default=CheckStatus.PENDING,
            example="未核查",
        ),
        Col("核查说明", "check_note", max_length=300),
    ]

    def allowed(self) -> bool:
        return self.user is None or (
            has_perm(self.user, "imports.run") and has_perm(self.user, "standards.assess")
        )

    def covers(self, obj) -> bool:
        return self.user is None or covers(self.user, obj, "standards.assess")

    def key_of(self, values: dict) -> str:
        street, code = values.get("street") or "", values.get("code") or ""
        return make_duty_uid(street, code) if street and code else ""

    def apply(self, obj, values: dict, refs: dict) -> None:
        super().apply(obj, values, refs)
        if obj.street_id or getattr(obj, "street", None) is not None:
            obj.uid = make_duty_uid(obj.street.code, obj.code)

    def row_check_needs(self) -> set[str]:
        return {"street"}

    def row_checks(self, obj, values: dict, refs: dict) -> list[tuple[str, str]]:
        street = refs.get("street")
        if street is not None and street.level != "street":
            return [("street", f"“{street.code}”不是街道")]
        return []

    def region_lookup(self) -> str:
        return "street__path__startswith"
