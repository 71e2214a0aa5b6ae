"""Grids (网格): polygons under a community or a street, with their people, org, duties and layers.

Coordinates: every polygon and point stored here is WGS-84 longitude/latitude (GeoJSON order).
Conversions from GCJ-02 / BD-09 happen at the edges (coords.py), never in storage.
"""

from __future__ import annotations

from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone

from grassroots.core.scoping import ScopedManager, ScopedModel
from grassroots.core.text import InitialsMixin

grid_code_validator = RegexValidator(r"^\d{15}$", "网格编码应为 15 位数字（所属社区 12 位编码 + 3 位序号）")


class GridLevel(models.TextChoices):
    """Ordos runs street–community–neighborhood grids (seed 002)."""

    STREET = "street", "街道网格"
    COMMUNITY = "community", "社区网格"
    NEIGHBORHOOD = "neighborhood", "小区网格"


class GridKind(models.TextChoices):
    COMPREHENSIVE = "comprehensive", "全科网格"
    SPECIAL = "special", "专属网格"


class Department(models.TextChoices):
    """Departmental grids merged into one grid (多网融合)."""

    PARTY = "party", "党建"
    COMPREHENSIVE_GOVERNANCE = "zongzhi", "综治"
    CITY_MANAGEMENT = "chengguan", "城管"
    CIVIL_AFFAIRS = "minzheng", "民政"
    EMERGENCY = "yingji", "应急"
    HEALTH = "weijian", "卫健"
    POLICE = "gongan", "公安"
    MARKET = "shijian", "市场监管"


class AssignmentRole(models.TextChoices):
    HEAD = "grid_head", "网格长"
    WORKER = "grid_worker", "网格员"


class DutyLevel(models.TextChoices):
    """五级包保 (seed 003): each level's responsibility attaches to the region it covers: a city-level
    duty to the city, a district-level duty to its district, ... a grid-level duty to a grid. The
    region tree starts at the city, so a province-level duty (省级领导包市) attaches to the city root."""

    PROVINCE = "province", "省级包保"
    CITY = "city", "市级包保"
    DISTRICT = "district", "区级包保"
    STREET = "street", "街道包保"
    COMMUNITY = "community", "社区包保"
    GRID = "grid", "网格包保"


DUTY_LEVEL_ORDER = [c.value for c in DutyLevel]


class Grid(InitialsMixin, ScopedModel):
    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="grids", verbose_name="所属社区/街道"
    )
    code = models.CharField("网格编码", max_length=15, unique=True, validators=[grid_code_validator])
    name = models.CharField("网格名称", max_length=100)
    name_initials = models.CharField(max_length=64, blank=True, db_index=True)
    level = models.CharField(
        "网格层级", max_length=16, choices=GridLevel.choices, default=GridLevel.COMMUNITY
    )
    kind = models.CharField(
        "网格类型", max_length=16, choices=GridKind.choices, default=GridKind.COMPREHENSIVE
    )
    polygon = models.JSONField("边界(GeoJSON, WGS-84)")
    area_m2 = models.FloatField("面积(平方米)", default=0)
    lng = models.FloatField("中心点经度(WGS-84)", default=0)
    lat = models.FloatField("中心点纬度(WGS-84)", default=0)
    party_org = models.ForeignKey(
        "party.PartyOrg",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="grids",
        verbose_name="网格党组织",
    )
    updated_at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager()
    scope_region = "region"
    permission_app = "regions"

    class Meta:
        verbose_name = verbose_name_plural = "网格"
        ordering = ["code"]
        indexes = [models.Index(fields=["region", "code"])]

    def __str__(self):
        return f"{self.name}（{self.code}）"

    def save(self, *args, **kwargs):
        self.updated_at = timezone.now()
        super().save(*args, **kwargs)


class GridLayer(models.Model):
    """A departmental grid merged into this grid: the department keeps its own code."""

    grid = models.ForeignKey(Grid, on_delete=models.CASCADE, related_name="layers", verbose_name="网格")
    department = models.CharField("部门", max_length=16, choices=Department.choices)
    code = models.CharField("部门网格编码", max_length=40)

    class Meta:
        verbose_name = verbose_name_plural = "部门网格"
        constraints = [
            models.UniqueConstraint(fields=["department", "code"], name="gridlayer_unique_department_code"),
            models.UniqueConstraint(fields=["grid", "department"], name="gridlayer_one_per_department"),
        ]

    def __str__(self):
        return f"{self.get_department_display()} {self.code}"


class GridAssignment(ScopedModel):
    """A worker's post in a grid: grid head (网格长) or grid worker (网格员)."""

    grid = models.ForeignKey(Grid, on_delete=models.CASCADE, related_name="assignments", verbose_name="网格")
    worker = models.ForeignKey(
        "people.Worker", on_delete=models.CASCADE, related_name="grid_assignments", verbose_name="社区工作者"
    )
    role = models.CharField("职责", max_length=16, choices=AssignmentRole.choices)
    since = models.DateField("任职日期", default=timezone.localdate)

    objects = ScopedManager()
    scope_region = "grid__region"
    permission_app = "regions"

    class Meta:
        verbose_name = verbose_name_plural = "网格人员"
        constraints = [models.UniqueConstraint(fields=["grid", "worker"], name="gridassignment_unique")]
        indexes = [models.Index(fields=["worker", "role"])]

    def __str__(self):
        return f"{self.grid.name} · {self.get_role_display()}"


# duty level -> the region level it attaches to (grid-level duties attach to a grid in a community)
DUTY_REGION_LEVEL = {
    DutyLevel.PROVINCE: "city",
    DutyLevel.CITY: "city",
    DutyLevel.DISTRICT: "district",
    DutyLevel.STREET: "street",
    DutyLevel.COMMUNITY: "community",
}


class Duty(ScopedModel):
    """包保: a cadre responsible for a region at one of the levels (五级包保), or for a grid.

    `region` is always set: the region covered (city, district, street, community) or, for a
    grid-level duty, the grid's own region; `grid` is set exactly for grid-level duties."""

    region = models.ForeignKey(
        "regions.Region", on_delete=models.CASCADE, related_name="duties", verbose_name="包保区域"
    )
    grid = models.ForeignKey(
        Grid, null=True, blank=True, on_delete=models.CASCADE, related_name="duties", verbose_name="网格"
    )
    level = models.CharField("包保层级", max_length=16, choices=DutyLevel.choices)
    cadre_name = models.CharField("包保干部", max_length=50)
    post = models.CharField("职务", max_length=100, blank=True)
    phone = models.CharField("联系电话", max_length=20, blank=True)
    worker = models.ForeignKey(
        "people.Worker",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="grid_duties",
        verbose_name="社区工作者",
    )

    objects = ScopedManager()
    scope_region = "region"
    permission_app = "regions"
    personal_fields = {"phone": "phone"}

    class Meta:
        verbose_name = verbose_name_plural = "包保责任"
        constraints = [
            models.UniqueConstraint(fields=["grid", "level"], name="duty_one_per_level"),
            models.UniqueConstraint(
                fields=["region", "level", "cadre_name"],
                condition=models.Q(grid__isnull=True),
                name="duty_region_cadre_unique",
            ),
            models.CheckConstraint(
                condition=(models.Q(level="grid") & models.Q(grid__isnull=False))
                | (~models.Q(level="grid") & models.Q(grid__isnull=True)),
                name="duty_grid_iff_grid_level",
            ),
        ]
        indexes = [models.Index(fields=["region", "level"])]

    def __str__(self):
        return f"{self.get_level_display()} {self.cadre_name}"

    def clean(self):
        from django.core.exceptions import ValidationError

        if self.level == DutyLevel.GRID:
            if self.grid_id is None:
                raise ValidationError({"grid": "网格包保须指定网格"})
            if self.region_id != self.grid.region_id:
                raise ValidationError({"region": "网格包保的区域应为网格所属社区或街道"})
        elif self.region_id is not None:
            want = DUTY_REGION_LEVEL.get(self.level)
            if want and self.region.level != want:
                label = {"city": "市", "district": "区（县）", "street": "街道", "community": "社区"}[want]
                raise ValidationError({"region": f"{self.get_level_display()}应落在{label}一级"})


class GridStamp(models.Model):
    """One row whose version is bumped by every grid write; routing indexes rebuild when it changes."""

    version = models.PositiveBigIntegerField(default=0)
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = verbose_name_plural = "网格版本"

    def __str__(self):
        return f"v{self.version}"


class Patrol(ScopedModel):
    """A grid worker's patrol of a grid (网格巡查): started and finished on the phone, with a route
    note and photos (core.attachments, role "photo"). Problems found become cases (channel "patrol")
    linked here. The required frequency is rule GRID-1."""

    grid = models.ForeignKey(Grid, on_delete=models.CASCADE, related_name="patrols", verbose_name="网格")
    worker = models.ForeignKey(
        "people.Worker",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="patrols",
        verbose_name="网格员",
    )
    recorded_by = models.ForeignKey(
        "accounts.User",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="patrols",
        verbose_name="登记账号",
    )
    worker_name = models.CharField("巡查人", max_length=100)
    started_at = models.DateTimeField("开始时间", default=timezone.now)
    ended_at = models.DateTimeField("结束时间", null=True, blank=True)
    route_note = models.TextField("巡查路线与情况", max_length=2000, blank=True)
    cases = models.ManyToManyField(
        "cases.Case", blank=True, related_name="patrols", verbose_name="发现问题上报的诉求"
    )

    objects = ScopedManager()
    scope_region = "grid__region"
    permission_app = "regions"

    class Meta:
        verbose_name = verbose_name_plural = "网格巡查"
        ordering = ["-started_at", "-id"]
        indexes = [
            models.Index(fields=["grid", "-started_at"], name="patrol_grid_recent"),
            models.Index(fields=["recorded_by", "ended_at"], name="patrol_recorder_open"),
        ]

    def __str__(self):
        return f"{self.grid.name} 巡查 {timezone.localtime(self.started_at):%Y-%m-%d %H:%M}"

    @property
    def finished(self) -> bool:
        return self.ended_at is not None

    @property
    def minutes(self) -> int | None:
        if self.ended_at is None:
            return None
        return max(0, round((self.ended_at - self.started_at).total_seconds() / 60))


class HouseholdVisit(ScopedModel):
    """A visit to a household in need of care (重点关爱住户走访: 独居老人, 低保, 残疾…): who, when,
    what was found. The interval is rule GRID-2."""

    household = models.ForeignKey(
        "regions.Household", on_delete=models.CASCADE, related_name="care_visits", verbose_name="住户"
    )
    grid = models.ForeignKey(
        Grid,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="household_visits",
        verbose_name="网格",
    )
    visitor = models.ForeignKey(
        "accounts.User",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="household_visits",
        verbose_name="登记账号",
    )
    visitor_name = models.CharField("走访人", max_length=100)
    visited_at = models.DateTimeField("走访时间", default=timezone.now)
    note = models.TextField("走访情况", max_length=2000)

    objects = ScopedManager()
    scope_region = "household__entrance"
    permission_app = "regions"

    class Meta:
        verbose_name = verbose_name_plural = "住户走访"
        ordering = ["-visited_at", "-id"]
        indexes = [models.Index(fields=["household", "-visited_at"], name="hhvisit_household_recent")]

    def __str__(self):
        return f"{self.household} 走访 {timezone.localtime(self.visited_at):%Y-%m-%d}"
