"""Forms of 红色物业: they parse input and offer choices inside the user's scope; the rules are in
services.py (a ServiceError lands on the form)."""

from __future__ import annotations

from django import forms
from django.utils import timezone

from grassroots.core.pages import FilterForm
from grassroots.party.models import Member, PartyOrg
from grassroots.regions.models import Region
from grassroots.units.choices import PartyWork, UnitType
from grassroots.units.models import Instructor, Unit

from .models import (
    CommitteeRole,
    ContractState,
    ElectionState,
    PropertyCompany,
    TakeoverKind,
)

MANAGE = "redproperty.manage"


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


def _date_field(label, required=True):
    return forms.DateField(
        label=label,
        required=required,
        widget=DateInput(),
        error_messages={"required": f"请填写{label}", "invalid": f"{label}格式不正确"},
    )


class _Styled(forms.Form):
    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        for f in self.fields.values():
            w = f.widget
            if isinstance(w, forms.CheckboxInput):
                w.attrs.setdefault("class", "form-check-input")
            elif isinstance(w, forms.Select):
                w.attrs.setdefault("class", "form-select")
            else:
                w.attrs.setdefault("class", "form-control")
            if isinstance(f, forms.ModelChoiceField):
                f.error_messages["invalid_choice"] = f"所选{f.label}不存在或不在您的管辖范围内"
                f.error_messages["required"] = f"请选择{f.label}"


def neighborhoods(user, action=MANAGE):
    return Region.objects.visible_to(user, action).filter(level="neighborhood").order_by("path")


def _region_label(r: Region) -> str:
    return r.name


class HoodChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class CompanyChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.unit.name


class CompanyForm(_Styled):
    region = HoodChoice(label="所在街道或社区", queryset=Region.objects.none(), required=False)
    unit = forms.ModelChoiceField(
        label="已登记的物业单位",
        queryset=Unit.objects.none(),
        required=False,
        help_text="已在驻区单位中登记的，直接选择",
    )
    name = forms.CharField(
        label="企业名称", max_length=100, required=False, help_text="未登记为驻区单位的，填写名称"
    )
    credit_code = forms.CharField(label="统一社会信用代码", max_length=18, required=False)
    manager_name = forms.CharField(label="项目负责人", max_length=50, required=False)
    manager_phone = forms.CharField(label="负责人电话", max_length=20, required=False)
    is_state_owned = forms.BooleanField(label="国有物业企业（可承担兜底接管）", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = (
            Region.objects.visible_to(self.user, MANAGE)
            .filter(level__in=["street", "community"])
            .order_by("path")
        )
        self.fields["unit"].queryset = (
            Unit.objects.visible_to(self.user)
            .filter(type=UnitType.PROPERTY, property_company__isnull=True)
            .order_by("name")
        )

    def clean(self):
        d = super().clean()
        if not d.get("unit") and not (d.get("region") and d.get("name")):
            raise forms.ValidationError("请选择已登记的物业单位，或选择所在街道社区并填写企业名称")
        return d


class CommitteeForm(_Styled):
    neighborhood = HoodChoice(label="小区", queryset=Region.objects.none())
    name = forms.CharField(
        label="名称", max_length=100, required=False, help_text="留空则为“小区名+业主委员会”"
    )
    term_start = _date_field("本届任期开始", required=False)
    term_end = _date_field("本届任期届满", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["neighborhood"].queryset = neighborhoods(self.user).filter(owners_committee__isnull=True)


class PartyForm(_Styled):
    party_work = forms.ChoiceField(label="党组织设置", choices=PartyWork.choices)
    party_org = forms.ModelChoiceField(label="党组织", queryset=PartyOrg.objects.none(), required=False)
    instructor = forms.ModelChoiceField(
        label="党建指导员", queryset=Instructor.objects.none(), required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["party_org"].queryset = PartyOrg.objects.visible_to(self.user).order_by("path")
        self.fields["instructor"].queryset = Instructor.objects.visible_to(self.user).order_by("name")


class MemberChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name}（{obj.party_org.name}）"


def community_members(user, community_path: str):
    return (
        Member.objects.visible_to(user)
        .filter(party_org__region__path__startswith=community_path)
        .select_related("party_org")
        .order_by("name", "id")
    )


class CommitteeMemberForm(_Styled):
    name = forms.CharField(label="姓名", max_length=50)
    role = forms.ChoiceField(label="职务", choices=CommitteeRole.choices)
    phone = forms.CharField(label="联系电话", max_length=20, required=False)
    party_member = MemberChoice(
        label="党员", queryset=Member.objects.none(), required=False, help_text="成员是党员的，选择其党员档案"
    )
    term_start = _date_field("任职开始")
    term_end = _date_field("任职届满", required=False)

    def __init__(self, *args, community_path="", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["party_member"].queryset = community_members(self.user, community_path)


class CrossPostForm(_Styled):
    member = MemberChoice(label="党员", queryset=Member.objects.none())
    role = forms.CharField(label="职务", max_length=50)
    start = _date_field("任职开始")

    def __init__(self, *args, community_path="", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = community_members(self.user, community_path)


class ElectionForm(_Styled):
    planned_on = _date_field("计划选举日期")
    term_years = forms.IntegerField(label="任期（年）", min_value=1, max_value=5, initial=5)


class ContractForm(_Styled):
    company = CompanyChoice(label="物业服务企业", queryset=PropertyCompany.objects.none())
    neighborhood = HoodChoice(label="小区", queryset=Region.objects.none())
    start = _date_field("合同开始")
    end = _date_field("合同到期")
    fee = forms.DecimalField(
        label="收费标准（元/㎡·月）",
        max_digits=6,
        decimal_places=2,
        min_value=0,
        error_messages={"invalid": "收费标准须为数字", "required": "请填写收费标准"},
    )
    note = forms.CharField(label="备注", max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["company"].queryset = PropertyCompany.objects.visible_to(self.user).select_related("unit")
        self.fields["neighborhood"].queryset = neighborhoods(self.user)


class InspectionForm(_Styled):
    company = CompanyChoice(label="物业服务企业", queryset=PropertyCompany.objects.none())
    neighborhood = HoodChoice(label="小区", queryset=Region.objects.none())
    inspected_on = _date_field("检查日期")
    score = forms.IntegerField(
        label="检查得分（0–100）",
        min_value=0,
        max_value=100,
        error_messages={"invalid": "检查得分须为整数", "required": "请填写检查得分"},
    )
    findings = forms.CharField(
        label="发现问题", max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["company"].queryset = (
            PropertyCompany.objects.filter(contracts__neighborhood__in=neighborhoods(self.user))
            .select_related("unit")
            .distinct()
        )
        self.fields["neighborhood"].queryset = (
            neighborhoods(self.user).filter(property_contracts__isnull=False).distinct()
        )
        self.fields["inspected_on"].initial = timezone.localdate()


class TakeoverForm(_Styled):
    neighborhood = HoodChoice(label="小区", queryset=Region.objects.none())
    kind = forms.ChoiceField(label="兜底方式", choices=TakeoverKind.choices)
    company = CompanyChoice(
        label="接管企业（国企兜底）", queryset=PropertyCompany.objects.none(), required=False
    )
    start = _date_field("接管日期")
    note = forms.CharField(label="说明", max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["neighborhood"].queryset = neighborhoods(self.user)
        self.fields["company"].queryset = (
            PropertyCompany.objects.visible_to(self.user).filter(is_state_owned=True).select_related("unit")
        )


# --------------------------------------------------------------------------- list filters
class CompanyFilterForm(FilterForm):
    q = forms.CharField(label="搜索", widget=forms.TextInput(attrs={"placeholder": "企业名称或拼音首字母"}))
    state_owned = forms.ChoiceField(
        label="性质", choices=[("", "全部"), ("true", "国有"), ("false", "非国有")]
    )


class CommitteeFilterForm(FilterForm):
    q = forms.CharField(label="搜索", widget=forms.TextInput(attrs={"placeholder": "业委会或小区名称"}))


class ContractFilterForm(FilterForm):
    state = forms.ChoiceField(label="状态", choices=[("", "全部状态"), *ContractState.choices])


class ElectionFilterForm(FilterForm):
    state = forms.ChoiceField(label="状态", choices=[("", "全部状态"), *ElectionState.choices])
