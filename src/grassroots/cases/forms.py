from __future__ import annotations

from django import forms

from .models import Category, Channel, EvaluationResult, Handler, Tier
from .workflow import CaseState

DEADLINE_CHOICES = [("", "全部"), ("overdue", "超期"), ("due_soon", "临期")]


class CaseFilterForm(forms.Form):
    q = forms.CharField(
        label="搜索", required=False, widget=forms.TextInput(attrs={"placeholder": "编号或描述"})
    )
    state = forms.ChoiceField(label="状态", required=False, choices=[("", "全部")] + CaseState.choices)
    tier = forms.ChoiceField(label="三事分流", required=False, choices=[("", "全部")] + Tier.choices)
    channel = forms.ChoiceField(label="渠道", required=False, choices=[("", "全部")] + Channel.choices)
    category = forms.ModelChoiceField(
        label="类别",
        required=False,
        queryset=Category.objects.filter(parent__isnull=True),
        empty_label="全部",
    )
    deadline = forms.ChoiceField(label="时限", required=False, choices=DEADLINE_CHOICES)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for f in self.fields.values():
            f.widget.attrs.setdefault(
                "class",
                "form-select form-select-sm"
                if isinstance(f, forms.ChoiceField)
                else "form-control form-control-sm",
            )


class TriageForm(forms.Form):
    category = forms.ModelChoiceField(label="事项类别", queryset=Category.objects.filter(is_active=True))
    tier = forms.ChoiceField(label="三事分流", required=False, choices=[("", "按类别默认")] + Tier.choices)
    note = forms.CharField(label="说明", required=False, max_length=500)


class DispatchForm(forms.Form):
    handler = forms.ModelChoiceField(
        label="承办单位",
        required=False,
        queryset=Handler.objects.filter(is_active=True),
        empty_label="按派单规则自动选择",
    )
    note = forms.CharField(label="说明", required=False, max_length=500)


class ReturnForm(forms.Form):
    reason = forms.CharField(label="退单理由", max_length=500, widget=forms.Textarea(attrs={"rows": 2}))
    suggested_handler = forms.ModelChoiceField(
        label="应由哪个单位办理", queryset=Handler.objects.filter(is_active=True)
    )


class NoteForm(forms.Form):
    note = forms.CharField(
        label="说明", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class EvaluationForm(forms.Form):
    result = forms.ChoiceField(
        label="您对办理结果是否满意", choices=EvaluationResult.choices, widget=forms.RadioSelect
    )
    comment = forms.CharField(
        label="意见（不满意时请说明原因）",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
