"""平急结合 / 战时: an emergency declared over an area (city, district or street) and what the area does
in it: call-ups (mobilisation), household sweeps, needs, daily reports and the 战时档案 (ServiceRecord).

Scope: an emergency is seen by whoever holds emergency.<action> on a node inside its area (the
community and the grid worker of an affected community) or above it (the district over a street), and
by the people called up in it. Rows under an emergency are scoped by the community they belong to;
call-ups and service records are also their person's own records.

State changes go only through emergency.services, following emergency.workflow.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from grassroots.core.scoping import ScopedManager, ScopedModel, ScopedQuerySet, grants_for

from .workflow import CallupState, EmergencyState, NeedState, TaskState


class Kind(models.TextChoices):
    FLOOD = "flood", "防汛"
    EPIDEMIC = "epidemic", "疫情"
    FIRE = "fire", "火灾"
    EARTHQUAKE = "earthquake", "地震"
    OTHER = "other", "其他"


class Severity(models.TextChoices):
    I = "1", "Ⅰ级（特别重大）"  # noqa: E741
    II = "2", "Ⅱ级（重大）"
    III = "3", "Ⅲ级（较大）"
    IV = "4", "Ⅳ级（一般）"


class CallupKind(models.TextChoices):
    WORKER = "worker", "网格员"
    MEMBER = "member", "在职党员（双报到）"
    VOLUNTEER = "volunteer", "志愿者"
    UNIT = "unit", "驻区单位"


class SweepResult(models.TextChoices):
    SAFE = "safe", "安全"
    NEEDS_HELP = "needs_help", "需帮扶"
    NO_ANSWER = "no_answer", "无人应答"
    RELOCATED = "relocated", "已转移"


class NeedCategory(models.TextChoices):
    SUPPLIES = "supplies", "物资"
    MEDICINE = "medicine", "药品"
    TRANSPORT = "transport", "转运"
    OTHER = "other", "其他"


DECLARE_LEVELS = ("city", "district", "street")


def _ancestor_paths(path: str) -> list[str]:
    from grassroots.regions.models import Region

    step = Region.steplen
    return [path[:i] for i in range(step, len(path) + 1, step)]


def callup_owner_q(user, prefix: str = "") -> Q:
    """Call-ups of this person: linked to the account, or (an account created after the call-up) to the
    worker, party member or volunteer the account belongs to."""
    unlinked = Q(**{f"{prefix}user__isnull": True})
    return Q(**{f"{prefix}user": user}) | (
        unlinked
        & (
            Q(**{f"{prefix}worker__user": user})
            | Q(**{f"{prefix}member__user": user})
            | Q(**{f"{prefix}volunteer__user": user})
        )
    )


def emergency_scope_q(user, action: str = "view") -> Q | None:
    """Grants carrying emergency.<action> on a node inside or above the area, or (own-records roles and
    anyone called up) a call-up of the user in it; None = all."""
    if user is None or not user.is_authenticated:
        return Q(pk__in=[])
    if user.is_superuser:
        return None
    perm = action if "." in action else f"emergency.{action}"
    q = Q(pk__in=[])
    for g in grants_for(user):
        if perm not in g.perms:
            continue
        if g.region_path is not None:
            q |= Q(region__path__startswith=g.region_path) | Q(
                region__path__in=_ancestor_paths(g.region_path)
            )
        elif g.own and action in ("view", "respond"):
            q |= Q(pk__in=Callup.objects.filter(callup_owner_q(user)).values("emergency_id"))
    return q


class EmergencyQuerySet(ScopedQuerySet):
    # visible_to comes from ScopedQuerySet, through Emergency.scope_q_for (one declaration with covers)

    def open(self):
        return self.filter(state__in=(EmergencyState.DECLARED, EmergencyState.ACTIVE))


class EmergencyManager(ScopedManager.from_queryset(EmergencyQuerySet)):
    pass


class Emergency(ScopedModel):
    number = models.CharField("编号", max_length=20, unique=True)
    title = models.CharField("事件名称", max_length=100)
    kind = models.CharField("类型", max_length=16, choices=Kind.choices)
    severity = models.CharField("响应级别", max_length=1, choices=Severity.choices)
    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="emergencies", verbose_name="应急区域"
    )
    instructions = models.TextField("工作指令", max_length=4000)
    # ",elderly_alone,disabled," (regions.HouseholdTag); empty = every household of the area
    sweep_tags = models.CharField("摸排对象标签", max_length=200, blank=True)
    state = models.CharField(
        "状态", max_length=16, choices=EmergencyState.choices, default=EmergencyState.DECLARED, db_index=True
    )
    starts_at = models.DateTimeField("开始时间", default=timezone.now)
    declared_at = models.DateTimeField("宣布时间", default=timezone.now)
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="宣布人",
    )
    activated_at = models.DateTimeField("启动响应时间", null=True, blank=True)
    stood_down_at = models.DateTimeField("解除时间", null=True, blank=True)
    stood_down_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="解除人",
    )
    stand_down_note = models.TextField("解除说明", blank=True)
    closed_at = models.DateTimeField("归档时间", null=True, blank=True)
    version = models.PositiveIntegerField(default=0)

    scope_region = "region"
    permission_app = "emergency"

    objects = EmergencyManager()

    @classmethod
    def scope_q_for(cls, user, action: str = "view") -> Q | None:
        return emergency_scope_q(user, action)

    class Meta:
        ordering = ["-declared_at", "-id"]
        verbose_name = verbose_name_plural = "应急状态"
        indexes = [models.Index(fields=["region", "state"], name="emergency_region_state")]

    def __str__(self):
        return f"{self.number} {self.title}"

    @property
    def is_open(self) -> bool:
        return self.state in (EmergencyState.DECLARED, EmergencyState.ACTIVE)

    @property
    def tag_list(self) -> list[str]:
        return [t for t in self.sweep_tags.strip(",").split(",") if t]

    @property
    def tag_labels(self) -> list[str]:
        from grassroots.regions.choices import HouseholdTag

        labels = dict(HouseholdTag.choices)
        return [labels.get(t, t) for t in self.tag_list]


class EmergencyChild(ScopedModel):
    """Rows under an emergency, scoped by the community they belong to."""

    scope_region = "community"
    permission_app = "emergency"
    objects = ScopedManager()

    class Meta:
        abstract = True


class Callup(EmergencyChild):
    """One person (or unit) called up: confirms or declines on the phone, works in one grid."""

    emergency = models.ForeignKey(Emergency, on_delete=models.CASCADE, related_name="callups")
    kind = models.CharField("类别", max_length=12, choices=CallupKind.choices)
    name = models.CharField("姓名/单位", max_length=100)
    worker = models.ForeignKey(
        "people.Worker", null=True, blank=True, on_delete=models.PROTECT, related_name="emergency_callups"
    )
    member = models.ForeignKey(
        "party.Member", null=True, blank=True, on_delete=models.PROTECT, related_name="emergency_callups"
    )
    volunteer = models.ForeignKey(
        "volunteers.Volunteer",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="emergency_callups",
    )
    unit = models.ForeignKey(
        "units.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="emergency_callups"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="emergency_callups",
        verbose_name="账号",
    )
    community = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name="报到社区"
    )
    grid = models.ForeignKey(
        "grids.Grid",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="分配网格",
    )
    state = models.CharField(
        "状态", max_length=12, choices=CallupState.choices, default=CallupState.CALLED, db_index=True
    )
    called_at = models.DateTimeField("召集时间", default=timezone.now)
    responded_at = models.DateTimeField("回复时间", null=True, blank=True)
    confirmed_at = models.DateTimeField("到岗时间", null=True, blank=True)
    note = models.CharField("说明", max_length=200, blank=True)
    closed_at = models.DateTimeField("结束时间", null=True, blank=True)

    scope_owner = "user"

    class Meta:
        ordering = ["kind", "name", "id"]
        verbose_name = verbose_name_plural = "应急召集"
        indexes = [
            models.Index(fields=["emergency", "state"], name="em_callup_state"),
            models.Index(fields=["emergency", "community"], name="em_callup_community"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["emergency", "worker"], condition=Q(worker__isnull=False), name="em_callup_worker"
            ),
            models.UniqueConstraint(
                fields=["emergency", "member"], condition=Q(member__isnull=False), name="em_callup_member"
            ),
            models.UniqueConstraint(
                fields=["emergency", "volunteer"],
                condition=Q(volunteer__isnull=False),
                name="em_callup_volunteer",
            ),
            models.UniqueConstraint(
                fields=["emergency", "unit"], condition=Q(unit__isnull=False), name="em_callup_unit"
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.name}"


class SweepTask(EmergencyChild):
    """One household to check (摸排): its result is recorded with the time and the worker."""

    emergency = models.ForeignKey(Emergency, on_delete=models.CASCADE, related_name="tasks")
    household = models.ForeignKey("regions.Household", on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    grid = models.ForeignKey("grids.Grid", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    tags = models.CharField("标签", max_length=200, blank=True)
    state = models.CharField("状态", max_length=10, choices=TaskState.choices, default=TaskState.PENDING)
    result = models.CharField("摸排结果", max_length=12, choices=SweepResult.choices, blank=True)
    note = models.CharField("情况说明", max_length=200, blank=True)
    checked_at = models.DateTimeField("摸排时间", null=True, blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    checked_by_name = models.CharField("摸排人", max_length=100, blank=True)
    # The call-up of the person who swept (their 战时档案 counts it); empty for staff not called up.
    callup = models.ForeignKey(
        Callup,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="sweeps",
        verbose_name="摸排人员",
    )
    closed_at = models.DateTimeField("结束时间", null=True, blank=True)

    class Meta:
        ordering = ["grid_id", "household_id"]
        verbose_name = verbose_name_plural = "摸排任务"
        indexes = [
            models.Index(fields=["emergency", "grid", "state"], name="em_task_grid"),
            models.Index(fields=["emergency", "community", "state"], name="em_task_community"),
            models.Index(fields=["checked_by", "emergency"], name="em_task_checker"),
        ]
        constraints = [models.UniqueConstraint(fields=["emergency", "household"], name="em_task_unique")]

    def __str__(self):
        return f"摸排 {self.household}"

    @property
    def tag_labels(self) -> list[str]:
        from grassroots.regions.choices import HouseholdTag

        labels = dict(HouseholdTag.choices)
        return [labels.get(t, t) for t in self.tags.strip(",").split(",") if t]


class EmergencyNeed(EmergencyChild):
    """A need raised from a household (物资、药品、转运): matched to a called-up person or a unit's
    resource, then delivered."""

    emergency = models.ForeignKey(Emergency, on_delete=models.CASCADE, related_name="needs")
    number = models.CharField("编号", max_length=24, unique=True)
    household = models.ForeignKey(
        "regions.Household", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    community = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    grid = models.ForeignKey("grids.Grid", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    category = models.CharField("类别", max_length=12, choices=NeedCategory.choices)
    description = models.CharField("需求说明", max_length=300)
    state = models.CharField("状态", max_length=12, choices=NeedState.choices, default=NeedState.RAISED)
    raised_at = models.DateTimeField("登记时间", default=timezone.now)
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    callup = models.ForeignKey(
        Callup,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="needs",
        verbose_name="承接人员",
    )
    resource = models.ForeignKey(
        "cobuild.Resource",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="承接资源",
    )
    matched_at = models.DateTimeField("匹配时间", null=True, blank=True)
    delivered_at = models.DateTimeField("送达时间", null=True, blank=True)
    delivery_note = models.CharField("送达说明", max_length=200, blank=True)
    closed_at = models.DateTimeField("结束时间", null=True, blank=True)

    class Meta:
        ordering = ["-raised_at", "-id"]
        verbose_name = verbose_name_plural = "应急需求"
        indexes = [models.Index(fields=["emergency", "state"], name="em_need_state")]

    def __str__(self):
        return f"{self.number} {self.get_category_display()}"


class DailyReport(ScopedModel):
    """The day's figures of one emergency at one level (the area root and each street/community)."""

    emergency = models.ForeignKey(Emergency, on_delete=models.CASCADE, related_name="reports")
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    date = models.DateField("日期")
    data = models.JSONField("数据", default=dict)
    generated_at = models.DateTimeField("生成时间", default=timezone.now)

    scope_region = "region"
    permission_app = "emergency"
    objects = ScopedManager()

    class Meta:
        ordering = ["-date", "region__path"]
        verbose_name = verbose_name_plural = "应急日报"
        constraints = [
            models.UniqueConstraint(fields=["emergency", "region", "date"], name="em_report_unique")
        ]

    def __str__(self):
        return f"{self.emergency.title} {self.region.name} {self.date:%Y-%m-%d} 日报"


class ServiceRecord(EmergencyChild):
    """战时档案: what one person (or unit) did during one emergency, computed at stand-down."""

    emergency = models.ForeignKey(Emergency, on_delete=models.CASCADE, related_name="service_records")
    callup = models.OneToOneField(Callup, on_delete=models.CASCADE, related_name="service_record")
    kind = models.CharField("类别", max_length=12, choices=CallupKind.choices)
    name = models.CharField("姓名/单位", max_length=100)
    worker = models.ForeignKey(
        "people.Worker", null=True, blank=True, on_delete=models.PROTECT, related_name="emergency_records"
    )
    member = models.ForeignKey(
        "party.Member", null=True, blank=True, on_delete=models.PROTECT, related_name="emergency_records"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    community = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    grid = models.ForeignKey("grids.Grid", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    confirmed = models.BooleanField("到岗", default=False)
    days_on_duty = models.PositiveIntegerField("在岗天数", default=0)
    tasks_done = models.PositiveIntegerField("完成摸排户数", default=0)
    needs_delivered = models.PositiveIntegerField("送达需求数", default=0)
    computed_at = models.DateTimeField("记录时间", default=timezone.now)

    scope_owner = "user"

    class Meta:
        ordering = ["-computed_at", "name"]
        verbose_name = verbose_name_plural = "战时档案"
        indexes = [models.Index(fields=["worker"], name="em_record_worker")]

    def __str__(self):
        return f"{self.name} · {self.emergency.title}"


__all__ = [
    "Callup",
    "CallupState",
    "DailyReport",
    "Emergency",
    "EmergencyNeed",
    "EmergencyState",
    "NeedState",
    "ServiceRecord",
    "SweepTask",
    "TaskState",
]
