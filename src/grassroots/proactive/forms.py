from django import forms

from grassroots.core.pages import FilterForm

from .models import InitiativeState, Level, Trend


class HotTopicFilterForm(FilterForm):
    q = forms.CharField(label="搜索", widget=forms.TextInput(attrs={"placeholder": "类别、区域或关键词"}))
    level = forms.ChoiceField(label="层级", choices=[("", "全部层级"), *Level.choices])
    trend = forms.ChoiceField(label="趋势", choices=[("", "全部趋势"), *Trend.choices])


class InitiativeFilterForm(FilterForm):
    q = forms.CharField(label="搜索", widget=forms.TextInput(attrs={"placeholder": "名称或编号"}))
    state = forms.ChoiceField(label="状态", choices=[("", "全部状态"), *InitiativeState.choices])


class InitiativeForm(forms.Form):
    """Input of a task or theme; the service validates the rules (scope, dates, one theme a month)."""

    title = forms.CharField(label="名称", max_length=60, error_messages={"required": "请填写名称"})
    region = forms.ChoiceField(label="责任区域", error_messages={"required": "请选择责任区域"})
    owner_worker = forms.ChoiceField(label="责任人（社区工作者）", required=False)
    owner_name = forms.CharField(
        label="责任人", max_length=50, required=False, help_text="未选社区工作者时填写"
    )
    plan = forms.CharField(
        label="工作方案", max_length=2000, widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    measures = forms.CharField(
        label="主要措施", max_length=2000, widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    month = forms.DateField(
        label="月份",
        required=False,
        input_formats=["%Y-%m", "%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
        error_messages={"invalid": "月份格式不正确"},
    )
    due_date = forms.DateField(
        label="完成期限",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": "完成期限格式不正确"},
    )

    def __init__(self, *args, regions=(), workers=(), kind="task", editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = [(str(r.pk), f"{r.name}（{r.get_level_display()}）") for r in regions]
        self.fields["owner_worker"].choices = [("", "不指定")] + [
            (str(w.pk), f"{w.name} · {w.region.name}") for w in workers
        ]
        if kind == "task":
            del self.fields["month"]
            self.fields["measures"].label = "主要措施（可选）"
        else:
            self.fields["due_date"].label = "完成期限（默认月末）"
        if editing:
            del self.fields["region"]
            self.fields.pop("month", None)
        for f in self.fields.values():
            w = f.widget
            w.attrs.setdefault("class", "form-select" if isinstance(w, forms.Select) else "form-control")
