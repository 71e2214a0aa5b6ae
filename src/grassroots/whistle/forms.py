from __future__ import annotations

from django import forms

from grassroots.cases.models import Handler, HandlerKind

from .models import CheckinMode, RequestedMode, Urgency


def _style(form):
    for f in form.fields.values():
        w = f.widget
        if isinstance(w, forms.CheckboxSelectMultiple | forms.ClearableFileInput | forms.RadioSelect):
            continue
        w.attrs.setdefault(
            "class", "form-select" if isinstance(w, forms.Select | forms.SelectMultiple) else "form-control"
        )


def departments():
    return Handler.objects.filter(kind=HandlerKind.DEPARTMENT, is_active=True).select_related("region")


class SummonsForm(forms.Form):
    region = forms.CharField(label="发生地（街道或社区）", widget=forms.Select)
    subject = forms.CharField(label="事由", max_length=100)
    description = forms.CharField(label="情况说明", max_length=2000, widget=forms.Textarea(attrs={"rows": 4}))
    handlers = forms.ModelMultipleChoiceField(
        label="召集部门", queryset=departments(), widget=forms.SelectMultiple(attrs={"size": 6})
    )
    urgency = forms.ChoiceField(label="紧急程度", choices=Urgency.choices, initial=Urgency.NORMAL)
    requested_mode = forms.ChoiceField(
        label="报到方式要求", choices=RequestedMode.choices, initial=RequestedMode.ANY
    )
    address = forms.CharField(label="地址", max_length=200, required=False)
    lng = forms.FloatField(label="经度", required=False, widget=forms.HiddenInput)
    lat = forms.FloatField(label="纬度", required=False, widget=forms.HiddenInput)
    case = forms.CharField(label="关联工单编号", max_length=20, required=False)

    def __init__(self, *args, regions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["handlers"].queryset = departments()
        self.fields["region"].widget.choices = [("", "请选择")] + [
            (r.code, f"{r.name}（{r.get_level_display()}）") for r in regions
        ]
        _style(self)


class HandlersForm(forms.Form):
    handlers = forms.ModelMultipleChoiceField(
        label="召集部门", queryset=departments(), widget=forms.SelectMultiple(attrs={"size": 5})
    )
    note = forms.CharField(label="说明", max_length=500, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["handlers"].queryset = departments()
        _style(self)


class ReasonForm(forms.Form):
    reason = forms.CharField(label="理由", max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, label="理由", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].label = label
        _style(self)


class CheckinForm(forms.Form):
    mode = forms.ChoiceField(label="报到方式", choices=CheckinMode.choices, widget=forms.RadioSelect)
    lng = forms.FloatField(required=False, widget=forms.HiddenInput(attrs={"data-geo": "lng"}))
    lat = forms.FloatField(required=False, widget=forms.HiddenInput(attrs={"data-geo": "lat"}))
    note = forms.CharField(label="报到说明", max_length=500, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (the service validates and re-encodes them)."""

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(d, initial) for d in data if d]
        return [super().clean(data, initial)] if data else []


class ReportForm(forms.Form):
    text = forms.CharField(label="办理情况", max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    photos = MultipleFileField(
        label="现场照片（最多 9 张）",
        required=False,
        widget=MultipleFileInput(attrs={"accept": "image/*", "multiple": True, "class": "form-control"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self)


class AssessmentForm(forms.Form):
    handler = forms.ModelChoiceField(label="部门", queryset=departments())
    score = forms.DecimalField(label="评议得分", min_value=0, max_value=100, decimal_places=1)
    comment = forms.CharField(
        label="评议意见", max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["handler"].queryset = departments()
        _style(self)
