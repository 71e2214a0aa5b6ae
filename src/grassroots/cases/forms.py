from __future__ import annotations

from django import forms

from .models import Category, Channel, EvaluationResult, Handler, Tier
from .workflow import CaseState

DEADLINE_CHOICES = [
    ("", "全部"),
    ("overdue", "超期"),
    ("due_soon", "临期"),
    ("response_overdue", "响应超时"),
    ("response_due_soon", "响应临期"),
]


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


class ModerationForm(forms.Form):
    public_description = forms.CharField(
        label="公开描述",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
        help_text="公众（开放接口、进度查询页）看到的问题描述；留空则公开原描述。公开前仍会自动隐去电话、证件号、门牌房号和姓名。",
    )
    public_hidden = forms.BooleanField(
        label="不公开问题描述",
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
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


# ---------------------------------------------------------------- intake

INTAKE_CHANNELS = [("patrol", "网格巡查"), ("walk_in", "来电来访代录"), ("hotline", "12345热线")]


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Up to 9 images; the real checks (type, size, count) are core.attachments' in the service."""

    widget = MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp", "class": "form-control"})

    def clean(self, data, initial=None):
        if not data:
            return []
        items = data if isinstance(data, list | tuple) else [data]
        return [super(PhotosField, self).clean(d, initial) for d in items]


def category_choices():
    """Leaf categories grouped under their top-level class (the tree picker)."""
    cats = list(Category.objects.filter(is_active=True).select_related("parent"))
    parents = [c for c in cats if c.parent_id is None]
    out = [("", "请选择（可根据描述自动推荐）")]
    for p in parents:
        kids = [(c.pk, c.name) for c in cats if c.parent_id == p.pk]
        out.append((p.name, kids or [(p.pk, p.name)]))
    return out


class IntakeForm(forms.Form):
    """The resident's H5 form and the staff intake form share these fields."""

    category = forms.TypedChoiceField(label="问题类别", required=False, coerce=int, empty_value=None)
    description = forms.CharField(
        label="问题描述",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4, "placeholder": "请描述问题的具体情况（至少 5 个字）"}),
    )
    photos = PhotosField(label="照片（最多 9 张）", required=False)
    lng = forms.FloatField(label="经度", required=False, widget=forms.HiddenInput)
    lat = forms.FloatField(label="纬度", required=False, widget=forms.HiddenInput)
    community = forms.TypedChoiceField(label="所在社区", required=False, coerce=int, empty_value=None)
    building = forms.TypedChoiceField(label="楼栋", required=False, coerce=int, empty_value=None)
    address = forms.CharField(
        label="详细地址",
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"placeholder": "如：幸福路 8 号 3 栋 2 单元门口"}),
    )
    reporter_name = forms.CharField(label="联系人", required=False, max_length=50)
    reporter_phone = forms.CharField(label="联系电话", required=False, max_length=20)

    def __init__(self, *args, communities=(), buildings=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = category_choices()
        self.fields["community"].choices = [("", "请选择社区")] + list(communities)
        self.fields["building"].choices = [("", "不选择楼栋")] + list(buildings)
        for f in self.fields.values():
            if isinstance(f.widget, forms.HiddenInput | MultipleFileInput):
                continue
            css = "form-select" if isinstance(f, forms.ChoiceField) else "form-control"
            f.widget.attrs.setdefault("class", css)
        self.fields["reporter_phone"].widget.attrs.update({"inputmode": "tel", "autocomplete": "tel"})

    def clean(self):
        data = super().clean()
        if (data.get("lng") is None) != (data.get("lat") is None):
            raise forms.ValidationError("位置坐标不完整，请重新定位或在地图上点选")
        return data


class StaffIntakeForm(IntakeForm):
    channel = forms.ChoiceField(label="受理渠道", choices=INTAKE_CHANNELS)
    field_order = ["channel"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["channel"].widget.attrs["class"] = "form-select"


class WorkLogForm(forms.Form):
    note = forms.CharField(label="办理纪实", max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    photos = PhotosField(label="现场照片", required=False)


class ResolveForm(forms.Form):
    note = forms.CharField(label="办理结果", max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    photos = PhotosField(label="办结照片", required=False)
    no_photo_reason = forms.CharField(
        label="无法提供照片的原因",
        required=False,
        max_length=200,
        help_text="已上传照片时不必填写",
    )


class MergeForm(forms.Form):
    into = forms.CharField(label="合并到工单编号", max_length=20)
    note = forms.CharField(label="说明", required=False, max_length=500)


# ---------------------------------------------------------------- visits


class VisitForm(forms.Form):
    kind = forms.ChoiceField(label="走访类型")
    community = forms.TypedChoiceField(label="走访社区", coerce=int)
    visitor_name = forms.CharField(label="走访人", max_length=100)
    visited_at = forms.DateTimeField(
        label="走访时间",
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    place = forms.CharField(label="走访地点", max_length=200)
    whom = forms.CharField(label="走访对象", max_length=200, help_text="如：3 栋居民代表、小区物业负责人")
    heard = forms.CharField(label="听取的意见", max_length=4000, widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args, communities=(), **kwargs):
        from .models import VisitKind

        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = VisitKind.choices
        self.fields["community"].choices = [("", "请选择社区")] + list(communities)
        for f in self.fields.values():
            f.widget.attrs.setdefault(
                "class", "form-select" if isinstance(f, forms.ChoiceField) else "form-control"
            )


class VisitCaseForm(forms.Form):
    category = forms.TypedChoiceField(label="问题类别", required=False, coerce=int, empty_value=None)
    description = forms.CharField(label="问题描述", max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = category_choices()
        self.fields["category"].widget.attrs["class"] = "form-select"
        self.fields["description"].widget.attrs["class"] = "form-control"


class VisitFilterForm(forms.Form):
    q = forms.CharField(
        label="搜索", required=False, widget=forms.TextInput(attrs={"placeholder": "地点、对象或意见"})
    )
    kind = forms.ChoiceField(label="类型", required=False)

    def __init__(self, *args, **kwargs):
        from .models import VisitKind

        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", "全部")] + VisitKind.choices
        self.fields["q"].widget.attrs["class"] = "form-control form-control-sm"
        self.fields["kind"].widget.attrs["class"] = "form-select form-select-sm"


class HotlineJsonForm(forms.Form):
    file = forms.FileField(
        label="JSON 文件",
        widget=forms.ClearableFileInput(attrs={"accept": ".json,application/json", "class": "form-control"}),
    )
