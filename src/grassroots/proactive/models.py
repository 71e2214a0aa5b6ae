"""Proactive governance (主动治理, Beijing 接诉即办): hot topics found in the cases, turned into 未诉先办
proactive tasks or a 每月一题 monthly theme, and the effect measured on the case count afterwards.

- HotTopicRun: one computation of the hot topics (nightly, by command, or on demand), a background job.
- HotTopic: one cluster of cases (category + place, optionally narrowed by a keyword of the text) at
  one level (city, district, street, community), its count over the period and the previous one.
  Pages read these rows; only the latest finished run's rows are kept.
- Initiative: a 未诉先办 task or a 每月一题 theme aimed at a cluster, with its own state machine
  (services.TRANSITIONS). It keeps the cluster's definition so that the effect can be measured after
  the hot topic rows it came from are replaced.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from grassroots.core.scoping import ScopedManager, ScopedModel


class Level(models.TextChoices):
    CITY = "city", "市级"
    DISTRICT = "district", "区级"
    STREET = "street", "街道"
    COMMUNITY = "community", "社区"


# Depth of each level's node in the region tree (Region.depth).
LEVEL_DEPTH = {Level.CITY: 1, Level.DISTRICT: 2, Level.STREET: 3, Level.COMMUNITY: 4}


class Trend(models.TextChoices):
    NEW = "new", "新出现"
    UP = "up", "上升"
    FLAT = "flat", "持平"
    DOWN = "down", "下降"


class RunState(models.TextChoices):
    QUEUED = "queued", "排队中"
    RUNNING = "running", "计算中"
    DONE = "done", "已完成"
    FAILED = "failed", "失败"


class HotTopicRun(models.Model):
    state = models.CharField("状态", max_length=10, choices=RunState.choices, default=RunState.QUEUED)
    trigger = models.CharField(
        "触发方式",
        max_length=10,
        choices=[("nightly", "每日自动"), ("manual", "手动"), ("command", "命令")],
        default="manual",
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    period_start = models.DateField("统计期开始", null=True, blank=True)
    period_end = models.DateField("统计期结束", null=True, blank=True)
    window_days = models.PositiveSmallIntegerField("统计期天数", default=30)
    created_at = models.DateTimeField("创建时间", default=timezone.now)
    started_at = models.DateTimeField("开始时间", null=True, blank=True)
    finished_at = models.DateTimeField("结束时间", null=True, blank=True)
    cases = models.PositiveIntegerField("参与计算的诉求数", default=0)
    topics = models.PositiveIntegerField("热点数", default=0)
    error = models.CharField("错误", max_length=500, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = verbose_name_plural = "热点计算批次"
        constraints = [
            models.UniqueConstraint(
                fields=["state"],
                condition=Q(state__in=["queued", "running"]),
                name="proactive_one_active_run",
            )
        ]

    def __str__(self):
        return f"热点计算 {self.pk}"


class HotTopic(ScopedModel):
    run = models.ForeignKey(HotTopicRun, on_delete=models.CASCADE, related_name="hot_topics")
    key = models.CharField("聚类键", max_length=120)
    level = models.CharField("层级", max_length=10, choices=Level.choices)
    region = models.ForeignKey(
        "regions.Region", on_delete=models.CASCADE, related_name="hot_topics", verbose_name="区域"
    )
    category = models.ForeignKey(
        "cases.Category", on_delete=models.CASCADE, related_name="hot_topics", verbose_name="类别"
    )
    keyword = models.CharField("关键词", max_length=30, blank=True)
    period_start = models.DateField("统计期开始")
    period_end = models.DateField("统计期结束")  # exclusive
    case_count = models.PositiveIntegerField("本期诉求数")
    previous_count = models.PositiveIntegerField("上期诉求数")
    trend = models.CharField("趋势", max_length=8, choices=Trend.choices)
    change_pct = models.IntegerField("环比变化(%)", null=True, blank=True)
    sample_numbers = models.JSONField("典型工单", default=list)
    keywords = models.JSONField("高频词", default=list)
    series = models.JSONField("分段诉求数", default=list)  # [[bucket start "YYYY-MM-DD", count], ...]
    computed_at = models.DateTimeField("计算时间", default=timezone.now)

    objects = ScopedManager()
    scope_region = "region"

    class Meta:
        ordering = ["-case_count", "key"]
        verbose_name = verbose_name_plural = "热点问题"
        constraints = [models.UniqueConstraint(fields=["run", "key"], name="proactive_hot_key_once")]
        indexes = [
            models.Index(fields=["run", "level", "-case_count"], name="proactive_hot_level"),
        ]

    def __str__(self):
        return self.title

    @property
    def title(self) -> str:
        base = f"{self.region.name} · {self.category.name}"
        return f"{base} · “{self.keyword}”" if self.keyword else base


class InitiativeKind(models.TextChoices):
    TASK = "task", "未诉先办"
    THEME = "theme", "每月一题"


class InitiativeState(models.TextChoices):
    DRAFT = "draft", "草拟"
    IN_PROGRESS = "in_progress", "推进中"
    DONE = "done", "已完成"
    EVALUATED = "evaluated", "已评估"
    CANCELLED = "cancelled", "已取消"


class Initiative(ScopedModel):
    """A 未诉先办 task (owner region or worker, plan, due date) or a 每月一题 theme (one per month and
    level node: owner, plan, measures), aimed at the cluster of cases it came from."""

    number = models.CharField("编号", max_length=20, unique=True)
    kind = models.CharField("类型", max_length=8, choices=InitiativeKind.choices)
    title = models.CharField("名称", max_length=60)
    # The owner: the level node responsible (a community, street, district or the city).
    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="initiatives", verbose_name="责任区域"
    )
    owner_worker = models.ForeignKey(
        "people.Worker",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="initiatives",
        verbose_name="责任人（社区工作者）",
    )
    owner_name = models.CharField("责任人", max_length=50)
    plan = models.TextField("工作方案", max_length=2000)
    measures = models.TextField("主要措施", max_length=2000, blank=True)
    month = models.DateField("月份", null=True, blank=True)  # first day of the month (每月一题)
    due_date = models.DateField("完成期限", null=True, blank=True)
    # The cluster (same definition as HotTopic): place subtree, category, optional keyword.
    cluster_region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name="热点区域"
    )
    category = models.ForeignKey(
        "cases.Category", on_delete=models.PROTECT, related_name="initiatives", verbose_name="类别"
    )
    keyword = models.CharField("关键词", max_length=30, blank=True)
    hot_topic = models.ForeignKey(
        HotTopic, null=True, blank=True, on_delete=models.SET_NULL, related_name="initiatives"
    )
    state = models.CharField(
        "状态", max_length=12, choices=InitiativeState.choices, default=InitiativeState.DRAFT
    )
    started_at = models.DateTimeField("启动时间", null=True, blank=True)
    done_at = models.DateTimeField("完成时间", null=True, blank=True)
    done_note = models.TextField("完成情况", max_length=2000, blank=True)
    evaluated_at = models.DateTimeField("评估时间", null=True, blank=True)
    evaluation = models.TextField("评估意见", max_length=2000, blank=True)
    cancel_reason = models.CharField("取消原因", max_length=200, blank=True)
    # The measured effect (services.measure_effect), refreshed nightly and on evaluation.
    effect_days = models.PositiveSmallIntegerField("效果窗口(天)", null=True, blank=True)
    effect_before = models.PositiveIntegerField("启动前诉求数", null=True, blank=True)
    effect_after = models.PositiveIntegerField("启动后诉求数", null=True, blank=True)
    effect_pct = models.IntegerField("诉求变化(%)", null=True, blank=True)
    effect_measured_at = models.DateTimeField("效果测算时间", null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField("创建时间", default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager()
    scope_region = "region"

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = verbose_name_plural = "主动治理任务"
        indexes = [
            models.Index(fields=["kind", "state", "-created_at"], name="proactive_init_kind_state"),
        ]
        constraints = [
            # 每月一题: one theme per month and level node (a cancelled one frees the month).
            models.UniqueConstraint(
                fields=["region", "month"],
                condition=Q(kind="theme") & ~Q(state="cancelled"),
                name="proactive_one_theme_per_month",
            ),
            models.CheckConstraint(
                condition=~Q(kind="theme") | Q(month__isnull=False),
                name="proactive_theme_has_month",
            ),
        ]

    def __str__(self):
        return f"{self.number} {self.title}"

    @property
    def cluster_title(self) -> str:
        base = f"{self.cluster_region.name} · {self.category.name}"
        return f"{base} · “{self.keyword}”" if self.keyword else base
