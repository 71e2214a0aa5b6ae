"""Forms of the venue pages: they parse input; the rules live in venues.services."""

from __future__ import annotations

import datetime

from django import forms
from django.utils import timezone

from grassroots.core.pages import ActionForm, FilterForm, LookupInput, ScopedCodeField, ServiceForm
from grassroots.party.models import PartyOrg
from grassroots.regions.models import Region
from grassroots.units.models import Unit

from .models import BookerKind, CenterLevel, Room, ServiceCenter

YES_NO = [("", "不限"), ("true", "是"), ("false", "否")]


def _region_lookup(label="区域", required=False):
    return forms.CharField(
        label=label,
        required=required,
        widget=LookupInput("regions:lookup", attrs={"placeholder": "区划编码（含下级）"}),
    )


class CenterForm(ServiceForm):
    personal = ("contact_phone",)
    region = ScopedCodeField(
        Region,
        label="所在区划",
        widget=LookupInput("regions:lookup", attrs={"placeholder": "区划编码或名称"}),
    )
    owner_unit = ScopedCodeField(
        Unit,
        label="产权单位（共享阵地填写）",
        required=False,
        widget=LookupInput("units:lookup", attrs={"placeholder": "单位编码或名称"}),
    )

    class Meta:
        model = ServiceCenter
        fields = [
            "code",
            "name",
            "level",
            "region",
            "owner_unit",
            "address",
            "lng",
            "lat",
            "area_m2",
            "opens_at",
            "closes_at",
            "open_days",
            "services",
            "contact_name",
            "contact_phone",
            "is_active",
        ]
        widgets = {
            "opens_at": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "closes_at": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "services": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            del self.fields["code"]


class RoomForm(ServiceForm):
    class Meta:
        model = Room
        fields = [
            "name",
            "capacity",
            "equipment",
            "rules",
            "bookable",
            "requires_approval",
            "slot_minutes",
            "max_hours",
            "cancel_hours",
        ]
        widgets = {"rules": forms.Textarea(attrs={"rows": 3})}


class RoomFilterForm(FilterForm):
    q = forms.CharField(label="搜索", widget=forms.TextInput(attrs={"placeholder": "功能室或阵地名称"}))
    level = forms.ChoiceField(label="阵地层级", choices=[("", "全部层级")] + list(CenterLevel.choices))
    region = _region_lookup()


class BookingForm(ActionForm):
    """Booking a slot picked on the week calendar (date + start + end), or typed in."""

    date = forms.DateField(label="日期", widget=forms.DateInput(attrs={"type": "date"}))
    start = forms.TimeField(label="开始", widget=forms.TimeInput(attrs={"type": "time", "step": 900}))
    end = forms.TimeField(label="结束", widget=forms.TimeInput(attrs={"type": "time", "step": 900}))
    title = forms.CharField(label="活动名称", max_length=100)
    attendees = forms.IntegerField(label="预计人数", min_value=1, max_value=10000, initial=1)
    booker_kind = forms.ChoiceField(label="预约主体", choices=BookerKind.choices, initial=BookerKind.RESIDENT)
    unit = forms.CharField(
        label="预约单位",
        required=False,
        widget=LookupInput("units:lookup", attrs={"placeholder": "以单位名义预约时填写单位编码"}),
    )
    org = forms.CharField(
        label="预约党组织", required=False, widget=forms.TextInput(attrs={"placeholder": "组织编码"})
    )
    contact_phone = forms.CharField(label="联系电话", required=False, max_length=20)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("date", "start", "end"):
            self.fields[name].error_messages["invalid"] = "格式不正确"
            self.fields[name].error_messages["required"] = "请选择预约时段"

    def clean(self):
        data = super().clean()
        kind = data.get("booker_kind")
        unit_code = (data.get("unit") or "").strip()
        org_code = (data.get("org") or "").strip()
        data["unit"] = data["org"] = None
        if kind == BookerKind.UNIT:
            if not unit_code:
                self.add_error("unit", "请填写预约单位")
            else:
                data["unit"] = (
                    Unit.objects.filter(code=unit_code.split(" ")[0]).select_related("party_org").first()
                )
                if data["unit"] is None:
                    self.add_error("unit", f"单位“{unit_code}”不存在")
        if kind == BookerKind.BRANCH:
            if not org_code:
                self.add_error("org", "请填写预约党组织")
            else:
                data["org"] = PartyOrg.objects.filter(code=org_code.split(" ")[0]).first()
                if data["org"] is None:
                    self.add_error("org", f"党组织“{org_code}”不存在")
        return data

    def service_data(self) -> dict:
        d = self.cleaned_data
        tz = timezone.get_current_timezone()
        start = datetime.datetime.combine(d["date"], d["start"], tzinfo=tz)
        end_day = d["date"] + datetime.timedelta(days=1) if d["end"] == datetime.time(0) else d["date"]
        end = datetime.datetime.combine(end_day, d["end"], tzinfo=tz)
        return {
            "start": start,
            "end": end,
            "title": d["title"],
            "attendees": d["attendees"],
            "booker_kind": d["booker_kind"],
            "unit": d["unit"],
            "org": d["org"],
            "contact_phone": d.get("contact_phone") or "",
        }


class RejectForm(ActionForm):
    reason = forms.CharField(label="理由", max_length=200)


class CircleForm(FilterForm):
    region = _region_lookup("街道或社区")
    distance = forms.IntegerField(label="步行距离(米)", min_value=100, max_value=5000)
    k = forms.IntegerField(label="规划新增驿站数", min_value=0, max_value=20)
