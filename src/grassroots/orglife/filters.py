"""The filters of the activity list: one declaration for the page, the API and the export. The API's
搜索 missed the party organisation's name that the page searched; a malformed 开始日期 was ignored by
the page and refused by the API — now both search all three fields and both refuse it."""

import datetime

from django.db.models import Q

from grassroots.core.listfilters import Choice, Custom, DateBound, ListFilters, Search, Subtree

from . import stats
from .models import ActivityKind, ActivityStatus


def _orgs():
    from grassroots.party.models import PartyOrg

    return PartyOrg


def _starts_from(day: datetime.date, user) -> Q:
    return Q(starts_at__gte=stats.local_start(day))


def _starts_until(day: datetime.date, user) -> Q:
    return Q(starts_at__lt=stats.local_start(day + datetime.timedelta(days=1)))


class OrglifeActivityFilters(ListFilters):
    q = Search(
        "搜索",
        fields=("title", "title"),
        extra=("place", "party_org__name"),
        placeholder="标题、地点或党组织",
        help="标题、地点或党组织名称关键字",
    )
    kind = Choice("类型", ActivityKind, all_label="全部类型")
    status = Choice("状态", ActivityStatus, all_label="全部状态")
    org = Subtree("党组织", "party_org", tree=_orgs, help="只列出该党组织及其下级的活动")
    region = Subtree("区域", "region", help="只列出该区划之下的活动")
    start = Custom("开始日期自", _starts_from, parse_as=DateBound("开始日期自"), help="开始日期不早于")
    end = Custom("至", _starts_until, parse_as=DateBound("开始日期至"), help="开始日期不晚于")
