"""联户 (hub households) and 民情日志 (workers' daily logs).

A party-member hub household (党员中心户, `party.Member.is_household_hub`) keeps in touch with the
households around it: `HubLink` ties a hub to each household (suggested by the system, confirmed or
ended by the community), `ContactLog` records every visit, call or message, and a follow-up opens a
case in the household's grid. `WorkerLog` / `LogItem` are a community worker's daily log; an item
can become a case or a visit record (cases.Visit).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from grassroots.core.scoping import ScopedManager, ScopedModel, covers


class LinkState(models.TextChoices):
    SUGGESTED = "suggested", "待确认"
    CONFIRMED = "confirmed", "已确认"
    ENDED = "ended", "已解除"


class ContactKind(models.TextChoices):
    VISIT = "visit", "上门走访"
    CALL = "call", "电话联系"
    MESSAGE = "message", "微信/短信"


class ItemKind(models.TextChoices):
    OPINION = "opinion", "民意"
    HELP = "help", "求助"
    HAZARD = "hazard", "隐患"
    OTHER = "other", "其他"


class ItemState(models.TextChoices):
    OPEN = "open", "待处理"
    CASE = "case", "已转工单"
    VISIT = "visit", "已转走访"
    DONE = "done", "已办结"


class HubLink(ScopedModel):
    """A hub member (党员中心户) → a household they keep in touch with (联户)."""

    hub = models.ForeignKey(
        "party.Member", on_delete=models.CASCADE, related_name="hub_links", verbose_name="党员中心户"
    )
    household = models.ForeignKey(
        "regions.Household", on_delete=models.CASCADE, related_name="hub_links", verbose_name="联系户"
    )
    # The household's community (scope and per-community counts without walking the tree).
    community = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="hub_links", verbose_name="所在社区"
    )
    state = models.CharField(
        "状态", max_length=12, choices=LinkState.choices, default=LinkState.SUGGESTED, db_index=True
    )
    reason = models.CharField("推荐依据", max_length=40, blank=True)
    distance_m = models.PositiveIntegerField("距离(米)", null=True, blank=True)
    suggested_at = models.DateTimeField("推荐时间", default=timezone.now)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="确认人",
    )
    confirmed_at = models.DateTimeField("确认时间", null=True, blank=True)
    ended_at = models.DateTimeField("解除时间", null=True, blank=True)
    # The latest ContactLog.at (kept by services.log_contact): overdue lists and GOV-12 without a subquery.
    last_contact_at = models.DateTimeField("最近联系", null=True, blank=True, db_index=True)
    contact_count = models.PositiveIntegerField("联系次数", default=0)

    objects = ScopedManager()
    scope_region = "community"
    scope_owner = "hub__user"
    permission_app = "outreach"

    class Meta:
        verbose_name = verbose_name_plural = "联户关系"
        constraints = [
            models.UniqueConstraint(
                fields=["hub", "household"], condition=~Q(state="ended"), name="outreach_link_unique_open"
            )
        ]
        indexes = [
            models.Index(fields=["community", "state", "last_contact_at"], name="outreach_link_overdue")
        ]

    def __str__(self):
        return f"{self.hub} → {self.household}"


class ContactLog(ScopedModel):
    """One contact of a hub with a linked household; a follow-up matter opens a case (case kept here)."""

    link = models.ForeignKey(
        HubLink, on_delete=models.CASCADE, related_name="contacts", verbose_name="联户关系"
    )
    kind = models.CharField("联系方式", max_length=12, choices=ContactKind.choices)
    at = models.DateTimeField("联系时间", default=timezone.now, db_index=True)
    note = models.TextField("情况记录", max_length=2000)
    case = models.ForeignKey(
        "cases.Case",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="转办工单",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="登记人",
    )
    created_at = models.DateTimeField("登记时间", default=timezone.now)

    objects = ScopedManager()
    scope_region = "link__community"
    scope_owner = "link__hub__user"
    permission_app = "outreach"

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = verbose_name_plural = "联户联系记录"

    def __str__(self):
        return f"{self.get_kind_display()} {timezone.localtime(self.at):%Y-%m-%d}"

    def attachment_visible_to(self, user) -> bool:
        return covers(user, self, "regions.view") or covers(user, self, "outreach.log")


class WorkerLog(ScopedModel):
    """A community worker's 民情日志 of one day."""

    worker = models.ForeignKey(
        "people.Worker", on_delete=models.CASCADE, related_name="daily_logs", verbose_name="社区工作者"
    )
    community = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="worker_logs", verbose_name="社区"
    )
    date = models.DateField("日期", db_index=True)
    created_at = models.DateTimeField("创建时间", default=timezone.now)

    objects = ScopedManager()
    scope_region = "community"
    scope_owner = "worker__user"
    permission_app = "outreach"

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name = verbose_name_plural = "民情日志"
        constraints = [models.UniqueConstraint(fields=["worker", "date"], name="outreach_log_one_per_day")]
        indexes = [models.Index(fields=["community", "date"], name="outreach_log_community_day")]

    def __str__(self):
        return f"{self.worker.name} {self.date:%Y-%m-%d}"


class LogItem(ScopedModel):
    """One thing a worker heard or saw; it can become a case or a visit record (cases.Visit)."""

    log = models.ForeignKey(WorkerLog, on_delete=models.CASCADE, related_name="items", verbose_name="日志")
    kind = models.CharField("类别", max_length=12, choices=ItemKind.choices)
    text = models.TextField("内容", max_length=2000)
    household = models.ForeignKey(
        "regions.Household",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="log_items",
        verbose_name="涉及住户",
    )
    state = models.CharField("状态", max_length=12, choices=ItemState.choices, default=ItemState.OPEN)
    case = models.ForeignKey(
        "cases.Case",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="转办工单",
    )
    visit = models.ForeignKey(
        "cases.Visit",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="走访记录",
    )
    created_at = models.DateTimeField("记录时间", default=timezone.now)

    objects = ScopedManager()
    scope_region = "log__community"
    scope_owner = "log__worker__user"
    permission_app = "outreach"

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = verbose_name_plural = "民情日志条目"

    def __str__(self):
        return f"{self.get_kind_display()}：{self.text[:20]}"
