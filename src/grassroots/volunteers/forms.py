from __future__ import annotations

from django import forms

from grassroots.core.pages import ActionForm, FilterForm, ScopedCodeField
from grassroots.orglife.models import ActivityStatus
from grassroots.regions.models import Region

from .models import RedemptionState, SourceType, VolunteerKind, WishCategory


def _choices(choices, empty="全部"):
    return [("", empty)] + list(choices)


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


class CommunityField(ScopedCodeField):
    def __init__(self, **kwargs):
        kwargs.setdefault("label", "社区")
        super().__init__(Region, levels=("community",), **kwargs)


class WishForm(ActionForm):
    region = CommunityField(help_text="填写社区编码")
    title = forms.CharField(label="心愿内容", max_length=60, help_text="例如：想要一台收音机")
    category = forms.ChoiceField(label="类别", choices=WishCategory.choices)
    description = forms.CharField(label="详细说明", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    beneficiary_name = forms.CharField(
        label="心愿人姓名", max_length=30, help_text="仅社区工作人员可见，公开页面脱敏"
    )
    beneficiary_phone = forms.CharField(label="联系电话", max_length=20, required=False)
    open_days = forms.IntegerField(label="认领期限（天）", required=False, min_value=1, max_value=365)
    claim_days = forms.IntegerField(label="完成期限（天）", required=False, min_value=1, max_value=90)


class NoteForm(forms.Form):
    note = forms.CharField(
        label="说明", required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )


class TeamFilterForm(FilterForm):
    q = forms.CharField(label="搜索", widget=forms.TextInput(attrs={"placeholder": "队伍名称或拼音首字母"}))
    region = forms.CharField(label="区划编码")


class TeamForm(ActionForm):
    region = CommunityField()
    name = forms.CharField(label="队伍名称", max_length=60)
    service_area = forms.CharField(label="服务领域", max_length=60, required=False)
    description = forms.CharField(label="简介", required=False, widget=forms.Textarea(attrs={"rows": 3}))


class VolunteerFilterForm(FilterForm):
    q = forms.CharField(label="搜索", widget=forms.TextInput(attrs={"placeholder": "姓名或拼音首字母"}))
    kind = forms.ChoiceField(label="身份", choices=_choices(VolunteerKind.choices))
    region = forms.CharField(label="区划编码")


class VolunteerForm(ActionForm):
    region = CommunityField()
    name = forms.CharField(label="姓名", max_length=50)
    phone = forms.CharField(label="手机号", max_length=20, required=False)
    kind = forms.ChoiceField(label="身份", choices=VolunteerKind.choices)


class ActivityFilterForm(FilterForm):
    q = forms.CharField(label="搜索", widget=forms.TextInput(attrs={"placeholder": "活动名称"}))
    status = forms.ChoiceField(label="状态", choices=_choices(ActivityStatus.choices))
    region = forms.CharField(label="区划编码")


class ActivityForm(ActionForm):
    region = CommunityField()
    title = forms.CharField(label="活动名称", max_length=80)
    place = forms.CharField(label="活动地点", max_length=100)
    starts_at = forms.DateTimeField(label="开始时间", widget=DateTimeInput())
    ends_at = forms.DateTimeField(label="结束时间", widget=DateTimeInput())
    capacity = forms.IntegerField(label="招募人数", min_value=1, max_value=10000)
    points_per_hour = forms.IntegerField(label="每小时积分", min_value=0, max_value=100, initial=10)
    team = forms.IntegerField(label="组织队伍编号", required=False, widget=forms.Select())
    description = forms.CharField(label="活动内容", required=False, widget=forms.Textarea(attrs={"rows": 3}))


class PointFilterForm(FilterForm):
    q = forms.CharField(label="搜索", widget=forms.TextInput(attrs={"placeholder": "姓名或事由"}))
    source_type = forms.ChoiceField(label="来源", choices=_choices(SourceType.choices))
    region = forms.CharField(label="区划编码")


class GrantForm(ActionForm):
    volunteer = forms.IntegerField(label="志愿者编号", widget=forms.HiddenInput())
    amount = forms.IntegerField(label="积分", help_text="正数为发放，负数为扣减")
    reason = forms.CharField(label="事由", max_length=200)


class ReasonForm(forms.Form):
    reason = forms.CharField(label="原因", max_length=200)


class ItemFilterForm(FilterForm):
    q = forms.CharField(label="搜索", widget=forms.TextInput(attrs={"placeholder": "物品名称"}))
    region = forms.CharField(label="区划编码")


class ItemForm(ActionForm):
    region = CommunityField()
    name = forms.CharField(label="物品名称", max_length=60)
    price = forms.IntegerField(label="所需积分", min_value=1)
    stock = forms.IntegerField(label="库存", min_value=0)
    description = forms.CharField(label="说明", max_length=200, required=False)


class ItemEditForm(ActionForm):
    name = forms.CharField(label="物品名称", max_length=60)
    price = forms.IntegerField(label="所需积分", min_value=1)
    description = forms.CharField(label="说明", max_length=200, required=False)
    is_active = forms.BooleanField(label="上架", required=False)


class StockForm(forms.Form):
    delta = forms.IntegerField(label="库存变动", help_text="正数为入库，负数为出库报损")
    reason = forms.CharField(label="说明", max_length=200, required=False)


class RedemptionFilterForm(FilterForm):
    state = forms.ChoiceField(label="状态", choices=_choices(RedemptionState.choices))
    region = forms.CharField(label="区划编码")


class RankingForm(FilterForm):
    by = forms.ChoiceField(label="排名依据", choices=[("points", "积分"), ("hours", "服务时长")])
    region = forms.CharField(label="社区编码")
    team = forms.IntegerField(label="队伍", widget=forms.Select())
