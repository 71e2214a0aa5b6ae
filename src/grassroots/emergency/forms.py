from __future__ import annotations

from django import forms

from grassroots.regions.choices import HouseholdTag

from .models import CallupKind, Kind, NeedCategory, Severity
from .workflow import CallupState, NeedState


def _small(form):
    for f in form.fields.values():
        f.widget.attrs.setdefault(
            "class",
            "form-select form-select-sm"
            if isinstance(f, forms.ChoiceField)
            else "form-control form-control-sm",
        )


class DeclareForm(forms.Form):
    region = forms.ChoiceField(label="应急区域（市、区或街道）")
    title = forms.CharField(
        label="事件名称", max_length=100, widget=forms.TextInput(attrs={"placeholder": "如：7·20 强降雨防汛"})
    )
    kind = forms.ChoiceField(label="类型", choices=Kind.choices)
    severity = forms.ChoiceField(label="响应级别", choices=Severity.choices, initial=Severity.IV)
    starts_at = forms.DateTimeField(
        label="开始时间", required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    instructions = forms.CharField(
        label="工作指令", max_length=4000, widget=forms.Textarea(attrs={"rows": 4})
    )
    sweep_tags = forms.MultipleChoiceField(
        label="摸排对象（住户标签；不选则摸排全部住户）",
        choices=HouseholdTag.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        initial=["elderly_alone"],
    )

    def __init__(self, *args, regions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = [(r.code, f"{r.get_level_display()} · {r.name}") for r in regions]
        for name, f in self.fields.items():
            if name == "sweep_tags":
                continue
            f.widget.attrs.setdefault(
                "class", "form-select" if isinstance(f, forms.ChoiceField) else "form-control"
            )


class CallupFilterForm(forms.Form):
    q = forms.CharField(label="姓名", required=False)
    kind = forms.ChoiceField(label="类别", required=False, choices=[("", "全部")] + CallupKind.choices)
    state = forms.ChoiceField(label="状态", required=False, choices=[("", "全部")] + CallupState.choices)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _small(self)


class NeedFilterForm(forms.Form):
    state = forms.ChoiceField(label="状态", required=False, choices=[("", "全部")] + NeedState.choices)
    category = forms.ChoiceField(label="类别", required=False, choices=[("", "全部")] + NeedCategory.choices)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _small(self)


class NeedForm(forms.Form):
    category = forms.ChoiceField(label="类别", choices=NeedCategory.choices)
    description = forms.CharField(label="需求说明", max_length=300, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for f in self.fields.values():
            f.widget.attrs.setdefault(
                "class", "form-select" if isinstance(f, forms.ChoiceField) else "form-control"
            )
