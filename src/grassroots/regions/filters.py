"""The filters of the household list: one declaration for the page, the API and the export (they
already agreed; the page ignored an unknown 标签 where the API refused it — now both refuse it), and of
the region list of the API (the pages browse regions as a tree, not as a filtered list)."""

from django.db.models import Q

from grassroots.core.listfilters import Children, Choice, Custom, ListFilters, Search, Subtree
from grassroots.core.scoping import scope_q
from grassroots.core.text import name_search_q

from .choices import HouseholdTag, RegionLevel


def _head_name(value: str, user) -> Q:
    # The head's name is personal data: searching it is limited to households whose personal data the
    # user may see, so a masked list can't be used to confirm a name letter by letter.
    from .models import Household

    q = name_search_q(value, "head_name", "name_initials")
    personal = scope_q(Household, user, "personal.view")
    return q if personal is None else q & personal


def _tag(value: str, user) -> Q:
    return Q(tags__contains=f",{value},")


class HouseholdFilters(ListFilters):
    q = Custom("户主", _head_name, placeholder="户主姓名或拼音首字母", help="户主姓名关键字或拼音首字母")
    tag = Custom(
        "标签", _tag, parse_as=Choice("标签", HouseholdTag, all_label="全部标签"), help="带有该标签的住户"
    )
    region = Subtree("区域", "entrance", help="只列出该编码区划之下的住户")


class RegionFilters(ListFilters):
    level = Choice("层级", RegionLevel)
    parent = Children("上级区划", "", help="只列出该编码区划的直接下级")
    region = Subtree("区域", "", help="只列出该编码区划的子树（含自身）")
    q = Search("搜索", help="名称关键字或拼音首字母")
