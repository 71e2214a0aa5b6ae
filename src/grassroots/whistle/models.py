"""Whistle and report (吹哨 · 报到, GOV-3) and the street's assessment of departments (双向考核).

A street or community summons (Summons) one or more departments (cases.Handler of kind department);
each summoned department is a Target that must check in (on site or online) before its deadline,
then report what it did. A street escalates a summons it can't settle to the district (街呼区应);
the district answers by summoning departments at district level (Target.level = district).

State changes go only through whistle.services, following whistle.workflow. Overdue is derived from
timestamps (Target.due_at vs checked_in_at / now), never flipped by a job.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone

from grassroots.core.scoping import ScopedManager, ScopedModel, ScopedQuerySet, grants_for

from .workflow import SummonsState, TargetState


class Urgency(models.TextChoices):
    NORMAL = "normal", "一般"
    URGENT = "urgent", "紧急"


class CheckinMode(models.TextChoices):
    ONSITE = "onsite", "现场报到"
    ONLINE = "online", "线上报到"


class RequestedMode(models.TextChoices):
    ONSITE = "onsite", "须现场报到"
    ONLINE = "online", "可线上报到"
    ANY = "any", "现场或线上均可"


class Level(models.TextChoices):
    COMMUNITY = "community", "社区吹哨"
    STREET = "street", "街道吹哨"
    DISTRICT = "district", "区级响应"


# Actions a department's membership grants on the summonses addressed to it.
HANDLER_ACTIONS = {"view", "respond"}


def department_ids_for(user) -> list[int]:
    """Department handlers (cases.Handler) the user is a member of, loaded once per user object."""
    if user is None or not user.is_authenticated:
        return []
    cached = getattr(user, "_grassroots_whistle_departments", None)
    if cached is None:
        from grassroots.cases.models import Handler, HandlerKind

        cached = list(
            Handler.objects.filter(members=user, is_active=True, kind=HandlerKind.DEPARTMENT).values_list(
                "pk", flat=True
            )
        )
        user._grassroots_whistle_departments = cached
    return cached


def whistle_grants(user, action: str):
    perm = action if "." in action else f"whistle.{action}"
    return [g for g in grants_for(user) if perm in g.perms and g.region_path is not None]


def summons_scope_q(user, action: str = "view") -> Q | None:
    """Region grants carrying whistle.<action> OR membership of a summoned department; None = all."""
    if user is None or not user.is_authenticated:
        return Q(pk__in=[])
    if user.is_superuser:
        return None
    q = Q(pk__in=[])
    for g in whistle_grants(user, action):
        q |= Q(region__path__startswith=g.region_path)
    if action in HANDLER_ACTIONS:
        ids = department_ids_for(user)
        if ids:
            q |= Q(pk__in=Target.objects.filter(handler_id__in=ids).values("summons_id"))
    return q


class SummonsQuerySet(ScopedQuerySet):
    """visible_to comes from ScopedQuerySet, through Summons.scope_q_for (one declaration with covers)."""


class SummonsManager(ScopedManager.from_queryset(SummonsQuerySet)):
    pass


class Summons(ScopedModel):
    number = models.CharField("编号", max_length=20, unique=True)
    subject = models.CharField("事由", max_length=100)
    description = models.TextField("情况说明", max_length=2000)
    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="summonses", verbose_name="发生地"
    )
    level = models.CharField("吹哨层级", max_length=16, choices=Level.choices)
    address = models.CharField("地址", max_length=200, blank=True)
    lng = models.FloatField("经度(WGS-84)", null=True, blank=True)
    lat = models.FloatField("纬度(WGS-84)", null=True, blank=True)
    case = models.ForeignKey(
        "cases.Case",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="summonses",
        verbose_name="关联工单",
    )
    urgency = models.CharField("紧急程度", max_length=8, choices=Urgency.choices, default=Urgency.NORMAL)
    requested_mode = models.CharField(
        "报到方式要求", max_length=8, choices=RequestedMode.choices, default=RequestedMode.ANY
    )
    state = models.CharField(
        "状态", max_length=16, choices=SummonsState.choices, default=SummonsState.OPEN, db_index=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="summonses",
        verbose_name="吹哨人",
    )
    created_at = models.DateTimeField("吹哨时间", default=timezone.now)
    escalated_at = models.DateTimeField("上报区级时间", null=True, blank=True)
    escalation_reason = models.TextField("上报理由", blank=True)
    escalated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="上报人",
    )
    answered_at = models.DateTimeField("区级响应时间", null=True, blank=True)
    closed_at = models.DateTimeField("办结时间", null=True, blank=True)
    conclusion = models.TextField("办结说明", blank=True)
    version = models.PositiveIntegerField(default=0)

    scope_region = "region"
    permission_app = "whistle"

    objects = SummonsManager()

    @classmethod
    def scope_q_for(cls, user, action: str = "view") -> Q | None:
        return summons_scope_q(user, action)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = verbose_name_plural = "吹哨"
        indexes = [
            models.Index(fields=["region", "state"], name="whistle_region_state"),
            models.Index(fields=["-created_at", "-id"], name="whistle_recent"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(lng__isnull=True) | (Q(lng__gte=-180) & Q(lng__lte=180)),
                name="whistle_lng_range",
                violation_error_message="经度超出范围",
            ),
            models.CheckConstraint(
                condition=Q(lat__isnull=True) | (Q(lat__gte=-90) & Q(lat__lte=90)),
                name="whistle_lat_range",
                violation_error_message="纬度超出范围",
            ),
        ]

    def __str__(self):
        return f"{self.number} {self.subject}"


class TargetQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(state=TargetState.SUMMONED)

    def overdue(self, now=None):
        """Not checked in and past the deadline (derived from timestamps)."""
        now = now or timezone.now()
        return self.filter(state=TargetState.SUMMONED, due_at__lte=now)


class Target(models.Model):
    """One summoned department of a summons: summoned → checked_in → reported."""

    summons = models.ForeignKey(
        Summons, on_delete=models.CASCADE, related_name="targets", verbose_name="吹哨"
    )
    handler = models.ForeignKey(
        "cases.Handler", on_delete=models.PROTECT, related_name="whistle_targets", verbose_name="被召集部门"
    )
    level = models.CharField("召集层级", max_length=16, choices=Level.choices)
    state = models.CharField(
        "状态", max_length=16, choices=TargetState.choices, default=TargetState.SUMMONED, db_index=True
    )
    summoned_at = models.DateTimeField("召集时间", default=timezone.now)
    due_at = models.DateTimeField("报到时限")
    reminded_at = models.DateTimeField("提醒时间", null=True, blank=True)
    checked_in_at = models.DateTimeField("报到时间", null=True, blank=True)
    checkin_mode = models.CharField("报到方式", max_length=8, choices=CheckinMode.choices, blank=True)
    checkin_lng = models.FloatField("报到经度", null=True, blank=True)
    checkin_lat = models.FloatField("报到纬度", null=True, blank=True)
    checkin_note = models.CharField("报到说明", max_length=500, blank=True)
    checked_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="报到人",
    )
    reported_at = models.DateTimeField("反馈时间", null=True, blank=True)
    report = models.TextField("办理情况", blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="反馈人",
    )
    version = models.PositiveIntegerField(default=0)

    # Audit records of a target carry its summons' region path (core.scoping.object_paths).
    scope_region = "summons__region"

    objects = TargetQuerySet.as_manager()

    class Meta:
        ordering = ["summoned_at", "id"]
        verbose_name = verbose_name_plural = "被召集部门"
        indexes = [
            models.Index(fields=["handler", "state"], name="whistle_target_handler"),
            models.Index(fields=["state", "due_at"], name="whistle_target_due"),
            models.Index(fields=["summoned_at"], name="whistle_target_summoned"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["summons", "handler"], name="whistle_target_once"),
        ]

    def __str__(self):
        return f"{self.summons.number} · {self.handler}"

    @property
    def is_overdue(self) -> bool:
        """Still not checked in after the deadline (derived)."""
        return self.state == TargetState.SUMMONED and timezone.now() >= self.due_at

    @property
    def checked_in_late(self) -> bool:
        return self.checked_in_at is not None and self.checked_in_at > self.due_at

    @property
    def on_time(self) -> bool:
        return self.checked_in_at is not None and self.checked_in_at <= self.due_at

    def attachment_visible_to(self, user) -> bool:
        """Report photos are visible to whoever sees the summons (core.attachments)."""
        return Summons.objects.visible_to(user).filter(pk=self.summons_id).exists()

    def punctuality_display(self) -> str:
        if self.checked_in_at is None:
            return "超时未报到" if self.is_overdue else "待报到"
        return "迟到" if self.checked_in_late else "按时"


class WhistleEvent(models.Model):
    """Timeline of a summons (append-only)."""

    summons = models.ForeignKey(Summons, on_delete=models.CASCADE, related_name="events", verbose_name="吹哨")
    target = models.ForeignKey(
        Target, null=True, blank=True, on_delete=models.CASCADE, related_name="events", verbose_name="部门"
    )
    step = models.CharField("环节", max_length=16)
    actor_name = models.CharField("操作人", max_length=150, blank=True)
    note = models.TextField("说明", blank=True)
    created_at = models.DateTimeField("时间", default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = verbose_name_plural = "吹哨纪实"
        indexes = [models.Index(fields=["summons", "created_at"], name="whistle_event_summons")]

    def __str__(self):
        return f"{self.summons.number} {self.step}"

    def get_step_display(self) -> str:
        from .workflow import STEP_LABELS

        return STEP_LABELS.get(self.step, self.step)


class Assessment(ScopedModel):
    """A street's manual score of one department for one period (双向考核 street → department)."""

    region = models.ForeignKey(
        "regions.Region",
        on_delete=models.PROTECT,
        related_name="department_assessments",
        verbose_name="考核街道",
    )
    handler = models.ForeignKey(
        "cases.Handler", on_delete=models.PROTECT, related_name="assessments", verbose_name="被考核部门"
    )
    period = models.CharField("考核周期", max_length=7, help_text="如 2026、2026-Q3 或 2026-07")
    score = models.DecimalField("评议得分", max_digits=5, decimal_places=1)
    comment = models.TextField("评议意见", max_length=1000, blank=True)
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="评议人",
    )
    updated_at = models.DateTimeField("评议时间", default=timezone.now)

    scope_region = "region"
    permission_app = "whistle"

    class Meta:
        ordering = ["-period", "handler"]
        verbose_name = verbose_name_plural = "部门评议"
        constraints = [
            models.UniqueConstraint(fields=["region", "handler", "period"], name="whistle_assessment_once"),
            models.CheckConstraint(
                condition=Q(score__gte=0) & Q(score__lte=100),
                name="whistle_assessment_score_range",
                violation_error_message="评议得分须在 0 到 100 之间",
            ),
        ]

    def __str__(self):
        return f"{self.region} · {self.handler} · {self.period}"

    def clean(self):
        from .periods import PeriodError, parse_period

        try:
            parse_period(self.period)
        except PeriodError as exc:
            raise ValidationError({"period": str(exc)}) from None
        if self.score is not None and not (0 <= self.score <= 100):
            raise ValidationError({"score": "评议得分须在 0 到 100 之间"})
