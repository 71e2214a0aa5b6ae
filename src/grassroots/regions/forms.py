"""Forms of the region pages: they parse input; the rules live in regions.services."""

from __future__ import annotations

import json

from django import forms

from grassroots.core.pages import FilterForm, LookupInput, ScopedCodeField, ServiceForm

from .choices import CommunityCategory, HouseholdTag, RegionLevel, StreetCategory
from .models import Household, Region

TRI_STATE = [("", "未知"), ("true", "是"), ("false", "否")]


def _tri(value):
    return {"true": True, "false": False}.get(value)


def region_field(label="所在区划", required=True, levels=None):
    """A region typed by code or picked by name (the regions lookup), resolved inside the user's scope."""
    return ScopedCodeField(
        Region,
        label=label,
        levels=levels,
        required=required,
        widget=LookupInput("regions:lookup", attrs={"placeholder": "区划编码或名称"}),
    )


class RegionForm(ServiceForm):
    category = forms.ChoiceField(label="分类", required=False)
    is_closed = forms.TypedChoiceField(label="封闭小区", choices=TRI_STATE, coerce=_tri, required=False)
    has_property_management = forms.TypedChoiceField(
        label="有物业管理", choices=TRI_STATE, coerce=_tri, required=False
    )
    polygon = forms.CharField(
        label="边界(GeoJSON)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="WGS-84 坐标的 GeoJSON Polygon / MultiPolygon，可留空",
    )

    class Meta:
        model = Region
        fields = [
            "code",
            "name",
            "category",
            "population",
            "household_count",
            "is_closed",
            "has_property_management",
            "address",
            "lng",
            "lat",
            "polygon",
        ]

    def __init__(self, *args, level: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.level = level
        editing = self.instance.pk is not None
        if editing:
            del self.fields["code"]
            if self.instance.polygon and "polygon" not in self.data:
                self.initial["polygon"] = json.dumps(self.instance.polygon, ensure_ascii=False)
            for f in ("is_closed", "has_property_management"):
                value = getattr(self.instance, f)
                self.initial[f] = "" if value is None else ("true" if value else "false")
        else:
            self.fields["code"].help_text = "统计用区划代码，6 至 24 位数字"
        cats = {RegionLevel.STREET: StreetCategory.choices, RegionLevel.COMMUNITY: CommunityCategory.choices}
        if level in cats:
            self.fields["category"].choices = [("", "—")] + list(cats[level])
        else:
            del self.fields["category"]
        if level != RegionLevel.NEIGHBORHOOD:
            del self.fields["is_closed"], self.fields["has_property_management"]

    def clean_polygon(self):
        raw = (self.cleaned_data.get("polygon") or "").strip()
        if not raw:
            return None
        try:
            value = json.loads(raw)
        except ValueError as exc:
            raise forms.ValidationError("边界不是有效的 GeoJSON") from exc
        geometry = value.get("geometry", value) if isinstance(value, dict) else None
        if not isinstance(geometry, dict) or geometry.get("type") not in ("Polygon", "MultiPolygon"):
            raise forms.ValidationError("边界须为 GeoJSON Polygon 或 MultiPolygon")
        return value


class RegionFilterForm(FilterForm):
    q = forms.CharField(label="搜索", widget=forms.TextInput(attrs={"placeholder": "名称、编码或拼音首字母"}))


class HouseholdForm(ServiceForm):
    personal = ("room", "head_name", "phone")
    entrance = ScopedCodeField(
        Region,
        label="所在单元",
        levels=[RegionLevel.ENTRANCE],
        widget=LookupInput("regions:lookup", params="level=entrance", attrs={"placeholder": "单元编码"}),
    )
    tags = forms.MultipleChoiceField(
        label="标签", choices=HouseholdTag.choices, required=False, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = Household
        fields = ["entrance", "room", "head_name", "phone", "size", "tags", "note"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None and "tags" not in self.data:
            self.initial["tags"] = self.instance.tag_list


def community_choices(qs=None):
    """(pk, "street · community") for every community of `qs` (all by default), in tree order."""
    qs = qs if qs is not None else Region.objects.all()
    communities = list(qs.filter(level="community").order_by("path").only("pk", "name", "path", "depth"))
    parents = {
        r.path: r.name
        for r in Region.objects.filter(path__in={c.path[: -Region.steplen] for c in communities}).only(
            "path", "name"
        )
    }
    return [(c.pk, f"{parents.get(c.path[: -Region.steplen], '')} · {c.name}") for c in communities]
