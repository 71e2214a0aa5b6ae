"""Forms of the co-building pages: they parse input; the rules live in cobuild.services."""

from __future__ import annotations

from django import forms

from grassroots.core.pages import ActionForm, DateInput, FilterForm, LookupInput
from grassroots.regions.forms import region_field
from grassroots.units.models import Unit

from .models import Category, Committee, MeetingState, ProjectState, RatingSide


def _any(choices):
    return [("", "不限"), *choices]


def community_field(label="社区", levels=("community",), required=True):
    return region_field(label, required=required, levels=levels)


class UnitCodeField(forms.CharField):
    """A unit typed by code; the services check whether the user may act for it."""

    def clean(self, value):
        value = (super().clean(value) or "").strip().split(" ")[0]
        if not value:
            return None
        unit = Unit.objects.filter(code=value).select_related("region", "party_org").first()
        if unit is None:
            raise forms.ValidationError(f"单位“{value}”不存在")
        return unit


class _Search(FilterForm):
    q = forms.CharField(label="搜索", max_length=50)


class ProjectFilterForm(_Search):
    state = forms.ChoiceField(label="状态", choices=_any(ProjectState.choices))


class MeetingFilterForm(_Search):
    state = forms.ChoiceField(label="状态", choices=_any(MeetingState.choices))


class CommitteeFilterForm(_Search):
    kind = forms.ChoiceField(label="类别", choices=_any(Committee.Kind.choices))


class RatingFilterForm(FilterForm):
    side = forms.ChoiceField(label="评价方向", choices=_any(RatingSide.choices))
    period = forms.CharField(
        label="季度", max_length=7, widget=forms.TextInput(attrs={"placeholder": "2026Q3"})
    )


class UnitRegistrationForm(ActionForm):
    unit = UnitCodeField(
        label="单位编码", widget=LookupInput("units:lookup", attrs={"placeholder": "单位编码或名称"})
    )
    community = community_field("报到社区（空则为单位所在社区）", required=False)
    items = forms.CharField(
        label="共建事项（每行一项）", widget=forms.Textarea(attrs={"rows": 4}), max_length=2000
    )
    signed_on = forms.DateField(label="签订日期", required=False, widget=DateInput())
    term_start = forms.DateField(label="协议起始", required=False, widget=DateInput())
    term_end = forms.DateField(label="协议届满", required=False, widget=DateInput())
    contact_name = forms.CharField(label="联系人", max_length=50, required=False)
    contact_phone = forms.RegexField(
        label="联系电话",
        regex=r"^1\d{10}$|^0\d{2,3}-?\d{7,8}$",
        required=False,
        error_messages={"invalid": "请输入 11 位手机号或带区号的固定电话"},
    )

    def service_data(self):
        data = dict(self.cleaned_data)
        data["items"] = [line.strip() for line in data["items"].splitlines() if line.strip()]
        return data


class _ItemForm(ActionForm):
    title = forms.CharField(label="名称", max_length=100)
    category = forms.ChoiceField(label="类别", choices=Category.choices)
    quantity = forms.IntegerField(label="数量/容量", min_value=1, max_value=1_000_000, initial=1)
    description = forms.CharField(label="说明", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    place = forms.CharField(label="地点", max_length=100, required=False)
    lng = forms.FloatField(label="经度", required=False, min_value=-180, max_value=180)
    lat = forms.FloatField(label="纬度", required=False, min_value=-90, max_value=90)
    valid_until = forms.DateField(label="有效期至", required=False, widget=DateInput())


class NeedForm(_ItemForm):
    community = community_field("社区")
    on_behalf_of = forms.CharField(label="代居民提出（姓名，可空）", max_length=50, required=False)
    field_order = ["community", "title", "category", "quantity", "description", "on_behalf_of"]


class ResourceForm(_ItemForm):
    unit = UnitCodeField(
        label="单位编码", widget=LookupInput("units:lookup", attrs={"placeholder": "单位编码或名称"})
    )
    field_order = ["unit", "title", "category", "quantity", "description"]


class ProjectForm(ActionForm):
    community = community_field("社区")
    title = forms.CharField(label="项目名称", max_length=100)
    description = forms.CharField(label="项目内容", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    budget_yuan = forms.DecimalField(
        label="预算（元）", min_value=0, max_digits=12, decimal_places=2, initial=0
    )
    unit_codes = forms.CharField(label="共建单位编码（空格分隔，可空）", required=False, max_length=500)

    def clean_unit_codes(self):
        codes = (self.cleaned_data.get("unit_codes") or "").split()
        units = list(Unit.objects.visible_to(self.user).filter(code__in=codes))
        missing = set(codes) - {u.code for u in units}
        if missing:
            raise forms.ValidationError(f"单位“{'、'.join(sorted(missing))}”不存在或不在您的管辖范围内")
        return units

    def service_data(self):
        d = self.cleaned_data
        return {
            "community": d["community"],
            "title": d["title"],
            "description": d["description"],
            "budget_fen": int(d["budget_yuan"] * 100),
            "units": d["unit_codes"],
        }


class CommitteeForm(ActionForm):
    region = community_field("所在区划（街道/社区/小区）", levels=("street", "community", "neighborhood"))
    name = forms.CharField(label="名称", max_length=100)
    kind = forms.ChoiceField(label="类别", choices=Committee.Kind.choices)
    place = forms.CharField(label="固定地点", max_length=100)
    day_of_month = forms.IntegerField(label="固定日期（每月几日）", min_value=1, max_value=28, initial=15)
    time = forms.TimeField(label="固定时间", initial="15:00", widget=forms.TimeInput(attrs={"type": "time"}))
    default_theme = forms.CharField(label="固定主题", max_length=100, required=False)
    remind_days = forms.IntegerField(label="提前提醒（天）", min_value=0, max_value=14, initial=2)


class RatingForm(ActionForm):
    side = forms.ChoiceField(label="评价方向", choices=RatingSide.choices)
    community = community_field("社区")
    unit = UnitCodeField(
        label="单位编码", widget=LookupInput("units:lookup", attrs={"placeholder": "单位编码或名称"})
    )
    period = forms.RegexField(
        label="考核季度",
        regex=r"^20\d\dQ[1-4]$",
        error_messages={"invalid": "考核季度格式应为“2026Q3”"},
    )
    s1 = forms.IntegerField(
        label="第一项评分（社区评单位：参与度；单位评社区：对接服务）", min_value=1, max_value=5
    )
    s2 = forms.IntegerField(label="第二项评分（履约情况 / 沟通协调）", min_value=1, max_value=5)
    s3 = forms.IntegerField(label="第三项评分（服务成效 / 共建成效）", min_value=1, max_value=5)
    comment = forms.CharField(label="评语", max_length=300, required=False)

    def service_data(self):
        from .models import RATING_CRITERIA

        d = dict(self.cleaned_data)
        keys = [k for k, _ in RATING_CRITERIA[d["side"]]]
        d["scores"] = {keys[0]: d.pop("s1"), keys[1]: d.pop("s2"), keys[2]: d.pop("s3")}
        return d
