"""Forms of the people pages: they parse input; the rules live in people.services."""

from __future__ import annotations

from django import forms

from grassroots.core.pages import DateInput, FilterForm, LookupInput, ScopedCodeField, ServiceForm, _style
from grassroots.regions.choices import RegionLevel
from grassroots.regions.models import Region

from .choices import (
    AssessmentResult,
    GradeChangeReason,
    WorkerPost,
)
from .models import Deputy, Steward, Studio, Worker


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
        fields = [
            "code",
            "name",
            "gender",
            "phone",
            "region",
            "post",
            "grade",
            "role",
            "hired_on",
            "birth_date",
            "education",
            "qualification",
            "qualified_on",
            "monthly_pay",
        ]
        widgets = {
            "phone": PHONE,
            "hired_on": DateInput(),
            "birth_date": DateInput(),
            "qualified_on": DateInput(),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["grade"].help_text = "三岗十八级：1 至 18 级"
        # Most workers hold no qualification: the field may be left out (API clients, old forms).
        self.fields["qualification"].required = False
        if self.instance.pk is not None:
            del self.fields["code"]

    def clean_qualification(self):
        value = self.cleaned_data.get("qualification")
        return value or (
            self.instance.qualification if self.instance.pk else Worker.qualification.field.default
        )


# age band -> (label, min age inclusive, max age exclusive)
class StewardForm(ServiceForm):
    personal = ("phone",)
    region = _region_field(
        "负责区域", levels=[RegionLevel.NEIGHBORHOOD, RegionLevel.BUILDING, RegionLevel.ENTRANCE]
    )

    class Meta:
        model = Steward
        fields = ["name", "phone", "role", "region"]
        widgets = {"phone": PHONE}


class DeputyForm(ServiceForm):
    personal = ("phone",)
    region = _region_field("联系社区", levels=[RegionLevel.COMMUNITY], level_param="level=community")

    class Meta:
        model = Deputy
        fields = ["name", "kind", "level", "region", "unit_name", "phone"]
        widgets = {"phone": PHONE}


# ---- careers -------------------------------------------------------------------------------------


class PromoteForm(forms.Form):
    reason = forms.ChoiceField(label="变动原因", choices=GradeChangeReason.choices, initial="annual")
    to_post = forms.ChoiceField(label="岗位", choices=WorkerPost.choices, required=False)
    to_grade = forms.IntegerField(label="新等级", min_value=1, max_value=18)
    assessment = forms.ChoiceField(
        label="上年度考核结果", choices=[("", "—")] + list(AssessmentResult.choices), required=False
    )
    effective_on = forms.DateField(label="生效日期", widget=DateInput())
    approved_by = forms.CharField(label="审批单位", max_length=100, required=False)
    note = forms.CharField(label="说明", max_length=300, required=False)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        for f in self.fields.values():
            _style(f)


class TrainingForm(forms.Form):
    course = forms.CharField(label="课程", max_length=100)
    organizer = forms.CharField(label="举办单位", max_length=100, required=False)
    held_on = forms.DateField(label="培训日期", widget=DateInput())
    hours = forms.DecimalField(label="学时", min_value=0.5, max_value=500, decimal_places=1)
    certificate_no = forms.CharField(label="证书编号", max_length=50, required=False)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        for f in self.fields.values():
            _style(f)


class PayScaleFilterForm(FilterForm):
    year = forms.IntegerField(label="年度", widget=forms.NumberInput(attrs={"placeholder": "年度"}))
    post = forms.ChoiceField(label="岗位", choices=[("", "全部岗位")] + list(WorkerPost.choices))


class CareerFilterForm(FilterForm):
    region = _region_filter()
    short = forms.BooleanField(label="只看持证人数不足的社区")


# ---- studios ------------------------------------------------------------------------------------


class DeputyChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name}（{obj.get_kind_display()}·{obj.get_level_display()}）"


def _deputy_field(user, label):
    qs = (
        Deputy.objects.visible_to(user).select_related("region").order_by("kind", "name")
        if user
        else Deputy.objects.none()
    )
    return DeputyChoiceField(
        queryset=qs, label=label, widget=forms.SelectMultiple(attrs={"size": 6}), required=False
    )


class StudioForm(ServiceForm):
    region = _region_field("所在街道/社区", levels=[RegionLevel.STREET, RegionLevel.COMMUNITY])

    class Meta:
        model = Studio
        fields = ["name", "region", "address"]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["deputies"] = _deputy_field(user, "进站代表委员")
        if self.instance.pk is not None and "deputies" not in self.data:
            self.initial["deputies"] = list(self.instance.deputies.values_list("pk", flat=True))
        _style(self.fields["deputies"])


class ReceptionForm(forms.Form):
    date = forms.DateField(label="接待日期", widget=DateInput())
    starts_at = forms.TimeField(
        label="开始时间", widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    ends_at = forms.TimeField(
        label="结束时间", widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    topic = forms.CharField(label="接待主题", max_length=100, required=False)
    publish = forms.BooleanField(label="立即向居民发布", required=False, initial=True)

    def __init__(self, *args, user=None, studio=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["deputies"] = _deputy_field(user, "值班代表委员")
        if studio is not None:
            self.fields["deputies"].queryset = studio.deputies.select_related("region").order_by(
                "kind", "name"
            )
        for f in self.fields.values():
            _style(f)


class ReceptionLogForm(forms.Form):
    held_on = forms.DateField(label="接待日期", widget=DateInput())
    residents = forms.IntegerField(label="接待群众人数", min_value=0, max_value=500)
    summary = forms.CharField(
        label="接待情况", max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    matters = forms.CharField(
        label="反映事项（每行一项）",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "placeholder": "例如：小区东门路灯损坏，夜间出行不便"}),
    )

    def __init__(self, *args, user=None, studio=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["deputies"] = _deputy_field(user, "参加接待的代表委员")
        if studio is not None:
            self.fields["deputies"].queryset = studio.deputies.select_related("region").order_by(
                "kind", "name"
            )
        for f in self.fields.values():
            _style(f)

    def matter_lines(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data.get("matters", "").splitlines() if line.strip()]


class MatterForm(forms.Form):
    text = forms.CharField(label="反映事项", max_length=500)


class MatterCaseForm(forms.Form):
    region = _region_field("问题所在社区", levels=[RegionLevel.COMMUNITY], level_param="level=community")
    description = forms.CharField(
        label="诉求描述", max_length=1500, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].required = False
        self.fields["region"].user = user
        for f in self.fields.values():
            _style(f)
