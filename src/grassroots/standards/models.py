from __future__ import annotations

from django.db import models


class RuleCategory(models.TextChoices):
    ORG = "org", "组织设置"
    COV = "cov", "两个覆盖"
    LIFE = "life", "组织生活"
    GOV = "gov", "基层治理"


class Rule(models.Model):
    """A party or governance rule with its parameters (RULES.md), stored as data so a city can adjust it."""

    code = models.CharField("规则编号", max_length=16, unique=True)
    category = models.CharField("类别", max_length=8, choices=RuleCategory.choices)
    title = models.CharField("规则", max_length=200)
    params = models.JSONField("参数", default=dict, blank=True)
    action = models.CharField("整改建议", max_length=200, blank=True)
    enabled = models.BooleanField("启用", default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = verbose_name_plural = "规则"

    def __str__(self):
        return f"{self.code} {self.title}"

    def param(self, name: str, default=None):
        return self.params.get(name, default)
