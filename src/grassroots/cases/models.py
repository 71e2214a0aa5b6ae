"""Cases (诉求 / 事件 / 工单): the closed loop 派单 → 接单 → 纪实 → 评价 → 赋分.

Configuration: Category (tree of classes with default tier, deadline and handler kind), Holiday (the
official working-day calendar, editable data), Handler (who cases are dispatched to), AdmissionItem
(社区事项准入清单, GOV-2). Work: Case, CaseEvent (one row per step), Evaluation, EvaluationLink.

The state of a case changes only through cases.services, following cases.workflow.TRANSITIONS.
Time-based status (on track / due soon / overdue) is derived from due_soon_at and due_at, which are
computed once at dispatch from the working-day calendar: no job ever flips it.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone

from grassroots.core.scoping import ScopedManager, ScopedModel, ScopedQuerySet, grants_for

from .workflow import AWAITING_RESPONSE, OPEN_STATES, CaseState


class Tier(models.TextChoices):
    """三事分流 (GOV-1)."""

    MAJOR = "major", "大事"
    MINOR = "minor", "小事"
    PRIVATE = "private", "私事"


class DeadlineUnit(models.TextChoices):
    WORKING_DAYS = "working_days", "工作日"
    HOURS = "hours", "小时"


class HandlerKind(models.TextChoices):
    DEPARTMENT = "department", "职能部门"
    STREET = "street", "街道"
    COMMUNITY = "community", "社区"
    GRID = "grid", "网格"


class CategoryKind(models.TextChoices):
    COMPONENT = "component", "部件"
    EVENT = "event", "事件"
    COMMUNITY = "community", "社区事项"


class Channel(models.TextChoices):
    H5 = "h5", "居民随手拍"
    PATROL = "patrol", "网格巡查"
    HOTLINE = "hotline", "12345热线"
    WALK_IN = "walk_in", "来电来访代录"
    VISIT = "visit", "走访"
    NIGHT_VISIT = "night_visit", "夜访民情"
    IMPORT = "import", "批量导入"
    OPEN311 = "open311", "开放接口(Open311)"


class EvaluationResult(models.TextChoices):
    SATISFIED = "satisfied", "满意"
    BASIC = "basic", "基本满意"
    UNSATISFIED = "unsatisfied", "不满意"


# Fields a category may require at intake (Category.required_fields holds a subset of these keys).
REQUIRABLE_FIELDS = {
    "location": "位置",
    "address": "地址",
    "reporter_phone": "联系电话",
    "reporter_name": "联系人",
}


class Category(models.Model):
    """A class of cases. Top level = 大类, children = 小类; a child inherits nothing implicitly: each
    row carries its own tier, deadline and handler kind so a city can tune any of them."""

    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name="上级类别",
    )
    code = models.CharField("类别编码", max_length=20, unique=True)
    name = models.CharField("名称", max_length=50)
    kind = models.CharField("类型", max_length=16, choices=CategoryKind.choices)
    default_tier = models.CharField("默认分流", max_length=8, choices=Tier.choices, default=Tier.MINOR)
    deadline_value = models.PositiveIntegerField("处置时限", default=5)
    deadline_unit = models.CharField(
        "时限单位", max_length=16, choices=DeadlineUnit.choices, default=DeadlineUnit.WORKING_DAYS
    )
    handler_kind = models.CharField(
        "默认承办类型", max_length=16, choices=HandlerKind.choices, default=HandlerKind.COMMUNITY
    )
    required_fields = models.JSONField("必填项", default=list, blank=True)
    keywords = models.CharField(
        "关键词", max_length=300, blank=True, help_text="用于自动推荐类别，多个关键词用空格或逗号分隔"
    )
    is_active = models.BooleanField("启用", default=True)
    sort = models.PositiveIntegerField("排序", default=0)

    class Meta:
        ordering = ["sort", "code"]
        verbose_name = verbose_name_plural = "事项类别"

    def __str__(self):
        return f"{self.parent.name}/{self.name}" if self.parent_id else self.name

    def clean(self):
        unknown = [f for f in self.required_fields or [] if f not in REQUIRABLE_FIELDS]
        if unknown:
            raise ValidationError({"required_fields": f"未知的必填项：{'、'.join(unknown)}"})
        if self.deadline_value < 1:
            raise ValidationError({"deadline_value": "处置时限至少为 1"})


class TierDeadline(models.Model):
    """GOV-5: the handling deadline of one category for one tier of 三事分流 (e.g. 大事 of 市政设施 in 3
    working days, 小事 in 5). A row on a 大类 applies to its 小类 unless a 小类 has its own row; without a
    row the category's own deadline applies."""

    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="tier_deadlines", verbose_name="事项类别"
    )
    tier = models.CharField("三事分流", max_length=8, choices=Tier.choices)
    deadline_value = models.PositiveIntegerField("处置时限", default=5)
    deadline_unit = models.CharField(
        "时限单位", max_length=16, choices=DeadlineUnit.choices, default=DeadlineUnit.WORKING_DAYS
    )
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        ordering = ["category__sort", "category__code", "tier"]
        verbose_name = verbose_name_plural = "分流处置时限"
        constraints = [
            models.UniqueConstraint(
                fields=["category", "tier"],
                name="tier_deadline_unique",
                violation_error_message="该类别的这一分流已设置时限",
            )
        ]

    def __str__(self):
        limit = f"{self.deadline_value}{self.get_deadline_unit_display()}"
        return f"{self.category}·{self.get_tier_display()}：{limit}"

    def clean(self):
        if self.deadline_value is not None and self.deadline_value < 1:
            raise ValidationError({"deadline_value": "处置时限至少为 1"})


class Holiday(models.Model):
    """One day that differs from the Monday–Friday rule, or a named official holiday.

    is_workday=False: day off (official holiday); is_workday=True: adjusted working day (调休上班)."""

    date = models.DateField("日期", unique=True)
    is_workday = models.BooleanField("是否上班", default=False)
    name = models.CharField("名称", max_length=50, blank=True)
    source = models.CharField("来源", max_length=20, default="manual")

    class Meta:
        ordering = ["date"]
        verbose_name = verbose_name_plural = "节假日与调休"

    def __str__(self):
        return f"{self.date} {self.name} {'上班' if self.is_workday else '休息'}"


class Handler(ScopedModel):
    """Who a case is dispatched to. Members act for a department; street/community/grid handlers can
    also be acted for by anyone holding cases.handle over the handler's region."""

    kind = models.CharField("类型", max_length=16, choices=HandlerKind.choices)
    name = models.CharField("名称", max_length=100)
    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="case_handlers", verbose_name="所属区域"
    )
    grid = models.ForeignKey(
        "grids.Grid",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="case_handlers",
        verbose_name="网格",
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="case_handlers", verbose_name="经办人"
    )
    is_active = models.BooleanField("启用", default=True)

    scope_region = "region"
    permission_app = "cases"

    class Meta:
        ordering = ["kind", "name"]
        verbose_name = verbose_name_plural = "承办单位"
        constraints = [models.UniqueConstraint(fields=["kind", "name", "region"], name="case_handler_unique")]

    def __str__(self):
        return self.name

    def clean(self):
        if self.kind == HandlerKind.GRID and not self.grid_id:
            raise ValidationError({"grid": "网格承办单位须指定网格"})
        if self.kind == HandlerKind.COMMUNITY and self.region_id and self.region.level != "community":
            raise ValidationError({"region": "社区承办单位须属于社区"})


class AdmissionItem(ScopedModel):
    """社区事项准入清单 (GOV-2): a category that may be delegated to communities under `region`
    (the whole installation when region is empty)."""

    category = models.ForeignKey(
        Category, on_delete=models.CASCADE, related_name="admission_items", verbose_name="事项类别"
    )
    region = models.ForeignKey(
        "regions.Region",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="case_admission_items",
        verbose_name="适用区域",
    )
    basis = models.CharField("准入依据", max_length=200, blank=True)
    is_active = models.BooleanField("启用", default=True)

    scope_region = "region"
    permission_app = "cases"

    class Meta:
        verbose_name = verbose_name_plural = "社区事项准入清单"
        constraints = [models.UniqueConstraint(fields=["category", "region"], name="case_admission_unique")]

    def __str__(self):
        return f"{self.category} · {self.region or '全市'}"


def handler_ids_for(user) -> list[int]:
    """Handlers the user is a member of (loaded once per user object)."""
    if user is None or not user.is_authenticated:
        return []
    cached = getattr(user, "_grassroots_case_handlers", None)
    if cached is None:
        cached = list(Handler.objects.filter(members=user, is_active=True).values_list("pk", flat=True))
        user._grassroots_case_handlers = cached
    return cached


# Actions a handler membership grants on the cases currently dispatched to that handler.
HANDLER_ACTIONS = {"view", "handle"}


def case_grants(user, action: str):
    """The user's grants that carry cases.<action>. Department handlers hold none (see the role's
    permissions in accounts/permissions.py): membership of a handler is what shows them cases."""
    perm = action if "." in action else f"cases.{action}"
    return [g for g in grants_for(user) if perm in g.perms]


def case_scope_q(user, action: str = "view") -> Q | None:
    """Like core.scoping.scope_q for Case, plus handler membership; None = no restriction."""
    if user is None or not user.is_authenticated:
        return Q(pk__in=[])
    if user.is_superuser:
        return None
    q = Q(pk__in=[])
    for g in case_grants(user, action):
        if g.region_path is not None:
            q |= Q(region__path__startswith=g.region_path)
        elif g.own:
            q |= Q(reporter_user=user)
    if action in HANDLER_ACTIONS:
        ids = handler_ids_for(user)
        if ids:
            q |= Q(handler_id__in=ids)
    return q


class CaseQuerySet(ScopedQuerySet):
    # visible_to comes from ScopedQuerySet, through Case.scope_q_for (one declaration with covers)

    def open(self):
        return self.filter(state__in=OPEN_STATES)

    def overdue(self, now=None):
        now = now or timezone.now()
        return self.filter(state__in=OPEN_STATES, due_at__lte=now)

    def due_soon(self, now=None):
        now = now or timezone.now()
        return self.filter(state__in=OPEN_STATES, due_soon_at__lte=now, due_at__gt=now)

    # GOV-5 response deadline: cases still waiting for their first dispatch.
    def response_overdue(self, now=None):
        now = now or timezone.now()
        return self.filter(responded_at__isnull=True, state__in=AWAITING_RESPONSE, respond_due_at__lte=now)

    def response_due_soon(self, now=None):
        now = now or timezone.now()
        return self.filter(
            responded_at__isnull=True,
            state__in=AWAITING_RESPONSE,
            respond_soon_at__lte=now,
            respond_due_at__gt=now,
        )


class CaseManager(ScopedManager.from_queryset(CaseQuerySet)):
    pass


class Case(ScopedModel):
    number = models.CharField("编号", max_length=20, unique=True)
    external_number = models.CharField(
        "外部工单号", max_length=40, blank=True, help_text="12345 热线等外部系统的工单编号，用于导入查重"
    )
    channel = models.CharField("受理渠道", max_length=16, choices=Channel.choices)
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="cases", verbose_name="类别", null=True, blank=True
    )
    tier = models.CharField("三事分流", max_length=8, choices=Tier.choices, blank=True)
    description = models.TextField("问题描述", max_length=2000)
    lng = models.FloatField("经度(WGS-84)", null=True, blank=True)
    lat = models.FloatField("纬度(WGS-84)", null=True, blank=True)
    address = models.CharField("地址", max_length=200, blank=True)
    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="cases", verbose_name="所属社区"
    )
    grid = models.ForeignKey(
        "grids.Grid",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="cases",
        verbose_name="网格",
    )
    reporter_name = models.CharField("联系人", max_length=50, blank=True)
    reporter_phone = models.CharField("联系电话", max_length=20, blank=True)
    # Keyed hash of reporter_phone (core.crypto.lookup_hash): a resident who signs in with that phone
    # finds the case in 我的诉求 and hears about it in the inbox.
    reporter_phone_hash = models.CharField(max_length=40, blank=True, db_index=True)
    reporter_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reported_cases",
        verbose_name="提交人账号",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="entered_cases",
        verbose_name="录入人",
    )
    handler = models.ForeignKey(
        Handler,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
        verbose_name="承办单位",
    )
    suggested_handler = models.ForeignKey(
        Handler,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="suggested_cases",
        verbose_name="退单建议承办单位",
    )
    dispatcher = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="dispatched_cases",
        verbose_name="派单人",
    )
    state = models.CharField(
        "状态", max_length=20, choices=CaseState.choices, default=CaseState.SUBMITTED, db_index=True
    )
    submitted_at = models.DateTimeField("提交时间", default=timezone.now)
    triaged_at = models.DateTimeField("分拨时间", null=True, blank=True)
    dispatched_at = models.DateTimeField("派单时间", null=True, blank=True)
    accepted_at = models.DateTimeField("接单时间", null=True, blank=True)
    resolved_at = models.DateTimeField("办结时间", null=True, blank=True)
    evaluated_at = models.DateTimeField("评价时间", null=True, blank=True)
    closed_at = models.DateTimeField("结案时间", null=True, blank=True)
    due_soon_at = models.DateTimeField("临期时间", null=True, blank=True)
    due_at = models.DateTimeField("办理期限", null=True, blank=True)
    # GOV-5 response deadline: the wait from submission to the first dispatch (or to the direct close of
    # a 私事). responded_at is set once, by whichever comes first, and never moves again.
    respond_soon_at = models.DateTimeField("响应临期时间", null=True, blank=True)
    respond_due_at = models.DateTimeField("响应期限", null=True, blank=True)
    responded_at = models.DateTimeField("响应时间", null=True, blank=True)
    reopen_count = models.PositiveSmallIntegerField("重办次数", default=0)
    return_count = models.PositiveSmallIntegerField("退单次数", default=0)
    merged_into = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="duplicates",
        verbose_name="合并至",
    )
    resolution = models.TextField("办理结果", blank=True)
    # Moderation of what the public reads (Open311 without a key, the tracking page): staff may replace
    # the description's public text or hide it; either way it is redacted on read (core.masking).
    public_description = models.TextField(
        "公开描述", max_length=2000, blank=True, help_text="留空则公开经自动脱敏的问题描述"
    )
    public_hidden = models.BooleanField("不公开问题描述", default=False)
    visit = models.ForeignKey(
        "cases.Visit",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="cases",
        verbose_name="来源走访",
    )
    score = models.PositiveSmallIntegerField("赋分", null=True, blank=True)
    version = models.PositiveIntegerField(default=0)

    scope_region = "region"
    scope_owner = "reporter_user"
    permission_app = "cases"
    personal_fields = {"reporter_name": "name", "reporter_phone": "phone"}

    objects = CaseManager()

    @classmethod
    def scope_q_for(cls, user, action: str = "view") -> Q | None:
        """Region grants (as core.scoping, minus handler-only roles) OR membership of the current handler."""
        return case_scope_q(user, action)

    PUBLIC_HIDDEN_TEXT = "（内容已由工作人员隐藏）"

    def public_text(self) -> str:
        """The description as the public reads it: hidden, or the moderated text, always redacted."""
        from grassroots.core.masking import redact_text

        if self.public_hidden:
            return self.PUBLIC_HIDDEN_TEXT
        return redact_text(self.public_description or self.description)

    def public_resolution(self) -> str:
        from grassroots.core.masking import redact_text

        return "" if self.public_hidden else redact_text(self.resolution)

    class Meta:
        ordering = ["-submitted_at", "-id"]
        verbose_name = verbose_name_plural = "诉求工单"
        indexes = [
            models.Index(fields=["state", "due_at"], name="case_state_due"),
            models.Index(fields=["handler", "state"], name="case_handler_state"),
            # Scoped lists (a street's / community's cases by state and category class): the count and
            # the filter read this index alone, not the scattered table rows (docs/SCALE.md).
            models.Index(fields=["region", "state", "category"], name="case_region_state_cat"),
            models.Index(fields=["-submitted_at", "-id"], name="case_recent"),
            models.Index(fields=["reporter_user", "-submitted_at"], name="case_reporter_recent"),
            models.Index(fields=["category", "submitted_at"], name="case_category_recent"),
            models.Index(fields=["dispatched_at"], name="case_dispatched"),  # rankings by dispatch period
            models.Index(fields=["resolved_at"], name="case_resolved"),  # resolved trend in statistics
            # One community's cases of one day: the statistics summary's refresh after a write (casedays).
            models.Index(fields=["region", "submitted_at"], name="case_region_submitted"),
            models.Index(
                fields=["state", "respond_due_at"], name="case_state_respond_due"
            ),  # response alerts
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(lng__isnull=True) | (Q(lng__gte=-180) & Q(lng__lte=180)),
                name="case_lng_range",
                violation_error_message="经度超出范围",
            ),
            models.CheckConstraint(
                condition=Q(lat__isnull=True) | (Q(lat__gte=-90) & Q(lat__lte=90)),
                name="case_lat_range",
                violation_error_message="纬度超出范围",
            ),
            models.UniqueConstraint(
                fields=["external_number"],
                condition=~Q(external_number=""),
                name="case_external_number_unique",
                violation_error_message="外部工单号已存在",
            ),
            models.CheckConstraint(
                condition=~Q(state="dispatched") | Q(handler__isnull=False),
                name="case_dispatched_has_handler",
                violation_error_message="已派单的工单必须有承办单位",
            ),
        ]

    def __str__(self):
        return self.number or "新工单"

    def deadline_status(self, now=None) -> str:
        """on_track / due_soon / overdue (derived, never stored); "" without a deadline. A finished case
        keeps the status it had when it was resolved."""
        if not self.due_at:
            return ""
        if self.state not in OPEN_STATES:
            end = self.resolved_at
            if end is None:
                return ""
            return "overdue" if end > self.due_at else "on_track"
        now = now or timezone.now()
        if now >= self.due_at:
            return "overdue"
        if self.due_soon_at and now >= self.due_soon_at:
            return "due_soon"
        return "on_track"

    def get_deadline_status_display(self) -> str:
        return DEADLINE_STATUS_LABELS.get(self.deadline_status(), "")


DEADLINE_STATUS_LABELS = {"on_track": "正常", "due_soon": "临期", "overdue": "超期"}


class CaseEvent(models.Model):
    """One step of a case (纪实): append-only, the case's own timeline."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events", verbose_name="工单")
    step = models.CharField("环节", max_length=16)
    from_state = models.CharField("原状态", max_length=20, blank=True)
    to_state = models.CharField("新状态", max_length=20)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, verbose_name="操作人"
    )
    actor_name = models.CharField("操作人", max_length=150, blank=True)
    handler = models.ForeignKey(
        Handler, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name="承办单位"
    )
    note = models.TextField("说明", blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField("时间", default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = verbose_name_plural = "办理纪实"
        indexes = [models.Index(fields=["case", "created_at"])]

    def __str__(self):
        return f"{self.case} {self.step}"

    def get_step_display(self) -> str:
        from .workflow import VERB_LABELS

        return VERB_LABELS.get(self.step, self.step)


class Evaluation(models.Model):
    """The resident's evaluation of one resolution round; it counts against `handler`."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="evaluations", verbose_name="工单")
    round = models.PositiveSmallIntegerField("轮次")
    result = models.CharField("评价", max_length=16, choices=EvaluationResult.choices)
    comment = models.CharField("意见", max_length=500, blank=True)
    handler = models.ForeignKey(
        Handler, null=True, on_delete=models.SET_NULL, related_name="evaluations", verbose_name="承办单位"
    )
    created_at = models.DateTimeField("时间", default=timezone.now)

    class Meta:
        ordering = ["case", "round"]
        verbose_name = verbose_name_plural = "群众评价"
        constraints = [
            models.UniqueConstraint(fields=["case", "round"], name="case_evaluation_once_per_round")
        ]

    def __str__(self):
        return f"{self.case} 第{self.round}次评价 {self.get_result_display()}"


class EvaluationLink(models.Model):
    """A signed, single-use evaluation link for one resolution round of one case (SECURITY.md)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="evaluation_links")
    round = models.PositiveSmallIntegerField()
    nonce = models.CharField(max_length=32, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "评价链接"

    def __str__(self):
        return f"{self.case} #{self.round}"


class DispatchRule(ScopedModel):
    """Routing rule: category × tier × place → handler. The most specific matching rule wins (deepest
    category, then deepest region, then an exact tier over any tier)."""

    category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.CASCADE, related_name="rules", verbose_name="类别"
    )
    tier = models.CharField("三事分流", max_length=8, choices=Tier.choices, blank=True)
    region = models.ForeignKey(
        "regions.Region",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="case_rules",
        verbose_name="适用区域",
    )
    handler = models.ForeignKey(
        Handler, on_delete=models.CASCADE, related_name="rules", verbose_name="承办单位"
    )
    is_active = models.BooleanField("启用", default=True)

    scope_region = "region"
    permission_app = "cases"

    class Meta:
        verbose_name = verbose_name_plural = "派单规则"

    def __str__(self):
        return f"{self.category or '全部类别'} · {self.get_tier_display() or '全部'} → {self.handler}"


class CaseFollower(models.Model):
    """A resident who follows a case without having reported it: the reporter of a case merged into
    it. Followers see the surviving case on their tracking page and are notified when it moves."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="followers", verbose_name="工单")
    source = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="+", verbose_name="被合并工单", null=True, blank=True
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="followed_cases",
        verbose_name="居民账号",
    )
    phone = models.CharField("联系电话", max_length=20, blank=True)
    created_at = models.DateTimeField("时间", default=timezone.now)

    personal_fields = {"phone": "phone"}

    class Meta:
        verbose_name = verbose_name_plural = "工单关注人"
        constraints = [
            models.UniqueConstraint(fields=["case", "source"], name="case_follower_once"),
            # a resident's own follow (身边诉求) has no source: once per account
            models.UniqueConstraint(
                fields=["case", "user"], condition=Q(source__isnull=True), name="case_follow_user_once"
            ),
        ]
        indexes = [models.Index(fields=["user", "case"], name="case_follower_user")]

    def __str__(self):
        return f"{self.case} ← {self.source}"


class VisitKind(models.TextChoices):
    CONTACT_POINT = "contact_point", "联系点走访"
    NIGHT = "night", "夜访民情"


class Visit(ScopedModel):
    """A leader's visit to a contact point, or a night visit (夜访民情, GOV-7): who, when, where,
    whom, what was heard. A visit can open cases (Case.visit links back)."""

    kind = models.CharField("走访类型", max_length=16, choices=VisitKind.choices)
    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="case_visits", verbose_name="走访社区"
    )
    visitor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="case_visits",
        verbose_name="登记人",
    )
    visitor_name = models.CharField("走访人", max_length=100)
    visited_at = models.DateTimeField("走访时间")
    place = models.CharField("走访地点", max_length=200)
    whom = models.CharField("走访对象", max_length=200)
    heard = models.TextField("听取的意见", max_length=4000)
    created_at = models.DateTimeField("登记时间", default=timezone.now)

    scope_region = "region"
    permission_app = "cases"

    class Meta:
        ordering = ["-visited_at", "-id"]
        verbose_name = verbose_name_plural = "走访记录"
        indexes = [models.Index(fields=["region", "-visited_at"], name="case_visit_region_recent")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.place}"


class SuggestionModel(models.Model):
    """The trained category classifier, stored as data (a multinomial naive-Bayes count table)."""

    name = models.CharField(max_length=40, unique=True)
    data = models.JSONField(default=dict)
    documents = models.PositiveIntegerField("训练样本数", default=0)
    trained_at = models.DateTimeField("训练时间", default=timezone.now)

    class Meta:
        verbose_name = verbose_name_plural = "类别推荐模型"

    def __str__(self):
        return self.name


# ------------------------------------------------------------------------------------------ summaries
class CaseDay(ScopedModel):
    """The statistics' daily summary (cases.casedays): one row per local day and community with the
    figures of the cases submitted that day as `stats.case_stats` shows them, the cases resolved that
    day, and the day's cases counted by category class, channel, tier, state, grid and handler
    (`counts`: {dimension: {key: n}}). Refreshed wholly by every rollup run and per (day, community)
    after commit of every case step (cases.services._event); never written anywhere else."""

    day = models.DateField("日期")
    region = models.ForeignKey("regions.Region", on_delete=models.CASCADE, related_name="+")
    region_path = models.CharField(max_length=255)
    submitted = models.PositiveIntegerField(default=0)
    open = models.PositiveIntegerField(default=0)  # dispatched / accepted / in progress
    waiting = models.PositiveIntegerField(default=0)  # submitted / triaged / returned
    finished = models.PositiveIntegerField(default=0)  # resolved_at set
    closed_unresolved = models.PositiveIntegerField(default=0)
    on_time = models.PositiveIntegerField(default=0)  # finished with a deadline, in time
    late = models.PositiveIntegerField(default=0)  # finished with a deadline, late
    resp_num = models.PositiveIntegerField(default=0)  # 响应率 numerator (responded in time, not merged)
    resp_done = models.PositiveIntegerField(default=0)  # responded, with a response deadline, not merged
    resolution_den = models.PositiveIntegerField(default=0)  # closed + closed unresolved
    resolution_num = models.PositiveIntegerField(default=0)  # closed
    satisfaction_den = models.PositiveIntegerField(default=0)  # final evaluation, not merged
    satisfaction_num = models.PositiveIntegerField(default=0)  # final evaluation satisfied / basic
    resolved = models.PositiveIntegerField(default=0)  # cases (any submission day) resolved on `day`
    # {"category" | "channel" | "tier" | "state" | "grid" | "handler": {key: n}}
    counts = models.JSONField(default=dict)
    # The deadlines of the day's cases whose figures move with the clock alone, in µs since the epoch:
    # {"open": [[due_soon_at, due_at], ...] of open cases, "respond": [respond_due_at, ...] of cases
    # not yet responded to}; a read compares them with its `now` (casedays.clock_figures).
    clock = models.JSONField(default=dict)
    # True: the row sums the whole calendar month starting at `day` (the day rows of that month and
    # community): a period's breakdowns read it for its whole months instead of up to 31 day rows.
    month = models.BooleanField(default=False)

    scope_region = "region"
    scope_region_path_field = "region_path"
    permission_app = "cases"

    class Meta:
        verbose_name = verbose_name_plural = "诉求统计日汇总"
        constraints = [models.UniqueConstraint(fields=["day", "region", "month"], name="caseday_unique")]
        indexes = [models.Index(fields=["region_path", "day"], name="caseday_path_day")]
