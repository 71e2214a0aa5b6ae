from django import forms

from grassroots.core.pages import FilterForm

from .models import TopicState


class TopicFilterForm(FilterForm):
    q = forms.CharField(label="搜索", widget=forms.TextInput(attrs={"placeholder": "议题或编号"}))
    state = forms.ChoiceField(label="状态", choices=[("", "全部状态"), *TopicState.choices])


class _Styled(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for f in self.fields.values():
            f.widget.attrs.setdefault("class", "form-control")


class ScheduleForm(_Styled):
    meeting_at = forms.DateTimeField(
        label="议事时间",
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        error_messages={"required": "请填写议事时间", "invalid": "议事时间格式不正确"},
    )
    place = forms.CharField(label="议事地点", max_length=100, required=False)
    theme = forms.CharField(label="议事主题", max_length=100, required=False)
    participants = forms.CharField(label="参会单位与代表", max_length=300, required=False)


class ProjectForm(_Styled):
    title = forms.CharField(label="实事项目", max_length=100, required=False)
    owner = forms.CharField(label="责任人", max_length=50, required=False)
    due = forms.DateField(
        label="计划完成",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "计划完成日期格式不正确"},
    )
