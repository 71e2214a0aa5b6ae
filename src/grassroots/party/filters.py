"""The filters of the organisation and member lists: one declaration for the pages, the API and the
exports (the page had 区域 for members and the API did not; the API had 上级/子树 for organisations
and the page did not — now both have all of them)."""

from grassroots.core.listfilters import Children, Choice, Flag, ListFilters, Search, Subtree

from .choices import MemberStatus, OrgKind


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
