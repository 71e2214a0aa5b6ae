"""红色物业 (seeds 001, 002, 003, 004): property companies (物业服务企业) and owners' committees (业委会) as
entities of their own, each registered as a `units.Unit` (types `property` / `owners_committee`) whose
party-building status (own party organisation, 党建指导员) lives on that unit; the neighborhoods they
serve through service contracts; 交叉任职 of community party members; residents' ratings and the
inspections of street and community staff; the yearly grade of each company (grading.py) and the
red/black list published per district; neighborhoods without property management tracked to zero
through takeovers (国企兜底, 街道托管, 居民自治); owners' committee members, elections and terms.

Writes are in services.py; the election state machine is `ELECTION_TRANSITIONS` there."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from grassroots.core.scoping import ScopedManager, ScopedModel


class PropertyCompany(ScopedModel):
    """物业服务企业: the unit (type property) plus what 红色物业 tracks about it."""

    unit = models.OneToOneField(
        "units.Unit", on_delete=models.PROTECT, related_name="property_company", verbose_name="单位"
    )
    credit_code = models.CharField("统一社会信用代码", max_length=18, blank=True)
    manager_name = models.CharField("项目负责人", max_length=50, blank=True)
    manager_phone = models.CharField("负责人电话", max_length=20, blank=True)
    is_state_owned = models.BooleanField("国有物业企业", default=False)
    created_at = models.DateTimeField("登记时间", default=timezone.now)

    objects = ScopedManager()
    scope_region = "unit__region"
    personal_fields = {"manager_phone": "phone"}

    class Meta:
        ordering = ["unit__name", "id"]
        verbose_name = verbose_name_plural = "物业服务企业"

    def __str__(self):
        return self.unit.name

    @property
    def name(self) -> str:
        return self.unit.name


class OwnersCommittee(ScopedModel):
    """业委会 of one neighborhood, registered as a unit (type owners_committee)."""

    unit = models.OneToOneField(
        "units.Unit", on_delete=models.PROTECT, related_name="owners_committee", verbose_name="单位"
    )
    neighborhood = models.OneToOneField(
        "regions.Region", on_delete=models.PROTECT, related_name="owners_committee", verbose_name="小区"
    )
    term_start = models.DateField("本届任期开始", null=True, blank=True)
    term_end = models.DateField("本届任期届满", null=True, blank=True)
    created_at = models.DateTimeField("登记时间", default=timezone.now)

    objects = ScopedManager()
    scope_region = "neighborhood"

    class Meta:
        ordering = ["neighborhood__path", "id"]
        verbose_name = verbose_name_plural = "业主委员会"

    def __str__(self):
        return self.unit.name

    @property
    def name(self) -> str:
        return self.unit.name

    def days_to_term_end(self, today=None) -> int | None:
        if self.term_end is None:
            return None
        return (self.term_end - (today or timezone.localdate())).days


class CommitteeRole(models.TextChoices):
    DIRECTOR = "director", "主任"
    DEPUTY = "deputy", "副主任"
    MEMBER = "member", "委员"


class CommitteeMember(ScopedModel):
    committee = models.ForeignKey(
        OwnersCommittee, on_delete=models.CASCADE, related_name="members", verbose_name="业委会"
    )
    name = models.CharField("姓名", max_length=50)
    phone = models.CharField("联系电话", max_length=20, blank=True)
    role = models.CharField(
        "职务", max_length=16, choices=CommitteeRole.choices, default=CommitteeRole.MEMBER
    )
    party_member = models.ForeignKey(
        "party.Member",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owners_committee_seats",
        verbose_name="党员",
    )
    term_start = models.DateField("任职开始")
    term_end = models.DateField("任职届满", null=True, blank=True)
    left_on = models.DateField("离任日期", null=True, blank=True)

    objects = ScopedManager()
    scope_region = "committee__neighborhood"
    personal_fields = {"phone": "phone"}

    class Meta:
        ordering = ["committee", "role", "id"]
        verbose_name = verbose_name_plural = "业委会成员"

    def __str__(self):
        return f"{self.name}（{self.get_role_display()}）"


class ElectionState(models.TextChoices):
    PLANNED = "planned", "筹备中"
    NOMINATED = "nominated", "已提名"
    ELECTED = "elected", "已选举产生"
    FAILED = "failed", "选举未成功"


class Election(ScopedModel):
    """业委会选举 (or re-election, 换届) of one neighborhood's owners' committee."""

    committee = models.ForeignKey(
        OwnersCommittee, on_delete=models.PROTECT, related_name="elections", verbose_name="业委会"
    )
    state = models.CharField(
        "状态", max_length=16, choices=ElectionState.choices, default=ElectionState.PLANNED
    )
    planned_on = models.DateField("计划选举日期")
    term_years = models.PositiveSmallIntegerField("任期（年）", default=5)
    nominees = models.TextField("候选人", max_length=1000, blank=True)
    held_on = models.DateField("选举日期", null=True, blank=True)
    note = models.CharField("结果说明", max_length=300, blank=True)
    created_at = models.DateTimeField("创建时间", default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager()
    scope_region = "committee__neighborhood"

    class Meta:
        ordering = ["-planned_on", "-id"]
        verbose_name = verbose_name_plural = "业委会选举"

    def __str__(self):
        return f"{self.committee} {self.planned_on:%Y-%m-%d} 选举"


class ContractState(models.TextChoices):
    ACTIVE = "active", "履约中"
    ENDED = "ended", "已到期"
    TERMINATED = "terminated", "已解约"


class ServiceContract(ScopedModel):
    """物业服务合同: a company serves a neighborhood from start to end at a fee standard."""

    company = models.ForeignKey(
        PropertyCompany, on_delete=models.PROTECT, related_name="contracts", verbose_name="物业服务企业"
    )
    neighborhood = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="property_contracts", verbose_name="小区"
    )
    committee = models.ForeignKey(
        OwnersCommittee,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="contracts",
        verbose_name="签约业委会",
    )
    start = models.DateField("合同开始")
    end = models.DateField("合同到期")
    fee = models.DecimalField("收费标准（元/㎡·月）", max_digits=6, decimal_places=2)
    state = models.CharField(
        "状态", max_length=16, choices=ContractState.choices, default=ContractState.ACTIVE
    )
    ended_on = models.DateField("终止日期", null=True, blank=True)
    note = models.CharField("备注", max_length=200, blank=True)
    created_at = models.DateTimeField("登记时间", default=timezone.now)

    objects = ScopedManager()
    scope_region = "neighborhood"

    class Meta:
        ordering = ["-start", "-id"]
        verbose_name = verbose_name_plural = "物业服务合同"
        indexes = [models.Index(fields=["neighborhood", "state"], name="redprop_contract_hood_state")]
        constraints = [
            models.CheckConstraint(condition=Q(end__gte=models.F("start")), name="redprop_contract_dates")
        ]

    def __str__(self):
        return f"{self.company} · {self.neighborhood}"

    @property
    def last_day(self):
        return self.ended_on or self.end


def active_contract_q(today, prefix: str = "") -> Q:
    """Q on ServiceContract (or through `prefix`): in force on `today`."""
    p = prefix
    return Q(**{f"{p}state": ContractState.ACTIVE, f"{p}start__lte": today, f"{p}end__gte": today})


class CrossPostBody(models.TextChoices):
    COMMITTEE = "committee", "业委会"
    COMPANY = "company", "物业服务企业"


class CrossPost(ScopedModel):
    """交叉任职: a community party member serving in an owners' committee or a property company."""

    member = models.ForeignKey(
        "party.Member", on_delete=models.PROTECT, related_name="cross_posts", verbose_name="党员"
    )
    body = models.CharField("任职单位类别", max_length=16, choices=CrossPostBody.choices)
    committee = models.ForeignKey(
        OwnersCommittee,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="cross_posts",
        verbose_name="业委会",
    )
    company = models.ForeignKey(
        PropertyCompany,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="cross_posts",
        verbose_name="物业服务企业",
    )
    # The community the post is recorded in (the committee's neighborhood or the company's unit region).
    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name="区域"
    )
    role = models.CharField("职务", max_length=50)
    start = models.DateField("任职开始")
    end = models.DateField("任职结束", null=True, blank=True)

    objects = ScopedManager()
    scope_region = "region"

    class Meta:
        ordering = ["-start", "-id"]
        verbose_name = verbose_name_plural = "交叉任职"
        constraints = [
            models.CheckConstraint(
                condition=(Q(body="committee") & Q(committee__isnull=False) & Q(company__isnull=True))
                | (Q(body="company") & Q(company__isnull=False) & Q(committee__isnull=True)),
                name="redprop_crosspost_one_body",
            )
        ]

    def __str__(self):
        return f"{self.member} · {self.role}"

    @property
    def where(self):
        return self.committee if self.body == CrossPostBody.COMMITTEE else self.company


class Rating(ScopedModel):
    """A resident's rating (1–5) of the property company of their neighborhood, once a year."""

    company = models.ForeignKey(
        PropertyCompany, on_delete=models.CASCADE, related_name="ratings", verbose_name="物业服务企业"
    )
    neighborhood = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name="小区"
    )
    household = models.ForeignKey(
        "regions.Household",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="住户",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="property_ratings",
        verbose_name="评价人",
    )
    year = models.PositiveSmallIntegerField("年度")
    stars = models.PositiveSmallIntegerField("评分（1–5）")
    comment = models.CharField("意见", max_length=300, blank=True)
    created_at = models.DateTimeField("评价时间", default=timezone.now)

    objects = ScopedManager()
    scope_region = "neighborhood"
    scope_owner = "user"

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = verbose_name_plural = "居民评价"
        constraints = [
            models.UniqueConstraint(fields=["user", "company", "year"], name="redprop_rating_once_a_year"),
            models.CheckConstraint(condition=Q(stars__gte=1) & Q(stars__lte=5), name="redprop_rating_stars"),
        ]

    def __str__(self):
        return f"{self.company} {self.stars}星"


class Inspection(ScopedModel):
    """A street or community inspection of a company's service in one neighborhood, scored 0–100."""

    company = models.ForeignKey(
        PropertyCompany, on_delete=models.CASCADE, related_name="inspections", verbose_name="物业服务企业"
    )
    neighborhood = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name="小区"
    )
    inspected_on = models.DateField("检查日期")
    score = models.PositiveSmallIntegerField("检查得分")
    findings = models.CharField("发现问题", max_length=500, blank=True)
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="检查人账号",
    )
    inspector_name = models.CharField("检查人", max_length=50)
    created_at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager()
    scope_region = "neighborhood"

    class Meta:
        ordering = ["-inspected_on", "-id"]
        verbose_name = verbose_name_plural = "物业检查"
        constraints = [models.CheckConstraint(condition=Q(score__lte=100), name="redprop_inspection_score")]

    def __str__(self):
        return f"{self.company} {self.inspected_on:%Y-%m-%d} {self.score}分"


class Grade(ScopedModel):
    """A company's grade for one year (grading.py), with every input kept so it can be checked."""

    company = models.ForeignKey(
        PropertyCompany, on_delete=models.CASCADE, related_name="grades", verbose_name="物业服务企业"
    )
    district = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name="所属区"
    )
    year = models.PositiveSmallIntegerField("年度")
    households = models.PositiveIntegerField("服务户数", default=0)
    cases = models.PositiveIntegerField("诉求件数", default=0)
    resolved = models.PositiveIntegerField("办结件数", default=0)
    on_time = models.PositiveIntegerField("按时办结件数", default=0)
    evaluations = models.PositiveIntegerField("评价次数", default=0)
    ratings = models.PositiveIntegerField("居民评价数", default=0)
    inspections = models.PositiveIntegerField("检查次数", default=0)
    volume_score = models.DecimalField("诉求量得分", max_digits=5, decimal_places=1)
    ontime_score = models.DecimalField("按时办结得分", max_digits=5, decimal_places=1)
    satisfaction_score = models.DecimalField("满意度得分", max_digits=5, decimal_places=1)
    rating_score = models.DecimalField("居民评价得分", max_digits=5, decimal_places=1)
    inspection_score = models.DecimalField("检查得分", max_digits=5, decimal_places=1)
    score = models.DecimalField("综合得分", max_digits=5, decimal_places=1)
    grade = models.CharField("等级", max_length=1)
    computed_at = models.DateTimeField("计算时间", default=timezone.now)

    objects = ScopedManager()
    scope_region = "company__unit__region"

    class Meta:
        ordering = ["-score", "id"]
        verbose_name = verbose_name_plural = "物业年度等级"
        constraints = [models.UniqueConstraint(fields=["company", "year"], name="redprop_grade_once_a_year")]
        indexes = [models.Index(fields=["district", "year"], name="redprop_grade_district_year")]

    def __str__(self):
        return f"{self.company} {self.year} {self.grade}"


class ListPublication(ScopedModel):
    """红黑榜: the grades of one district and year published as a red list and a black list."""

    district = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name="区"
    )
    year = models.PositiveSmallIntegerField("年度")
    red = models.JSONField("红榜", default=list)
    black = models.JSONField("黑榜", default=list)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="发布人",
    )
    published_at = models.DateTimeField("发布时间", default=timezone.now)

    objects = ScopedManager()
    scope_region = "district"

    class Meta:
        ordering = ["-year", "district__path"]
        verbose_name = verbose_name_plural = "物业红黑榜"
        constraints = [models.UniqueConstraint(fields=["district", "year"], name="redprop_list_once")]

    def __str__(self):
        return f"{self.district} {self.year} 红黑榜"


class TakeoverKind(models.TextChoices):
    STATE_COMPANY = "state_company", "国有物业企业兜底接管"
    STREET_CUSTODY = "street_custody", "街道社区托管"
    SELF_GOVERNANCE = "self_governance", "党建引领居民自治"


class Takeover(ScopedModel):
    """A neighborhood without property management taken over (弃管小区动态清零, seed 003)."""

    neighborhood = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="property_takeovers", verbose_name="小区"
    )
    kind = models.CharField("兜底方式", max_length=20, choices=TakeoverKind.choices)
    company = models.ForeignKey(
        PropertyCompany,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="takeovers",
        verbose_name="接管企业",
    )
    start = models.DateField("接管日期")
    end = models.DateField("结束日期", null=True, blank=True)
    note = models.CharField("说明", max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager()
    scope_region = "neighborhood"

    class Meta:
        ordering = ["-start", "-id"]
        verbose_name = verbose_name_plural = "兜底接管"

    def __str__(self):
        return f"{self.neighborhood} {self.get_kind_display()}"


def active_takeover_q(today, prefix: str = "") -> Q:
    p = prefix
    return Q(**{f"{p}start__lte": today}) & (Q(**{f"{p}end__isnull": True}) | Q(**{f"{p}end__gte": today}))
