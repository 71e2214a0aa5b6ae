"""The filters of the candidate list: one declaration for the page, the API and the export. The API had
only 发展阶段 and 党组织 (and answered an unknown organisation with a 404 where the page showed no
rows); it gains 姓名, 期限 and 区域, and an organisation out of sight now gives no rows in both."""

from django.db.models import Q

from grassroots.core.listfilters import Choice, Custom, ListFilters, Options, Search, Subtree

from .steps import Stage


def _orgs():
    from grassroots.party.models import PartyOrg

    return PartyOrg


def _overdue(value: str, user) -> Q:
    # The schedule is computed in Python (rules.schedule): the overdue candidates of the user's scope.
    from . import stats
    from .models import Candidate

    active = stats.active_candidates(Candidate.objects.visible_to(user))
    return Q(pk__in=[d.candidate.pk for d in stats.due_items(active) if d.overdue])


class CandidateFilters(ListFilters):
    q = Search("姓名", placeholder="姓名或拼音首字母", help="姓名关键字或拼音首字母")
    stage = Choice("发展阶段", Stage)
    org = Subtree("党组织", "party_org", tree=_orgs, help="只列出该编码党组织子树中的发展对象")
    due = Custom(
        "期限",
        _overdue,
        parse_as=Options("期限", {"overdue": ("已超期", Q())}),
        help="overdue：下一步骤已超过期限",
    )
    region = Subtree("区域", "party_org__region", help="只列出该编码区划之下党组织的发展对象")
