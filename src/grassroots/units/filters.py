"""The filters of the unit and instructor lists: one declaration for the pages, the API and the exports."""

from django.db.models import Q

from grassroots.core.listfilters import Choice, Flag, ListFilters, Search, Subtree, Text

from .choices import PartyWork, UnitType


class UnitFilters(ListFilters):
    q = Search("搜索", placeholder="名称或拼音首字母", help="名称关键字或拼音首字母")
    type = Choice("单位类型", UnitType, all_label="全部类型")
    party_work = Choice("党组织设置", PartyWork)
    covered = Flag(
        "党组织覆盖",
        q=~Q(party_work=PartyWork.NONE),
        yes="已覆盖",
        no="未覆盖",
        help="是否已建立或覆盖党组织",
    )
    region = Subtree("区域", "region", help="只列出该编码区划之下的单位")


class InstructorFilters(ListFilters):
    q = Text("姓名", "name__icontains", placeholder="姓名", help="姓名关键字")
    region = Subtree("区域", "region", help="只列出该编码区划之下的指导员")
