"""Recruitment (发展党员): a candidate's file and its append-only step log.

A Candidate is the person from the written application (step 1) on; its `stage` follows the steps
(入党申请人 → 入党积极分子 → 发展对象 → 预备党员 → 正式党员). On approval by the higher committee
(step 17) the candidate's Member record is created through party.services (status probationary,
joined_on = the day of the branch general meeting, step 15); conversion, extension and
disqualification go through party's ORG-8 services. Permissions are party's (party.view /
party.change): recruitment is the branch's work on its members-to-be.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from grassroots.core.crypto import EncryptedCharField
from grassroots.core.scoping import ScopedManager, ScopedModel
from grassroots.core.text import InitialsMixin
from grassroots.party.choices import Gender
from grassroots.party.models import id_number_validator, phone_validator

from .steps import STEPS, Decision, Stage


class Education(models.TextChoices):
    POSTGRADUATE = "postgraduate", "研究生"
    BACHELOR = "bachelor", "大学本科"
    COLLEGE = "college", "大学专科"
    SECONDARY = "secondary", "中专或高中"
    JUNIOR = "junior", "初中及以下"


class Candidate(InitialsMixin, ScopedModel):
    """入党申请人 and onwards: the person, the recruiting branch, and where they are in the 25 steps."""

    name = models.CharField("姓名", max_length=50)
    name_initials = models.CharField(max_length=64, blank=True, db_index=True)
    gender = models.CharField("性别", max_length=8, choices=Gender.choices)
    birth_date = models.DateField("出生日期")
    id_number = EncryptedCharField("身份证号", validators=[id_number_validator])
    id_number_hash = models.CharField(max_length=40, blank=True, editable=False, db_index=True)
    phone = EncryptedCharField("手机号", blank=True, validators=[phone_validator])
    education = models.CharField("学历", max_length=16, choices=Education.choices, blank=True)
    occupation = models.CharField("职业或工作单位", max_length=100, blank=True)
    party_org = models.ForeignKey(
        "party.PartyOrg", on_delete=models.PROTECT, related_name="candidates", verbose_name="所在党支部"
    )
    stage = models.CharField("发展阶段", max_length=16, choices=Stage.choices, db_index=True)
    last_step = models.PositiveSmallIntegerField("已完成步骤", default=0)
    last_on = models.DateField("最近步骤日期", null=True, blank=True)
    # The latest date of every recorded step ({"1": "2025-03-01", ...}) and the half-yearly reviews
    # since the determination as activist: what the rules (rules.py) compute intervals from.
    dates = models.JSONField(default=dict, blank=True)
    reviews = models.PositiveSmallIntegerField("考察次数", default=0)
    decision = models.CharField("支部大会决定", max_length=16, choices=Decision.choices, blank=True)
    extend_until = models.DateField("延长预备期至", null=True, blank=True)
    cultivators = models.ManyToManyField(
        "party.Member", blank=True, related_name="cultivated_candidates", verbose_name="培养联系人"
    )
    introducers = models.ManyToManyField(
        "party.Member", blank=True, related_name="introduced_candidates", verbose_name="入党介绍人"
    )
    member = models.OneToOneField(
        "party.Member",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="recruitment",
        verbose_name="党员档案",
    )
    stopped_reason = models.CharField("终止原因", max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager()
    permission_app = "party"
    scope_region = "party_org__region"
    scope_org = "party_org"
    personal_fields = {"id_number": "id_number", "phone": "phone", "birth_date": "birth_date"}

    class Meta:
        verbose_name = verbose_name_plural = "发展党员对象"
        indexes = [models.Index(fields=["party_org", "stage"])]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        from grassroots.core.crypto import Unreadable, lookup_hash

        if not isinstance(self.id_number, Unreadable):
            self.id_number = (self.id_number or "").upper()
            self.id_number_hash = lookup_hash(self.id_number)
        super().save(*args, **kwargs)

    def clean(self):
        from grassroots.core.crypto import Unreadable

        if isinstance(self.id_number, Unreadable):
            raise ValidationError({"id_number": "存储的数据无法解密，请联系管理员"})
        self.id_number = (self.id_number or "").upper()
        if self.birth_date and self.birth_date > timezone.localdate():
            raise ValidationError({"birth_date": "出生日期不能晚于今天"})
        digits = len(self.id_number) == 18 and self.id_number[:17].isdigit()
        if self.birth_date and digits and self.id_number[6:14] != self.birth_date.strftime("%Y%m%d"):
            raise ValidationError({"birth_date": "出生日期与身份证号不一致"})

    def step_date(self, number: int) -> datetime.date | None:
        value = (self.dates or {}).get(str(number))
        return datetime.date.fromisoformat(value) if value else None

    @property
    def next_steps(self) -> tuple[int, ...]:
        from .steps import allowed_next

        return allowed_next(self.last_step, self.decision, self.stage)

    @property
    def last_step_name(self) -> str:
        return STEPS[self.last_step].name if self.last_step in STEPS else ""


class StepRecord(ScopedModel):
    """One recorded step (append-only): which step, when, who acted, what was decided, its documents
    (core.attachments, role "document")."""

    candidate = models.ForeignKey(Candidate, on_delete=models.CASCADE, related_name="records")
    step = models.PositiveSmallIntegerField("步骤")
    on = models.DateField("日期")
    actor = models.CharField("实施主体或经办人", max_length=100)
    note = models.CharField("情况说明", max_length=500, blank=True)
    hours = models.PositiveSmallIntegerField("培训学时", null=True, blank=True)
    decision = models.CharField("决定", max_length=16, choices=Decision.choices, blank=True)
    people = models.CharField("指定人员", max_length=100, blank=True)
    recorded_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, verbose_name="记录人"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager()
    permission_app = "party"
    scope_region = "candidate__party_org__region"
    scope_org = "candidate__party_org"

    class Meta:
        ordering = ["on", "id"]
        verbose_name = verbose_name_plural = "发展党员步骤记录"
        indexes = [models.Index(fields=["candidate", "on"], name="rec_step_candidate_on")]

    def __str__(self):
        return f"{self.candidate} {STEPS[self.step].label}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.get("force_insert"):
            raise ValueError("步骤记录只能追加，不能修改")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("步骤记录只能追加，不能删除")

    @property
    def step_info(self):
        return STEPS[self.step]
