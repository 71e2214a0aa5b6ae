"""Forms of the unit pages: they parse input; the rules live in units.services."""

from __future__ import annotations

from django import forms

from grassroots.core.pages import LookupInput, ScopedCodeField, ServiceForm
from grassroots.party.models import PartyOrg
from grassroots.regions.models import Region

from .models import Instructor, Unit

YES_NO = [("", "不限"), ("true", "是"), ("false", "否")]


def _region_field(label):
    return ScopedCodeField(
        Region, label=label, widget=LookupInput("regions:lookup", attrs={"placeholder": "区划编码或名称"})
    )


def _org_field(label):
    return ScopedCodeField(
        PartyOrg,
        label=label,
        required=False,
        widget=LookupInput("party:lookup", attrs={"placeholder": "组织编码或名称"}),
    )


class UnitForm(ServiceForm):
    region = _region_field("所在区划")
    party_org = _org_field("覆盖党组织")
    instructor = forms.ModelChoiceField(
        queryset=Instructor.objects.none(), label="党建指导员", required=False
    )

    class Meta:
        model = Unit
        fields = [
            "code",
            "name",
            "type",
            "industry",
            "employees",
            "region",
            "address",
            "lng",
            "lat",
            "party_work",
            "party_org",
            "has_union",
            "has_youth_league",
            "instructor",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["instructor"].queryset = Instructor.objects.visible_to(self.user).order_by("name")
        self.fields["instructor"].empty_label = "—（未选派）"
        if self.instance.pk is not None:
            del self.fields["code"]


class InstructorForm(ServiceForm):
    personal = ("phone",)
    region = _region_field("所属区划")
    org = _org_field("选派党组织")

    class Meta:
        model = Instructor
        fields = ["name", "phone", "region", "org"]
