from __future__ import annotations

from django import forms

from grassroots.core.pages import ActionForm, DateInput
from grassroots.party.choices import Gender, MemberStatus
from grassroots.party.forms import org_field
from grassroots.party.models import Member

from .models import Education
from .steps import STEPS, Decision


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (the service validates and stores them)."""

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(d, initial) for d in data if d]
        return [super().clean(data, initial)] if data else []


def documents_field():
    return MultipleFileField(
        label="材料（图片或 PDF，最多 9 个）",
        required=False,
        widget=MultipleFileInput(
            attrs={"accept": "image/*,application/pdf", "multiple": True, "class": "form-control"}
        ),
    )


class ApplicantForm(ActionForm):
    party_org = org_field(label="党支部")
    name = forms.CharField(label="姓名", max_length=50)
    gender = forms.ChoiceField(label="性别", choices=Gender.choices)
    id_number = forms.CharField(label="身份证号", max_length=18)
    birth_date = forms.DateField(label="出生日期", widget=DateInput())
    phone = forms.CharField(label="手机号", max_length=11, required=False)
    education = forms.ChoiceField(label="学历", choices=[("", "—")] + list(Education.choices), required=False)
    occupation = forms.CharField(label="职业或工作单位", max_length=100, required=False)
    applied_on = forms.DateField(label="递交入党申请书日期", widget=DateInput())
    note = forms.CharField(
        label="情况说明", max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    documents = documents_field()


class StepForm(ActionForm):
    """Record one of the candidate's allowed next steps; the fields a step needs are shown for it."""

    step = forms.TypedChoiceField(label="步骤", coerce=int)
    on = forms.DateField(label="日期", widget=DateInput())
    actor = forms.CharField(label="实施主体或经办人", max_length=100, required=False)
    people = forms.ModelMultipleChoiceField(
        label="指定的两名正式党员", queryset=Member.objects.none(), required=False
    )
    hours = forms.IntegerField(label="培训学时", min_value=0, max_value=500, required=False)
    decision = forms.ChoiceField(
        label="支部大会决定", choices=[("", "—")] + list(Decision.choices), required=False
    )
    extend_until = forms.DateField(label="延长预备期至", widget=DateInput(), required=False)
    note = forms.CharField(
        label="情况说明", max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    documents = documents_field()

    def __init__(self, *args, candidate=None, **kwargs):
        super().__init__(*args, **kwargs)
        allowed = candidate.next_steps if candidate is not None else ()
        self.fields["step"].choices = [(n, STEPS[n].label) for n in allowed]
        needs = {STEPS[n].people for n in allowed} | {
            "hours" if n == 11 else "decision" if n == 23 else "" for n in allowed
        }
        if not (needs & {"cultivators", "introducers"}):
            del self.fields["people"]
        else:
            self.fields["people"].queryset = (
                Member.objects.visible_to(self.user, "view")
                .filter(party_org=candidate.party_org, status=MemberStatus.FULL)
                .order_by("name")
            )
            self.fields["people"].widget.attrs["size"] = 6
        if "hours" not in needs:
            del self.fields["hours"]
        if "decision" not in needs:
            del self.fields["decision"]
            del self.fields["extend_until"]

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        data["people"] = list(data.get("people") or [])
        data.setdefault("decision", "")
        return data


class StopForm(ActionForm):
    on = forms.DateField(label="日期", widget=DateInput())
    reason = forms.CharField(label="终止原因", max_length=200, widget=forms.Textarea(attrs={"rows": 2}))
