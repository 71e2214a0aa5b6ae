"""Precomputed figures of the leadership dashboards (rollups), filled by dashboards.tasks."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class Rollup(models.Model):
    """One figure: metric × region (everything under the path) × period.

    period is "now" (snapshot metrics), "12m" (period metrics over the last 12 months) or "YYYY-MM"
    (period metrics for one month, the trends). value is None for a rate without a denominator."""

    metric = models.CharField("指标", max_length=40)
    region_path = models.CharField("区划路径", max_length=255)
    period = models.CharField("周期", max_length=7)
    value = models.FloatField("数值", null=True)
    computed_at = models.DateTimeField("计算时间", default=timezone.now)

    class Meta:
        verbose_name = verbose_name_plural = "统计汇总"
        constraints = [
            models.UniqueConstraint(fields=["region_path", "period", "metric"], name="rollup_once"),
        ]

    def __str__(self):
        return f"{self.metric} {self.region_path} {self.period} = {self.value}"


class RollupRun(models.Model):
    """One run of the rollup (nightly or on demand), with its progress."""

    class State(models.TextChoices):
        QUEUED = "queued", "排队中"
        RUNNING = "running", "计算中"
        DONE = "done", "已完成"
        FAILED = "failed", "失败"

    state = models.CharField("状态", max_length=8, choices=State.choices, default=State.QUEUED)
    trigger = models.CharField("触发", max_length=8, default="manual")  # manual / nightly / command
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField("提交时间", default=timezone.now)
    started_at = models.DateTimeField("开始时间", null=True, blank=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)
    done = models.PositiveIntegerField("已完成步骤", default=0)
    total = models.PositiveIntegerField("总步骤", default=0)
    rows = models.PositiveIntegerField("写入条数", default=0)
    error = models.TextField("错误", blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = verbose_name_plural = "统计汇总任务"

    def __str__(self):
        return f"{self.get_state_display()} {self.done}/{self.total}"

    @property
    def percent(self) -> int:
        return int(100 * self.done / self.total) if self.total else 0


class FindingCount(models.Model):
    """组织体检 counts precomputed for the home pages: the findings of one ORG/COV rule (rule "" = all
    rules) over everything under a city / district / street / community path, from one health check
    over the whole city. Refreshed wholly by every rollup run (nightly after the health check, or on
    demand); the home page says when (computed_at)."""

    region_path = models.CharField("区划路径", max_length=255)
    rule = models.CharField("规则", max_length=20, blank=True)
    count = models.PositiveIntegerField("问题数", default=0)
    computed_at = models.DateTimeField("计算时间", default=timezone.now)

    class Meta:
        verbose_name = verbose_name_plural = "体检问题汇总"
        constraints = [models.UniqueConstraint(fields=["region_path", "rule"], name="finding_count_once")]

    def __str__(self):
        return f"{self.region_path} {self.rule or '全部'} = {self.count}"
