"""The filters of the summons list: one declaration for the page, the API and the export. The API had
only 状态 and 区域 and answered a region out of sight with a 404 (the page showed no rows); it gains
搜索, 紧急程度 and 预警, and a region out of sight gives no rows in both. The page gains the 区域
field it filtered by without showing it."""

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from grassroots.core.listfilters import Choice, Custom, ListFilters, Options, Subtree

from .models import Target, Urgency
from .workflow import SummonsState, TargetState


def _text(value: str, user) -> Q:
    return Q(number__startswith=value) | Q(subject__contains=value)


def _overdue() -> Q:
    late = Target.objects.filter(
        summons=OuterRef("pk"), state=TargetState.SUMMONED, due_at__lte=timezone.now()
    )
    return Q(Exists(late))


class SummonsFilters(ListFilters):
    q = Custom("搜索", _text, placeholder="编号或事由", help="编号开头或事由关键字")
    state = Choice("状态", SummonsState)
    urgency = Choice("紧急程度", Urgency)
    flag = Options(
        "预警",
        {
            "overdue": ("有部门超时未报到", _overdue),
            "escalated": ("已上报区级", Q(escalated_at__isnull=False)),
        },
    )
    region = Subtree("区域", "region", help="区划编码（含下级）")
