"""Co-building (共驻共建): dual registration, needs / resources / projects with two-way claiming,
joint meetings with tracked resolutions.

Scope: every row carries its community (`community`, a Region) for region-scoped staff and a party
org (`org`) for party-org-scoped users (unit liaisons): for a unit's rows the unit's covering org,
else the community's party committee; for a member's registration the member's own org (the
workplace org of an in-service member), so both the community and the workplace see it.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from grassroots.core.scoping import ScopedManager, ScopedModel


class Category(models.TextChoices):
    VENUE = "venue", "场地"
    FUNDS = "funds", "资金"
    SKILLS = "skills", "技能"
    EQUIPMENT = "equipment", "设备物资"
    SERVICE = "service", "志愿服务"
    OTHER = "other", "其他"


class RegState(models.TextChoices):
    PENDING = "pending", "待确认"
    ACTIVE = "active", "已报到"
    ENDED = "ended", "已结束"
    REJECTED = "rejected", "已退回"


class RegKind(models.TextChoices):
    UNIT = "unit", "单位报到"
    MEMBER = "member", "在职党员报到"


class ItemState(models.TextChoices):
    OPEN = "open", "待认领"
    CLAIMED = "claimed", "已认领"
    DONE = "done", "已完成"
    CANCELLED = "cancelled", "已撤销"


class ProjectState(models.TextChoices):
    PLANNING = "planning", "筹划中"
    ONGOING = "ongoing", "实施中"
    DONE = "done", "已完成"
    CANCELLED = "cancelled", "已撤销"


class MeetingState(models.TextChoices):
    PLANNED = "planned", "待召开"
    HELD = "held", "已召开"
    CANCELLED = "cancelled", "已取消"


class RatingSide(models.TextChoices):
    COMMUNITY_RATES_UNIT = "c2u", "社区评单位"
    UNIT_RATES_COMMUNITY = "u2c", "单位评社区"


RATING_CRITERIA = {
    "c2u": [("participation", "参与度"), ("commitment", "履约情况"), ("effect", "服务成效")],
    "u2c": [("support", "对接服务"), ("communication", "沟通协调"), ("effect", "共建成效")],
}


class CobuildModel(ScopedModel):
    scope_region = "community"
    scope_org = "org"
    objects = ScopedManager()

    class Meta:
        abstract = True


class ServicePost(CobuildModel):
    """服务岗位: a community's list of posts in-service members can choose."""

    community = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name="社区"
    )
    org = models.ForeignKey(
        "party.PartyOrg", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    name = models.CharField("岗位名称", max_length=50)
    description = models.CharField("岗位说明", max_length=200, blank=True)
    active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = verbose_name_plural = "服务岗位"
        constraints = [models.UniqueConstraint(fields=["community", "name"], name="cobuild_post_unique")]

    def __str__(self):
        return self.name


class Registration(CobuildModel):
    """双报到: a unit (kind=unit) or an in-service member (kind=member) reports to a community."""

    TRANSITIONS = {
        RegState.PENDING: {RegState.ACTIVE, RegState.REJECTED},
        RegState.ACTIVE: {RegState.ENDED},
        RegState.ENDED: set(),
        RegState.REJECTED: set(),
    }

    kind = models.CharField("报到类型", max_length=8, choices=RegKind.choices)
    community = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name="报到社区"
    )
    org = models.ForeignKey(
        "party.PartyOrg", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    unit = models.ForeignKey(
        "units.Unit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cobuild_registrations",
        verbose_name="单位",
    )
    member = models.ForeignKey(
        "party.Member",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cobuild_registrations",
        verbose_name="党员",
    )
    posts = models.ManyToManyField(
        ServicePost, blank=True, related_name="registrations", verbose_name="服务岗位"
    )
    state = models.CharField("状态", max_length=10, choices=RegState.choices, default=RegState.PENDING)
    contact_name = models.CharField("联系人", max_length=50, blank=True)
    contact_phone = models.CharField("联系电话", max_length=20, blank=True)
    note = models.CharField("备注", max_length=200, blank=True)
    submitted_at = models.DateTimeField("提交时间", default=timezone.now)
    confirmed_at = models.DateTimeField("确认时间", null=True, blank=True)
    ended_at = models.DateTimeField("结束时间", null=True, blank=True)

    scope_owner = "member__user"
    personal_fields = {"contact_phone": "phone"}

    class Meta:
        verbose_name = verbose_name_plural = "双报到"
        indexes = [
            models.Index(fields=["community", "kind", "state"]),
            models.Index(fields=["org", "kind"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "community"],
                condition=models.Q(state__in=["pending", "active"]),
                name="cobuild_reg_unit_live",
            ),
            models.UniqueConstraint(
                fields=["member"],
                condition=models.Q(state__in=["pending", "active"]),
                name="cobuild_reg_member_live",
            ),
        ]

    def __str__(self):
        who = self.unit.name if self.unit_id else (self.member.name if self.member_id else "")
        return f"{who}（{self.get_kind_display()}）"

    def clean(self):
        if self.kind == RegKind.UNIT and not self.unit_id:
            raise ValidationError({"unit": "请选择报到单位"})
        if self.kind == RegKind.MEMBER and not self.member_id:
            raise ValidationError({"member": "请选择报到党员"})
        if self.community_id and self.community.level != "community":
            raise ValidationError({"community": "报到对象必须是社区"})


class Agreement(CobuildModel):
    """共驻共建协议 of a unit registration: what the unit commits to, signed date and term."""

    registration = models.OneToOneField(Registration, on_delete=models.CASCADE, related_name="agreement")
    community = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    org = models.ForeignKey(
        "party.PartyOrg", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    items = models.JSONField("共建事项", default=list, blank=True)
    signed_on = models.DateField("签订日期", null=True, blank=True)
    term_start = models.DateField("协议起始", null=True, blank=True)
    term_end = models.DateField("协议届满", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "共驻共建协议"

    def __str__(self):
        return f"共驻共建协议 #{self.pk}"

    def clean(self):
        if not [i for i in self.items if str(i).strip()]:
            raise ValidationError({"items": "请至少填写一项共建事项"})
        if self.term_start and self.term_end and self.term_end <= self.term_start:
            raise ValidationError({"term_end": "协议届满日期须晚于起始日期"})


class ServiceRecord(ScopedModel):
    """Service hours of a registered member in the community (服务记录)."""

    registration = models.ForeignKey(Registration, on_delete=models.CASCADE, related_name="records")
    served_on = models.DateField("服务日期")
    activity = models.CharField("服务内容", max_length=100)
    hours = models.DecimalField(
        "服务时长(小时)",
        max_digits=5,
        decimal_places=1,
        validators=[MinValueValidator(0.5), MaxValueValidator(24)],
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager()
    scope_region = "registration__community"
    scope_org = "registration__org"
    scope_owner = "registration__member__user"
    permission_app = "cobuild"

    class Meta:
        verbose_name = verbose_name_plural = "服务记录"
        indexes = [models.Index(fields=["registration", "served_on"])]

    def __str__(self):
        return f"{self.served_on} {self.activity}"


class Rating(CobuildModel):
    """双向考核: a community rates a unit, or a unit rates a community, once per quarter."""

    side = models.CharField("评价方向", max_length=4, choices=RatingSide.choices)
    community = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    org = models.ForeignKey(
        "party.PartyOrg", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    unit = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="cobuild_ratings")
    period = models.CharField("考核季度", max_length=7)  # "2026Q3"
    scores = models.JSONField("分项评分", default=dict)
    score = models.DecimalField("平均分", max_digits=3, decimal_places=2)
    comment = models.CharField("评语", max_length=300, blank=True)
    rated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = verbose_name_plural = "双向考核评分"
        constraints = [
            models.UniqueConstraint(
                fields=["side", "community", "unit", "period"], name="cobuild_rating_once"
            )
        ]
        indexes = [models.Index(fields=["unit", "side"]), models.Index(fields=["community", "period"])]

    def __str__(self):
        return f"{self.get_side_display()} {self.period}"


class ListItem(CobuildModel):
    """Common fields of needs and resources (需求清单 / 资源清单)."""

    TRANSITIONS = {
        ItemState.OPEN: {ItemState.CLAIMED, ItemState.CANCELLED},
        ItemState.CLAIMED: {ItemState.OPEN, ItemState.DONE},
        ItemState.DONE: set(),
        ItemState.CANCELLED: set(),
    }

    title = models.CharField("名称", max_length=100)
    description = models.TextField("说明", blank=True)
    category = models.CharField("类别", max_length=12, choices=Category.choices)
    quantity = models.PositiveIntegerField("数量/容量", default=1)
    community = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name="社区"
    )
    org = models.ForeignKey(
        "party.PartyOrg", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    place = models.CharField("地点", max_length=100, blank=True)
    lng = models.FloatField("经度", null=True, blank=True)
    lat = models.FloatField("纬度", null=True, blank=True)
    valid_until = models.DateField("有效期至", null=True, blank=True)
    state = models.CharField("状态", max_length=10, choices=ItemState.choices, default=ItemState.OPEN)
    created_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField("认领时间", null=True, blank=True)
    claimed_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    project = models.ForeignKey(
        "Project", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name="所属项目"
    )

    class Meta:
        abstract = True

    def __str__(self):
        return self.title

    def clean(self):
        if (self.lng is None) != (self.lat is None):
            raise ValidationError({"lng": "经度和纬度须同时填写"})
        if self.lng is not None and not (-180 <= self.lng <= 180 and -90 <= self.lat <= 90):
            raise ValidationError({"lng": "坐标超出范围"})
        if self.quantity < 1:
            raise ValidationError({"quantity": "数量须大于 0"})


class Need(ListItem):
    """需求: posted by a community (or a worker on behalf of a resident); claimed by a unit."""

    on_behalf_of = models.CharField("代居民提出（姓名）", max_length=50, blank=True)
    claimed_unit = models.ForeignKey(
        "units.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="claimed_needs"
    )

    class Meta:
        verbose_name = verbose_name_plural = "需求清单"
        indexes = [models.Index(fields=["community", "state", "category"])]


class Resource(ListItem):
    """资源: offered by a unit; claimed by a community."""

    unit = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="cobuild_resources")
    claimed_community = models.ForeignKey(
        "regions.Region", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = verbose_name_plural = "资源清单"
        indexes = [models.Index(fields=["community", "state", "category"])]


class Project(CobuildModel):
    """项目: owned by a community and units, with a budget, milestones, outputs and an evaluation."""

    TRANSITIONS = {
        ProjectState.PLANNING: {ProjectState.ONGOING, ProjectState.CANCELLED},
        ProjectState.ONGOING: {ProjectState.DONE, ProjectState.CANCELLED},
        ProjectState.DONE: set(),
        ProjectState.CANCELLED: set(),
    }

    title = models.CharField("项目名称", max_length=100)
    description = models.TextField("项目内容", blank=True)
    community = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name="社区"
    )
    org = models.ForeignKey(
        "party.PartyOrg", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    units = models.ManyToManyField(
        "units.Unit", blank=True, related_name="cobuild_projects", verbose_name="共建单位"
    )
    budget_fen = models.PositiveBigIntegerField("预算(分)", default=0)
    state = models.CharField(
        "状态", max_length=10, choices=ProjectState.choices, default=ProjectState.PLANNING
    )
    evaluation_score = models.PositiveSmallIntegerField(
        "评价得分", null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    evaluation = models.CharField("评价意见", max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = verbose_name_plural = "项目清单"
        indexes = [models.Index(fields=["community", "state"])]

    def __str__(self):
        return self.title

    @property
    def budget_yuan(self) -> str:
        return f"{self.budget_fen / 100:,.2f}"


class Milestone(ScopedModel):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField("节点", max_length=100)
    due = models.DateField("计划完成")
    done_on = models.DateField("实际完成", null=True, blank=True)

    objects = ScopedManager()
    scope_region = "project__community"
    scope_org = "project__org"
    permission_app = "cobuild"

    class Meta:
        verbose_name = verbose_name_plural = "项目节点"
        ordering = ["due", "pk"]

    def __str__(self):
        return self.title


class ProjectOutput(ScopedModel):
    """A project's output (成果), with photos in core.attachments (role "photo")."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="outputs")
    title = models.CharField("成果", max_length=100)
    body = models.TextField("说明", blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager()
    scope_region = "project__community"
    scope_org = "project__org"
    permission_app = "cobuild"

    class Meta:
        verbose_name = verbose_name_plural = "项目成果"

    def __str__(self):
        return self.title


class Committee(CobuildModel):
    """联席会议 / 党建协调委员会 at street, community or neighborhood level, meeting on 三定 (GOV-8)."""

    class Kind(models.TextChoices):
        JOINT = "joint", "联席会议"
        COORDINATION = "coordination", "党建协调委员会"

    name = models.CharField("名称", max_length=100)
    kind = models.CharField("类别", max_length=14, choices=Kind.choices, default=Kind.JOINT)
    # For street-level committees `community` holds the street node: the field is the scope node.
    community = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name="所在区划"
    )
    org = models.ForeignKey(
        "party.PartyOrg", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    units = models.ManyToManyField(
        "units.Unit", blank=True, related_name="cobuild_committees", verbose_name="成员单位"
    )
    day_of_month = models.PositiveSmallIntegerField(
        "固定日期(每月几日)", default=15, validators=[MinValueValidator(1), MaxValueValidator(28)]
    )
    time = models.TimeField("固定时间", default=datetime.time(15, 0))
    place = models.CharField("固定地点", max_length=100)
    default_theme = models.CharField("固定主题", max_length=100, blank=True)
    remind_days = models.PositiveSmallIntegerField("提前提醒(天)", default=2)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = verbose_name_plural = "联席会议与协调委员会"

    def __str__(self):
        return self.name

    def clean(self):
        if self.community_id and self.community.level not in ("street", "community", "neighborhood"):
            raise ValidationError({"community": "委员会只能设在街道、社区或小区"})


class CommitteeMember(ScopedModel):
    committee = models.ForeignKey(Committee, on_delete=models.CASCADE, related_name="people")
    name = models.CharField("姓名", max_length=50)
    unit = models.ForeignKey("units.Unit", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    post = models.CharField("职务", max_length=30, default="委员")
    user = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = ScopedManager()
    scope_region = "committee__community"
    scope_org = "committee__org"
    permission_app = "cobuild"

    class Meta:
        verbose_name = verbose_name_plural = "委员会成员"

    def __str__(self):
        return self.name


class Meeting(ScopedModel):
    """One session of a committee: fixed time, place and theme (三定)."""

    TRANSITIONS = {
        MeetingState.PLANNED: {MeetingState.HELD, MeetingState.CANCELLED},
        MeetingState.HELD: set(),
        MeetingState.CANCELLED: set(),
    }

    committee = models.ForeignKey(Committee, on_delete=models.CASCADE, related_name="meetings")
    starts_at = models.DateTimeField("召开时间")
    place = models.CharField("地点", max_length=100)
    theme = models.CharField("主题", max_length=100)
    state = models.CharField(
        "状态", max_length=10, choices=MeetingState.choices, default=MeetingState.PLANNED
    )
    minutes = models.TextField("会议纪要", blank=True)
    attendees = models.ManyToManyField(
        CommitteeMember, blank=True, related_name="attended", verbose_name="出席"
    )
    reminded_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager()
    scope_region = "committee__community"
    scope_org = "committee__org"
    permission_app = "cobuild"

    class Meta:
        verbose_name = verbose_name_plural = "会议"
        indexes = [
            models.Index(fields=["committee", "starts_at"]),
            models.Index(fields=["state", "starts_at"]),
        ]
        constraints = [
            models.UniqueConstraint(fields=["committee", "starts_at"], name="cobuild_meeting_once")
        ]

    def __str__(self):
        return f"{self.committee.name} {timezone.localtime(self.starts_at):%Y-%m-%d}"


class Resolution(ScopedModel):
    """An agenda item (issue raised) and the resolution it ends in: owner, duty and deadline (GOV-8)."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="resolutions")
    issue = models.CharField("议题", max_length=200)
    raised_by = models.CharField("提出方", max_length=50, blank=True)
    decision = models.CharField("决议", max_length=300, blank=True)
    owner = models.CharField("责任主体", max_length=50, blank=True)
    owner_unit = models.ForeignKey(
        "units.Unit", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    duty = models.CharField("责任事项", max_length=200, blank=True)
    due = models.DateField("完成期限", null=True, blank=True)
    done_on = models.DateField("完成日期", null=True, blank=True)
    result = models.CharField("办理结果", max_length=300, blank=True)

    objects = ScopedManager()
    scope_region = "meeting__committee__community"
    scope_org = "meeting__committee__org"
    permission_app = "cobuild"

    class Meta:
        verbose_name = verbose_name_plural = "议题与决议"
        indexes = [models.Index(fields=["due", "done_on"])]

    def __str__(self):
        return self.issue

    def clean(self):
        if self.decision and not (self.owner and self.duty and self.due):
            raise ValidationError({"owner": "决议须明确责任主体、责任事项和完成期限"})

    def status(self, today: datetime.date | None = None, warn_days: int = 3) -> str:
        """Derived: open (no decision yet) / done / overdue / due_soon / tracking."""
        today = today or timezone.localdate()
        if self.done_on:
            return "done"
        if not self.decision:
            return "open"
        if self.due and self.due < today:
            return "overdue"
        if self.due and (self.due - today).days <= warn_days:
            return "due_soon"
        return "tracking"
