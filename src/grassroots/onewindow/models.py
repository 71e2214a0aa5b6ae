"""一窗受理 · 全程代办 (seeds 000, 001): a catalog of service items (ServiceItem) a community takes at its
window and forwards to the deciding department; applications (Application) taken at the window or at
a resident's home (上门代办), checked against the item's materials checklist, forwarded with a deadline
in working days, decided by the department and evaluated by the resident; and proactive door-to-door
offers (ServiceOffer) to elderly and other tagged households.

Writes are in services.py; the application's state machine is `TRANSITIONS` there."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone

from grassroots.core.crypto import EncryptedCharField
from grassroots.core.scoping import ScopedManager, ScopedModel, ScopedQuerySet, grants_for, scope_q

CATALOG_READERS = ("onewindow.view", "onewindow.handle", "onewindow.manage_catalog", "onewindow.department")


def catalog_scope_q(user, action: str = "view") -> Q | None:
    """view: the catalog that applies to the user's areas (items of the areas above them, as a community
    reads its street's and district's catalog, and of the areas below them); any other action: items
    inside the user's region grants (core.scoping). None = no restriction."""
    if action != "view":
        return scope_q(ServiceItem, user, action)
    if user is None or not user.is_authenticated:
        return Q(pk__in=[])
    if user.is_superuser:
        return None
    from grassroots.regions.models import Region

    q = Q(pk__in=[])
    for g in grants_for(user):
        if g.region_path is None or not any(p in g.perms for p in CATALOG_READERS):
            continue
        above = [g.region_path[:k] for k in range(Region.steplen, len(g.region_path) + 1, Region.steplen)]
        q |= Q(region__path__startswith=g.region_path) | Q(region__path__in=above)
    return q


class ServiceItem(ScopedModel):
    """A service the communities under `region` take at the window (one catalog per district or street;
    a community sees the items of its district, its street and the city)."""

    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="onewindow_items", verbose_name="适用区域"
    )
    name = models.CharField("事项名称", max_length=60)
    name_initials = models.CharField(max_length=64, blank=True, db_index=True)
    department = models.ForeignKey(
        "cases.Handler",
        on_delete=models.PROTECT,
        related_name="onewindow_items",
        verbose_name="办理部门",
        limit_choices_to={"kind": "department"},
    )
    # One entry per required document, in the order the window checks them.
    materials = models.JSONField("材料清单", default=list)
    time_limit_days = models.PositiveSmallIntegerField("法定时限（工作日）")
    door_to_door = models.BooleanField("可上门代办", default=False)
    description = models.CharField("办理说明", max_length=300, blank=True)
    is_active = models.BooleanField("启用", default=True)
    created_at = models.DateTimeField(default=timezone.now)

    # visible_to and covers both come from scope_q_for (core.scoping.model_scope_q)
    objects = ScopedManager()

    @classmethod
    def scope_q_for(cls, user, action: str = "view") -> Q | None:
        return catalog_scope_q(user, action)

    scope_region = "region"
    permission_app = "onewindow"

    class Meta:
        ordering = ["name", "id"]
        verbose_name = verbose_name_plural = "服务事项"
        constraints = [models.UniqueConstraint(fields=["region", "name"], name="onewindow_item_unique")]

    def __str__(self):
        return self.name

    def clean(self):
        if self.time_limit_days is not None and not 1 <= self.time_limit_days <= 365:
            raise ValidationError({"time_limit_days": "法定时限须在 1 到 365 个工作日之间"})
        if self.department_id and self.department.kind != "department":
            raise ValidationError({"department": "办理部门须是职能部门"})
        if self.region_id and self.region.level not in ("city", "district", "street"):
            raise ValidationError({"region": "服务事项由市、区或街道统一维护"})

    def save(self, *args, **kwargs):
        from grassroots.core.text import initials

        self.name_initials = initials(self.name)
        super().save(*args, **kwargs)


class ApplicationState(models.TextChoices):
    RECEIVED = "received", "已受理"
    INCOMPLETE = "incomplete", "待补材料"
    FORWARDED = "forwarded", "已转部门"
    ACCEPTED = "accepted", "部门已受理"
    DONE = "done", "已办结"
    REFUSED = "refused", "不予办理"
    WITHDRAWN = "withdrawn", "已撤回"


OPEN_STATES = (
    ApplicationState.RECEIVED,
    ApplicationState.INCOMPLETE,
    ApplicationState.FORWARDED,
    ApplicationState.ACCEPTED,
)
# The states a department sees: from forwarding on.
DEPARTMENT_STATES = (
    ApplicationState.FORWARDED,
    ApplicationState.ACCEPTED,
    ApplicationState.DONE,
    ApplicationState.REFUSED,
)


class ApplicationChannel(models.TextChoices):
    WINDOW = "window", "窗口受理"
    DOOR = "door", "上门代办"


def department_ids_for(user) -> list[int]:
    """Departments (cases.Handler of kind department) the user acts for, when they hold
    onewindow.department; loaded once per user object."""
    if user is None or not user.is_authenticated:
        return []
    cached = getattr(user, "_grassroots_onewindow_departments", None)
    if cached is None:
        cached = []
        if any("onewindow.department" in g.perms for g in grants_for(user)):
            from grassroots.cases.models import Handler

            cached = list(
                Handler.objects.filter(members=user, kind="department", is_active=True).values_list(
                    "pk", flat=True
                )
            )
        user._grassroots_onewindow_departments = cached
    return cached


def application_scope_q(user, action: str = "view") -> Q | None:
    """Region grants carrying onewindow.<action>; a resident's own applications (their household's, or
    taken with the phone they signed in with); for view and department: the applications forwarded to
    a department the user acts for. None = no restriction."""
    if user is None or not user.is_authenticated:
        return Q(pk__in=[])
    if user.is_superuser:
        return None
    perm = f"onewindow.{action}"
    q = Q(pk__in=[])
    for g in grants_for(user):
        if perm not in g.perms:
            continue
        if g.region_path is not None:
            q |= Q(community__path__startswith=g.region_path)
        elif g.own:
            q |= Q(household__residents__user=user)
            if getattr(user, "phone_hash", ""):
                q |= Q(applicant_phone_hash=user.phone_hash)
    if action in ("view", "department"):
        ids = department_ids_for(user)
        if ids:
            q |= Q(department_id__in=ids, state__in=DEPARTMENT_STATES)
    return q


class ApplicationQuerySet(ScopedQuerySet):
    def visible_to(self, user, action: str = "view"):
        q = application_scope_q(user, action)
        if q is None:
            return self
        # The own-records join through household residents may repeat a row: keep ids unique.
        return self.filter(pk__in=type(self)(self.model, using=self._db).filter(q).values("pk"))


class ApplicationManager(ScopedManager.from_queryset(ApplicationQuerySet)):
    pass


class Application(ScopedModel):
    number = models.CharField("受理编号", max_length=20, unique=True)
    community = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="onewindow_applications", verbose_name="社区"
    )
    item = models.ForeignKey(
        ServiceItem, on_delete=models.PROTECT, related_name="applications", verbose_name="服务事项"
    )
    department = models.ForeignKey(
        "cases.Handler",
        on_delete=models.PROTECT,
        related_name="onewindow_applications",
        verbose_name="办理部门",
    )
    channel = models.CharField("受理方式", max_length=8, choices=ApplicationChannel.choices)
    household = models.ForeignKey(
        "regions.Household",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="onewindow_applications",
        verbose_name="住户",
    )
    applicant_name = EncryptedCharField("申请人")
    applicant_phone = EncryptedCharField("联系电话", blank=True)
    # Keyed hash of the phone (core.crypto.lookup_hash): a resident signed in with it sees the application.
    applicant_phone_hash = models.CharField(max_length=40, blank=True, db_index=True)
    note = models.CharField("受理备注", max_length=300, blank=True)
    # Names from the item's checklist the window has seen (a copy of the list at the time).
    materials_required = models.JSONField("应交材料", default=list)
    materials_received = models.JSONField("已收材料", default=list)
    state = models.CharField(
        "状态", max_length=12, choices=ApplicationState.choices, default=ApplicationState.RECEIVED
    )
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="onewindow_taken",
        verbose_name="受理人",
    )
    created_at = models.DateTimeField("受理时间", default=timezone.now)
    forwarded_at = models.DateTimeField("转办时间", null=True, blank=True)
    due_at = models.DateTimeField("办理期限", null=True, blank=True)
    accepted_at = models.DateTimeField("部门受理时间", null=True, blank=True)
    finished_at = models.DateTimeField("办结时间", null=True, blank=True)
    result = models.CharField("办理结果", max_length=500, blank=True)
    refuse_reason = models.CharField("不予办理理由", max_length=300, blank=True)
    withdraw_reason = models.CharField("撤回原因", max_length=200, blank=True)
    rating = models.PositiveSmallIntegerField("满意度", null=True, blank=True)
    rating_comment = models.CharField("评价", max_length=300, blank=True)
    rated_at = models.DateTimeField("评价时间", null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = ApplicationManager()

    @classmethod
    def scope_q_for(cls, user, action: str = "view") -> Q | None:
        """One declaration for visible_to and covers (core.scoping.model_scope_q)."""
        return application_scope_q(user, action)

    scope_region = "community"
    scope_owner = "household__residents__user"
    permission_app = "onewindow"
    personal_fields = {"applicant_name": "name", "applicant_phone": "phone"}

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = verbose_name_plural = "代办申请"
        indexes = [
            models.Index(fields=["community", "state", "-created_at"], name="onewindow_app_comm_state"),
            models.Index(fields=["department", "state"], name="onewindow_app_dept_state"),
            models.Index(fields=["household", "-created_at"], name="onewindow_app_household"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5),
                name="onewindow_rating_1_5",
            )
        ]

    def __str__(self):
        return f"{self.number} {self.item.name if self.item_id else ''}"

    @property
    def missing_materials(self) -> list[str]:
        got = set(self.materials_received)
        return [m for m in self.materials_required if m not in got]

    @property
    def on_time(self) -> bool | None:
        """Done by the deadline (None until done or without a deadline)."""
        if self.state != ApplicationState.DONE or not self.due_at or not self.finished_at:
            return None
        return self.finished_at <= self.due_at

    @property
    def overdue(self) -> bool:
        return self.state in OPEN_STATES and self.due_at is not None and self.due_at < timezone.now()

    def attachment_visible_to(self, user) -> bool:
        return Application.objects.visible_to(user).filter(pk=self.pk).exists()


class OfferState(models.TextChoices):
    OFFERED = "offered", "待答复"
    ACCEPTED = "accepted", "已接受"
    DECLINED = "declined", "已谢绝"


class ServiceOffer(ScopedModel):
    """A proactive offer of 上门代办 to a household (elderly, disabled, ...): who offered it when, and the
    household's answer. An accepted offer becomes a door-to-door application."""

    household = models.ForeignKey(
        "regions.Household", on_delete=models.CASCADE, related_name="onewindow_offers", verbose_name="住户"
    )
    community = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="onewindow_offers", verbose_name="社区"
    )
    offered_on = models.DateField("上门日期", default=timezone.localdate)
    offered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="onewindow_offers",
        verbose_name="上门人员",
    )
    note = models.CharField("情况记录", max_length=300, blank=True)
    state = models.CharField("答复", max_length=10, choices=OfferState.choices, default=OfferState.OFFERED)
    answered_at = models.DateTimeField("答复时间", null=True, blank=True)
    application = models.OneToOneField(
        Application,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="offer",
        verbose_name="代办申请",
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager()
    scope_region = "community"
    permission_app = "onewindow"

    class Meta:
        ordering = ["-offered_on", "-id"]
        verbose_name = verbose_name_plural = "上门代办服务"
        indexes = [models.Index(fields=["community", "-offered_on"], name="onewindow_offer_comm")]

    def __str__(self):
        return f"{self.household} {self.offered_on}"
