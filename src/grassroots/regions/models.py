from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from treebeard.mp_tree import MP_Node

from grassroots.core.scoping import ScopedManager, ScopedModel
from grassroots.core.text import InitialsMixin
from grassroots.core.tree import ScopedTreeManager

from .choices import LEVEL_ORDER, CommunityCategory, HouseholdTag, RegionLevel, StreetCategory, child_level

code_validator = RegexValidator(r"^\d{6,24}$", "编码须为 6 至 24 位数字")


class Region(InitialsMixin, MP_Node, ScopedModel):
    """A node of 市→区→街道→社区→小区→楼栋→单元. Codes follow GB/T 2260 + 3-digit sequences (DESIGN.md)."""

    steplen = 4
    code = models.CharField("编码", max_length=24, unique=True, validators=[code_validator])
    name = models.CharField("名称", max_length=100)
    name_initials = models.CharField(max_length=64, blank=True, db_index=True)
    level = models.CharField("层级", max_length=16, choices=RegionLevel.choices, db_index=True)
    category = models.CharField("分类", max_length=32, blank=True)
    population = models.PositiveIntegerField("人口", default=0)
    household_count = models.PositiveIntegerField("户数", default=0)
    polygon = models.JSONField("边界(GeoJSON, WGS-84)", null=True, blank=True)
    lng = models.FloatField("经度(WGS-84)", null=True, blank=True)
    lat = models.FloatField("纬度(WGS-84)", null=True, blank=True)
    # neighborhood (小区) attributes (seed 002: by population, closure and property management)
    is_closed = models.BooleanField("封闭小区", null=True, blank=True)
    has_property_management = models.BooleanField("有物业管理", null=True, blank=True)
    address = models.CharField("地址", max_length=200, blank=True)
    # The grid a building (or entrance) falls in, set from lng/lat by grids.services.place_in_grids.
    grid = models.ForeignKey(
        "grids.Grid",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="regions",
        verbose_name="所在网格",
    )

    objects = ScopedTreeManager()
    scope_region = ""

    class Meta:
        verbose_name = verbose_name_plural = "行政区划"
        indexes = [models.Index(fields=["level", "path"])]

    def __str__(self):
        return self.name

    def clean(self):
        if self.category:
            allowed = {
                RegionLevel.STREET: StreetCategory.values,
                RegionLevel.COMMUNITY: CommunityCategory.values,
            }.get(self.level)
            if allowed is None:
                raise ValidationError({"category": "只有街道和社区可以分类"})
            if self.category not in allowed:
                raise ValidationError({"category": f"分类“{self.category}”不适用于该层级"})
        if self.level != RegionLevel.NEIGHBORHOOD and (
            self.is_closed is not None or self.has_property_management is not None
        ):
            raise ValidationError("封闭、物业属性只适用于小区")

    @property
    def category_label(self) -> str:
        labels = dict(StreetCategory.choices) | dict(CommunityCategory.choices)
        return labels.get(self.category, "")

    @property
    def child_level(self) -> str | None:
        return child_level(self.level)

    def check_child_level(self, level: str) -> None:
        if LEVEL_ORDER.index(level) <= LEVEL_ORDER.index(self.level):
            raise ValidationError(
                f"“{self.name}”是{self.get_level_display()}，其下级不能是{RegionLevel(level).label}"
            )

    def ancestors_and_self(self):
        return list(self.get_ancestors()) + [self]


class Household(InitialsMixin, ScopedModel):
    """A household at an entrance (单元). Room and phone are personal data: masked by default."""

    entrance = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="households", verbose_name="单元"
    )
    room = models.CharField("房号", max_length=20)
    head_name = models.CharField("户主", max_length=50)
    name_initials = models.CharField(max_length=64, blank=True, db_index=True)
    phone = models.CharField("联系电话", max_length=20, blank=True)
    size = models.PositiveSmallIntegerField("人数", default=1)
    # ",elderly_alone,low_income," so "has tag X" is a portable LIKE on SQLite and PostgreSQL
    tags = models.CharField("标签", max_length=200, blank=True, db_index=True)
    note = models.CharField("备注", max_length=200, blank=True)
    # Set from the building's lng/lat by grids.services.place_in_grids.
    grid = models.ForeignKey(
        "grids.Grid",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="households",
        verbose_name="所在网格",
    )

    objects = ScopedManager()
    initials_source = "head_name"
    scope_region = "entrance"
    # A resident signed up by phone (accounts.ResidentProfile.household) reads their own household.
    scope_owner = "residents__user"
    personal_fields = {"room": "room", "phone": "phone", "head_name": "name"}

    class Meta:
        verbose_name = verbose_name_plural = "住户"
        constraints = [models.UniqueConstraint(fields=["entrance", "room"], name="household_unique_room")]

    def __str__(self):
        from grassroots.core.masking import mask_name

        return f"{mask_name(self.head_name)} 户"

    def clean(self):
        if self.entrance_id and self.entrance.level != RegionLevel.ENTRANCE:
            raise ValidationError({"entrance": "住户必须属于单元"})

    @property
    def tag_list(self) -> list[str]:
        return [t for t in self.tags.strip(",").split(",") if t]

    @property
    def tag_labels(self) -> list[str]:
        labels = dict(HouseholdTag.choices)
        return [labels.get(t, t) for t in self.tag_list]

    def set_tags(self, tags) -> None:
        valid = set(HouseholdTag.values)
        bad = [t for t in tags if t not in valid]
        if bad:
            raise ValidationError({"tags": f"未知标签：{'、'.join(bad)}"})
        self.tags = ("," + ",".join(sorted(set(tags))) + ",") if tags else ""
