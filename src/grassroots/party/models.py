from __future__ import annotations

import datetime
import time

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone
from treebeard.mp_tree import MP_Node

from grassroots.core.crypto import EncryptedCharField
from grassroots.core.scoping import ScopedManager, ScopedModel
from grassroots.core.text import InitialsMixin
from grassroots.core.tree import ScopedTreeManager

from .choices import Gender, MemberStatus, OrgKind, SeatPost

org_code_validator = RegexValidator(
    r"^[0-9A-Za-z-]{2,32}$", "组织编码只能包含字母、数字和连字符（2 至 32 位）"
)


class PartyOrg(InitialsMixin, MP_Node, ScopedModel):
    """A node of the party organisation tree.

    Bound either to a Region (街道党工委, 社区党委, 小区党支部, 楼栋党小组) or to a Unit. `region` is
    always set (for a unit's org, the unit's region) so that region-scoped users see it.
    """

    steplen = 4
    code = models.CharField("组织编码", max_length=32, unique=True, validators=[org_code_validator])
    name = models.CharField("名称", max_length=100)
    short_name = models.CharField("简称", max_length=50, blank=True)
    name_initials = models.CharField(max_length=64, blank=True, db_index=True)
    kind = models.CharField("类别", max_length=20, choices=OrgKind.choices, db_index=True)
    is_regional = models.BooleanField("区域化(大党委)", default=False)
    is_joint = models.BooleanField("联合党组织", default=False)
    is_functional = models.BooleanField("功能型党组织", default=False)
    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="party_orgs", verbose_name="所在区划"
    )
    unit = models.ForeignKey(
        "units.Unit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="own_orgs",
        verbose_name="所在单位",
    )
    secretary = models.ForeignKey(
        "Member", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name="书记"
    )
    secretary_name = models.CharField("书记姓名", max_length=50, blank=True)
    committee_size = models.PositiveSmallIntegerField("委员会人数", default=0)
    established_on = models.DateField("成立日期", null=True, blank=True)
    term_start = models.DateField("本届开始", null=True, blank=True)
    term_end = models.DateField("本届届满", null=True, blank=True)

    objects = ScopedTreeManager()
    scope_region = "region"
    scope_org = ""

    class Meta:
        verbose_name = verbose_name_plural = "党组织"
        indexes = [models.Index(fields=["kind", "path"])]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        if self.unit_id and not self.region_id:
            self.region_id = self.unit.region_id
        super().save(*args, **kwargs)

    def clean(self):
        if self.term_start and self.term_end and self.term_end <= self.term_start:
            raise ValidationError({"term_end": "届满日期必须晚于本届开始日期"})
        if self.kind == OrgKind.GROUP and (self.is_regional or self.is_joint):
            raise ValidationError("党小组不能是区域化或联合党组织")
        if self.unit_id and self.region_id and self.unit.region_id != self.region_id:
            raise ValidationError({"region": "单位党组织的所在区划必须与单位一致"})

    @property
    def binding(self):
        return self.unit if self.unit_id else self.region

    @property
    def flags_display(self) -> list[str]:
        flags = []
        if self.is_regional:
            flags.append("区域化")
        if self.is_joint:
            flags.append("联合")
        if self.is_functional:
            flags.append("功能型")
        return flags


class Seat(ScopedModel):
    """A seat on a committee; on a regional committee (社区大党委) held by people from member units."""

    org = models.ForeignKey(PartyOrg, on_delete=models.CASCADE, related_name="seats", verbose_name="党组织")
    post = models.CharField("职务", max_length=20, choices=SeatPost.choices)
    holder_name = models.CharField("姓名", max_length=50)
    member = models.ForeignKey(
        "Member", null=True, blank=True, on_delete=models.SET_NULL, related_name="seats"
    )
    unit = models.ForeignKey(
        "units.Unit",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="seats",
        verbose_name="来自单位",
    )

    objects = ScopedManager()
    scope_region = "org__region"
    scope_org = "org"

    class Meta:
        verbose_name = verbose_name_plural = "委员席位"

    def __str__(self):
        return f"{self.org} · {self.get_post_display()} · {self.holder_name}"


PARTY_FOUNDED = datetime.date(1921, 7, 1)
_MIN_AGE_TTL = 60.0
_min_age_cache: dict[str, float] = {}


def min_join_age() -> int:
    """MEM-AGE's minimum age for joining the party, read from the Rule table (cached for a minute:
    member imports validate every row)."""
    now = time.monotonic()
    if now - _min_age_cache.get("at", -_MIN_AGE_TTL) >= _MIN_AGE_TTL:
        from grassroots.core.rules import Rule

        rule = Rule.objects.filter(code="MEM-AGE", enabled=True).only("params").first()
        _min_age_cache["value"] = int(rule.param("min_age", 18)) if rule else 0
        _min_age_cache["at"] = now
    return int(_min_age_cache["value"])


def add_years(d: datetime.date, years: int) -> datetime.date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 February
        return d.replace(year=d.year + years, day=28)


def check_dates(errors: dict, today: datetime.date, **dates) -> None:
    """Plausibility of dates entered for a person: none in the future (Chinese messages into `errors`)."""
    labels = {
        "birth_date": "出生日期",
        "joined_on": "入党日期",
        "converted_on": "转正日期",
        "hired_on": "入职日期",
    }
    for field, value in dates.items():
        if value is None or field in errors:
            continue
        if value > today:
            errors[field] = f"{labels[field]}不能晚于今天"
        elif value.year < 1900:
            errors[field] = f"{labels[field]}不合理（早于 1900 年）"


id_number_validator = RegexValidator(r"^\d{17}[\dXx]$", "身份证号应为 18 位，最后一位可以是 X")
phone_validator = RegexValidator(r"^1\d{10}$", "手机号应为 11 位数字，以 1 开头")


class Member(InitialsMixin, ScopedModel):
    """A party member. ID number and phone are encrypted at rest and masked on display."""

    name = models.CharField("姓名", max_length=50)
    name_initials = models.CharField(max_length=64, blank=True, db_index=True)
    gender = models.CharField("性别", max_length=8, choices=Gender.choices)
    birth_date = models.DateField("出生日期", null=True, blank=True)
    id_number = EncryptedCharField("身份证号", validators=[id_number_validator])
    # Keyed hash of the ID number for exact look-ups; computed in clean() and save(), never entered.
    id_number_hash = models.CharField(max_length=40, unique=True, blank=True, editable=False)
    phone = EncryptedCharField("手机号", blank=True, validators=[phone_validator])
    party_org = models.ForeignKey(
        PartyOrg, on_delete=models.PROTECT, related_name="members", verbose_name="所在党组织"
    )
    status = models.CharField("党员类别", max_length=16, choices=MemberStatus.choices, db_index=True)
    joined_on = models.DateField("入党日期")
    converted_on = models.DateField("转正日期", null=True, blank=True)
    # 延长预备期 (ORG-8): the probation then ends on this date instead of joined_on + the probation period.
    probation_extended_to = models.DateField("延长预备期至", null=True, blank=True)
    probation_extension_reason = models.CharField("延长预备期原因", max_length=200, blank=True)
    in_service = models.BooleanField("在职党员", default=False)
    workplace_unit = models.ForeignKey(
        "units.Unit",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="employed_members",
        verbose_name="工作单位",
    )
    residence = models.ForeignKey(
        "regions.Region",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="resident_members",
        verbose_name="居住地",
    )
    room = models.CharField("房号", max_length=20, blank=True)
    is_household_hub = models.BooleanField("党员中心户", default=False)
    user = models.OneToOneField(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="member"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager()
    scope_region = "party_org__region"
    scope_org = "party_org"
    scope_owner = "user"
    personal_fields = {"id_number": "id_number", "phone": "phone", "room": "room", "birth_date": "birth_date"}

    class Meta:
        verbose_name = verbose_name_plural = "党员"
        indexes = [models.Index(fields=["party_org", "status"])]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        from grassroots.core.crypto import Unreadable, lookup_hash

        if not isinstance(self.id_number, Unreadable):  # keep the stored ciphertext and hash as they are
            self.id_number = (self.id_number or "").upper()
            self.id_number_hash = lookup_hash(self.id_number)
        super().save(*args, **kwargs)

    def clean(self):
        from grassroots.core.crypto import Unreadable, lookup_hash

        unreadable = [f for f in ("id_number", "phone") if isinstance(getattr(self, f), Unreadable)]
        if unreadable:
            raise ValidationError(
                {f: "存储的数据无法解密（数据密钥缺失或有误），请联系管理员" for f in unreadable}
            )
        self.id_number = (self.id_number or "").upper()
        self.id_number_hash = lookup_hash(self.id_number)
        self._check_dates()
        if self.status == MemberStatus.FULL and self.converted_on and self.converted_on < self.joined_on:
            raise ValidationError({"converted_on": "转正日期不能早于入党日期"})
        if self.status == MemberStatus.PROBATIONARY and self.converted_on:
            raise ValidationError({"converted_on": "预备党员不应有转正日期"})
        if self.party_org_id and self.party_org.is_functional:
            raise ValidationError({"party_org": "功能型党组织不接收党员组织关系（ORG-7）"})

    def _check_dates(self) -> None:
        errors: dict[str, str] = {}
        today = timezone.localdate()
        check_dates(
            errors,
            today,
            birth_date=self.birth_date,
            joined_on=self.joined_on,
            converted_on=self.converted_on,
        )
        if self.joined_on and "joined_on" not in errors and self.joined_on < PARTY_FOUNDED:
            errors["joined_on"] = "入党日期不能早于 1921 年 7 月 1 日"
        if self.birth_date and self.joined_on and not errors:
            age = min_join_age()
            if age and self.joined_on < add_years(self.birth_date, age):
                errors["joined_on"] = f"入党时应年满 {age} 周岁，请核对出生日期和入党日期（MEM-AGE）"
        if errors:
            raise ValidationError(errors)

    @property
    def age(self) -> int | None:
        if not self.birth_date:
            return None
        today = timezone.localdate()
        b = self.birth_date
        return today.year - b.year - ((today.month, today.day) < (b.month, b.day))


class TransferKind(models.TextChoices):
    INTERNAL = "internal", "平台内转接"
    OUT = "out", "转往平台外"
    IN = "in", "从平台外转入"


class TransferState(models.TextChoices):
    ISSUED = "issued", "转接中"
    ACCEPTED = "accepted", "已接收"
    RETURNED = "returned", "已退回"
    CLOSED = "closed", "已回执办结"
    CANCELLED = "cancelled", "已撤销"


OPEN_TRANSFER_STATES = (TransferState.ISSUED,)


class _TransferSide:
    """One side of a transfer (sender or receiver) as core.scoping.scope_q expects a model to look."""

    def __init__(self, prefix: str):
        self.scope_region = f"{prefix}__region"
        self.scope_org = prefix
        self.scope_owner = "member__user"  # a party member sees their own transfers (read only)
        self._meta = Member._meta  # permission app label: party


def transfer_scope_q(user, action: str = "view"):
    """Rows the user may `action` on either side: scoped on the sending org OR on the receiving org
    (and the member's own transfers for an own-records grant). Each side sees the transfer and its
    state; neither side gains access to the other org's pages."""
    from grassroots.core.scoping import scope_q

    parts = [scope_q(_TransferSide(prefix), user, action) for prefix in ("from_org", "to_org")]
    if any(q is None for q in parts):
        return None
    return parts[0] | parts[1]


class TransferQuerySet(models.QuerySet):
    def visible_to(self, user, action: str = "view"):
        q = transfer_scope_q(user, action)
        return self if q is None else self.filter(q)


class Transfer(ScopedModel):
    """组织关系转接 with two sides: the sending org issues it with an introduction letter (介绍信), the member
    is in transit (their org and dues stay with the sender) until the receiving org accepts it (the
    membership moves then) or returns it with a reason. A transfer to an org outside the platform closes
    on a recorded receipt (回执); one from outside creates the member on acceptance. One-step transfers
    recorded before the two-sided flow are rows in state accepted."""

    kind = models.CharField(
        "转接类型", max_length=10, choices=TransferKind.choices, default=TransferKind.INTERNAL
    )
    state = models.CharField(
        "状态", max_length=10, choices=TransferState.choices, default=TransferState.ACCEPTED, db_index=True
    )
    letter_no = models.CharField("介绍信编号", max_length=32, unique=True, null=True, blank=True)
    member = models.ForeignKey(
        Member, null=True, blank=True, on_delete=models.SET_NULL, related_name="transfers"
    )
    from_org = models.ForeignKey(
        PartyOrg,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="transfers_out",
        verbose_name="转出组织",
    )
    to_org = models.ForeignKey(
        PartyOrg,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="transfers_in",
        verbose_name="转入组织",
    )
    outside_org_name = models.CharField("平台外党组织", max_length=100, blank=True)
    outside_org_address = models.CharField("平台外党组织地址", max_length=200, blank=True)
    outside_letter_no = models.CharField("来信编号", max_length=40, blank=True)
    transferred_on = models.DateField("转接生效日期", null=True, blank=True)
    reason = models.CharField("原因", max_length=200, blank=True)
    # The member as described by the letter: snapshot at issue (internal, outside-bound) or the incoming
    # letter's data (from outside; the Member is created from it on acceptance).
    person_name = models.CharField("姓名", max_length=50, blank=True)
    person_gender = models.CharField("性别", max_length=8, choices=Gender.choices, blank=True)
    person_birth_date = models.DateField("出生日期", null=True, blank=True)
    person_id_number = EncryptedCharField("身份证号", blank=True, validators=[id_number_validator])
    person_phone = EncryptedCharField("手机号", blank=True, validators=[phone_validator])
    person_status = models.CharField("党员类别", max_length=16, choices=MemberStatus.choices, blank=True)
    person_joined_on = models.DateField("入党日期", null=True, blank=True)
    person_converted_on = models.DateField("转正日期", null=True, blank=True)
    dues_paid_to = models.DateField("党费交至", null=True, blank=True)
    issued_on = models.DateField("开具日期", null=True, blank=True)
    issued_by = models.ForeignKey(
        "accounts.User",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="开具人",
    )
    validity_days = models.PositiveSmallIntegerField("介绍信有效天数", null=True, blank=True)
    deadline = models.DateField("接收办理期限", null=True, blank=True, db_index=True)
    accepted_at = models.DateTimeField("接收时间", null=True, blank=True)
    accepted_by = models.ForeignKey(
        "accounts.User",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="接收人",
    )
    returned_at = models.DateTimeField("退回时间", null=True, blank=True)
    returned_by = models.ForeignKey(
        "accounts.User",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="退回人",
    )
    return_reason = models.CharField("退回原因", max_length=200, blank=True)
    cancelled_at = models.DateTimeField("撤销时间", null=True, blank=True)
    cancelled_by = models.ForeignKey(
        "accounts.User",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="撤销人",
    )
    cancel_reason = models.CharField("撤销原因", max_length=200, blank=True)
    receipt_on = models.DateField("回执日期", null=True, blank=True)
    receipt_ref = models.CharField("回执编号或说明", max_length=100, blank=True)
    receipt_by = models.ForeignKey(
        "accounts.User",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="回执登记人",
    )
    # QR verification: the token is an HMAC of this random nonce (so a reprint shows the same code);
    # only its hash is looked up, the token itself is never stored.
    token_nonce = models.CharField(max_length=32, blank=True, editable=False)
    token_hash = models.CharField(max_length=64, unique=True, null=True, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)

    objects = TransferQuerySet.as_manager()

    @classmethod
    def scope_q_for(cls, user, action: str = "view"):
        return transfer_scope_q(user, action)

    scope_region = "to_org__region"
    scope_org = "to_org"
    personal_fields = {
        "person_id_number": "id_number",
        "person_phone": "phone",
        "person_birth_date": "birth_date",
    }

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = verbose_name_plural = "组织关系转接"
        indexes = [
            models.Index(fields=["from_org", "state"], name="transfer_from_state"),
            models.Index(fields=["to_org", "state"], name="transfer_to_state"),
        ]

    def __str__(self):
        return f"{self.letter_no or '转接'} {self.display_name} {self.from_name} → {self.to_name}"

    @property
    def display_name(self) -> str:
        return self.person_name or (self.member.name if self.member_id else "")

    @property
    def from_name(self) -> str:
        return self.from_org.name if self.from_org_id else self.outside_org_name

    @property
    def to_name(self) -> str:
        return self.to_org.name if self.to_org_id else self.outside_org_name

    @property
    def is_open(self) -> bool:
        return self.state == TransferState.ISSUED

    @property
    def overdue(self) -> bool:
        return bool(self.is_open and self.deadline and self.deadline < timezone.localdate())

    @property
    def valid_until(self) -> datetime.date | None:
        if self.issued_on and self.validity_days:
            return self.issued_on + datetime.timedelta(days=self.validity_days)
        return None


class DuesPayment(ScopedModel):
    """Monthly party dues (ORG-9: 6 consecutive months unpaid is flagged). Money in fen."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="dues")
    month = models.DateField("月份")  # first day of the month
    amount_fen = models.PositiveIntegerField("金额(分)")
    paid_on = models.DateField("缴纳日期")

    objects = ScopedManager()
    scope_region = "member__party_org__region"
    scope_org = "member__party_org"

    class Meta:
        verbose_name = verbose_name_plural = "党费缴纳"
        constraints = [models.UniqueConstraint(fields=["member", "month"], name="dues_once_a_month")]

    def __str__(self):
        return f"{self.member} {self.month:%Y-%m}"


# ------------------------------------------------------------------------- members out of contact
class Whereabouts(models.TextChoices):
    """Where the branch stands with a member (组织找党员): in touch, away but reachable, or lost."""

    NORMAL = "normal", "正常联系"
    MOBILE = "mobile", "流动党员"
    LOST = "lost", "失联党员"


class ContactMethod(models.TextChoices):
    VISIT = "visit", "上门走访"
    PHONE = "phone", "电话联系"
    MESSAGE = "message", "微信或短信"
    RELATIVE = "relative", "通过亲友了解"
    OTHER = "other", "其他方式"


class MemberContact(ScopedModel):
    """A member's contact status, kept by the branch: 流动党员 with where they went and who keeps in
    touch, 失联党员 since when. One row per member, created the first time the branch records one."""

    member = models.OneToOneField(Member, on_delete=models.CASCADE, related_name="contact")
    status = models.CharField(
        "联系状态", max_length=10, choices=Whereabouts.choices, default=Whereabouts.NORMAL, db_index=True
    )
    since = models.DateField("起始日期", null=True, blank=True, help_text="外出流动或失去联系的日期")
    destination = models.CharField("流入地或去向", max_length=100, blank=True)
    contact_person = models.CharField("联络人", max_length=50, blank=True)
    contact_phone = EncryptedCharField("联络电话", blank=True, validators=[phone_validator])
    last_contact_on = models.DateField("最近联系上日期", null=True, blank=True)
    note = models.CharField("说明", max_length=200, blank=True)
    updated_at = models.DateTimeField("更新时间", default=timezone.now)

    objects = ScopedManager()
    scope_region = "member__party_org__region"
    scope_org = "member__party_org"
    personal_fields = {"contact_phone": "phone"}

    class Meta:
        verbose_name = verbose_name_plural = "党员联系状态"

    def __str__(self):
        return f"{self.member}：{self.get_status_display()}"


class ContactLog(ScopedModel):
    """One attempt to reach a member (append-only): who tried, how, and whether the member was reached."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="contact_logs")
    contacted_on = models.DateField("联系日期")
    method = models.CharField("联系方式", max_length=10, choices=ContactMethod.choices)
    reached = models.BooleanField("已联系上", default=False)
    note = models.CharField("情况记录", max_length=300)
    recorded_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, verbose_name="记录人"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager()
    scope_region = "member__party_org__region"
    scope_org = "member__party_org"

    class Meta:
        ordering = ["-contacted_on", "-id"]
        verbose_name = verbose_name_plural = "党员联系记录"
        indexes = [models.Index(fields=["member", "-contacted_on"], name="contact_log_member_recent")]

    def __str__(self):
        return f"{self.member} {self.contacted_on} {self.get_method_display()}"


def unit_model():
    """The units app's Unit, as PartyOrg.unit declares it: units sits above party (a unit's covering org
    and its full-member count read party), so party reaches Unit through its own relation."""
    return PartyOrg._meta.get_field("unit").related_model
