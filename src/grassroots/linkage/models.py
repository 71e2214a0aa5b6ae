"""四级联动 and 联系点: leaders with their contact points (GOV-7) and cross-level tasks.

A city or district leader (Leader) takes streets or communities as contact points (ContactPoint).
Visits are cases.Visit rows of kind contact_point, matched to a contact point by region and leader
(see stats.visits_for). A city, district or street issues a LinkageTask to the regions one level
down; each receiver holds a TaskAssignment, and a street may pass its assignment down to its
communities (child assignments with parent = the street's assignment).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from grassroots.core.scoping import ScopedManager, ScopedModel
from grassroots.core.text import InitialsMixin


class LeaderLevel(models.TextChoices):
    CITY = "city", "市级领导"
    DISTRICT = "district", "区级领导"


class Leader(InitialsMixin, ScopedModel):
    """A city or district leader (市委常委、区党政班子成员…) who takes contact points."""

    name = models.CharField("姓名", max_length=50)
    name_initials = models.CharField(max_length=64, blank=True, db_index=True)
    post = models.CharField("职务", max_length=100)
    level = models.CharField("层级", max_length=16, choices=LeaderLevel.choices)
    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="leaders", verbose_name="所属市/区"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="leader_records",
        verbose_name="关联账号",
    )
    active = models.BooleanField("在任", default=True)
    created_at = models.DateTimeField("登记时间", default=timezone.now)

    objects = ScopedManager()
    scope_region = "region"
    permission_app = "linkage"

    class Meta:
        verbose_name = verbose_name_plural = "联系领导"
        ordering = ["level", "name", "id"]
        indexes = [models.Index(fields=["region", "level"])]

    def __str__(self):
        return f"{self.name}（{self.post}）"


class ContactPoint(ScopedModel):
    """联系点: a leader's contact street or community, from start_on to end_on (open-ended if empty)."""

    leader = models.ForeignKey(
        Leader, on_delete=models.CASCADE, related_name="contact_points", verbose_name="联系领导"
    )
    region = models.ForeignKey(
        "regions.Region",
        on_delete=models.PROTECT,
        related_name="contact_points",
        verbose_name="联系街道/社区",
    )
    start_on = models.DateField("起始日期", default=timezone.localdate)
    end_on = models.DateField("结束日期", null=True, blank=True)
    note = models.CharField("备注", max_length=200, blank=True)
    created_at = models.DateTimeField("登记时间", default=timezone.now)

    objects = ScopedManager()
    scope_region = "region"
    permission_app = "linkage"

    class Meta:
        verbose_name = verbose_name_plural = "联系点"
        ordering = ["leader__name", "region__path"]
        indexes = [models.Index(fields=["region", "end_on"]), models.Index(fields=["leader", "end_on"])]

    def __str__(self):
        return f"{self.leader.name} → {self.region.name}"

    def active_on(self, day) -> bool:
        return self.start_on <= day and (self.end_on is None or self.end_on >= day)


class TaskState(models.TextChoices):
    ISSUED = "issued", "已下发"
    RECEIVED = "received", "已签收"
    IN_PROGRESS = "in_progress", "办理中"
    DONE = "done", "已报结"
    ACCEPTED = "accepted", "已验收"
    RETURNED = "returned", "退回重办"


OPEN_STATES = (TaskState.ISSUED, TaskState.RECEIVED, TaskState.IN_PROGRESS, TaskState.RETURNED)
FINISHED_STATES = (TaskState.DONE, TaskState.ACCEPTED)


class LinkageTask(ScopedModel):
    """A task issued by a city, district or street to the regions one level down (四级联动)."""

    issuer_region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="linkage_tasks", verbose_name="下发单位"
    )
    issuer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="linkage_tasks",
        verbose_name="下发人",
    )
    title = models.CharField("任务名称", max_length=120)
    content = models.TextField("任务要求", max_length=4000)
    deadline = models.DateField("完成时限")
    target_level = models.CharField("承办层级", max_length=16)
    created_at = models.DateTimeField("下发时间", default=timezone.now)

    objects = ScopedManager()
    scope_region = "issuer_region"
    permission_app = "linkage"

    class Meta:
        verbose_name = verbose_name_plural = "联动任务"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["issuer_region", "-created_at"])]

    def __str__(self):
        return self.title

    def attachment_visible_to(self, user) -> bool:
        """The task's files are read by its issuer and by every receiver that sees an assignment."""
        if LinkageTask.objects.visible_to(user).filter(pk=self.pk).exists():
            return True
        return TaskAssignment.objects.visible_to(user).filter(task=self).exists()


class TaskAssignment(ScopedModel):
    """One receiver's part of a task; `parent` is the street's assignment it was passed down from."""

    task = models.ForeignKey(
        LinkageTask, on_delete=models.CASCADE, related_name="assignments", verbose_name="联动任务"
    )
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="children",
        verbose_name="上级承办",
    )
    region = models.ForeignKey(
        "regions.Region",
        on_delete=models.PROTECT,
        related_name="linkage_assignments",
        verbose_name="承办单位",
    )
    deadline = models.DateField("完成时限")
    state = models.CharField("状态", max_length=16, choices=TaskState.choices, default=TaskState.ISSUED)
    progress = models.PositiveSmallIntegerField("进度(%)", default=0)
    progress_note = models.TextField("进展情况", max_length=2000, blank=True)
    evidence = models.TextField("完成情况", max_length=4000, blank=True)
    override_reason = models.CharField("未待下级完成即报结的理由", max_length=300, blank=True)
    return_reason = models.CharField("退回理由", max_length=300, blank=True)
    received_at = models.DateTimeField("签收时间", null=True, blank=True)
    done_at = models.DateTimeField("报结时间", null=True, blank=True)
    accepted_at = models.DateTimeField("验收时间", null=True, blank=True)
    escalated_at = models.DateTimeField("督办时间", null=True, blank=True)
    updated_at = models.DateTimeField("更新时间", default=timezone.now)

    objects = ScopedManager()
    scope_region = "region"
    permission_app = "linkage"

    class Meta:
        verbose_name = verbose_name_plural = "任务承办"
        ordering = ["region__path", "id"]
        constraints = [
            models.UniqueConstraint(fields=["task", "region"], name="linkage_assignment_one_per_region"),
            models.CheckConstraint(
                condition=models.Q(progress__lte=100), name="linkage_assignment_progress_le_100"
            ),
        ]
        indexes = [
            models.Index(fields=["region", "state"]),
            models.Index(fields=["state", "deadline"]),
        ]

    def __str__(self):
        return f"{self.task.title} · {self.region.name}"

    @property
    def issuer_region(self):
        return self.parent.region if self.parent_id else self.task.issuer_region

    def is_overdue(self, today=None) -> bool:
        today = today or timezone.localdate()
        return self.state in OPEN_STATES and self.deadline < today

    @property
    def overdue(self) -> bool:
        return self.is_overdue()

    def attachment_visible_to(self, user) -> bool:
        return TaskAssignment.objects.visible_to(user).filter(pk=self.pk).exists() or (
            LinkageTask.objects.visible_to(user).filter(pk=self.task_id).exists()
        )


class TaskEvent(models.Model):
    """The history of an assignment: every transition with its actor and note."""

    assignment = models.ForeignKey(
        TaskAssignment, on_delete=models.CASCADE, related_name="events", verbose_name="任务承办"
    )
    verb = models.CharField("动作", max_length=16)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, verbose_name="操作人"
    )
    note = models.TextField("说明", max_length=4000, blank=True)
    at = models.DateTimeField("时间", default=timezone.now)

    class Meta:
        verbose_name = verbose_name_plural = "承办记录"
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.verb} {self.at:%Y-%m-%d}"
