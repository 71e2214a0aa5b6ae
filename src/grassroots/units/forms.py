"""Forms of the unit pages: they parse input; the rules live in units.services."""

from __future__ import annotations

from django import forms

from grassroots.core.pages import ServiceForm
from grassroots.party.forms import org_field
from grassroots.regions.forms import region_field

from .models import Instructor, Unit

YES_NO = [("", "不限"), ("true", "是"), ("false", "否")]


class UnitForm(ServiceForm):
    region = region_field("所在区划")
    party_org = org_field("覆盖党组织", required=False)
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
    region = region_field("所属区划")
    org = org_field("选派党组织", required=False)

    class Meta:
        model = Instructor
        fields = ["name", "phone", "region", "org"]
