"""Forms of the people pages: they parse input; the rules live in people.services."""

from __future__ import annotations

from django import forms

from grassroots.core.pages import DateInput, FilterForm, LookupInput, ScopedCodeField, ServiceForm
from grassroots.regions.choices import RegionLevel
from grassroots.regions.models import Region

from .choices import DeputyKind, StewardRole, WorkerPost, WorkerRole
from .models import Deputy, Steward, Worker


def _region_field(label, levels=None, level_param=""):
    return ScopedCodeField(
        Region,
        label=label,
        levels=levels,
        widget=LookupInput("regions:lookup", params=level_param, attrs={"placeholder": "区划编码或名称"}),
    )


def _region_filter():
    return forms.CharField(
        label="区域", widget=LookupInput("regions:lookup", attrs={"placeholder": "区划编码（含下级）"})
    )


PHONE = forms.TextInput(attrs={"autocomplete": "off", "inputmode": "tel", "maxlength": 11})


class WorkerForm(ServiceForm):
    personal = ("phone",)
    region = _region_field("所在社区/街道", levels=[RegionLevel.STREET, RegionLevel.COMMUNITY])

    class Meta:
        model = Worker
        fields = ["code", "name", "gender", "phone", "region", "post", "grade", "role", "hired_on"]
        widgets = {"phone": PHONE, "hired_on": DateInput()}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["grade"].help_text = "三岗十八级：1 至 18 级"
        if self.instance.pk is not None:
            del self.fields["code"]


class WorkerFilterForm(FilterForm):
    q = forms.CharField(label="姓名", widget=forms.TextInput(attrs={"placeholder": "姓名或拼音首字母"}))
    post = forms.ChoiceField(label="岗位", choices=[("", "全部岗位")] + list(WorkerPost.choices))
    grade = forms.TypedChoiceField(
        label="等级", choices=[("", "全部等级")] + [(str(i), f"{i} 级") for i in range(1, 19)]
    )
    role = forms.ChoiceField(label="职责", choices=[("", "全部职责")] + list(WorkerRole.choices))
    region = _region_filter()


class StewardForm(ServiceForm):
    personal = ("phone",)
    region = _region_field(
        "负责区域", levels=[RegionLevel.NEIGHBORHOOD, RegionLevel.BUILDING, RegionLevel.ENTRANCE]
    )

    class Meta:
        model = Steward
        fields = ["name", "phone", "role", "region"]
        widgets = {"phone": PHONE}


class StewardFilterForm(FilterForm):
    q = forms.CharField(label="姓名", widget=forms.TextInput(attrs={"placeholder": "姓名"}))
    role = forms.ChoiceField(label="类别", choices=[("", "全部")] + list(StewardRole.choices))
    region = _region_filter()


class DeputyForm(ServiceForm):
    personal = ("phone",)
    region = _region_field("联系社区", levels=[RegionLevel.COMMUNITY], level_param="level=community")

    class Meta:
        model = Deputy
        fields = ["name", "kind", "level", "region", "unit_name", "phone"]
        widgets = {"phone": PHONE}


class DeputyFilterForm(FilterForm):
    q = forms.CharField(label="姓名", widget=forms.TextInput(attrs={"placeholder": "姓名"}))
    kind = forms.ChoiceField(label="类别", choices=[("", "全部")] + list(DeputyKind.choices))
    region = _region_filter()
