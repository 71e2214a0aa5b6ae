"""The filters of the evaluation and branch-health lists: one declaration for each, used by the page,
the API and the export. The evaluation API had 年度, 层级, 状态 and 区域; it gains the page's 搜索
(region name or initials) and 等次. The branch API had 结果 and 区域; it gains 搜索 and 规则编号, and the
page's 区划 becomes a code look-up with its subtree like the API's (it was a select of streets and
communities). In both APIs a region out of sight gives no rows instead of a 404, as on the pages."""

from django.db.models import Q
from django.utils import timezone

from grassroots.core.listfilters import Choice, Custom, Integer, ListFilters, Options, Search, Subtree

from .models import EvalState, Light

GRADES = ("优秀", "良好", "一般", "较差")


def _years() -> list[tuple[int, str]]:
    this = timezone.localdate().year
    return [(y, f"{y} 年") for y in range(this, this - 6, -1)]


class EvaluationFilters(ListFilters):
    q = Search(
        "搜索",
        fields=("region__name", "region__name_initials"),
        placeholder="社区或街道名称",
        help="社区或街道名称、拼音首字母",
    )
    period = Integer(
        "年度", "period", min_value=2000, max_value=2100, form_choices=_years, all_label="全部年度"
    )
    level = Options(
        "层级", {"community": ("社区", Q(level="community")), "street": ("街道", Q(level="street"))}
    )
    state = Choice("状态", EvalState, all_label="全部状态")
    grade = Options("等次", {g: (g, Q(grade=g)) for g in GRADES})
    region = Subtree("区域", "region", help="只列出该编码区划之下的考评")


def _rule(value: str, user) -> Q:
    # JSON containment is not portable to SQLite: match the rule code inside the stored findings.
    return Q(findings__icontains=f'"rule": "{value.upper()}"')


class BranchHealthFilters(ListFilters):
    q = Search(
        "搜索",
        fields=("org__name", "org__name_initials"),
        placeholder="支部名称",
        help="支部名称或拼音首字母",
    )
    light = Choice("结果", Light)
    rule = Custom("规则编号", _rule, placeholder="如 ORG-9", help="有该规则问题的支部，如 ORG-9")
    region = Subtree("区划", "org__region", help="只列出该编码区划之下的支部")
