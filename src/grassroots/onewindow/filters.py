"""The filters of the application list: one declaration for the page, the API and the export. The API
had only 状态; it gains the page's 搜索, 受理方式, 期限 (overdue) and 区域, and the page shows the 区域
it filtered by without showing it."""

from django.db.models import Q
from django.utils import timezone

from grassroots.core.listfilters import Choice, Custom, Flag, ListFilters, Subtree

from .models import OPEN_STATES, ApplicationChannel, ApplicationState


def _text(value: str, user) -> Q:
    return Q(number__icontains=value) | Q(item__name__icontains=value)


def _overdue(value: bool, user) -> Q:
    late = Q(state__in=OPEN_STATES, due_at__lt=timezone.now())
    return late if value else ~late


class ApplicationFilters(ListFilters):
    q = Custom("搜索", _text, placeholder="受理编号或事项", help="受理编号或事项名称关键字")
    state = Choice("状态", ApplicationState, all_label="全部状态")
    channel = Choice("受理方式", ApplicationChannel, all_label="全部方式")
    overdue = Custom(
        "期限", _overdue, parse_as=Flag("期限", yes="已超期", no="未超期"), help="已超过办理期限"
    )
    region = Subtree("区域", "community", help="只列出该编码区划之下社区的申请")
