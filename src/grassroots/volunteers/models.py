"""Volunteers (志愿服务), micro-wishes (微心愿) and points (积分 / 爱心超市).

- Wish: posted by a worker for a resident → reviewed → published → claimed (one claimant, conditional
  UPDATE) → fulfilled (proof) → confirmed; released back to the pool when a claim is overdue, expired
  when nobody claims it. Overdue / expiring are derived from timestamps (Wish.timing()).
- Volunteer (the person and their points account), VolunteerTeam, TeamMember.
- VolunteerActivity: the volunteer extension (team, points per hour) of an orglife.Activity of kind
  "volunteer"; sign-ups are orglife.Signup rows (capacity kept by a conditional UPDATE of
  signed_up_count; QR check-in and check-out; hours capped by the activity's duration).
- PointEntry: an append-only ledger (no UPDATE, no DELETE: a DB trigger refuses them); a revoke is a
  new negative entry pointing at the revoked one (unique: once only). Balances are SUMs of the ledger.
- CatalogItem / Redemption: the 爱心超市 of a community; stock never below zero (check constraint and
  conditional UPDATE).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from grassroots.core.scoping import ScopedModel
from grassroots.core.text import InitialsMixin


class WishState(models.TextChoices):
    SUBMITTED = "submitted", "待审核"
    REJECTED = "rejected", "未通过"
    PUBLISHED = "published", "待认领"
    CLAIMED = "claimed", "已认领"
    FULFILLED = "fulfilled", "待确认"
    CONFIRMED = "confirmed", "已完成"
    EXPIRED = "expired", "已过期"


class WishCategory(models.TextChoices):
    DAILY = "daily", "生活用品"
    STUDY = "study", "学习用品"
    ELDERLY = "elderly", "助老助残"
    HEALTH = "health", "医疗健康"
    SERVICE = "service", "上门服务"
    OTHER = "other", "其他"


WISH_RULE = "GOV-11"
WISH_DEFAULTS = {"open_days": 30, "claim_days": 7, "points": 20}


def wish_default(name: str) -> int:
    """A micro-wish parameter (open_days, claim_days, points) from the GOV-11 rule row, which a city can
    adjust in the rule configuration; RULES-style default when the row or the key is missing."""
    from grassroots.core.rules import Rule

    rule = Rule.objects.filter(code=WISH_RULE).only("params").first()
    value = (rule.params if rule else {}).get(name, WISH_DEFAULTS[name])
    try:
        value = int(value)
    except (TypeError, ValueError):
        return WISH_DEFAULTS[name]
    return max(value, 0 if name == "points" else 1)  # a city may give no points, never a 0-day window


class Wish(ScopedModel):
    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="wishes", verbose_name="所属社区"
    )
    title = models.CharField("心愿", max_length=60)
    description = models.TextField("详细说明", blank=True)
    category = models.CharField(
        "类别", max_length=16, choices=WishCategory.choices, default=WishCategory.DAILY
    )
    beneficiary_name = models.CharField("心愿人", max_length=30)
    beneficiary_phone = models.CharField("联系电话", max_length=20, blank=True)
    state = models.CharField("状态", max_length=16, choices=WishState.choices, default=WishState.SUBMITTED)
    version = models.PositiveIntegerField(default=0)
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="登记人"
    )
    posted_at = models.DateTimeField("登记时间", default=timezone.now)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField("审核时间", null=True, blank=True)
    review_note = models.CharField("审核意见", max_length=200, blank=True)
    published_at = models.DateTimeField("发布时间", null=True, blank=True)
    open_days = models.PositiveSmallIntegerField("认领期限（天）", default=30)
    claim_days = models.PositiveSmallIntegerField("完成期限（天）", default=7)
    expires_at = models.DateTimeField("认领截止", null=True, blank=True)
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="claimed_wishes",
        verbose_name="认领人",
    )
    claimant_member = models.ForeignKey(
        "party.Member", null=True, blank=True, on_delete=models.SET_NULL, related_name="wishes"
    )
    claimant_unit = models.ForeignKey(
        "units.Unit", null=True, blank=True, on_delete=models.SET_NULL, related_name="wishes"
    )
    claimant_name = models.CharField("认领方", max_length=100, blank=True)
    claimed_at = models.DateTimeField("认领时间", null=True, blank=True)
    claim_due_at = models.DateTimeField("完成截止", null=True, blank=True)
    fulfilled_at = models.DateTimeField("完成时间", null=True, blank=True)
    fulfil_note = models.TextField("完成说明", blank=True)
    confirmed_at = models.DateTimeField("确认时间", null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    release_count = models.PositiveSmallIntegerField("退回次数", default=0)

    scope_region = "region"
    scope_org = "claimant_unit__party_org"
    scope_owner = "claimed_by"
    personal_fields = {"beneficiary_name": "name", "beneficiary_phone": "phone"}

    class Meta:
        ordering = ["-posted_at", "-id"]
        verbose_name = verbose_name_plural = "微心愿"
        indexes = [
            models.Index(fields=["region", "state"], name="vol_wish_region_state"),
            models.Index(fields=["state", "claim_due_at"], name="vol_wish_state_due"),
            models.Index(fields=["state", "expires_at"], name="vol_wish_state_expires"),
        ]

    def __str__(self):
        return self.title

    def timing(self, now=None) -> str:
        """Derived status: "overdue" (claim past its due time), "expiring" (published past its
        deadline, waiting for the release job) or ""."""
        now = now or timezone.now()
        if self.state == WishState.CLAIMED and self.claim_due_at and self.claim_due_at < now:
            return "overdue"
        if self.state == WishState.PUBLISHED and self.expires_at and self.expires_at < now:
            return "expiring"
        return ""

    def timing_display(self) -> str:
        return {"overdue": "已超期", "expiring": "已到认领截止"}.get(self.timing(), "")


class VolunteerKind(models.TextChoices):
    MEMBER = "member", "党员"
    RESIDENT = "resident", "居民"
    STAFF = "staff", "工作人员"
    OTHER = "other", "其他"


class Volunteer(InitialsMixin, ScopedModel):
    """A registered volunteer: the person, their community, and their points account (user)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="volunteer", verbose_name="账号"
    )
    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="volunteers", verbose_name="所属社区"
    )
    name = models.CharField("姓名", max_length=50)
    name_initials = models.CharField(max_length=64, blank=True, db_index=True)
    phone = models.CharField("手机号", max_length=20, blank=True)
    kind = models.CharField(
        "身份", max_length=16, choices=VolunteerKind.choices, default=VolunteerKind.RESIDENT
    )
    member = models.ForeignKey(
        "party.Member",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="党员",
    )
    registered_at = models.DateTimeField("注册时间", default=timezone.now)
    # Bumped by every ledger write: the row lock that serialises one account's points operations.
    ledger_version = models.PositiveIntegerField(default=0)

    scope_region = "region"
    scope_owner = "user"
    personal_fields = {"phone": "phone"}

    class Meta:
        ordering = ["region_id", "name"]
        verbose_name = verbose_name_plural = "志愿者"
        indexes = [models.Index(fields=["region", "name"], name="vol_volunteer_region_name")]

    def __str__(self):
        return self.name


class VolunteerTeam(InitialsMixin, ScopedModel):
    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="volunteer_teams", verbose_name="所属社区"
    )
    name = models.CharField("队伍名称", max_length=60)
    name_initials = models.CharField(max_length=64, blank=True, db_index=True)
    service_area = models.CharField("服务领域", max_length=60, blank=True)
    description = models.TextField("简介", blank=True)
    leader = models.ForeignKey(
        Volunteer, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name="队长"
    )
    is_active = models.BooleanField("在册", default=True)
    created_at = models.DateTimeField("成立时间", default=timezone.now)

    scope_region = "region"

    class Meta:
        ordering = ["region_id", "name"]
        verbose_name = verbose_name_plural = "志愿服务队"
        constraints = [models.UniqueConstraint(fields=["region", "name"], name="vol_team_unique_name")]
        indexes = [models.Index(fields=["region", "is_active"], name="vol_team_region_active")]

    def __str__(self):
        return self.name


class TeamMember(ScopedModel):
    team = models.ForeignKey(VolunteerTeam, on_delete=models.CASCADE, related_name="memberships")
    volunteer = models.ForeignKey(Volunteer, on_delete=models.CASCADE, related_name="memberships")
    joined_at = models.DateTimeField("加入时间", default=timezone.now)

    scope_region = "team__region"

    class Meta:
        verbose_name = verbose_name_plural = "队员"
        constraints = [models.UniqueConstraint(fields=["team", "volunteer"], name="vol_team_member_unique")]

    def __str__(self):
        return f"{self.team} · {self.volunteer}"


class VolunteerActivity(ScopedModel):
    """The volunteer side of an orglife.Activity of kind "volunteer": the organising team and the
    points per hour of service. Sign-up, check-in and check-out are orglife.Signup rows (status,
    checked_in_at, checked_out_at, hours), written by volunteers.services."""

    activity = models.OneToOneField(
        "orglife.Activity", on_delete=models.CASCADE, related_name="volunteer", verbose_name="活动"
    )
    team = models.ForeignKey(
        VolunteerTeam,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="activities",
        verbose_name="组织队伍",
    )
    points_per_hour = models.PositiveSmallIntegerField("每小时积分", default=10)

    scope_region = "activity__region"

    class Meta:
        ordering = ["-activity__starts_at", "-id"]
        verbose_name = verbose_name_plural = "志愿活动"

    def __str__(self):
        return self.activity.title

    # The activity's fields, for templates and exports.
    title = property(lambda self: self.activity.title)
    place = property(lambda self: self.activity.place)
    starts_at = property(lambda self: self.activity.starts_at)
    ends_at = property(lambda self: self.activity.ends_at)
    capacity = property(lambda self: self.activity.capacity)
    signed_count = property(lambda self: self.activity.signed_up_count)
    region = property(lambda self: self.activity.region)
    status = property(lambda self: self.activity.status)

    def get_status_display(self) -> str:
        return self.activity.get_status_display()

    @property
    def is_open(self) -> bool:
        return self.activity.status in ("published", "ongoing")

    @property
    def duration_minutes(self) -> int:
        return int((self.activity.ends_at - self.activity.starts_at).total_seconds() // 60)

    @property
    def remaining(self) -> int | None:
        if self.activity.capacity is None:
            return None
        return max(self.activity.capacity - self.activity.signed_up_count, 0)


class SourceType(models.TextChoices):
    ACTIVITY = "activity", "志愿活动"
    WISH = "wish", "微心愿"
    CASE = "case", "诉求办理"
    MANUAL = "manual", "人工发放"
    REDEMPTION = "redemption", "积分兑换"
    REVOKE = "revoke", "撤销"


class PointEntryQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError("积分流水只能追加，不能修改")

    def delete(self):
        raise TypeError("积分流水只能追加，不能删除")


class PointEntryManager(models.Manager.from_queryset(PointEntryQuerySet)):
    def visible_to(self, user, action: str = "view"):
        from grassroots.core.scoping import scope_q

        q = scope_q(self.model, user, action)
        return self.all() if q is None else self.filter(q)


class PointEntry(ScopedModel):
    """One line of the points ledger. Never updated or deleted (a DB trigger refuses both)."""

    account = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="point_entries", verbose_name="账户"
    )
    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="point_entries", verbose_name="社区"
    )
    amount = models.IntegerField("积分")
    source_type = models.CharField("来源", max_length=16, choices=SourceType.choices)
    source_id = models.PositiveBigIntegerField("来源编号", null=True, blank=True)
    revokes = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="revoked_by",
        verbose_name="撤销的流水",
    )
    reason = models.CharField("事由", max_length=200)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("时间", default=timezone.now)

    objects = PointEntryManager()

    scope_region = "region"
    scope_owner = "account"

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = verbose_name_plural = "积分流水"
        constraints = [
            models.CheckConstraint(condition=~Q(amount=0), name="vol_point_nonzero"),
            # One earning per (source, account): an activity or a wish pays each person once.
            models.UniqueConstraint(
                fields=["source_type", "source_id", "account"],
                condition=Q(source_type__in=["activity", "wish"]),
                name="vol_point_once_per_source",
            ),
        ]
        indexes = [
            models.Index(fields=["account", "created_at"], name="vol_point_account"),
            models.Index(fields=["region", "created_at"], name="vol_point_region"),
        ]

    def __str__(self):
        return f"{self.amount:+d} {self.reason}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.get("force_insert"):
            raise TypeError("积分流水只能追加，不能修改")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("积分流水只能追加，不能删除")


class CatalogItem(InitialsMixin, ScopedModel):
    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="catalog_items", verbose_name="社区"
    )
    name = models.CharField("物品名称", max_length=60)
    name_initials = models.CharField(max_length=64, blank=True, db_index=True)
    description = models.CharField("说明", max_length=200, blank=True)
    price = models.PositiveIntegerField("所需积分")
    stock = models.IntegerField("库存")
    is_active = models.BooleanField("上架", default=True)
    created_at = models.DateTimeField(default=timezone.now)

    scope_region = "region"

    class Meta:
        ordering = ["region_id", "price", "name"]
        verbose_name = verbose_name_plural = "爱心超市物品"
        constraints = [
            models.CheckConstraint(condition=Q(stock__gte=0), name="vol_item_stock_nonnegative"),
            models.CheckConstraint(condition=Q(price__gt=0), name="vol_item_price_positive"),
            models.UniqueConstraint(fields=["region", "name"], name="vol_item_unique_name"),
        ]
        indexes = [models.Index(fields=["region", "is_active"], name="vol_item_region_active")]

    def __str__(self):
        return self.name


class RedemptionState(models.TextChoices):
    REDEEMED = "redeemed", "待领取"
    DELIVERED = "delivered", "已领取"
    CANCELLED = "cancelled", "已取消"


class Redemption(ScopedModel):
    item = models.ForeignKey(CatalogItem, on_delete=models.PROTECT, related_name="redemptions")
    account = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="redemptions"
    )
    quantity = models.PositiveSmallIntegerField("数量", default=1)
    points = models.PositiveIntegerField("消耗积分")
    state = models.CharField(max_length=16, choices=RedemptionState.choices, default=RedemptionState.REDEEMED)
    entry = models.OneToOneField(PointEntry, on_delete=models.PROTECT, related_name="redemption")
    refund = models.OneToOneField(
        PointEntry, null=True, blank=True, on_delete=models.PROTECT, related_name="refunded_redemption"
    )
    created_at = models.DateTimeField("兑换时间", default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    scope_region = "item__region"
    scope_owner = "account"

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = verbose_name_plural = "积分兑换"
        indexes = [models.Index(fields=["account", "state"], name="vol_redemption_account")]

    def __str__(self):
        return f"{self.item} × {self.quantity}"


class VolunteerTally(models.Model):
    """A volunteer's ranking figures, kept so the rankings page reads one row per volunteer instead of
    summing the points ledger and the service sign-ups: points earned (every ledger line but
    redemptions, revokes included) and hours served (checked-out sign-ups of volunteer activities;
    exact, and rounded to 0.1 h as the page shows and orders them). Written by volunteers.tallies:
    incrementally after each ledger line and each sign-up change of the account, and wholly by the
    nightly rollup."""

    volunteer = models.OneToOneField(
        Volunteer, primary_key=True, on_delete=models.CASCADE, related_name="tally", verbose_name="志愿者"
    )
    points = models.IntegerField("积分", default=0)
    hours = models.DecimalField("服务时长（小时）", max_digits=12, decimal_places=2, default=0)
    hours_shown = models.FloatField("服务时长（0.1 小时）", default=0)  # the ranking's order and figure
    computed_at = models.DateTimeField("计算时间", default=timezone.now)

    class Meta:
        verbose_name = verbose_name_plural = "志愿者排行汇总"
        indexes = [
            models.Index(fields=["-points", "-hours_shown"], name="vol_tally_points"),
            models.Index(fields=["-hours_shown", "-points"], name="vol_tally_hours"),
        ]

    def __str__(self):
        return f"{self.volunteer_id}: {self.points} / {self.hours}"
