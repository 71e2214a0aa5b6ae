"""Forms of the standards pages: the health-check filters and a rule's parameters."""

from __future__ import annotations

from django import forms

from grassroots.regions.choices import RegionLevel
from grassroots.regions.models import Region

from .checks import OBJECT_TYPES, PERM, Severity
from .services import PARAM_LABELS, checked_rules, param_label

REGION_FILTER_LEVELS = [RegionLevel.CITY, RegionLevel.DISTRICT, RegionLevel.STREET, RegionLevel.COMMUNITY]
REGION_FILTER_LIMIT = 600


class HealthFilterForm(forms.Form):
    rule = forms.ChoiceField(label="规则", required=False)
    severity = forms.ChoiceField(label="级别", required=False, choices=[("", "全部级别"), *Severity.choices])
    type = forms.ChoiceField(
        label="对象类型",
        required=False,
        choices=[("", "全部对象"), *[(k, v[0]) for k, v in OBJECT_TYPES.items()]],
    )
    region = forms.ChoiceField(label="区划", required=False)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rule"].choices = [("", "全部规则")] + [
            (r.code, f"{r.code} {r.title[:18]}") for r in checked_rules()
        ]
        regions = (
            Region.objects.visible_to(user, PERM)
            .filter(level__in=REGION_FILTER_LEVELS)
            .order_by("path")
            .values_list("code", "name", "depth")[:REGION_FILTER_LIMIT]
        )
        depth0 = None
        choices = [("", "全部区划")]
        for code, name, depth in regions:
            depth0 = depth if depth0 is None else min(depth0, depth)
            choices.append((code, "\u3000" * (depth - depth0) + name))
        self.fields["region"].choices = choices
        for f in self.fields.values():
            f.widget.attrs["class"] = "form-select"


class RuleParamsForm(forms.Form):
    """One number field per parameter of the rule (validated again by services.update_rule)."""

    enabled = forms.BooleanField(label="启用该规则", required=False)

    def __init__(self, *args, rule=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.rule = rule
        self.fields["enabled"].initial = rule.enabled
        self.fields["enabled"].widget.attrs["class"] = "form-check-input"
        for key, value in (rule.params or {}).items():
            label = param_label(rule.code, key)
            # A mapping parameter (ORG-6 years by org kind) gets one field per entry: p_<key>.<entry>;
            # a list parameter one text field of comma-separated codes.
            entries = value.items() if isinstance(value, dict) else [(None, value)]
            for sub, v in entries:
                name = f"p_{key}" if sub is None else f"p_{key}.{sub}"
                self.fields[name] = forms.CharField(
                    label=label if sub is None else f"{label}·{PARAM_LABELS.get(sub, sub)}",
                    initial=",".join(v) if isinstance(v, list) else v,
                    required=True,
                    error_messages={"required": "请填写该参数"},
                    widget=forms.TextInput(attrs={"class": "form-control", "inputmode": "numeric"}),
                )

    def params(self) -> dict:
        out: dict = {}
        for k, v in self.cleaned_data.items():
            if not k.startswith("p_"):
                continue
            key, _, sub = k[2:].partition(".")
            if sub:
                out.setdefault(key, {})[sub] = v
            else:
                out[key] = v
        return out

    def param_fields(self):
        return [self[name] for name in self.fields if name.startswith("p_")]


# ---------------------------------------------------------------------------------------------
# Catalog, evaluations, health, rectifications, funding, honours, street duties
# ---------------------------------------------------------------------------------------------
import datetime  # noqa: E402

from django.utils import timezone  # noqa: E402

from grassroots.core.pages import ActionForm, DateInput, FilterForm, ScopedCodeField  # noqa: E402

from .models import (  # noqa: E402
    Area,
    CheckStatus,
    DutyKind,
    FundingDirection,
    FundingKind,
    Level,
    Measure,
    RectState,
)

YES_NO = [("", "全部"), ("true", "是"), ("false", "否")]


def _years(back: int = 6):
    this = timezone.localdate().year
    return [("", "全部年度")] + [(str(y), f"{y} 年") for y in range(this, this - back, -1)]


class ItemFilterForm(FilterForm):
    q = forms.CharField(
        label="搜索", max_length=50, widget=forms.TextInput(attrs={"placeholder": "标准内容或编号"})
    )
    area = forms.ChoiceField(label="领域")
    applies_to = forms.ChoiceField(
        label="考评对象",
        choices=[("", "全部"), ("community", "社区"), ("street", "街道"), ("all", "街道和社区")],
    )
    measure = forms.ChoiceField(label="考评方式", choices=[("", "全部"), *Measure.choices])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].choices = [("", "全部领域")] + [(a.code, a.name) for a in Area.objects.all()]


class EvaluationCreateForm(ActionForm):
    region = ScopedCodeField(
        Region,
        label="考评对象（社区或街道编码）",
        levels=["community", "street"],
        required=True,
        error_messages={"required": "请填写社区或街道编码"},
    )
    period = forms.IntegerField(
        label="考评年度",
        min_value=2000,
        max_value=2100,
        error_messages={"required": "请填写考评年度", "invalid": "年度应为整数"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["period"].initial = timezone.localdate().year - 1


class TransitionForm(forms.Form):
    comment = forms.CharField(
        label="意见",
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
    )


def region_choices(user, levels=None):
    levels = levels or REGION_FILTER_LEVELS
    regions = (
        Region.objects.visible_to(user, PERM)
        .filter(level__in=levels)
        .order_by("path")
        .values_list("code", "name", "depth")[:REGION_FILTER_LIMIT]
    )
    depth0 = None
    choices = [("", "全部区划")]
    for code, name, depth in regions:
        depth0 = depth if depth0 is None else min(depth0, depth)
        choices.append((code, "\u3000" * (depth - depth0) + name))
    return choices


class RectFilterForm(FilterForm):
    q = forms.CharField(
        label="搜索", max_length=50, widget=forms.TextInput(attrs={"placeholder": "问题或责任人"})
    )
    state = forms.ChoiceField(label="状态", choices=[("", "全部状态"), *RectState.choices])
    overdue = forms.ChoiceField(label="已超期", choices=YES_NO)
    region = forms.ChoiceField(label="区划")

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["region"].choices = region_choices(user)


class RectCreateForm(ActionForm):
    rule = forms.CharField(label="规则编号", max_length=16, required=False)
    problem = forms.CharField(
        label="问题",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "请填写问题"},
    )
    measure = forms.CharField(
        label="整改措施", max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    owner_name = forms.CharField(label="责任人", max_length=50, error_messages={"required": "请填写责任人"})
    deadline = forms.DateField(
        label="整改时限",
        widget=DateInput(),
        error_messages={"required": "请填写整改时限", "invalid": "日期格式应为 2024-01-31"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["deadline"].initial = timezone.localdate() + datetime.timedelta(days=30)


class RectActForm(forms.Form):
    result = forms.CharField(
        label="整改结果/意见",
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
    )


class FundingFilterForm(FilterForm):
    year = forms.ChoiceField(label="年度")
    direction = forms.ChoiceField(label="收支", choices=[("", "全部"), *FundingDirection.choices])
    kind = forms.ChoiceField(label="来源/用途", choices=[("", "全部"), *FundingKind.choices])
    region = forms.ChoiceField(label="区划")

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["year"].choices = _years()
        self.fields["region"].choices = region_choices(user)


class FundingForm(ActionForm):
    community = ScopedCodeField(
        Region, label="社区编码", levels=["community"], error_messages={"required": "请填写社区编码"}
    )
    direction = forms.ChoiceField(label="收支", choices=FundingDirection.choices)
    kind = forms.ChoiceField(label="来源/用途", choices=FundingKind.choices)
    amount = forms.DecimalField(
        label="金额（元）",
        max_digits=12,
        decimal_places=2,
        min_value=0.01,
        error_messages={"required": "请填写金额", "invalid": "金额应为数字"},
    )
    on_date = forms.DateField(
        label="日期",
        widget=DateInput(),
        error_messages={"required": "请填写日期", "invalid": "日期格式应为 2024-01-31"},
    )
    note = forms.CharField(label="摘要", max_length=200, required=False)


class HonourFilterForm(FilterForm):
    q = forms.CharField(
        label="搜索", max_length=50, widget=forms.TextInput(attrs={"placeholder": "示范点名称"})
    )
    year = forms.ChoiceField(label="年度")
    level = forms.ChoiceField(label="命名层级", choices=[("", "全部"), *Level.choices[:3]])
    revoked = forms.ChoiceField(label="已撤销", choices=YES_NO)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = _years(10)


class HonourForm(ActionForm):
    region = ScopedCodeField(
        Region,
        label="所在区划编码",
        levels=["district", "street", "community"],
        error_messages={"required": "请填写区划编码"},
    )
    name = forms.CharField(
        label="示范点名称", max_length=100, error_messages={"required": "请填写示范点名称"}
    )
    year = forms.IntegerField(
        label="命名年度", min_value=2000, max_value=2100, error_messages={"required": "请填写年度"}
    )
    level = forms.ChoiceField(label="命名层级", choices=Level.choices[:3])
    citation = forms.CharField(
        label="命名理由",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "请填写命名理由"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].initial = timezone.localdate().year


class RevokeForm(forms.Form):
    reason = forms.CharField(
        label="撤销原因",
        max_length=300,
        widget=forms.TextInput(attrs={"class": "form-control"}),
        error_messages={"required": "请填写撤销原因"},
    )


class DutyFilterForm(FilterForm):
    q = forms.CharField(
        label="搜索", max_length=50, widget=forms.TextInput(attrs={"placeholder": "事项名称或编号"})
    )
    kind = forms.ChoiceField(label="类别", choices=[("", "全部"), *DutyKind.choices])
    status = forms.ChoiceField(label="核查状态", choices=[("", "全部"), *CheckStatus.choices])
    region = forms.ChoiceField(label="街道")

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["region"].choices = region_choices(user, ["district", "street"])


class DutyForm(ActionForm):
    street = ScopedCodeField(
        Region, label="街道编码", levels=["street"], error_messages={"required": "请填写街道编码"}
    )
    kind = forms.ChoiceField(label="类别", choices=DutyKind.choices)
    code = forms.CharField(label="事项编号", max_length=24, error_messages={"required": "请填写事项编号"})
    category = forms.CharField(label="事项类别", max_length=50, required=False)
    title = forms.CharField(label="事项名称", max_length=200, error_messages={"required": "请填写事项名称"})
    basis = forms.CharField(label="依据", max_length=300, required=False)


class DutyCheckForm(forms.Form):
    status = forms.ChoiceField(
        label="核查结果",
        choices=[(CheckStatus.OK, "已落实"), (CheckStatus.ISSUE, "未落实")],
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    note = forms.CharField(
        label="核查说明",
        max_length=300,
        required=False,
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )
