from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models

from grassroots.core.scoping import ScopedManager, ScopedModel
from grassroots.core.text import InitialsMixin

from .choices import PartyWork, UnitType


def full_members_expr():
    """Subquery: the number of full (正式) members whose workplace is the unit (ORG-1/ORG-2/COV-*).

    Annotate with `.annotate(full_count=full_members_expr())`; `Unit.full_members` reads it."""
    from django.db.models import Count, OuterRef, Subquery
    from django.db.models.functions import Coalesce

    from grassroots.party.choices import MemberStatus
    from grassroots.party.models import Member

    counts = (
        Member.objects.filter(workplace_unit=OuterRef("pk"), status=MemberStatus.FULL)
        .order_by()
        .values("workplace_unit")
        .annotate(n=Count("id"))
        .values("n")
    )
    return Coalesce(Subquery(counts), 0)


def has_full_member_q():
    """Q: the unit is the workplace of at least one full member."""
    from django.db.models import Exists, OuterRef, Q

    from grassroots.party.choices import MemberStatus
    from grassroots.party.models import Member

    return Q(Exists(Member.objects.filter(workplace_unit=OuterRef("pk"), status=MemberStatus.FULL)))


class Instructor(ScopedModel):
    """党建指导员: guides a unit with fewer than 3 members (ORG-2) or none (COV-1)."""

    name = models.CharField("姓名", max_length=50)
    phone = models.CharField("手机号", max_length=20, blank=True)
    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="instructors", verbose_name="所属区划"
    )
    org = models.ForeignKey(
        "party.PartyOrg",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="instructors",
        verbose_name="选派党组织",
    )

    objects = ScopedManager()
    scope_region = "region"
    personal_fields = {"phone": "phone"}

    class Meta:
        verbose_name = verbose_name_plural = "党建指导员"

    def __str__(self):
        return self.name


class Unit(InitialsMixin, ScopedModel):
    """驻区单位: an organisation located in an area."""

    code = models.CharField("单位编码", max_length=32, unique=True)
    name = models.CharField("名称", max_length=100)
    name_initials = models.CharField(max_length=64, blank=True, db_index=True)
    type = models.CharField("单位类型", max_length=20, choices=UnitType.choices, db_index=True)
    industry = models.CharField("行业", max_length=50, blank=True)
    employees = models.PositiveIntegerField("从业人数", default=0)
    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="units", verbose_name="所在区划"
    )
    address = models.CharField("地址", max_length=200, blank=True)
    lng = models.FloatField("经度(WGS-84)", null=True, blank=True)
    lat = models.FloatField("纬度(WGS-84)", null=True, blank=True)
    party_work = models.CharField(
        "党组织设置", max_length=16, choices=PartyWork.choices, default=PartyWork.NONE
    )
    party_org = models.ForeignKey(
        "party.PartyOrg",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="covered_units",
        verbose_name="覆盖党组织",
    )
    has_union = models.BooleanField("已建工会", default=False)
    has_youth_league = models.BooleanField("已建团组织", default=False)
    instructor = models.ForeignKey(
        Instructor,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="units",
        verbose_name="党建指导员",
    )
    # Set from lng/lat by grids.services.place_in_grids.
    grid = models.ForeignKey(
        "grids.Grid",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="units",
        verbose_name="所在网格",
    )

    objects = ScopedManager()
    scope_region = "region"

    class Meta:
        verbose_name = verbose_name_plural = "驻区单位"
        indexes = [models.Index(fields=["region", "type"])]

    def __str__(self):
        return self.name

    def clean(self):
        if self.party_work == PartyWork.NONE and self.party_org_id:
            raise ValidationError({"party_org": "未建立党组织的单位不能指定覆盖党组织"})
        if self.party_work != PartyWork.NONE and not self.party_org_id:
            raise ValidationError({"party_org": "请指定覆盖该单位的党组织"})

    @property
    def full_members(self) -> int:
        """Full members working here, counted from member rows (the `full_count` annotation when the
        queryset carries it, else one count query)."""
        n = self.__dict__.get("full_count")
        if n is None:
            from grassroots.party.choices import MemberStatus

            n = self.employed_members.filter(status=MemberStatus.FULL).count() if self.pk else 0
        return n

    @property
    def is_covered(self) -> bool:
        """Party organisation coverage (COV-3)."""
        return self.party_work != PartyWork.NONE
