"""Excel import/export of party organisations (key: org code) and members (key: ID number)."""

from __future__ import annotations

from grassroots.core.crypto import lookup_hash
from grassroots.core.importing import Col, Importer, Ref, chunked, ref_code
from grassroots.regions.models import Region

from .choices import Gender, MemberStatus, OrgKind
from .models import Member, PartyOrg, unit_model

Unit = unit_model()


class PartyOrgImporter(Importer):
    kind = "orgs"
    title = "党组织"
    model = PartyOrg
    key_field = "code"
    tree_parent = "parent"
    scope_field = "region"
    refs = {
        "org": Ref(PartyOrg, label="组织编码", select_related=("region",)),
        "region": Ref(Region, label="区划编码"),
        "unit": Ref(Unit, label="单位编码", select_related=("region",)),
    }
    export_order = ("path",)
    export_select = ("region", "unit")
    columns = [
        Col(
            "组织编码",
            "code",
            required=True,
            max_length=32,
            example="LC-JE",
            help="字母、数字和连字符，2 至 32 位",
        ),
        Col("名称", "name", required=True, max_length=100, example="中共金鹅街道工作委员会"),
        Col("简称", "short_name", max_length=50),
        Col("类别", "kind", "choice", required=True, choices=OrgKind.choices, example="党工委"),
        Col(
            "上级组织编码",
            "parent",
            "ref",
            ref="org",
            max_length=32,
            example="LC",
            help="上级党组织的编码，可以是本文件中前后任一行",
        ),
        Col(
            "所在区划编码",
            "region",
            "ref",
            ref="region",
            max_length=24,
            example="511083001000",
            help="单位党组织可以不填，取单位所在区划",
            export=ref_code("region"),
        ),
        Col(
            "所在单位编码",
            "unit",
            "ref",
            ref="unit",
            max_length=32,
            help="单位党组织填写",
            export=ref_code("unit"),
        ),
        Col("区域化(大党委)", "is_regional", "bool", default=False, example="否"),
        Col("联合党组织", "is_joint", "bool", default=False, example="否"),
        Col("功能型党组织", "is_functional", "bool", default=False, example="否"),
        Col("书记姓名", "secretary_name", max_length=50, example="张三"),
        Col("委员会人数", "committee_size", "int", min_value=0, max_value=99, default=0, example=7),
        Col("成立日期", "established_on", "date"),
        Col("本届开始", "term_start", "date", example="2021-06-30"),
        Col("本届届满", "term_end", "date", example="2026-06-29"),
    ]

    def apply(self, obj, values, refs):
        super().apply(obj, values, refs)
        if obj.unit_id and not refs.get("region") and obj.unit is not None:
            obj.region = obj.unit.region
        if obj.pk is None:
            parent = refs.get("parent")
            obj._import_parent = parent
            obj.path = (parent.path if parent is not None else "") + "~" * PartyOrg.steplen
            obj.depth = len(obj.path) // PartyOrg.steplen

    def row_check_needs(self):
        return {"region", "unit"}

    def row_checks(self, obj, values, refs):
        if "region" in self.present and not values.get("region") and not values.get("unit"):
            return [("region", "必填：请填写所在区划编码或所在单位编码")]
        if obj.region_id is None and obj.unit_id is None:
            return [("region", "必填：请填写所在区划编码或所在单位编码")]
        return []

    def export_columns(self):
        return self.with_parent_codes(super().export_columns(), "上级组织编码")


class MemberImporter(Importer):
    """Members keyed by ID number (through its keyed hash). Built for 100k-row files: one query per
    chunk of keys and per reference kind, no query per row, bulk writes."""

    kind = "members"
    title = "党员"
    model = Member
    # Member.clean reads the referenced org, today's date and the MEM-AGE rule: all in the digest.
    reuse_checked = True
    key_field = "id_number"
    scope_field = "party_org"
    refs = {
        "org": Ref(PartyOrg, label="组织编码", action="view", select_related=("region",)),
        "unit": Ref(Unit, label="单位编码"),
        "region": Ref(Region, label="区划编码"),
    }
    export_order = ("party_org__path", "id")
    export_select = ("party_org", "party_org__region", "workplace_unit", "residence")
    columns = [
        Col("姓名", "name", required=True, max_length=50, example="张三"),
        Col("性别", "gender", "choice", required=True, choices=Gender.choices, example="男"),
        Col(
            "身份证号",
            "id_number",
            "id_number",
            required=True,
            example="11010519491231002X",
            personal="id_number",
            width=22,
        ),
        Col("出生日期", "birth_date", "date", example="1949-12-31", personal="birth_date"),
        Col("手机号", "phone", "phone", example="13800138000", personal="phone", width=14),
        Col(
            "所在党组织编码",
            "party_org",
            "ref",
            ref="org",
            required=True,
            max_length=32,
            example="LC-JE-1-1",
            export=ref_code("party_org"),
        ),
        Col("党员类别", "status", "choice", required=True, choices=MemberStatus.choices, example="正式党员"),
        Col("入党日期", "joined_on", "date", required=True, example="2010-07-01"),
        Col("转正日期", "converted_on", "date", example="2011-07-01"),
        Col("在职党员", "in_service", "bool", default=False, example="否"),
        Col(
            "工作单位编码",
            "workplace_unit",
            "ref",
            ref="unit",
            max_length=32,
            export=ref_code("workplace_unit"),
        ),
        Col(
            "居住地编码",
            "residence",
            "ref",
            ref="region",
            max_length=24,
            help="居住的小区、楼栋或单元编码",
            export=ref_code("residence"),
        ),
        Col("房号", "room", max_length=20, personal="room"),
        Col("党员中心户", "is_household_hub", "bool", default=False, example="否"),
    ]

    def key_of(self, values):
        v = values.get("id_number")
        return lookup_hash(v) if v else ""

    def lookup_existing(self, keys):
        out = {}
        qs = Member.objects.select_related("party_org", "party_org__region")
        for part in chunked(keys):
            for obj in qs.filter(id_number_hash__in=part):
                out[obj.id_number_hash] = obj
        return out

    def apply(self, obj, values, refs):
        super().apply(obj, values, refs)
        if obj.id_number:
            obj.id_number_hash = lookup_hash(obj.id_number)

    def before_insert(self, obj):
        obj.fill_initials()

    def extra_state(self):
        from .models import min_join_age

        return (min_join_age(), lookup_hash("key-check"))  # the rule, and that the lookup key is the same

    def row_check_needs(self):
        return {"party_org"}

    def audit_key(self, obj):
        return obj.id_number_hash
