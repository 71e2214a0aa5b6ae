from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from grassroots.core.scoping import ScopedManager, ScopedModel


class RuleCategory(models.TextChoices):
    ORG = "org", "组织设置"
    COV = "cov", "两个覆盖"
    LIFE = "life", "组织生活"
    GOV = "gov", "基层治理"
    STD = "std", "考评标准"


class Rule(models.Model):
    """A party or governance rule with its parameters (RULES.md), stored as data so a city can adjust it."""

    code = models.CharField("规则编号", max_length=16, unique=True)
    category = models.CharField("类别", max_length=8, choices=RuleCategory.choices)
    title = models.CharField("规则", max_length=200)
    params = models.JSONField("参数", default=dict, blank=True)
    action = models.CharField("整改建议", max_length=200, blank=True)
    enabled = models.BooleanField("启用", default=True)
    source = models.TextField("依据", blank=True, help_text="法规或本市文件及条款")

    class Meta:
        ordering = ["code"]
        verbose_name = verbose_name_plural = "规则"

    def __str__(self):
        return f"{self.code} {self.title}"

    def param(self, name: str, default=None):
        return self.params.get(name, default)


# ---------------------------------------------------------------------------------------------
# Standards catalog: areas -> items (each measured by an indicator or by evidence) and level duties
# ---------------------------------------------------------------------------------------------
class Level(models.TextChoices):
    CITY = "city", "市级"
    DISTRICT = "district", "区级"
    STREET = "street", "街道"
    COMMUNITY = "community", "社区"


class Measure(models.TextChoices):
    INDICATOR = "indicator", "系统指标"
    EVIDENCE = "evidence", "佐证材料"


class Area(models.Model):
    """An area of the standard (Qingdao: 组织领导、组织体系、队伍建设、区域党建、引领治理、基础保障)."""

    code = models.CharField("领域编号", max_length=8, unique=True)
    name = models.CharField("领域", max_length=50)
    order = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        ordering = ["order", "code"]
        verbose_name = verbose_name_plural = "标准领域"

    def __str__(self):
        return self.name


class Item(models.Model):
    """A standard item: what an org of `applies_to` must do, measured by an indicator or by evidence."""

    code = models.CharField("标准编号", max_length=16, unique=True)
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="items", verbose_name="领域")
    title = models.CharField("标准内容", max_length=300)
    applies_to = models.CharField(
        "考评对象", max_length=12, choices=[("community", "社区"), ("street", "街道"), ("all", "街道和社区")]
    )
    measure = models.CharField("考评方式", max_length=12, choices=Measure.choices)
    indicator = models.CharField("指标", max_length=32, blank=True)
    max_score = models.DecimalField("分值", max_digits=5, decimal_places=1, default=1)
    order = models.PositiveSmallIntegerField("排序", default=0)
    enabled = models.BooleanField("启用", default=True)

    class Meta:
        ordering = ["area__order", "order", "code"]
        verbose_name = verbose_name_plural = "标准条目"

    def __str__(self):
        return f"{self.code} {self.title}"

    def applies(self, level: str) -> bool:
        return self.applies_to in ("all", level)


class Duty(models.Model):
    """A duty of one level (市委 / 区委 / 街道党工委 / 社区党组织) in one area of the standard."""

    code = models.CharField("职责编号", max_length=16, unique=True)
    level = models.CharField("层级", max_length=12, choices=Level.choices)
    area = models.ForeignKey(
        Area, on_delete=models.PROTECT, related_name="duties", verbose_name="领域", null=True, blank=True
    )
    text = models.CharField("职责", max_length=300)
    order = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        ordering = ["level", "order", "code"]
        verbose_name = verbose_name_plural = "层级职责"

    def __str__(self):
        return f"{self.get_level_display()} {self.text}"


# ---------------------------------------------------------------------------------------------
# Evaluation cycles: self-assessment -> street review -> district confirmation
# ---------------------------------------------------------------------------------------------
class EvalState(models.TextChoices):
    SELF = "self", "自评中"
    REVIEW = "review", "待街道审核"
    CONFIRM = "confirm", "待区级确认"
    CONFIRMED = "confirmed", "已确认"


class Evaluation(ScopedModel):
    """The evaluation of one org (a community or a street, by its region) for one period (a year)."""

    period = models.PositiveSmallIntegerField("考评年度")
    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="evaluations", verbose_name="考评对象"
    )
    level = models.CharField("层级", max_length=12, choices=Level.choices)
    state = models.CharField("状态", max_length=12, choices=EvalState.choices, default=EvalState.SELF)
    total = models.DecimalField("总分", max_digits=6, decimal_places=1, null=True, blank=True)
    max_total = models.DecimalField("满分", max_digits=6, decimal_places=1, default=0)
    grade = models.CharField("等次", max_length=8, blank=True)
    area_scores = models.JSONField("各领域得分", default=dict, blank=True)
    created_at = models.DateTimeField("创建时间", default=timezone.now)
    updated_at = models.DateTimeField("更新时间", default=timezone.now)

    objects = ScopedManager()
    scope_region = "region"
    permission_app = "standards"

    class Meta:
        ordering = ["-period", "region__path"]
        verbose_name = verbose_name_plural = "考评"
        constraints = [models.UniqueConstraint(fields=["period", "region"], name="std_eval_once_per_period")]
        indexes = [models.Index(fields=["period", "level", "state"], name="std_eval_period_level")]

    def __str__(self):
        return f"{self.period} 年度 {self.region}"


class EvaluationScore(models.Model):
    """One item of an evaluation: the computed indicator (if any) and the scores of each step."""

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="scores")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="scores", verbose_name="标准条目")
    value = models.FloatField("指标值", null=True, blank=True)
    target = models.FloatField("目标值", null=True, blank=True)
    facts = models.CharField("指标说明", max_length=300, blank=True)
    self_score = models.DecimalField("自评分", max_digits=5, decimal_places=1, null=True, blank=True)
    review_score = models.DecimalField("审核分", max_digits=5, decimal_places=1, null=True, blank=True)
    final_score = models.DecimalField("确认分", max_digits=5, decimal_places=1, null=True, blank=True)
    comment = models.CharField("说明", max_length=500, blank=True)

    class Meta:
        ordering = ["item__area__order", "item__order", "item__code"]
        verbose_name = verbose_name_plural = "考评得分"
        constraints = [models.UniqueConstraint(fields=["evaluation", "item"], name="std_score_once")]

    def __str__(self):
        return f"{self.evaluation_id}:{self.item_id}"

    def attachment_visible_to(self, user) -> bool:
        return Evaluation.objects.visible_to(user, "view").filter(pk=self.evaluation_id).exists()

    @property
    def score(self):
        for v in (self.final_score, self.review_score, self.self_score):
            if v is not None:
                return v
        return None


class EvaluationStep(models.Model):
    """The history of an evaluation: who moved it, from which state to which, with what comment."""

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="steps")
    verb = models.CharField("操作", max_length=16)
    from_state = models.CharField("原状态", max_length=12, choices=EvalState.choices)
    to_state = models.CharField("新状态", max_length=12, choices=EvalState.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    comment = models.CharField("意见", max_length=500, blank=True)
    at = models.DateTimeField("时间", default=timezone.now)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = verbose_name_plural = "考评流程"

    def __str__(self):
        return f"{self.verb} {self.at:%Y-%m-%d}"


# ---------------------------------------------------------------------------------------------
# Branch health check (智能体检): runs, results per branch, rectification tasks
# ---------------------------------------------------------------------------------------------
class RunState(models.TextChoices):
    QUEUED = "queued", "排队中"
    RUNNING = "running", "运行中"
    DONE = "done", "已完成"
    FAILED = "failed", "失败"


class HealthRun(models.Model):
    """One run of the branch health check over every branch (nightly, or on demand)."""

    state = models.CharField("状态", max_length=10, choices=RunState.choices, default=RunState.QUEUED)
    trigger = models.CharField(
        "触发方式", max_length=10, choices=[("nightly", "每日自动"), ("manual", "手动")]
    )
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField("创建时间", default=timezone.now)
    started_at = models.DateTimeField("开始时间", null=True, blank=True)
    finished_at = models.DateTimeField("结束时间", null=True, blank=True)
    today = models.DateField("检查日期", default=timezone.localdate)
    total = models.PositiveIntegerField("支部数", default=0)
    done = models.PositiveIntegerField("已检查", default=0)
    red = models.PositiveIntegerField("红灯", default=0)
    yellow = models.PositiveIntegerField("黄灯", default=0)
    green = models.PositiveIntegerField("绿灯", default=0)
    error = models.CharField("错误", max_length=500, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = verbose_name_plural = "体检批次"
        constraints = [
            # At most one run queued or running at a time (refused while one runs).
            models.UniqueConstraint(
                fields=["state"],
                condition=models.Q(state__in=["queued", "running"]),
                name="std_one_active_health_run",
            )
        ]

    def __str__(self):
        return f"体检 #{self.pk}"

    @property
    def progress(self) -> int:
        if self.state == RunState.DONE:
            return 100
        return int(100 * self.done / self.total) if self.total else 0


class Light(models.TextChoices):
    RED = "red", "红灯"
    YELLOW = "yellow", "黄灯"
    GREEN = "green", "绿灯"


class BranchHealth(ScopedModel):
    """The result of one branch in one run: score, light and the failing facts."""

    run = models.ForeignKey(HealthRun, on_delete=models.CASCADE, related_name="results")
    org = models.ForeignKey(
        "party.PartyOrg", on_delete=models.CASCADE, related_name="health_results", verbose_name="党支部"
    )
    score = models.PositiveSmallIntegerField("得分")
    light = models.CharField("结果", max_length=8, choices=Light.choices)
    violations = models.PositiveSmallIntegerField("违规", default=0)
    warnings = models.PositiveSmallIntegerField("预警", default=0)
    findings = models.JSONField("问题", default=list, blank=True)

    objects = ScopedManager()
    scope_region = "org__region"
    scope_org = "org"
    permission_app = "standards"

    class Meta:
        ordering = ["score", "org__path"]
        verbose_name = verbose_name_plural = "支部体检结果"
        constraints = [models.UniqueConstraint(fields=["run", "org"], name="std_health_once_per_run")]
        indexes = [
            models.Index(fields=["run", "light", "score"], name="std_health_run_light"),
            models.Index(fields=["org", "run"], name="std_health_org_run"),
        ]


class RectState(models.TextChoices):
    OPEN = "open", "待整改"
    IN_PROGRESS = "in_progress", "整改中"
    DONE = "done", "已整改"
    VERIFIED = "verified", "已验收"


class Rectification(ScopedModel):
    """A rectification task raised from a health-check finding, followed to closure."""

    org = models.ForeignKey(
        "party.PartyOrg", on_delete=models.CASCADE, related_name="rectifications", verbose_name="党组织"
    )
    rule = models.CharField("规则编号", max_length=16, blank=True)
    problem = models.CharField("问题", max_length=500)
    measure = models.CharField("整改措施", max_length=500, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="rectifications",
        verbose_name="责任人账号",
    )
    owner_name = models.CharField("责任人", max_length=50)
    deadline = models.DateField("整改时限")
    state = models.CharField("状态", max_length=12, choices=RectState.choices, default=RectState.OPEN)
    result = models.CharField("整改结果", max_length=500, blank=True)
    source = models.ForeignKey(
        BranchHealth, null=True, blank=True, on_delete=models.SET_NULL, related_name="rectifications"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField("创建时间", default=timezone.now)
    closed_at = models.DateTimeField("办结时间", null=True, blank=True)

    objects = ScopedManager()
    scope_region = "org__region"
    scope_org = "org"
    permission_app = "standards"

    class Meta:
        ordering = ["deadline", "id"]
        verbose_name = verbose_name_plural = "整改任务"
        indexes = [models.Index(fields=["state", "deadline"], name="std_rect_state_deadline")]

    def __str__(self):
        return self.problem[:40]

    @property
    def overdue(self) -> bool:
        return self.state in (RectState.OPEN, RectState.IN_PROGRESS) and self.deadline < timezone.localdate()


# ---------------------------------------------------------------------------------------------
# Funding (GOV-9), demonstration sites, street duty lists
# ---------------------------------------------------------------------------------------------
class FundingDirection(models.TextChoices):
    RECEIVED = "received", "收入"
    SPENT = "spent", "支出"


class FundingKind(models.TextChoices):
    # sources
    FINANCE = "finance", "财政拨付工作经费"
    SERVICE = "service", "为民服务专项经费"
    PARTY = "party", "党建工作经费"
    OTHER_IN = "other_in", "其他收入"
    # purposes
    ACTIVITY = "activity", "党组织活动"
    SERVICES = "services", "为民服务项目"
    OPERATION = "operation", "阵地运行"
    TRAINING = "training", "教育培训"
    OTHER_OUT = "other_out", "其他支出"


SOURCES = {FundingKind.FINANCE, FundingKind.SERVICE, FundingKind.PARTY, FundingKind.OTHER_IN}


class FundingRecord(ScopedModel):
    """Money a community received (by source) or spent (by purpose) in a year."""

    community = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="funding_records", verbose_name="社区"
    )
    year = models.PositiveSmallIntegerField("年度")
    direction = models.CharField("收支", max_length=10, choices=FundingDirection.choices)
    kind = models.CharField("来源/用途", max_length=12, choices=FundingKind.choices)
    amount = models.DecimalField("金额（元）", max_digits=12, decimal_places=2)
    on_date = models.DateField("日期")
    note = models.CharField("摘要", max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager()
    scope_region = "community"
    permission_app = "standards"

    class Meta:
        ordering = ["-on_date", "-id"]
        verbose_name = verbose_name_plural = "社区经费"
        indexes = [models.Index(fields=["year", "community"], name="std_funding_year_comm")]

    def __str__(self):
        return f"{self.community} {self.get_kind_display()} {self.amount}"


class Honour(ScopedModel):
    """A demonstration site (示范点) named at a level for a year; may be revoked."""

    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="honours", verbose_name="所在区划"
    )
    name = models.CharField("示范点名称", max_length=100)
    year = models.PositiveSmallIntegerField("命名年度")
    level = models.CharField("命名层级", max_length=12, choices=Level.choices[:3])
    citation = models.CharField("命名理由", max_length=500)
    revoked_at = models.DateField("撤销日期", null=True, blank=True)
    revoke_reason = models.CharField("撤销原因", max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager()
    scope_region = "region"
    permission_app = "standards"

    class Meta:
        ordering = ["-year", "id"]
        verbose_name = verbose_name_plural = "示范点"
        indexes = [models.Index(fields=["year", "level"], name="std_honour_year_level")]

    def __str__(self):
        return self.name


class DutyKind(models.TextChoices):
    DUTY = "duty", "街道职责清单"
    POWER = "power", "赋权事项"


class CheckStatus(models.TextChoices):
    PENDING = "pending", "未核查"
    OK = "ok", "已落实"
    ISSUE = "issue", "未落实"


class StreetDuty(ScopedModel):
    """A duty on a street's duty list (Jilin: 282) or a county power delegated to it (60), with a check."""

    uid = models.CharField(max_length=60, unique=True, editable=False)
    street = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="street_duties", verbose_name="街道"
    )
    kind = models.CharField("类别", max_length=8, choices=DutyKind.choices)
    code = models.CharField("事项编号", max_length=24)
    category = models.CharField("事项类别", max_length=50, blank=True)
    title = models.CharField("事项名称", max_length=200)
    basis = models.CharField("依据", max_length=300, blank=True)
    status = models.CharField(
        "核查状态", max_length=8, choices=CheckStatus.choices, default=CheckStatus.PENDING
    )
    check_note = models.CharField("核查说明", max_length=300, blank=True)
    checked_at = models.DateTimeField("核查时间", null=True, blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = ScopedManager()
    scope_region = "street"
    permission_app = "standards"

    class Meta:
        ordering = ["street__path", "kind", "code"]
        verbose_name = verbose_name_plural = "街道职责与赋权事项"
        indexes = [models.Index(fields=["street", "kind", "status"], name="std_duty_street_kind")]

    def __str__(self):
        return f"{self.code} {self.title}"

    def save(self, *args, **kwargs):
        self.uid = make_duty_uid(self.street.code if self.street_id else "", self.code)
        super().save(*args, **kwargs)


def make_duty_uid(street_code: str, code: str) -> str:
    return f"{street_code}/{code}"
