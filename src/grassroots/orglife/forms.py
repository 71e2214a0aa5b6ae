"""Forms of the activity pages: they parse input; the rules live in orglife.services."""

from __future__ import annotations

from django import forms

from grassroots.core.pages import ActionForm, FilterForm, LookupInput, ScopedCodeField, ServiceForm
from grassroots.party.forms import org_field
from grassroots.regions.forms import region_field
from grassroots.units.models import Unit

from .models import Activity


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


class ActivityForm(ServiceForm):
    party_org = org_field("党组织", required=False)
    region = region_field("所属区划", required=False)
    unit = ScopedCodeField(
        Unit,
        label="联建单位",
        required=False,
        widget=LookupInput("units:lookup", attrs={"placeholder": "单位编码或名称（联建共建活动）"}),
    )

    class Meta:
        model = Activity
        fields = [
            "kind",
            "title",
            "party_org",
            "region",
            "unit",
            "starts_at",
            "ends_at",
            "place",
            "lng",
            "lat",
            "capacity",
            "signup_deadline",
            "description",
        ]
        widgets = {
            "starts_at": DateTimeLocalInput(),
            "ends_at": DateTimeLocalInput(),
            "signup_deadline": DateTimeLocalInput(),
            "description": forms.Textarea(attrs={"rows": 4}),
        }
        help_texts = {
            "region": "组织生活类活动可留空，默认为党组织所在区划",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].help_text = "组织生活类活动可留空，默认为党组织所在区划"
        self.fields["party_org"].help_text = "三会一课、主题党日、组织生活会、民主评议党员必须选择"
        for name in ("starts_at", "ends_at", "signup_deadline"):
            self.fields[name].input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]

    def clean(self):
        data = super().clean()
        if not data.get("region") and not data.get("party_org") and "region" not in self.errors:
            self.add_error("region", "请选择所属区划或党组织")
        return data

    def service_data(self) -> dict:
        data = super().service_data()
        if not data.get("region"):
            data.pop("region", None)
        return data


class CancelForm(ActionForm):
    reason = forms.CharField(label="取消原因", max_length=200)


class MinutesForm(forms.Form):
    minutes = forms.CharField(
        label="会议记录",
        widget=forms.Textarea(attrs={"rows": 10, "class": "form-control"}),
        max_length=20000,
        error_messages={"required": "请填写会议记录", "max_length": "会议记录不能超过 20000 字"},
    )


class StatsFilterForm(FilterForm):
    period = forms.CharField(
        label="统计期", widget=forms.TextInput(attrs={"placeholder": "如 2026、2026-H1、2026-Q3、2026-10"})
    )
    region = forms.CharField(
        label="区域", widget=LookupInput("regions:lookup", attrs={"placeholder": "区划编码（含下级）"})
    )
