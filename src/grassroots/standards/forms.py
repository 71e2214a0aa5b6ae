"""Forms of the standards pages: the health-check filters and a rule's parameters."""

from __future__ import annotations

from django import forms

from grassroots.regions.choices import RegionLevel
from grassroots.regions.models import Region

from .checks import OBJECT_TYPES, PERM, Severity
from .services import PARAM_LABELS, checked_rules

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
            self.fields[f"p_{key}"] = forms.CharField(
                label=PARAM_LABELS.get(key, key),
                initial=value,
                required=True,
                error_messages={"required": "请填写该参数"},
                widget=forms.TextInput(attrs={"class": "form-control", "inputmode": "numeric"}),
            )

    def params(self) -> dict:
        return {k[2:]: v for k, v in self.cleaned_data.items() if k.startswith("p_")}

    def param_fields(self):
        return [self[name] for name in self.fields if name.startswith("p_")]
