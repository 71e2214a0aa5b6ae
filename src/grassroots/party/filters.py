"""The filters of the organisation, member and transfer lists: one declaration for the pages, the API
and the exports (the page had 区域 for members and the API did not; the API had 上级/子树 for
organisations and the page did not; the transfer API lacked 类型 and the member-name search — now both
have all of them)."""

from django.db.models import Q
from django.utils import timezone

from grassroots.core.listfilters import Children, Choice, Custom, Flag, ListFilters, Search, Subtree

from .choices import MemberStatus, OrgKind
from .models import TransferKind, TransferState


def _orgs():
    from .models import PartyOrg

    return PartyOrg


class OrgFilters(ListFilters):
    q = Search("搜索", placeholder="名称或拼音首字母", help="名称关键字或拼音首字母")
    kind = Choice("类别", OrgKind, all_label="全部类别")
    is_regional = Flag("区域化")
    is_joint = Flag("联合")
    is_functional = Flag("功能型")
    parent = Children("上级组织", "", tree=_orgs, help="只列出该编码党组织的直接下级")
    org = Subtree("组织", "", tree=_orgs, help="只列出该编码党组织的子树（含自身）")
    region = Subtree("区域", "region", help="只列出该编码区划之下的党组织")


class MemberFilters(ListFilters):
    q = Search("姓名", placeholder="姓名或拼音首字母", help="姓名关键字或拼音首字母")
    status = Choice("类别", MemberStatus)
    org = Subtree("党组织", "party_org", tree=_orgs, help="只列出该编码党组织子树中的党员")
    in_service = Flag("在职党员")
    is_household_hub = Flag("中心户")
    region = Subtree("区域", "party_org__region", help="只列出该编码区划之下党组织的党员")


def _overdue(value: bool, user) -> Q:
    late = Q(state=TransferState.ISSUED, deadline__lt=timezone.localdate())
    return late if value else ~late


class TransferFilters(ListFilters):
    """One side's transfers (the page per side, the API's `direction`). The API searched only the
    person's name as written and the letter number, and took any 状态 without checking it; the page
    also searched the member's name and initials and had 类型 — now both have all of it."""

    q = Search(
        "搜索",
        fields=("member__name", "member__name_initials"),
        extra=("person_name", "letter_no"),
        placeholder="姓名、拼音首字母或介绍信编号",
        help="姓名、拼音首字母或介绍信编号",
    )
    state = Choice("状态", TransferState)
    kind = Choice("类型", TransferKind)
    overdue = Custom("超期未办", _overdue, parse_as=Flag("超期未办"), help="转接中且已过办理期限")
