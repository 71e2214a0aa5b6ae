"""Forms of the party pages: they parse input; the rules live in party.services."""

from __future__ import annotations

from django import forms

from grassroots.core.pages import ActionForm, DateInput, FilterForm, LookupInput, ScopedCodeField, ServiceForm
from grassroots.regions.forms import region_field
from grassroots.regions.models import Region

from .choices import SeatPost
from .models import Member, PartyOrg, Seat, unit_model
from .services import ORG_FIELDS

Unit = unit_model()

YES_NO = [("", "不限"), ("true", "是"), ("false", "否")]


def unit_field(label="所在单位", required=False):
    return ScopedCodeField(
        Unit,
        label=label,
        required=required,
        widget=LookupInput("units:lookup", attrs={"placeholder": "单位编码或名称"}),
    )


def org_field(label="党组织", required=True):
    return ScopedCodeField(
        PartyOrg,
        label=label,
        required=required,
        widget=LookupInput("party:lookup", attrs={"placeholder": "组织编码或名称"}),
    )


class OrgForm(ServiceForm):
    region = region_field()
    unit = unit_field(label="所在单位（单位党组织填写）")
    secretary = forms.ModelChoiceField(queryset=Member.objects.none(), label="书记", required=False)

    class Meta:
        model = PartyOrg
        fields = ["code", *ORG_FIELDS]
        widgets = {"established_on": DateInput(), "term_start": DateInput(), "term_end": DateInput()}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            del self.fields["code"]
            self.fields["secretary"].queryset = Member.objects.filter(party_org=self.instance).order_by(
                "name"
            )
            self.fields["secretary"].empty_label = "—（未指定）"
        else:
            del self.fields["secretary"]
            self.fields["code"].help_text = "字母、数字和连字符，如 QD-SN-1-1-2"

    def service_data(self) -> dict:
        data = super().service_data()
        if data.get("secretary") is not None and not data.get("secretary_name"):
            data.pop("secretary_name", None)  # the service fills in the secretary's name
        return data


class SeatForm(ServiceForm):
    unit = unit_field(label="来自单位（兼职委员填写）")
    member = forms.ModelChoiceField(queryset=Member.objects.none(), label="对应党员", required=False)

    class Meta:
        model = Seat
        fields = ["post", "holder_name", "member", "unit"]

    def __init__(self, *args, org=None, **kwargs):
        super().__init__(*args, **kwargs)
        if org is not None:
            self.fields["member"].queryset = Member.objects.filter(party_org=org).order_by("name")
        self.fields["member"].empty_label = "—（非本组织党员）"
        self.fields["post"].choices = list(SeatPost.choices)


class MemberForm(ServiceForm):
    personal = ("id_number", "phone", "room", "birth_date")
    party_org = org_field(label="所在党组织")
    workplace_unit = unit_field(label="工作单位")
    residence = ScopedCodeField(
        Region,
        label="居住地（单元）",
        required=False,
        widget=LookupInput(
            "regions:lookup", params="level=entrance", attrs={"placeholder": "单元编码或名称"}
        ),
    )

    class Meta:
        model = Member
        fields = [
            "name",
            "gender",
            "birth_date",
            "id_number",
            "phone",
            "party_org",
            "status",
            "joined_on",
            "converted_on",
            "in_service",
            "workplace_unit",
            "residence",
            "room",
            "is_household_hub",
        ]
        widgets = {
            "id_number": forms.TextInput(attrs={"autocomplete": "off", "maxlength": 18}),
            "phone": forms.TextInput(attrs={"autocomplete": "off", "inputmode": "tel", "maxlength": 11}),
            "birth_date": DateInput(),
            "joined_on": DateInput(),
            "converted_on": DateInput(),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            # Org changes are transfers; status changes are conversions: both have their own pages.
            for name in ("party_org", "status", "converted_on"):
                del self.fields[name]


class ConvertForm(ActionForm):
    on = forms.DateField(label="转正日期", widget=DateInput())


# ------------------------------------------------------------------------- members out of contact
class ContactFilterForm(FilterForm):
    q = forms.CharField(label="姓名", widget=forms.TextInput(attrs={"placeholder": "姓名或拼音首字母"}))
    status = forms.ChoiceField(
        label="联系状态", choices=[("", "流动和失联"), ("mobile", "流动党员"), ("lost", "失联党员")]
    )
    stale = forms.ChoiceField(label="超期未联系", choices=YES_NO)
    org = forms.CharField(
        label="党组织", widget=LookupInput("party:lookup", attrs={"placeholder": "组织编码（含下级）"})
    )


class ContactStatusForm(ActionForm):
    status = forms.ChoiceField(label="联系状态", choices=[])
    since = forms.DateField(
        label="起始日期", required=False, widget=DateInput(), help_text="外出流动或失去联系的日期"
    )
    destination = forms.CharField(label="流入地或去向", max_length=100, required=False)
    contact_person = forms.CharField(label="联络人", max_length=50, required=False)
    contact_phone = forms.CharField(
        label="联络电话", max_length=11, required=False, help_text="留空则保留原号码"
    )
    note = forms.CharField(label="说明", max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from .models import Whereabouts

        self.fields["status"].choices = Whereabouts.choices


class ContactLogForm(ActionForm):
    contacted_on = forms.DateField(label="联系日期", widget=DateInput())
    method = forms.ChoiceField(label="联系方式", choices=[])
    reached = forms.BooleanField(label="已联系上本人", required=False)
    found_status = forms.ChoiceField(
        label="联系上后的状态",
        required=False,
        choices=[("", "不变"), ("normal", "正常联系"), ("mobile", "流动党员")],
        help_text="联系上失联党员时必选",
    )
    note = forms.CharField(label="联系情况", max_length=300, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from .models import ContactMethod

        self.fields["method"].choices = ContactMethod.choices
        self.fields["reached"].widget.attrs["class"] = "form-check-input"


class ExtendProbationForm(ActionForm):
    until = forms.DateField(label="延长预备期至", widget=DateInput())
    reason = forms.CharField(label="延长原因", max_length=200, widget=forms.Textarea(attrs={"rows": 3}))
