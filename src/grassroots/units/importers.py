"""Excel import/export of units (驻区单位). Key: the unit code."""

from __future__ import annotations

from grassroots.core.importing import Col, Importer, Ref, ref_code
from grassroots.party.models import PartyOrg
from grassroots.regions.models import Region

from .choices import PartyWork, UnitType
from .models import Unit


class UnitImporter(Importer):
    kind = "units"
    title = "驻区单位"
    model = Unit
    key_field = "code"
    scope_field = "region"
    refs = {"region": Ref(Region, label="区划编码"), "org": Ref(PartyOrg, label="组织编码")}
    export_order = ("region__path", "code")
    export_select = ("region", "party_org")
    columns = [
        Col(
            "单位编码",
            "code",
            required=True,
            max_length=32,
            example="91510000MA62X0000X",
            help="统一社会信用代码或本地编码",
        ),
        Col("名称", "name", required=True, max_length=100, example="四川省元贞物业管理有限公司"),
        Col("单位类型", "type", "choice", required=True, choices=UnitType.choices, example="物业服务企业"),
        Col("行业", "industry", max_length=50, example="物业管理"),
        Col("从业人数", "employees", "int", min_value=0, default=0, example=60),
        Col(
            "所在区划编码",
            "region",
            "ref",
            ref="region",
            required=True,
            max_length=24,
            example="511083001001",
            export=ref_code("region"),
        ),
        Col("地址", "address", max_length=200),
        Col("经度", "lng", "float", min_value=-180, max_value=180),
        Col("纬度", "lat", "float", min_value=-90, max_value=90),
        Col(
            "党组织设置",
            "party_work",
            "choice",
            choices=PartyWork.choices,
            default=PartyWork.NONE,
            example="单独建立党组织",
        ),
        Col(
            "覆盖党组织编码",
            "party_org",
            "ref",
            ref="org",
            max_length=32,
            help="已建立党组织时必填",
            export=ref_code("party_org"),
        ),
        Col("已建工会", "has_union", "bool", default=False, example="是"),
        Col("已建团组织", "has_youth_league", "bool", default=False, example="否"),
    ]
