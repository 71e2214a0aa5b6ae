"""Every write of 一窗受理 · 全程代办, each permission- and scope-checked, atomic and audited.

The application's state machine (TRANSITIONS) is the one place that says which step may follow which;
a refused step raises ServiceError with a Chinese message and changes nothing.

Who acts: the community (onewindow.handle over the application's community) takes the application,
checks the materials, forwards it and may withdraw it; the department it was forwarded to (a member of
the cases.Handler holding onewindow.department) accepts it, finishes it with a result or refuses it
with a reason; the resident (or the community on their behalf) evaluates it once it is done."""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from grassroots.core import audit
from grassroots.core.crypto import lookup_hash
from grassroots.core.errors import NotFound, PermissionDenied, ServiceError
from grassroots.core.models import AuditAction
from grassroots.core.scoping import covers, grants_for, has_perm
from grassroots.core.services import clean_text as _text
from grassroots.core.services import move_state as _move
from grassroots.core.services import require_action, save_changes
from grassroots.regions.choices import HouseholdTag
from grassroots.regions.models import Household, Region

from .models import (
    Application,
    ApplicationChannel,
    ApplicationState,
    OfferState,
    ServiceItem,
    ServiceOffer,
    department_ids_for,
)

S = ApplicationState
# state -> the actions allowed in it and the state each leads to (None: stays, or decided by the input)
TRANSITIONS: dict[str, dict[str, str | None]] = {
    S.RECEIVED: {"materials": None, "forward": S.FORWARDED, "withdraw": S.WITHDRAWN},
    S.INCOMPLETE: {"materials": None, "withdraw": S.WITHDRAWN},
    S.FORWARDED: {"accept": S.ACCEPTED, "refuse": S.REFUSED, "withdraw": S.WITHDRAWN},
    S.ACCEPTED: {"complete": S.DONE, "refuse": S.REFUSED},
    S.DONE: {"evaluate": None},
    S.REFUSED: {},
    S.WITHDRAWN: {},
}
ACTION_LABELS = {
    "materials": "核对材料",
    "forward": "转交部门办理",
    "withdraw": "撤回申请",
    "accept": "部门受理",
    "complete": "办结",
    "refuse": "不予办理",
    "evaluate": "评价",
}
COMMUNITY_ACTIONS = {"materials", "forward", "withdraw"}
DEPARTMENT_ACTIONS = {"accept", "complete", "refuse"}
MAX_SCANS = 9


# --------------------------------------------------------------------------- rule parameters
@dataclass(frozen=True)
class ProactiveParams:
    tags: tuple[str, ...] = ("elderly_alone", "empty_nest", "disabled")
    recent_days: int = 180


def proactive_params() -> ProactiveParams:
    """SVC-1's parameters from the Rule row (defaults only if the row is missing or invalid)."""
    from grassroots.standards.models import Rule

    d = ProactiveParams()
    rule = Rule.objects.filter(code="SVC-1").first()
    if rule is None:
        return d
    tags = rule.param("tags", list(d.tags))
    tags = tuple(t for t in tags if t in HouseholdTag.values) if isinstance(tags, list) else d.tags
    days = rule.param("recent_days", d.recent_days)
    days = days if isinstance(days, int) and not isinstance(days, bool) and days > 0 else d.recent_days
    return ProactiveParams(tags or d.tags, days)


# --------------------------------------------------------------------------- helpers
def region_covered(user, region: Region, perm: str) -> bool:
    """Whether one of the user's region grants carrying `perm` covers `region`."""
    if user is None or not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    return any(
        perm in g.perms and g.region_path is not None and region.path.startswith(g.region_path)
        for g in grants_for(user)
    )


def _require_action(app: Application, action: str) -> str | None:
    return require_action(app, action, TRANSITIONS, ACTION_LABELS, subject="申请")


def can_handle(user, app: Application) -> bool:
    return region_covered(user, app.community, "onewindow.handle")


def acts_for_department(user, app: Application) -> bool:
    return user.is_superuser or app.department_id in department_ids_for(user)


def _visible(user, app: Application) -> bool:
    return Application.objects.visible_to(user).filter(pk=app.pk).exists()


def _community_side(user, app: Application) -> None:
    if not can_handle(user, app):
        if not _visible(user, app):
            raise NotFound()
        raise PermissionDenied("没有办理本社区代办申请的权限")


def _department_side(user, app: Application) -> None:
    if not acts_for_department(user, app) or app.state not in (S.FORWARDED, S.ACCEPTED, S.DONE, S.REFUSED):
        if not _visible(user, app):
            raise NotFound()
        raise PermissionDenied("只有承办部门可以办理")


def items_for(community: Region):
    """The active catalog of a community: the items of the city, its district and its street."""
    above = [community.path[:k] for k in range(Region.steplen, len(community.path) + 1, Region.steplen)]
    return ServiceItem.objects.filter(region__path__in=above, is_active=True).select_related("department")


def _materials(item_list: list[str], received) -> list[str]:
    received = [str(m).strip() for m in (received or []) if str(m).strip()]
    unknown = [m for m in received if m not in item_list]
    if unknown:
        raise ServiceError(f"不在材料清单中：{'、'.join(unknown[:3])}", field="materials")
    return [m for m in item_list if m in set(received)]


def _phone(value: str) -> str:
    value = (value or "").strip().replace(" ", "").replace("-", "")
    if value and not (value.isdigit() and 7 <= len(value) <= 12):
        raise ServiceError("联系电话格式不正确", field="applicant_phone")
    return value


# --------------------------------------------------------------------------- catalog
def _check_item_input(user, *, region, name, department, materials, time_limit_days):
    from grassroots.cases.models import Handler

    if region is None or region.level not in ("city", "district", "street"):
        raise ServiceError("请选择事项适用的市、区或街道", field="region")
    if not region_covered(user, region, "onewindow.manage_catalog"):
        raise PermissionDenied("没有维护该区域服务事项的权限")
    name = _text(name, "事项名称", 60, field="name")
    if not isinstance(department, Handler) or department.kind != "department" or not department.is_active:
        raise ServiceError("请选择办理部门", field="department")
    if isinstance(materials, str):
        materials = materials.splitlines()
    materials = list(dict.fromkeys(m.strip() for m in (materials or []) if m and m.strip()))
    if not materials:
        raise ServiceError("请至少填写一项所需材料", field="materials")
    if len(materials) > 30 or any(len(m) > 60 for m in materials):
        raise ServiceError("材料清单最多 30 项，每项不超过 60 个字", field="materials")
    if not isinstance(time_limit_days, int) or not 1 <= time_limit_days <= 365:
        raise ServiceError("法定时限须在 1 到 365 个工作日之间", field="time_limit_days")
    return name, materials


@transaction.atomic
def create_item(
    user,
    *,
    region: Region,
    name: str,
    department,
    materials,
    time_limit_days: int,
    door_to_door: bool = False,
    description: str = "",
) -> ServiceItem:
    name, materials = _check_item_input(
        user,
        region=region,
        name=name,
        department=department,
        materials=materials,
        time_limit_days=time_limit_days,
    )
    if ServiceItem.objects.filter(region=region, name=name).exists():
        raise ServiceError(f"{region.name}已有同名服务事项", field="name", status=409)
    item = ServiceItem.objects.create(
        region=region,
        name=name,
        department=department,
        materials=materials,
        time_limit_days=time_limit_days,
        door_to_door=bool(door_to_door),
        description=_text(description, "办理说明", 300, required=False, field="description"),
    )
    audit.record_create(user, item)
    return item


@transaction.atomic
def update_item(
    user,
    item: ServiceItem,
    *,
    name: str,
    department,
    materials,
    time_limit_days: int,
    door_to_door: bool,
    description: str = "",
    is_active: bool = True,
) -> ServiceItem:
    if not covers(user, item, "manage_catalog"):
        if not ServiceItem.objects.visible_to(user).filter(pk=item.pk).exists():
            raise NotFound()
        raise PermissionDenied("没有维护该服务事项的权限")
    name, materials = _check_item_input(
        user,
        region=item.region,
        name=name,
        department=department,
        materials=materials,
        time_limit_days=time_limit_days,
    )
    if ServiceItem.objects.filter(region=item.region, name=name).exclude(pk=item.pk).exists():
        raise ServiceError(f"{item.region.name}已有同名服务事项", field="name", status=409)
    before = audit.snapshot(item)
    item.name, item.department, item.materials = name, department, materials
    item.time_limit_days, item.door_to_door = time_limit_days, bool(door_to_door)
    item.description = _text(description, "办理说明", 300, required=False, field="description")
    item.is_active = bool(is_active)
    item.save()
    audit.record_update(user, item, before)
    return item


# --------------------------------------------------------------------------- taking an application
@transaction.atomic
def take_application(
    user,
    *,
    community: Region | None,
    item: ServiceItem | None,
    applicant_name: str,
    applicant_phone: str = "",
    channel: str = ApplicationChannel.WINDOW,
    household: Household | None = None,
    materials_received=(),
    note: str = "",
    scans=(),
    offer: ServiceOffer | None = None,
) -> Application:
    """The community takes an application at the window or at the resident's home. The materials the
    resident brought are checked off against the item's checklist: with something missing the
    application waits for it (待补材料)."""
    if community is None or community.level != "community":
        raise ServiceError("请选择受理社区", field="community")
    if not region_covered(user, community, "onewindow.handle"):
        raise PermissionDenied("没有在该社区受理代办申请的权限")
    if item is None or not items_for(community).filter(pk=item.pk).exists():
        raise ServiceError("请选择本社区可办理的服务事项", field="item")
    if channel not in ApplicationChannel.values:
        raise ServiceError("请选择受理方式", field="channel")
    if channel == ApplicationChannel.DOOR and not item.door_to_door:
        raise ServiceError(f"“{item.name}”不提供上门代办", field="item")
    if household is not None and not household.entrance.path.startswith(community.path):
        raise ServiceError("住户不在该社区", field="household")
    name = _text(applicant_name, "申请人姓名", 50, field="applicant_name")
    phone = _phone(applicant_phone)
    received = _materials(item.materials, materials_received)
    complete = len(received) == len(item.materials)
    app = Application(
        number="",
        community=community,
        item=item,
        department=item.department,
        channel=channel,
        household=household,
        applicant_name=name,
        applicant_phone=phone,
        applicant_phone_hash=lookup_hash(phone) if phone else "",
        note=_text(note, "受理备注", 300, required=False, field="note"),
        materials_required=list(item.materials),
        materials_received=received,
        state=S.RECEIVED if complete else S.INCOMPLETE,
        taken_by=user,
    )
    app.number = uuid.uuid4().hex[:20]
    app.save()
    app.number = f"DB{timezone.localdate():%Y}{app.pk:07d}"
    app.save(update_fields=["number"])
    if scans:
        from grassroots.core.attachments import attach

        attach(user, app, scans, role="scan", max_files=MAX_SCANS, images_only=False)
    audit.record_create(user, app)
    if offer is not None:
        offer.application = app
        offer.save(update_fields=["application"])
    _tell_applicant(
        app,
        f"您的“{item.name}”申请已由{community.name}受理",
        "材料齐全，社区将尽快转交部门办理。"
        if complete
        else f"还需补交：{'、'.join(app.missing_materials)}。",
        sms=False,
    )
    return app


@transaction.atomic
def check_materials(user, app: Application, *, received, scans=()) -> Application:
    """Record the materials now at hand (and their scans): complete → 已受理, something missing → 待补材料."""
    _community_side(user, app)
    _require_action(app, "materials")
    received = _materials(app.materials_required, received)
    complete = len(received) == len(app.materials_required)
    before_received = list(app.materials_received)
    app.materials_received = received
    if scans:
        from grassroots.core.attachments import attach

        attach(user, app, scans, role="scan", max_files=MAX_SCANS, images_only=False)
    to = S.RECEIVED if complete else S.INCOMPLETE
    if to != app.state:
        _move(user, app, to, ["materials_received"], materials=received)
    else:
        app.updated_at = timezone.now()
        app.save(update_fields=["materials_received", "updated_at"])
        audit.record(AuditAction.UPDATE, app, user=user, changes={"已收材料": [before_received, received]})
    return app


@transaction.atomic
def forward(user, app: Application) -> Application:
    """Forward to the item's department, with the deadline of the item's legal time limit in working
    days (the official working-day calendar of the cases app). The resident is told by SMS."""
    from grassroots.cases.workdays import compute_deadline

    _community_side(user, app)
    to = _require_action(app, "forward")
    if app.missing_materials:
        raise ServiceError(f"材料不全，不能转交：还缺{'、'.join(app.missing_materials)}")
    now = timezone.now()
    _soon, due, _missing = compute_deadline(now, app.item.time_limit_days, "working_days")
    app.forwarded_at, app.due_at = now, due
    _move(user, app, to, ["forwarded_at", "due_at"], department=app.department.name)
    _notify_department(app)
    local_due = timezone.localtime(due)
    _tell_applicant(
        app,
        f"您的“{app.item.name}”申请已转交{app.department.name}办理",
        f"法定办理时限 {app.item.time_limit_days} 个工作日，预计 {local_due:%Y-%m-%d} 前办结。",
    )
    return app


@transaction.atomic
def withdraw(user, app: Application, *, reason: str) -> Application:
    _community_side(user, app)
    to = _require_action(app, "withdraw")
    app.withdraw_reason = _text(reason, "撤回原因", 200, field="reason")
    app.finished_at = timezone.now()
    _move(user, app, to, ["withdraw_reason", "finished_at"], reason=app.withdraw_reason)
    return app


@transaction.atomic
def accept(user, app: Application) -> Application:
    _department_side(user, app)
    to = _require_action(app, "accept")
    app.accepted_at = timezone.now()
    return _move(user, app, to, ["accepted_at"])


@transaction.atomic
def complete(user, app: Application, *, result: str) -> Application:
    """Done, with the department's result; the resident is told by SMS and asked to evaluate."""
    _department_side(user, app)
    to = _require_action(app, "complete")
    app.result = _text(result, "办理结果", 500, field="result")
    app.finished_at = timezone.now()
    _move(
        user,
        app,
        to,
        ["result", "finished_at"],
        on_time=app.finished_at <= app.due_at if app.due_at else None,
    )
    _tell_applicant(
        app,
        f"您的“{app.item.name}”申请已办结",
        f"办理结果：{app.result}。欢迎对办理情况进行评价。",
    )
    return app


@transaction.atomic
def refuse(user, app: Application, *, reason: str) -> Application:
    _department_side(user, app)
    to = _require_action(app, "refuse")
    app.refuse_reason = _text(reason, "不予办理理由", 300, field="reason")
    app.finished_at = timezone.now()
    _move(user, app, to, ["refuse_reason", "finished_at"], reason=app.refuse_reason)
    _tell_applicant(
        app, f"您的“{app.item.name}”申请未予办理", f"理由：{app.refuse_reason}。如有疑问请联系社区。"
    )
    return app


def is_applicant(user, app: Application) -> bool:
    """The signed-in resident applied: their household's, or taken with the phone they signed in with."""
    if user is None or not user.is_authenticated:
        return False
    if app.applicant_phone_hash and getattr(user, "phone_hash", "") == app.applicant_phone_hash:
        return True
    return bool(app.household_id) and app.household.residents.filter(user=user).exists()


@transaction.atomic
def evaluate(user, app: Application, *, rating, comment: str = "") -> Application:
    """Satisfaction 1–5 after done, once: by the resident, or recorded by the community on their behalf
    (at a door-to-door visit)."""
    if not (is_applicant(user, app) and has_perm(user, "onewindow.view")) and not can_handle(user, app):
        if not _visible(user, app):
            raise NotFound()
        raise PermissionDenied("只有申请人或受理社区可以评价")
    _require_action(app, "evaluate")
    if app.rating is not None:
        raise ServiceError("该申请已评价过", status=409)
    if isinstance(rating, str) and rating.isdigit():
        rating = int(rating)
    if not isinstance(rating, int) or isinstance(rating, bool) or not 1 <= rating <= 5:
        raise ServiceError("请选择 1 到 5 星的满意度", field="rating")
    comment = _text(comment, "评价", 300, required=False, field="comment")
    return save_changes(user, app, rating=rating, rating_comment=comment, rated_at=timezone.now())


# --------------------------------------------------------------------------- notifications
def resident_url(app: Application) -> str:
    return reverse("onewindow:h5_detail", args=[app.number])


def _resident_accounts(app: Application) -> list:
    from django.contrib.auth import get_user_model

    q = Q(pk__in=[])
    if app.household_id:
        q |= Q(resident_profile__household_id=app.household_id)
    if app.applicant_phone_hash:
        q |= Q(phone_hash=app.applicant_phone_hash)
    return list(get_user_model().objects.filter(q, is_active=True).distinct())


def _tell_applicant(app: Application, title: str, body: str, *, sms: bool = True) -> None:
    """An inbox row for each resident account of the application (its household's, the phone's), and a
    text message to the applicant's mobile through the SMS backend's outbox after commit."""
    from grassroots.notifications.services import notify

    url = resident_url(app)
    notify(_resident_accounts(app), kind="onewindow.application", title=title, body=body, url=url, obj=app)
    phone = app.applicant_phone
    if not sms or not phone or phone[0] != "1" or len(phone) != 11:
        return
    text = f"【基层治理平台】{title}。{body}查看办理进度：{settings.SITE_URL}{url}"

    def send():
        from grassroots.core.senders import send_sms

        send_sms(phone, text, kind="onewindow.application")

    transaction.on_commit(send)


def _notify_department(app: Application) -> None:
    from grassroots.notifications.services import notify

    members = app.department.members.filter(is_active=True)
    notify(
        list(members),
        kind="onewindow.forwarded",
        title=f"{app.community.name}转来代办申请：{app.item.name}",
        body=f"受理编号 {app.number}，请于 {timezone.localtime(app.due_at):%Y-%m-%d %H:%M} 前办结。",
        url=reverse("onewindow:detail", args=[app.number]),
        obj=app,
    )


# --------------------------------------------------------------------------- proactive 上门代办
def proactive_households(user, *, tags=None, days: int | None = None):
    """Tagged households (elderly living alone, ...) in the user's scope with no application and no
    offer in the last `days` days: whom the community should visit to offer 上门代办."""
    params = proactive_params()
    tags = [t for t in (tags or params.tags) if t in HouseholdTag.values]
    days = days or params.recent_days
    since = timezone.now() - datetime.timedelta(days=days)
    tag_q = Q(pk__in=[])
    for t in tags:
        tag_q |= Q(tags__contains=f",{t},")
    paths = [
        g.region_path for g in grants_for(user) if "onewindow.handle" in g.perms and g.region_path is not None
    ]
    if user.is_superuser:
        paths = [""]
    if not paths:
        return Household.objects.none()
    scope = Q(pk__in=[])
    for p in paths:
        scope |= Q(entrance__path__startswith=p)
    recent_apps = Application.objects.filter(created_at__gte=since, household__isnull=False).values(
        "household_id"
    )
    recent_offers = ServiceOffer.objects.filter(offered_on__gte=since.date()).values("household_id")
    return (
        Household.objects.filter(scope, tag_q)
        .exclude(pk__in=recent_apps)
        .exclude(pk__in=recent_offers)
        .select_related("entrance")
        .order_by("entrance__path", "room")
    )


def _household_community(household: Household) -> Region:
    path = household.entrance.path[: Region.steplen * 4]
    community = Region.objects.filter(path=path, level="community").first()
    if community is None:
        raise ServiceError("住户不属于任何社区")
    return community


@transaction.atomic
def offer(
    user, household: Household | None, *, offered_on: datetime.date | None = None, note: str = ""
) -> ServiceOffer:
    """Staff visited (or called) a household and offered 上门代办: the offer waits for the answer."""
    if household is None:
        raise ServiceError("请选择住户", field="household")
    community = _household_community(household)
    if not region_covered(user, community, "onewindow.handle"):
        if not Household.objects.visible_to(user).filter(pk=household.pk).exists():
            raise NotFound()
        raise PermissionDenied("没有在该社区提供上门代办的权限")
    offered_on = offered_on or timezone.localdate()
    if offered_on > timezone.localdate():
        raise ServiceError("上门日期不能晚于今天", field="offered_on")
    obj = ServiceOffer.objects.create(
        household=household,
        community=community,
        offered_on=offered_on,
        offered_by=user,
        note=_text(note, "情况记录", 300, required=False, field="note"),
    )
    audit.record_create(user, obj)
    return obj


def _offer_side(user, obj: ServiceOffer) -> None:
    if not region_covered(user, obj.community, "onewindow.handle"):
        if not ServiceOffer.objects.visible_to(user).filter(pk=obj.pk).exists():
            raise NotFound()
        raise PermissionDenied("没有办理该上门代办的权限")
    if obj.state != OfferState.OFFERED:
        raise ServiceError(f"该上门代办已答复（{obj.get_state_display()}）", status=409)


@transaction.atomic
def decline_offer(user, obj: ServiceOffer, *, note: str = "") -> ServiceOffer:
    _offer_side(user, obj)
    before = obj.state
    obj.state = OfferState.DECLINED
    obj.answered_at = timezone.now()
    if note:
        obj.note = _text(note, "情况记录", 300, required=False, field="note")
    obj.save(update_fields=["state", "answered_at", "note"])
    audit.record_transition(user, obj, before, obj.state)
    return obj


@transaction.atomic
def accept_offer(
    user,
    obj: ServiceOffer,
    *,
    item: ServiceItem | None,
    materials_received=(),
    note: str = "",
    scans=(),
) -> Application:
    """The household accepts: a door-to-door application for the chosen item, in the household's name."""
    _offer_side(user, obj)
    household = obj.household
    before = obj.state
    obj.state = OfferState.ACCEPTED
    obj.answered_at = timezone.now()
    obj.save(update_fields=["state", "answered_at"])
    audit.record_transition(user, obj, before, obj.state)
    return take_application(
        user,
        community=obj.community,
        item=item,
        applicant_name=household.head_name,
        applicant_phone=household.phone,
        channel=ApplicationChannel.DOOR,
        household=household,
        materials_received=materials_received,
        note=note,
        scans=scans,
        offer=obj,
    )
