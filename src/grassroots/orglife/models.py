"""Organisational life (组织生活) and activities: 三会一课, 主题党日, 组织生活会, 民主评议党员, joint
(联建共建) and volunteer activities.

Activity is the shared record other apps build on (volunteers extend kind="volunteer" activities
with check-out and points; venues link bookings to an Activity). Signup is one person's place in an
activity (sign-up, check-in, attendance, hours); for party-life meetings the secretary also records
attendance per party member of the branch as Signup rows with `member` set (and maybe no user),
so members without an account are counted too.

The status changes only through orglife.services following orglife.workflow.TRANSITIONS.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from grassroots.core.feedtokens import FeedToken
from grassroots.core.scoping import ScopedManager, ScopedModel, ScopedQuerySet, grants_for, scope_q
from grassroots.party.models import Member


class ActivityKind(models.TextChoices):
    MEMBERS_MEETING = "members_meeting", "支部党员大会"
    COMMITTEE_MEETING = "committee_meeting", "支委会"
    GROUP_MEETING = "group_meeting", "党小组会"
    PARTY_LECTURE = "party_lecture", "党课"
    THEME_DAY = "theme_day", "主题党日"
    LIFE_MEETING = "life_meeting", "组织生活会"
    APPRAISAL = "appraisal", "民主评议党员"
    JOINT = "joint", "联建共建活动"
    VOLUNTEER = "volunteer", "志愿服务活动"
    OTHER = "other", "其他活动"


# Kinds that are party organisational life: they need a party org and count toward LIFE-* rules.
PARTY_LIFE_KINDS = frozenset(
    {
        ActivityKind.MEMBERS_MEETING,
        ActivityKind.COMMITTEE_MEETING,
        ActivityKind.GROUP_MEETING,
        ActivityKind.PARTY_LECTURE,
        ActivityKind.THEME_DAY,
        ActivityKind.LIFE_MEETING,
        ActivityKind.APPRAISAL,
    }
)


class ActivityStatus(models.TextChoices):
    PLAN = "plan", "计划"
    PUBLISHED = "published", "已发布"
    ONGOING = "ongoing", "进行中"
    DONE = "done", "已完成"
    CANCELLED = "cancelled", "已取消"


STATUS_BADGES = {
    ActivityStatus.PLAN: "bg-secondary-lt",
    ActivityStatus.PUBLISHED: "bg-blue-lt",
    ActivityStatus.ONGOING: "bg-orange-lt",
    ActivityStatus.DONE: "bg-green-lt",
    ActivityStatus.CANCELLED: "bg-red-lt",
}


class SignupStatus(models.TextChoices):
    SIGNED_UP = "signed_up", "已报名"
    CANCELLED = "cancelled", "已取消"
    ATTENDED = "attended", "已签到"
    ABSENT = "absent", "缺席"


def activity_scope_q(model, user, action: str = "view") -> Q | None:
    """Staff see activities under their region/org grants. A user with an own-records grant
    (a party member) also sees published activities of their own org and its ancestors, and
    any activity they signed up for; they never change any of them."""
    q = scope_q(model, user, action)
    if q is None:
        return None
    if action == "view" and any(g.own and "orglife.view" in g.perms for g in grants_for(user)):
        own = Q(pk__in=Signup.objects.filter(user=user).values("activity_id"))
        member = Member.objects.filter(user=user).select_related("party_org").first()
        if member is not None:
            org_path = member.party_org.path
            steplen = member.party_org.steplen
            ancestors = [org_path[:i] for i in range(steplen, len(org_path) + 1, steplen)]
            own |= Q(party_org__path__in=ancestors) & ~Q(status=ActivityStatus.PLAN)
        q = q | own
    return q


class ActivityQuerySet(ScopedQuerySet):
    """visible_to comes from ScopedQuerySet, through Activity.scope_q_for (one declaration with covers)."""


class ActivityManager(ScopedManager.from_queryset(ActivityQuerySet)):
    pass


class Activity(ScopedModel):
    kind = models.CharField("类型", max_length=20, choices=ActivityKind.choices, db_index=True)
    title = models.CharField("标题", max_length=100)
    description = models.TextField("内容", blank=True)
    party_org = models.ForeignKey(
        "party.PartyOrg",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="activities",
        verbose_name="党组织",
    )
    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="activities", verbose_name="所属区划"
    )
    unit = models.ForeignKey(
        "units.Unit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="activities",
        verbose_name="联建单位",
    )
    place = models.CharField("地点", max_length=200, blank=True)
    lng = models.DecimalField(
        "经度",
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    lat = models.DecimalField(
        "纬度",
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    starts_at = models.DateTimeField("开始时间")
    ends_at = models.DateTimeField("结束时间")
    capacity = models.PositiveIntegerField("人数上限", null=True, blank=True, help_text="留空表示不限")
    signup_deadline = models.DateTimeField("报名截止", null=True, blank=True)
    status = models.CharField(
        "状态", max_length=12, choices=ActivityStatus.choices, default=ActivityStatus.PLAN, db_index=True
    )
    minutes = models.TextField("会议记录", blank=True)
    signed_up_count = models.PositiveIntegerField("报名人数", default=0)
    published_at = models.DateTimeField("发布时间", null=True, blank=True)
    done_at = models.DateTimeField("完成时间", null=True, blank=True)
    reminded_at = models.DateTimeField("提醒发送时间", null=True, blank=True)
    cancel_reason = models.CharField("取消原因", max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="创建人",
    )
    created_at = models.DateTimeField("创建时间", default=timezone.now)
    version = models.PositiveIntegerField(default=1)

    objects = ActivityManager()

    @classmethod
    def scope_q_for(cls, user, action: str = "view") -> Q | None:
        return activity_scope_q(cls, user, action)

    scope_region = "region"
    scope_org = "party_org"

    class Meta:
        ordering = ["-starts_at", "-id"]
        verbose_name = verbose_name_plural = "活动"
        indexes = [
            models.Index(fields=["party_org", "kind", "status", "starts_at"], name="orglife_act_org_kind"),
            models.Index(fields=["region", "starts_at"], name="orglife_act_region_start"),
            models.Index(fields=["status", "starts_at"], name="orglife_act_status_start"),
        ]

    def __str__(self):
        return self.title

    @property
    def status_badge(self) -> str:
        return STATUS_BADGES.get(self.status, "bg-secondary-lt")

    @property
    def is_party_life(self) -> bool:
        return self.kind in PARTY_LIFE_KINDS

    @property
    def can_record_directly(self) -> bool:
        """A plan whose time is over: it can no longer be published, only recorded (直接记录)."""
        return self.status == ActivityStatus.PLAN and self.ends_at <= timezone.now()

    @property
    def is_full(self) -> bool:
        return self.capacity is not None and self.signed_up_count >= self.capacity

    def signup_open(self, now: datetime.datetime | None = None) -> bool:
        now = now or timezone.now()
        if self.status not in (ActivityStatus.PUBLISHED, ActivityStatus.ONGOING):
            return False
        deadline = self.signup_deadline or self.ends_at
        return now <= deadline

    def clean(self):
        errors = {}
        if self.kind in PARTY_LIFE_KINDS and not self.party_org_id:
            errors["party_org"] = "组织生活类活动必须选择党组织"
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            errors["ends_at"] = "结束时间必须晚于开始时间"
        if self.signup_deadline and self.ends_at and self.signup_deadline > self.ends_at:
            errors["signup_deadline"] = "报名截止时间不能晚于活动结束时间"
        if (self.lng is None) != (self.lat is None):
            errors["lat"] = "经度和纬度需同时填写"
        if self.capacity is not None and self.capacity < 1:
            errors["capacity"] = "人数上限至少为 1，不限人数请留空"
        if errors:
            raise ValidationError(errors)

    def save(self, *args, **kwargs):
        if self.party_org_id and not self.region_id:
            self.region_id = self.party_org.region_id
        super().save(*args, **kwargs)

    def attachment_visible_to(self, user) -> bool:
        return Activity.objects.visible_to(user, "view").filter(pk=self.pk).exists()


class Signup(ScopedModel):
    activity = models.ForeignKey(
        Activity, on_delete=models.CASCADE, related_name="signups", verbose_name="活动"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="activity_signups",
        verbose_name="用户",
    )
    member = models.ForeignKey(
        "party.Member",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="activity_signups",
        verbose_name="党员",
    )
    name = models.CharField("姓名", max_length=50)
    status = models.CharField(
        "状态", max_length=12, choices=SignupStatus.choices, default=SignupStatus.SIGNED_UP, db_index=True
    )
    signed_up_at = models.DateTimeField("报名时间", default=timezone.now)
    checked_in_at = models.DateTimeField("签到时间", null=True, blank=True)
    checked_out_at = models.DateTimeField("签退时间", null=True, blank=True)
    hours = models.DecimalField("时长(小时)", max_digits=6, decimal_places=2, default=0)

    objects = ScopedManager()
    scope_region = "activity__region"
    scope_org = "activity__party_org"
    scope_owner = "user"

    class Meta:
        ordering = ["signed_up_at", "id"]
        verbose_name = verbose_name_plural = "活动报名"
        constraints = [
            models.UniqueConstraint(
                fields=["activity", "user"], condition=Q(user__isnull=False), name="orglife_signup_once"
            ),
            models.UniqueConstraint(
                fields=["activity", "member"],
                condition=Q(member__isnull=False),
                name="orglife_signup_member_once",
            ),
        ]
        indexes = [models.Index(fields=["user", "status"], name="orglife_signup_user")]

    def __str__(self):
        return f"{self.activity} · {self.name}"


class CalendarToken(FeedToken):
    """The secret of a user's personal iCalendar feed URL (for calendar apps that can't log in); only its
    hash is stored (core.feedtokens)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="orglife_calendar_token"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = verbose_name_plural = "日历订阅密钥"

    def __str__(self):
        return f"{self.user} 的日历订阅"


class BranchLife(models.Model):
    """One branch's organisational-life compliance over one window [start, end), as judged on
    `computed_on` (the states depend on the day: a period ends missed or still due). Kept so the
    statistics page and the home figures add up stored rows instead of counting activities per request.

    Written by orglife.stats: on first need (each branch missing a row of today), wholly for the
    current year and the last month by the nightly rollup; a branch's rows are dropped by every write
    that can change them (its activities, their sign-ups, its org rows, the LIFE rules: signals in
    orglife.stats.connect), so the next read recomputes that branch only."""

    org = models.ForeignKey(
        "party.PartyOrg", on_delete=models.CASCADE, related_name="life_rows", verbose_name="党支部"
    )
    start = models.DateField("开始")
    end = models.DateField("结束")  # exclusive
    computed_on = models.DateField("判定日期")
    judged = models.PositiveIntegerField("应完成", default=0)
    met = models.PositiveIntegerField("已完成", default=0)
    missed = models.JSONField("未完成事项", default=list)
    per_rule = models.JSONField("分规则", default=dict)  # {rule code: [judged, met]}

    class Meta:
        verbose_name = verbose_name_plural = "组织生活达标汇总"
        constraints = [
            models.UniqueConstraint(fields=["start", "end", "org"], name="orglife_branch_life_once")
        ]

    def __str__(self):
        return f"{self.org_id} {self.start}–{self.end}: {self.met}/{self.judged}"
