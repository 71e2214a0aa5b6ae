from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from grassroots.core.scoping import ScopedManager, ScopedModel
from grassroots.core.text import InitialsMixin
from grassroots.party.choices import Gender
from grassroots.regions.choices import RegionLevel

from .choices import DeputyKind, StewardRole, WorkerPost, WorkerRole

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
    user = models.OneToOneField(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="worker"
    )

    objects = ScopedManager()
    scope_region = "region"
    personal_fields = {"phone": "phone"}

    class Meta:
        verbose_name = verbose_name_plural = "社区工作者"
        indexes = [models.Index(fields=["region", "role"])]

    def __str__(self):
        return self.name

    def clean(self):
        from django.utils import timezone

        from grassroots.party.models import check_dates

        errors: dict[str, str] = {}
        check_dates(errors, timezone.localdate(), hired_on=self.hired_on)
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
