"""The filters of the staff's wish list: one declaration for the page, the API and the export. The page
had 搜索, 类别 and 区域 (a subtree) that the API lacked; the API had 社区 (one community's code) the page
lacked; both had the overdue claims, the page as ?timing=overdue, the API as ?overdue=true — now one
?overdue= flag (false: everything but the overdue claims) and all of the others on both."""

from django.db.models import Q
from django.utils import timezone

from grassroots.core.listfilters import Choice, Custom, Flag, ListFilters, Subtree, Text

from .models import WishCategory, WishState


def _wish_text(value: str, user) -> Q:
    return Q(title__icontains=value) | Q(claimant_name__icontains=value)


def _overdue(value: bool, user) -> Q:
    late = Q(state=WishState.CLAIMED, claim_due_at__lt=timezone.now())
    return late if value else ~late


class WishFilters(ListFilters):
    q = Custom("搜索", _wish_text, placeholder="心愿内容或认领方", help="心愿内容或认领方关键字")
    state = Choice("状态", WishState)
    category = Choice("类别", WishCategory)
    overdue = Custom("超期未完成", _overdue, parse_as=Flag("超期未完成"), help="只看超期未完成的认领")
    community = Text("社区编码", "region__code", help="只列出该编码社区的心愿")
    region = Subtree("区域", "region", help="只列出该编码区划之下的心愿")
