"""居民议事 · 协商议事 (seeds 001, 004): residents propose topics, the community screens them, a meeting is
held on 三定 (fixed time, place and theme), residents vote once each on the options, and the outcome is
a resolution, often a 我为群众办实事 project followed to done and told to everyone who took part.

Writes are in services.py; the state machine is `TRANSITIONS` there."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from grassroots.core.scoping import ScopedManager, ScopedModel


class TopicState(models.TextChoices):
    PROPOSED = "proposed", "待审核"
    ACCEPTED = "accepted", "已立项"
    REJECTED = "rejected", "未采纳"
    VOTING = "voting", "表决中"
    DECIDED = "decided", "已形成决议"
    IN_PROGRESS = "in_progress", "实事办理中"
    DONE = "done", "已办结"


# What residents of the community see on their phone: everything the community took up.
PUBLIC_STATES = (
    TopicState.ACCEPTED,
    TopicState.VOTING,
    TopicState.DECIDED,
    TopicState.IN_PROGRESS,
    TopicState.DONE,
)


class ProposerKind(models.TextChoices):
    RESIDENT = "resident", "居民"
    MEMBER = "member", "党员"
    UNIT = "unit", "驻区单位"
    DEPUTY = "deputy", "代表委员"
    COMMUNITY = "community", "社区"


class Topic(ScopedModel):
    number = models.CharField("议题编号", max_length=20, unique=True)
    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="deliberation_topics", verbose_name="社区"
    )
    title = models.CharField("议题", max_length=60)
    content = models.TextField("议题说明", max_length=2000)
    proposer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="deliberation_topics",
        verbose_name="提议人账号",
    )
    proposer_name = models.CharField("提议人", max_length=50)
    proposer_kind = models.CharField(
        "提议人类别", max_length=16, choices=ProposerKind.choices, default=ProposerKind.RESIDENT
    )
    state = models.CharField("状态", max_length=16, choices=TopicState.choices, default=TopicState.PROPOSED)
    screen_note = models.CharField("审核意见", max_length=200, blank=True)
    # 三定: fixed time, place and theme of the deliberation meeting.
    meeting_at = models.DateTimeField("议事时间", null=True, blank=True)
    meeting_place = models.CharField("议事地点", max_length=100, blank=True)
    meeting_theme = models.CharField("议事主题", max_length=100, blank=True)
    participants = models.CharField("参会单位与代表", max_length=300, blank=True)
    voting_opened_at = models.DateTimeField("表决开始", null=True, blank=True)
    voting_closed_at = models.DateTimeField("表决结束", null=True, blank=True)
    chosen_option = models.ForeignKey(
        "Option", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name="决议方案"
    )
    resolution = models.TextField("决议内容", max_length=2000, blank=True)
    project_title = models.CharField("实事项目", max_length=100, blank=True)
    project_owner = models.CharField("责任人", max_length=50, blank=True)
    project_due = models.DateField("计划完成", null=True, blank=True)
    done_note = models.TextField("办结情况", max_length=2000, blank=True)
    done_at = models.DateTimeField("办结时间", null=True, blank=True)
    created_at = models.DateTimeField("提议时间", default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager()
    scope_region = "region"
    scope_owner = "proposer"
    personal_fields = {"proposer_name": "name"}

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = verbose_name_plural = "议事议题"
        indexes = [
            models.Index(fields=["region", "state", "-created_at"], name="delib_topic_region_state"),
        ]

    def __str__(self):
        return f"{self.number} {self.title}"


class Option(models.Model):
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="options")
    label = models.CharField("方案", max_length=60)
    description = models.CharField("方案说明", max_length=300, blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = verbose_name_plural = "表决方案"
        constraints = [models.UniqueConstraint(fields=["topic", "label"], name="delib_option_once")]

    def __str__(self):
        return self.label


class Vote(models.Model):
    """One vote per person and topic, enforced by the database (concurrent votes cannot double up)."""

    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="votes")
    option = models.ForeignKey(Option, on_delete=models.CASCADE, related_name="votes")
    voter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    cast_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = verbose_name_plural = "表决票"
        constraints = [models.UniqueConstraint(fields=["topic", "voter"], name="delib_one_vote_per_person")]

    def __str__(self):
        return f"{self.topic_id}:{self.option_id}"
