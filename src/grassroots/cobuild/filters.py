"""The filters of the need, resource, dual-registration and resolution lists: one declaration for
each, used by the page, the API and the export. The pages filtered by ?region= without showing the
field, and the APIs answered a region out of sight with a 404 where the pages showed no rows — now the
pages show 区域 and both give no rows. The registration API gains the page's 搜索 (unit or member name,
member initials), the resolution API the page's 搜索 (issue) and 区域; the resolution page now refuses
an unknown 办理状态 with a 400 as the API did (it ignored it)."""

import datetime

from django.db.models import Q
from django.utils import timezone

from grassroots.core.listfilters import Choice, Custom, ListFilters, Options, Search, Subtree

from .models import Category, ItemState, RegKind, RegState


class ItemFilters(ListFilters):
    q = Search("搜索", fields=("title", "title"), help="标题关键字")
    category = Choice("类别", Category, api_name="CobuildCategory")
    state = Choice("状态", ItemState, api_name="CobuildItemState")
    region = Subtree("区域", "community", help="区划编码：只列该区划及其下级")


def _registrant(value: str, user) -> Q:
    return (
        Q(unit__name__icontains=value)
        | Q(member__name__icontains=value)
        | Q(member__name_initials__istartswith=value)
    )


class RegistrationFilters(ListFilters):
    q = Custom("搜索", _registrant, help="单位或党员姓名、拼音首字母")
    kind = Choice("类型", RegKind, api_name="CobuildRegKind")
    state = Choice("状态", RegState, api_name="CobuildRegState")
    region = Subtree("区域", "community", help="区划编码：只列该区划及其下级")


def _resolution_status(status: str):
    """The 办理状态 of a resolution is derived from its decision, due date and done date (today's)."""

    def condition() -> Q:
        from . import stats

        today = timezone.localdate()
        soon = today + datetime.timedelta(days=stats.warn_days())
        decided = ~Q(decision="")
        return {
            "open": Q(decision="", done_on__isnull=True),
            "done": Q(done_on__isnull=False),
            "overdue": Q(done_on__isnull=True, due__lt=today) & decided,
            "due_soon": Q(done_on__isnull=True, due__gte=today, due__lte=soon) & decided,
            "tracking": Q(done_on__isnull=True, due__gt=soon) & decided,
        }[status]

    return condition


RESOLUTION_STATUS = [
    ("open", "待议定"),
    ("tracking", "跟踪中"),
    ("due_soon", "即将到期"),
    ("overdue", "已逾期"),
    ("done", "已办结"),
]


class ResolutionFilters(ListFilters):
    q = Search("搜索", fields=("issue", "issue"), help="议题关键字")
    status = Options(
        "办理状态", {value: (label, _resolution_status(value)) for value, label in RESOLUTION_STATUS}
    )
    region = Subtree("区域", "meeting__committee__community", help="区划编码：只列该区划及其下级")
