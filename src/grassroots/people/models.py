from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from grassroots.core.scoping import ScopedManager, ScopedModel
from grassroots.core.text import InitialsMixin
from grassroots.party.choices import Gender
from grassroots.regions.choices import RegionLevel

from .choices import (
    DEPUTY_LEVELS,
    AssessmentResult,
    DeputyKind,
    Education,
    GradeChangeReason,
    Qualification,
    StewardRole,
    WorkerPost,
    WorkerRole,
)

# Grade ranges per post within the 18 grades (GOV-10, 三岗十八级): heads 1–6, deputies 7–12, staff 13–18
# is one common local scheme; cities differ, so only 1..18 is enforced.
GRADE_MIN, GRADE_MAX = 1, 18


class Worker(InitialsMixin, ScopedModel):
    """社区工作者: paid community worker on the 3 posts × 18 grades pay system."""

    code = models.CharField("工号", max_length=32, unique=True)
    name = models.CharField("姓名", max_length=50)
    name_initials = models.CharField(max_length=64, blank=True, db_index=True)
    gender = models.CharField("性别", max_length=8, choices=Gender.choices, blank=True)
    phone = models.CharField("手机号", max_length=20, blank=True)
    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="workers", verbose_name="所在社区/街道"
    )
    post = models.CharField("岗位", max_length=16, choices=WorkerPost.choices)
    grade = models.PositiveSmallIntegerField(
        "等级", validators=[MinValueValidator(GRADE_MIN), MaxValueValidator(GRADE_MAX)]
    )
    role = models.CharField("职责", max_length=24, choices=WorkerRole.choices, default=WorkerRole.GENERALIST)
    member = models.ForeignKey(
        "party.Member",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="worker_posts",
        verbose_name="党员身份",
    )
    hired_on = models.DateField("入职日期", null=True, blank=True)
    birth_date = models.DateField("出生日期", null=True, blank=True)
    education = models.CharField("学历", max_length=16, choices=Education.choices, blank=True)
    qualification = models.CharField(
        "社会工作者职业资格", max_length=16, choices=Qualification.choices, default=Qualification.NONE
    )
    qualified_on = models.DateField("取得资格日期", null=True, blank=True)
    monthly_pay = models.DecimalField(
        "月薪（元）", max_digits=9, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    user = models.OneToOneField(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="worker"
    )

    objects = ScopedManager()
    scope_region = "region"
    personal_fields = {"phone": "phone"}

    class Meta:
        verbose_name = verbose_name_plural = "社区工作者"
        indexes = [models.Index(fields=["region", "role"]), models.Index(fields=["region", "qualification"])]

    def __str__(self):
        return self.name

    @property
    def is_qualified(self) -> bool:
        return self.qualification not in ("", Qualification.NONE)

    @property
    def age(self) -> int | None:
        from django.utils import timezone

        return self.age_on(timezone.localdate())

    def age_on(self, day) -> int | None:
        if self.birth_date is None:
            return None
        b = self.birth_date
        return day.year - b.year - ((day.month, day.day) < (b.month, b.day))

    def clean(self):
        from django.utils import timezone

        from grassroots.party.models import check_dates

        errors: dict[str, str] = {}
        today = timezone.localdate()
        check_dates(errors, today, hired_on=self.hired_on)
        if self.qualified_on is not None and self.qualified_on > today:
            errors["qualified_on"] = "取得资格日期不能晚于今天"
        if self.birth_date is not None:
            age = self.age_on(today)
            if age is None or age < 16 or age > 80:
                errors["birth_date"] = "出生日期不合理：年龄应在 16 至 80 岁之间"
            elif self.hired_on and self.hired_on <= self.birth_date:
                errors["hired_on"] = "入职日期应晚于出生日期"
        if self.is_qualified and self.qualified_on is None:
            errors["qualified_on"] = "持有职业资格的，请填写取得资格日期"
        if not self.is_qualified and self.qualified_on is not None:
            errors["qualified_on"] = "未取得职业资格的，取得资格日期应为空"
        if self.region_id and self.region.level not in (RegionLevel.STREET, RegionLevel.COMMUNITY):
            errors["region"] = "社区工作者须属于街道或社区"
        if errors:
            raise ValidationError(errors)


class Steward(ScopedModel):
    """三长: neighborhood, building and entrance stewards. 双三长 pairs a member and a resident steward."""

    name = models.CharField("姓名", max_length=50)
    phone = models.CharField("手机号", max_length=20, blank=True)
    role = models.CharField("类别", max_length=16, choices=StewardRole.choices)
    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="stewards", verbose_name="负责区域"
    )
    member = models.ForeignKey(
        "party.Member",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="steward_posts",
        verbose_name="党员身份",
    )

    objects = ScopedManager()
    scope_region = "region"
    personal_fields = {"phone": "phone"}

    class Meta:
        verbose_name = verbose_name_plural = "三长"

    def __str__(self):
        return f"{self.get_role_display()} {self.name}"

    def clean(self):
        if self.region_id and self.region.level != self.role:
            raise ValidationError(
                {"region": f"{self.get_role_display()}负责的区域须是{RegionLevel(self.role).label}"}
            )


class Deputy(ScopedModel):
    """两代表一委员 with the community they keep in contact with."""

    name = models.CharField("姓名", max_length=50)
    kind = models.CharField("类别", max_length=20, choices=DeputyKind.choices)
    level = models.CharField("层级", max_length=16, choices=RegionLevel.choices[:3])
    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="deputies", verbose_name="联系社区"
    )
    unit_name = models.CharField("工作单位", max_length=100, blank=True)
    phone = models.CharField("手机号", max_length=20, blank=True)

    objects = ScopedManager()
    scope_region = "region"
    personal_fields = {"phone": "phone"}

    class Meta:
        verbose_name = verbose_name_plural = "两代表一委员"

    def __str__(self):
        return f"{self.get_kind_display()} {self.name}"

    def clean(self):
        allowed = DEPUTY_LEVELS.get(self.kind)
        if allowed and self.level and self.level not in allowed:
            names = "、".join(RegionLevel(v).label for v in allowed)
            raise ValidationError(
                {
                    "level": f"{self.get_kind_display()}只设在{names}两级，"
                    f"{RegionLevel(self.level).label}没有相应的代表大会或委员会"
                }
            )
        if self.region_id and self.region.level != RegionLevel.COMMUNITY:
            raise ValidationError({"region": "联系社区须是社区"})


def nearest_deputy_level(kind: str, level: str) -> str:
    """The valid level closest to `level` for a deputy kind: a street-level deputy sits in the district."""
    allowed = DEPUTY_LEVELS.get(kind, ())
    if level in allowed or not allowed:
        return level
    order = [c.value for c in RegionLevel]
    return min(allowed, key=lambda v: (abs(order.index(v) - order.index(level)), -order.index(v)))


# ---- careers of community workers (三岗十八级: pay scale, grade history, training) ------------------


class PayScale(ScopedModel):
    """One cell of a city's yearly pay scale: post × grade -> monthly pay (GOV-10)."""

    uid = models.CharField(max_length=64, unique=True, editable=False)
    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="pay_scales", verbose_name="市"
    )
    year = models.PositiveSmallIntegerField(
        "年度", validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    post = models.CharField("岗位", max_length=16, choices=WorkerPost.choices)
    grade = models.PositiveSmallIntegerField(
        "等级", validators=[MinValueValidator(GRADE_MIN), MaxValueValidator(GRADE_MAX)]
    )
    monthly = models.DecimalField(
        "月薪标准（元）", max_digits=9, decimal_places=2, validators=[MinValueValidator(0)]
    )

    objects = ScopedManager()
    scope_region = "region"

    class Meta:
        verbose_name = verbose_name_plural = "薪酬标准"
        constraints = [
            models.UniqueConstraint(fields=["region", "year", "post", "grade"], name="payscale_unique_cell")
        ]

    def __str__(self):
        return f"{self.year} {self.get_post_display()} {self.grade} 级"

    @staticmethod
    def make_uid(city_code: str, year, post: str, grade) -> str:
        return f"{city_code}-{year}-{post}-{grade}"

    def clean(self):
        if self.region_id and self.region.level != RegionLevel.CITY:
            raise ValidationError({"region": "薪酬标准按市制定，请选择市"})

    def save(self, *args, **kwargs):
        self.uid = self.make_uid(self.region.code, self.year, self.post, self.grade)
        super().save(*args, **kwargs)


class GradeChange(ScopedModel):
    """A step in a worker's grade history: initial grading, annual promotion, demotion, post change."""

    worker = models.ForeignKey(
        Worker, on_delete=models.CASCADE, related_name="grade_changes", verbose_name="社区工作者"
    )
    from_post = models.CharField("原岗位", max_length=16, choices=WorkerPost.choices, blank=True)
    from_grade = models.PositiveSmallIntegerField("原等级", null=True, blank=True)
    to_post = models.CharField("新岗位", max_length=16, choices=WorkerPost.choices)
    to_grade = models.PositiveSmallIntegerField(
        "新等级", validators=[MinValueValidator(GRADE_MIN), MaxValueValidator(GRADE_MAX)]
    )
    effective_on = models.DateField("生效日期")
    reason = models.CharField("原因", max_length=16, choices=GradeChangeReason.choices)
    assessment_year = models.PositiveSmallIntegerField("考核年度", null=True, blank=True)
    assessment = models.CharField("年度考核结果", max_length=16, choices=AssessmentResult.choices, blank=True)
    approved_by = models.CharField("审批单位", max_length=100, blank=True)
    note = models.CharField("说明", max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    objects = ScopedManager()
    scope_region = "worker__region"

    class Meta:
        verbose_name = verbose_name_plural = "等级变动"
        ordering = ["-effective_on", "-id"]
        indexes = [models.Index(fields=["worker", "effective_on"])]

    def __str__(self):
        return f"{self.worker} {self.get_reason_display()} {self.from_grade or '—'}→{self.to_grade}"


class TrainingRecord(ScopedModel):
    """A course a worker took (hours, certificate)."""

    worker = models.ForeignKey(
        Worker, on_delete=models.CASCADE, related_name="trainings", verbose_name="社区工作者"
    )
    course = models.CharField("课程", max_length=100)
    organizer = models.CharField("举办单位", max_length=100, blank=True)
    held_on = models.DateField("培训日期")
    hours = models.DecimalField(
        "学时", max_digits=5, decimal_places=1, validators=[MinValueValidator(0.5), MaxValueValidator(500)]
    )
    certificate_no = models.CharField("证书编号", max_length=50, blank=True)
    recorded_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    objects = ScopedManager()
    scope_region = "worker__region"

    class Meta:
        verbose_name = verbose_name_plural = "培训记录"
        ordering = ["-held_on", "-id"]

    def __str__(self):
        return f"{self.worker} {self.course}"

    def clean(self):
        from django.utils import timezone

        if self.held_on and self.held_on > timezone.localdate():
            raise ValidationError({"held_on": "培训日期不能晚于今天"})


# ---- deputies' studios (代表委员工作室): schedule, receptions, matters ------------------------------


class Studio(ScopedModel):
    """代表委员工作室（联络站）: a place where deputies receive residents."""

    name = models.CharField("名称", max_length=100)
    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="studios", verbose_name="所在街道/社区"
    )
    address = models.CharField("地址", max_length=200)
    room = models.ForeignKey(
        "venues.Room",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="studios",
        verbose_name="阵地功能室",
    )
    deputies = models.ManyToManyField(Deputy, related_name="studios", blank=True, verbose_name="进站代表委员")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager()
    scope_region = "region"

    class Meta:
        verbose_name = verbose_name_plural = "代表委员工作室"
        ordering = ["region__path", "name"]

    def __str__(self):
        return self.name

    def clean(self):
        if self.region_id and self.region.level not in (RegionLevel.STREET, RegionLevel.COMMUNITY):
            raise ValidationError({"region": "工作室须设在街道或社区"})


class Reception(ScopedModel):
    """A scheduled reception day (接待日) of a studio; published ones are shown to residents."""

    studio = models.ForeignKey(
        Studio, on_delete=models.CASCADE, related_name="receptions", verbose_name="工作室"
    )
    date = models.DateField("接待日期")
    starts_at = models.TimeField("开始时间")
    ends_at = models.TimeField("结束时间")
    topic = models.CharField("接待主题", max_length=100, blank=True)
    deputies = models.ManyToManyField(Deputy, related_name="receptions", verbose_name="值班代表委员")
    published = models.BooleanField("已发布", default=False)
    published_at = models.DateTimeField("发布时间", null=True, blank=True)

    objects = ScopedManager()
    scope_region = "studio__region"

    class Meta:
        verbose_name = verbose_name_plural = "接待安排"
        ordering = ["date", "starts_at"]
        indexes = [models.Index(fields=["studio", "date"]), models.Index(fields=["published", "date"])]

    def __str__(self):
        return f"{self.studio} {self.date:%Y-%m-%d}"

    def clean(self):
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": "结束时间应晚于开始时间"})


class ReceptionLog(ScopedModel):
    """What happened at a reception: who attended, how many residents came, what they raised."""

    studio = models.ForeignKey(Studio, on_delete=models.CASCADE, related_name="logs", verbose_name="工作室")
    reception = models.OneToOneField(
        Reception,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="log",
        verbose_name="接待安排",
    )
    held_on = models.DateField("接待日期")
    deputies = models.ManyToManyField(
        Deputy, related_name="reception_logs", verbose_name="参加接待的代表委员"
    )
    residents = models.PositiveSmallIntegerField("接待群众人数", validators=[MaxValueValidator(500)])
    summary = models.TextField("接待情况", max_length=2000, blank=True)
    recorded_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    objects = ScopedManager()
    scope_region = "studio__region"

    class Meta:
        verbose_name = verbose_name_plural = "接待记录"
        ordering = ["-held_on", "-id"]
        indexes = [models.Index(fields=["studio", "held_on"])]

    def __str__(self):
        return f"{self.studio} {self.held_on:%Y-%m-%d} 接待记录"

    def clean(self):
        from django.utils import timezone

        if self.held_on and self.held_on > timezone.localdate():
            raise ValidationError({"held_on": "接待日期不能晚于今天"})


class Matter(ScopedModel):
    """A matter residents raised at a reception; optionally followed as a case (诉求) to its close."""

    log = models.ForeignKey(
        ReceptionLog, on_delete=models.CASCADE, related_name="matters", verbose_name="接待记录"
    )
    text = models.CharField("反映事项", max_length=500)
    case = models.OneToOneField(
        "cases.Case",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reception_matter",
        verbose_name="转办诉求",
    )

    objects = ScopedManager()
    scope_region = "log__studio__region"

    class Meta:
        verbose_name = verbose_name_plural = "反映事项"
        ordering = ["id"]

    def __str__(self):
        return self.text[:30]
