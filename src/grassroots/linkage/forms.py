from django import forms

from .models import LeaderLevel, TaskState

ACTIVE_CHOICES = [("", "全部"), ("overdue", "已超期"), ("escalated", "已督办")]


class _Styled:
    def _style(self):
        for f in self.fields.values():
            if isinstance(f.widget, forms.CheckboxSelectMultiple):
                continue
            css = (
                "form-select" if isinstance(f, forms.ChoiceField | forms.ModelChoiceField) else "form-control"
            )
            f.widget.attrs.setdefault("class", css)


class FilterForm(_Styled, forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._style()
        for f in self.fields.values():
            f.widget.attrs["class"] += (
                " form-select-sm" if "form-select" in f.widget.attrs["class"] else " form-control-sm"
            )


class AssignmentFilterForm(FilterForm):
    q = forms.CharField(
        label="搜索", required=False, widget=forms.TextInput(attrs={"placeholder": "任务或承办单位"})
    )
    state = forms.ChoiceField(label="状态", required=False, choices=[("", "全部")] + TaskState.choices)
    level = forms.ChoiceField(
        label="承办层级", required=False, choices=[("", "全部"), ("street", "街道"), ("community", "社区")]
    )
    flag = forms.ChoiceField(label="预警", required=False, choices=ACTIVE_CHOICES)


class TaskFilterForm(FilterForm):
    q = forms.CharField(
        label="搜索", required=False, widget=forms.TextInput(attrs={"placeholder": "任务名称"})
    )
    flag = forms.ChoiceField(label="预警", required=False, choices=[("", "全部"), ("overdue", "有超期承办")])


class LeaderFilterForm(FilterForm):
    q = forms.CharField(
        label="搜索", required=False, widget=forms.TextInput(attrs={"placeholder": "姓名或拼音首字母"})
    )
    level = forms.ChoiceField(label="层级", required=False, choices=[("", "全部")] + LeaderLevel.choices)


class TaskForm(_Styled, forms.Form):
    issuer_region = forms.ChoiceField(label="下发单位")
    title = forms.CharField(label="任务名称", max_length=120)
    content = forms.CharField(label="任务要求", max_length=4000, widget=forms.Textarea(attrs={"rows": 5}))
    deadline = forms.DateField(label="完成时限", widget=forms.DateInput(attrs={"type": "date"}))
    targets = forms.MultipleChoiceField(
        label="承办单位（不选则下发给全部下一级单位）", required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, regions=(), targets=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["issuer_region"].choices = [(r.code, r.name) for r in regions]
        self.fields["targets"].choices = [(r.code, f"{r.parent_name} · {r.name}") for r in targets]
        self._style()


class LeaderForm(_Styled, forms.Form):
    name = forms.CharField(label="姓名", max_length=50)
    post = forms.CharField(
        label="职务",
        max_length=100,
        widget=forms.TextInput(attrs={"placeholder": "如：市委常委、组织部部长"}),
    )
    level = forms.ChoiceField(label="层级", choices=LeaderLevel.choices)
    region = forms.ChoiceField(label="所属市/区")

    def __init__(self, *args, regions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = [(r.code, r.name) for r in regions]
        self._style()


class ContactPointForm(_Styled, forms.Form):
    region = forms.ChoiceField(label="联系街道/社区")
    start_on = forms.DateField(label="起始日期", widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label="备注", max_length=200, required=False)

    def __init__(self, *args, regions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = [
            (r.code, ("　" if r.level == "community" else "") + r.name) for r in regions
        ]
        self._style()
