from django import forms

from grassroots.core.pages import FilterForm


class ItemFilterForm(FilterForm):
    q = forms.CharField(label="搜索", widget=forms.TextInput(attrs={"placeholder": "事项名称或拼音首字母"}))
    door_to_door = forms.ChoiceField(
        label="上门代办", choices=[("", "全部"), ("true", "可上门代办"), ("false", "仅窗口办理")]
    )


class _Styled(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for f in self.fields.values():
            if isinstance(f.widget, forms.CheckboxInput):
                f.widget.attrs.setdefault("class", "form-check-input")
            elif isinstance(f.widget, forms.Select):
                f.widget.attrs.setdefault("class", "form-select")
            else:
                f.widget.attrs.setdefault("class", "form-control")


class ItemForm(_Styled):
    region = forms.TypedChoiceField(label="适用区域", coerce=int, empty_value=None)
    name = forms.CharField(label="事项名称", max_length=60)
    department = forms.TypedChoiceField(label="办理部门", coerce=int, empty_value=None)
    materials = forms.CharField(
        label="材料清单（每行一项）", widget=forms.Textarea(attrs={"rows": 5}), max_length=2000
    )
    time_limit_days = forms.IntegerField(label="法定时限（工作日）", min_value=1, max_value=365)
    door_to_door = forms.BooleanField(label="可上门代办", required=False)
    description = forms.CharField(label="办理说明", max_length=300, required=False)
    is_active = forms.BooleanField(label="启用", required=False, initial=True)

    def __init__(self, *args, regions=(), departments=(), editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = [("", "请选择")] + [(r.pk, r.name) for r in regions]
        self.fields["department"].choices = [("", "请选择")] + [(d.pk, d.name) for d in departments]
        for name in ("name", "materials", "time_limit_days", "region", "department"):
            self.fields[name].error_messages["required"] = f"请填写{self.fields[name].label}"
        self.fields["time_limit_days"].error_messages.update(
            invalid="法定时限须是整数",
            min_value="法定时限至少 1 个工作日",
            max_value="法定时限最多 365 个工作日",
        )
        if editing:
            self.fields["region"].required = False
            self.fields["region"].disabled = True
        else:
            del self.fields["is_active"]


class OfferForm(_Styled):
    offered_on = forms.DateField(
        label="上门日期",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"required": "请填写上门日期", "invalid": "上门日期格式不正确"},
    )
    note = forms.CharField(label="情况记录", max_length=300, required=False)
