"""The filters of the branch star-rating list: one declaration for the page, the API and the export.
The API had only 年度 and 状态; it gains the page's 搜索 (branch name or initials), 星级 and 区域."""

from django.db.models import Q
from django.utils import timezone

from grassroots.core.listfilters import Choice, Integer, ListFilters, Options, Search, Subtree

from .models import RatingState


def _years() -> list[tuple[int, str]]:
    this = timezone.localdate().year
    return [(y, f"{y} 年") for y in range(this, this - 5, -1)]


class RatingFilters(ListFilters):
    q = Search(
        "搜索",
        fields=("org__name", "org__name_initials"),
        placeholder="支部名称",
        help="支部名称或拼音首字母",
    )
    year = Integer("年度", "year", min_value=2000, max_value=2100, form_choices=_years)
    state = Choice("状态", RatingState)
    stars = Options("星级", {str(i): (f"{i} 星", Q(stars=i)) for i in range(5, 0, -1)})
    region = Subtree("区域", "org__region", help="只列出该编码区划之下党支部的评定")
