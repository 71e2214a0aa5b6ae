"""Member points (党员积分) and the branch star rating (创星定级).

- StudyRecord: a course a member studied (name, hours, date). Entered by the branch (approved at once)
  or by the member on the phone (pending until the branch approves it).
- MemberPointsEntry: the yearly points ledger of a member. Append-only (a DB trigger refuses UPDATE and
  DELETE, the model and its queryset refuse them too). Every entry points at exactly one source record
  through one nullable FK per source kind (an attendance or volunteer sign-up, a dues payment, a 双报到
  service record, a wish, a study record), or at the entry it corrects (a compensating entry with the
  opposite points, when the source no longer qualifies). One entry per (member, source): accrual is
  idempotent. Weights come from the MEM-PTS rule row at accrual time.
- StarCriterion: per star level (1..5), the thresholds a branch must meet (data, editable).
- StarRating: one branch's grade for one year: proposed (computed, with the reasons) → reviewed
  (maybe adjusted, with a reason) → published, by the street or district.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from grassroots.core.scoping import ScopedManager, ScopedModel, ScopedQuerySet


class StudyState(models.TextChoices):
    PENDING = "pending", "待审核"
    APPROVED = "approved", "已通过"
    REJECTED = "rejected", "未通过"


class StudyRecord(ScopedModel):
    member = models.ForeignKey(
        "party.Member", on_delete=models.PROTECT, related_name="study_records", verbose_name="党员"
    )
    course = models.CharField("课程或学习内容", max_length=100)
    hours = models.DecimalField(
        "学时",
        max_digits=5,
        decimal_places=1,
        validators=[MinValueValidator(0.5), MaxValueValidator(100)],
    )
    studied_on = models.DateField("学习日期")
    state = models.CharField(
        "状态", max_length=10, choices=StudyState.choices, default=StudyState.PENDING, db_index=True
    )
    self_reported = models.BooleanField("本人登记", default=False)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    entered_at = models.DateTimeField("登记时间", default=timezone.now)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField("审核时间", null=True, blank=True)
    review_note = models.CharField("审核意见", max_length=200, blank=True)

    objects = ScopedManager()
    scope_region = "member__party_org__region"
    scope_org = "member__party_org"
    scope_owner = "member__user"

    class Meta:
        ordering = ["-studied_on", "-id"]
        verbose_name = verbose_name_plural = "学习记录"
        indexes = [models.Index(fields=["member", "studied_on"], name="merit_study_member")]

    def __str__(self):
        return f"{self.member} {self.course}"


class PointKind(models.TextChoices):
    ATTENDANCE = "attendance", "组织生活出勤"
    DUES = "dues", "按时交纳党费"
    VOLUNTEER = "volunteer", "志愿服务"
    COBUILD = "cobuild", "双报到服务"
    WISH = "wish", "完成微心愿"
    STUDY = "study", "学习"


# The source FK of each kind (volunteer and attendance entries both point at an orglife.Signup).
SOURCE_FIELD = {
    PointKind.ATTENDANCE: "signup",
    PointKind.VOLUNTEER: "signup",
    PointKind.DUES: "dues",
    PointKind.COBUILD: "service",
    PointKind.WISH: "wish",
    PointKind.STUDY: "study",
}
SOURCE_FIELDS = ("signup", "dues", "service", "wish", "study")


class EntryQuerySet(ScopedQuerySet):
    def update(self, **kwargs):
        raise TypeError("积分台账只能追加，不能修改")

    def delete(self):
        raise TypeError("积分台账只能追加，不能删除")


class EntryManager(ScopedManager.from_queryset(EntryQuerySet)):
    pass


class MemberPointsEntry(ScopedModel):
    member = models.ForeignKey(
        "party.Member", on_delete=models.PROTECT, related_name="points_entries", verbose_name="党员"
    )
    year = models.PositiveSmallIntegerField("年度")
    kind = models.CharField("类别", max_length=12, choices=PointKind.choices)
    points = models.DecimalField("积分", max_digits=8, decimal_places=1)
    on_date = models.DateField("发生日期")
    signup = models.ForeignKey(
        "orglife.Signup", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    dues = models.ForeignKey(
        "party.DuesPayment", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    service = models.ForeignKey(
        "cobuild.ServiceRecord", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    wish = models.ForeignKey(
        "volunteers.Wish", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    study = models.ForeignKey(StudyRecord, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    corrects = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="corrected_by",
        verbose_name="更正的记录",
    )
    reason = models.CharField("事由", max_length=200)
    created_at = models.DateTimeField("记账时间", default=timezone.now)

    objects = EntryManager()
    scope_region = "member__party_org__region"
    scope_org = "member__party_org"
    scope_owner = "member__user"

    class Meta:
        ordering = ["-on_date", "-id"]
        verbose_name = verbose_name_plural = "党员积分台账"
        constraints = [
            models.CheckConstraint(condition=~Q(points=0), name="merit_entry_nonzero"),
            # Exactly one source FK is set (a correction repeats the source of the entry it corrects).
            models.CheckConstraint(
                condition=(
                    Q(signup__isnull=False, dues__isnull=True, service__isnull=True, wish__isnull=True)
                    & Q(study__isnull=True)
                )
                | (
                    Q(signup__isnull=True, dues__isnull=False, service__isnull=True, wish__isnull=True)
                    & Q(study__isnull=True)
                )
                | (
                    Q(signup__isnull=True, dues__isnull=True, service__isnull=False, wish__isnull=True)
                    & Q(study__isnull=True)
                )
                | (
                    Q(signup__isnull=True, dues__isnull=True, service__isnull=True, wish__isnull=False)
                    & Q(study__isnull=True)
                )
                | (
                    Q(signup__isnull=True, dues__isnull=True, service__isnull=True, wish__isnull=True)
                    & Q(study__isnull=False)
                ),
                name="merit_entry_one_source",
            ),
        ]
        constraints += [
            models.UniqueConstraint(
                fields=["member", field],
                condition=Q(**{f"{field}__isnull": False}, corrects__isnull=True),
                name=f"merit_entry_once_{field}",
            )
            for field in SOURCE_FIELDS
        ]
        indexes = [
            models.Index(fields=["member", "year"], name="merit_entry_member_year"),
            models.Index(fields=["year", "kind"], name="merit_entry_year_kind"),
        ]

    def __str__(self):
        return f"{self.member} {self.points:+} {self.reason}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.get("force_insert"):
            raise TypeError("积分台账只能追加，不能修改")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("积分台账只能追加，不能删除")

    @property
    def source_field(self) -> str:
        return SOURCE_FIELD[self.kind]

    @property
    def source(self):
        return getattr(self, self.source_field)

    @property
    def source_id(self) -> int:
        return getattr(self, self.source_field + "_id")


class EvalGrade(models.TextChoices):
    EXCELLENT = "优秀", "优秀"
    GOOD = "良好", "良好"
    FAIR = "一般", "一般"
    POOR = "较差", "较差"


GRADE_RANK = {"优秀": 4, "良好": 3, "一般": 2, "较差": 1}


class StarCriterion(models.Model):
    """What a branch needs for a star level; an empty threshold is no requirement."""

    stars = models.PositiveSmallIntegerField(
        "星级", unique=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    min_health_score = models.PositiveSmallIntegerField(
        "支部体检最低得分", null=True, blank=True, validators=[MaxValueValidator(100)]
    )
    min_life_rate = models.PositiveSmallIntegerField(
        "组织生活达标率下限（%）", null=True, blank=True, validators=[MaxValueValidator(100)]
    )
    min_avg_points = models.DecimalField(
        "党员平均积分下限",
        max_digits=7,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    min_eval_grade = models.CharField(
        "所在社区考评等次不低于", max_length=4, choices=EvalGrade.choices, blank=True
    )
    note = models.CharField("说明", max_length=200, blank=True)

    class Meta:
        ordering = ["stars"]
        verbose_name = verbose_name_plural = "星级评定标准"

    def __str__(self):
        return f"{self.stars} 星"


class RatingState(models.TextChoices):
    PROPOSED = "proposed", "待审核"
    REVIEWED = "reviewed", "待发布"
    PUBLISHED = "published", "已发布"


class StarRating(ScopedModel):
    org = models.ForeignKey(
        "party.PartyOrg", on_delete=models.CASCADE, related_name="star_ratings", verbose_name="党支部"
    )
    year = models.PositiveSmallIntegerField("年度")
    computed_stars = models.PositiveSmallIntegerField("测算星级")
    stars = models.PositiveSmallIntegerField(
        "评定星级", validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    state = models.CharField(
        "状态", max_length=10, choices=RatingState.choices, default=RatingState.PROPOSED, db_index=True
    )
    metrics = models.JSONField("测算依据", default=dict, blank=True)
    reasons = models.JSONField("各星级达标情况", default=list, blank=True)
    adjust_reason = models.CharField("调整理由", max_length=300, blank=True)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    proposed_at = models.DateTimeField("提名时间", default=timezone.now)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField("审核时间", null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    published_at = models.DateTimeField("发布时间", null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    objects = ScopedManager()
    scope_region = "org__region"
    scope_org = "org"

    class Meta:
        ordering = ["-year", "-stars", "org__path"]
        verbose_name = verbose_name_plural = "支部星级评定"
        constraints = [
            models.UniqueConstraint(fields=["org", "year"], name="merit_rating_once_a_year"),
            models.CheckConstraint(condition=Q(stars__gte=1, stars__lte=5), name="merit_rating_stars_1_5"),
        ]
        indexes = [models.Index(fields=["year", "state", "stars"], name="merit_rating_year_state")]

    def __str__(self):
        return f"{self.org} {self.year} 年度 {self.stars} 星"

    @property
    def star_range(self):
        return range(self.stars)

    @property
    def state_badge(self) -> str:
        return {
            RatingState.PROPOSED: "bg-orange-lt",
            RatingState.REVIEWED: "bg-blue-lt",
            RatingState.PUBLISHED: "bg-green-lt",
        }[self.state]


class MemberYearPoints(models.Model):
    """A member's ledger summed per year (the SUM and COUNT of their MemberPointsEntry rows of that year),
    so that the ranking orders members without aggregating the whole ledger. Derived data, no audit:
    accrue_points (the only writer of entries) refreshes the rows of the members it added entries for,
    and every rollup run rebuilds this year and last (services.rebuild_year_points)."""

    member = models.ForeignKey(
        "party.Member", on_delete=models.CASCADE, related_name="year_points", verbose_name="党员"
    )
    year = models.PositiveSmallIntegerField("年度")
    total = models.DecimalField("年度积分", max_digits=10, decimal_places=1)
    entry_count = models.PositiveIntegerField("积分记录数")

    class Meta:
        verbose_name = verbose_name_plural = "党员年度积分"
        constraints = [models.UniqueConstraint(fields=["member", "year"], name="merit_year_points_once")]
        indexes = [models.Index(fields=["year", "-total"], name="merit_year_points_rank")]

    def __str__(self):
        return f"{self.member_id} {self.year} {self.total}"
