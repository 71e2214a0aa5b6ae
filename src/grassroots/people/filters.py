"""The filters of the worker, steward and deputy registers: one declaration for the pages, the API and
the exports (the worker API lacked 等级, 职业资格, 学历 and 年龄; the deputy page lacked 级别)."""

from django.db.models import Q
from django.utils import timezone

from grassroots.core.listfilters import Choice, ListFilters, Options, Search, Subtree, Text
from grassroots.regions.choices import RegionLevel

from .choices import DeputyKind, Education, Qualification, StewardRole, WorkerPost, WorkerRole

AGE_BANDS = {
    "u30": ("30 岁以下", 0, 30),
    "30s": ("30–39 岁", 30, 40),
    "40s": ("40–49 岁", 40, 50),
    "50p": ("50 岁及以上", 50, 200),
}


def _born_in_band(lo: int, hi: int):
    def condition() -> Q:
        from grassroots.party.models import add_years

        today = timezone.localdate()
        # age >= lo <=> born on or before today - lo years; age < hi <=> born after today - hi years
        return Q(birth_date__lte=add_years(today, -lo), birth_date__gt=add_years(today, -hi))

    return condition


class WorkerFilters(ListFilters):
    q = Search("姓名", placeholder="姓名或拼音首字母", help="姓名关键字或拼音首字母")
    post = Choice("岗位", WorkerPost, all_label="全部岗位")
    grade = Options("等级", {str(i): (f"{i} 级", Q(grade=i)) for i in range(1, 19)}, all_label="全部等级")
    role = Choice("职责", WorkerRole, all_label="全部职责")
    qualification = Options(
        "职业资格",
        {
            "any": ("持证（任一等级）", ~Q(qualification__in=["", Qualification.NONE])),
            **{value: (label, Q(qualification=value)) for value, label in Qualification.choices},
        },
        all_label="全部资格",
    )
    education = Choice("学历", Education, all_label="全部学历")
    age = Options(
        "年龄",
        {k: (label, _born_in_band(lo, hi)) for k, (label, lo, hi) in AGE_BANDS.items()},
        all_label="全部年龄",
    )
    region = Subtree("区域", "region", help="只列出该编码区划之下的工作者")


class StewardFilters(ListFilters):
    q = Text("姓名", "name__icontains", placeholder="姓名", help="姓名关键字")
    role = Choice("类别", StewardRole)
    region = Subtree("区域", "region", help="只列出该编码区划之下的三长")


class DeputyFilters(ListFilters):
    q = Text("姓名", "name__icontains", placeholder="姓名", help="姓名关键字")
    kind = Choice("类别", DeputyKind)
    level = Options("层级", {value: (label, Q(level=value)) for value, label in RegionLevel.choices[:3]})
    region = Subtree("区域", "region", help="只列出联系该编码区划之下社区的代表委员")
