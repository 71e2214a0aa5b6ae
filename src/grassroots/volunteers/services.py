"""Volunteer services: one function per verb, atomic, audited, scope-checked; Chinese ServiceErrors
before anything changes.

Concurrency:
- a wish changes state by a conditional UPDATE ... WHERE state = <seen> AND version = <seen>: of two
  concurrent claims exactly one changes the row, the other gets a Conflict;
- a sign-up increments signed_count with UPDATE ... WHERE signed_count < capacity (row lock on
  PostgreSQL, the write lock on SQLite): never over capacity;
- every ledger write first bumps its account row (Volunteer.ledger_version), which serialises the
  operations of one account; the balance is then read (SUM of the ledger) and checked inside the same
  transaction, so no balance goes negative; stock is taken with UPDATE ... WHERE stock >= quantity.
"""

from __future__ import annotations

import datetime as dt
import secrets

from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models import F, Q, Sum
from django.urls import reverse
from django.utils import timezone

from grassroots.core import audit
from grassroots.core.errors import Conflict, NotFound, PermissionDenied, ServiceError
from grassroots.core.scoping import covers, grants_for, has_perm
from grassroots.core.services import create_object, full_clean, require_in_scope, update_object
from grassroots.core.tallies import changed as figures_changed

from . import tallies
from .models import (
    CatalogItem,
    PointEntry,
    Redemption,
    RedemptionState,
    SourceType,
    TeamMember,
    Volunteer,
    VolunteerActivity,
    VolunteerKind,
    VolunteerTeam,
    Wish,
)

PHONE_DIGITS = 11
CHECKIN_SALT = "grassroots.volunteers.checkin"
CHECKIN_TOKEN_AGE = 10 * 60  # seconds: the organizer's QR code refreshes, a photo of it soon expires
CHECKIN_EARLY = dt.timedelta(hours=1)
CHECKOUT_LATE = dt.timedelta(hours=2)
MAX_GRANT = 10000


def _notify(users, **kwargs) -> None:
    from grassroots.notifications.services import notify

    notify([u for u in users if u is not None], **kwargs)


def _text(value, label: str, *, minimum: int = 2, maximum: int = 200, field: str | None = None) -> str:
    value = (value or "").strip()
    if len(value) < minimum:
        raise ServiceError(f"请填写{label}（至少 {minimum} 个字）", field=field)
    if len(value) > maximum:
        raise ServiceError(f"{label}不能超过 {maximum} 个字", field=field)
    return value


def _phone(value: str, field: str = "phone") -> str:
    value = (value or "").strip().replace(" ", "").replace("-", "")
    if value and not (len(value) == PHONE_DIGITS and value.isdigit() and value.startswith("1")):
        raise ServiceError("手机号格式不正确（11 位数字）", field=field)
    return value


def _community(region, field: str = "region"):
    if region is None or region.level != "community":
        raise ServiceError("请选择社区", field=field)
    return region


def _require_change(user, obj, message: str = "对象不存在或无权访问") -> None:
    if covers(user, obj, "change"):
        return
    if covers(user, obj, "view"):
        raise PermissionDenied()
    raise NotFound(message)


def _require_join(user) -> None:
    if not has_perm(user, "volunteers.join"):
        raise PermissionDenied("只有党员、居民和单位联络员可以参与")


# ---------------------------------------------------------------- people


def member_for(user):
    from grassroots.party.models import Member

    if user is None or not user.is_authenticated:
        return None
    return Member.objects.filter(user=user).select_related("residence").first()


def units_for(user):
    """Units the user acts for: those whose party org lies under the user's org grants holding
    volunteers.join (unit liaisons)."""
    from grassroots.units.models import Unit

    q = Q()
    found = False
    for g in grants_for(user):
        if "volunteers.join" in g.perms and g.org_path is not None:
            q |= Q(party_org__path__startswith=g.org_path)
            found = True
    if not found:
        return Unit.objects.none()
    return Unit.objects.filter(q).select_related("region").order_by("name")


def ensure_volunteer(user, region, *, name: str = "", kind: str | None = None) -> Volunteer:
    """The user's volunteer profile (their points account), created in `region` when missing."""
    existing = Volunteer.objects.filter(user=user).select_related("region").first()
    if existing is not None:
        return existing
    member = member_for(user)
    if kind is None:
        kind = VolunteerKind.MEMBER if member is not None else VolunteerKind.RESIDENT
    name = name or (member.name if member else "") or user.display_name or user.username
    vol = Volunteer(user=user, region=region, name=name[:50], kind=kind, member=member)
    try:
        with transaction.atomic():
            vol.save()
            audit.record_create(user, vol)
    except IntegrityError:
        return Volunteer.objects.select_related("region").get(user=user)
    return vol


def register_volunteer(user, *, region, name: str, phone: str = "", kind: str = VolunteerKind.RESIDENT):
    """Staff register a volunteer who has no account yet: an account without a password is created
    (they sign in later with a one-time code on their phone)."""
    from grassroots.accounts.models import User

    _community(region)
    if not covers(user, Volunteer(region=region), "change"):
        raise PermissionDenied("没有在该社区登记志愿者的权限")
    name = _text(name, "姓名", maximum=50, field="name")
    phone = _phone(phone)
    if kind not in VolunteerKind.values:
        raise ServiceError("身份不正确", field="kind")
    with transaction.atomic():
        account = User.objects.create_user(
            username=f"v{secrets.token_hex(6)}", password=None, display_name=name
        )
        vol = Volunteer(user=account, region=region, name=name, phone=phone, kind=kind)
        full_clean(vol)
        vol.save()
        audit.record_create(user, vol)
    return vol


# ---------------------------------------------------------------- teams


def create_team(user, *, region, name: str, service_area: str = "", description: str = "", leader=None):
    _community(region)
    team = VolunteerTeam(
        region=region,
        name=_text(name, "队伍名称", maximum=60, field="name"),
        service_area=(service_area or "").strip()[:60],
        description=(description or "").strip()[:2000],
        leader=leader,
    )
    if leader is not None and leader.region_id != region.pk:
        raise ServiceError("队长须是本社区的志愿者", field="leader")
    if VolunteerTeam.objects.filter(region=region, name=team.name).exists():
        raise ServiceError("本社区已有同名队伍", field="name")
    with transaction.atomic():
        create_object(user, team)
        if leader is not None:
            _add_member(user, team, leader)
    return team


def update_team(user, team: VolunteerTeam, **changes) -> VolunteerTeam:
    if "name" in changes:
        changes["name"] = _text(changes["name"], "队伍名称", maximum=60, field="name")
        if (
            VolunteerTeam.objects.filter(region=team.region, name=changes["name"])
            .exclude(pk=team.pk)
            .exists()
        ):
            raise ServiceError("本社区已有同名队伍", field="name")
    leader = changes.get("leader")
    if leader is not None and not TeamMember.objects.filter(team=team, volunteer=leader).exists():
        raise ServiceError("队长须先加入本队", field="leader")
    return update_object(user, team, changes)


def _add_member(user, team, volunteer) -> TeamMember:
    membership = TeamMember(team=team, volunteer=volunteer)
    try:
        with transaction.atomic():
            membership.save()
    except IntegrityError:
        raise Conflict(f"{volunteer.name}已在队伍中") from None
    audit.record_create(user, membership)
    return membership


def add_team_member(user, team: VolunteerTeam, volunteer: Volunteer) -> TeamMember:
    _require_change(user, team, "队伍不存在或无权访问")
    if volunteer is None:
        raise ServiceError("请选择志愿者", field="volunteer")
    if not covers(user, volunteer, "view"):
        raise ServiceError("志愿者不存在或不在您的管辖范围内", field="volunteer")
    with transaction.atomic():
        return _add_member(user, team, volunteer)


def remove_team_member(user, membership: TeamMember) -> None:
    team = membership.team
    _require_change(user, team, "队伍不存在或无权访问")
    with transaction.atomic():
        if team.leader_id == membership.volunteer_id:
            VolunteerTeam.objects.filter(pk=team.pk).update(leader=None)
        audit.record_delete(user, membership)
        membership.delete()


# ---------------------------------------------------------------- points ledger


def balance(account) -> int:
    """The account's balance: the SUM of its ledger (never stored)."""
    pk = getattr(account, "pk", account)
    return PointEntry.objects.filter(account_id=pk).aggregate(s=Sum("amount"))["s"] or 0


def _lock_account(account, region=None) -> Volunteer:
    """Serialise this account's ledger writes: bump its Volunteer row (created when missing)."""
    vol = Volunteer.objects.filter(user=account).first()
    if vol is None:
        if region is None:
            raise ServiceError("该账户还不是注册志愿者")
        vol = ensure_volunteer(account, region)
    Volunteer.objects.filter(pk=vol.pk).update(ledger_version=F("ledger_version") + 1)
    return vol


def _entry(account, region, amount, source_type, source_id, reason, created_by, revokes=None) -> PointEntry:
    entry = PointEntry(
        account=account,
        region=region,
        amount=amount,
        source_type=source_type,
        source_id=source_id,
        reason=reason[:200],
        created_by=created_by if getattr(created_by, "is_authenticated", False) else None,
        revokes=revokes,
    )
    try:
        with transaction.atomic():
            entry.save(force_insert=True)
    except IntegrityError:
        if revokes is not None:
            raise Conflict("该流水已被撤销，不能重复撤销") from None
        raise Conflict("该来源的积分已发放过") from None
    audit.record_create(created_by if getattr(created_by, "is_authenticated", False) else None, entry)
    return entry


def earn(account, *, region, amount: int, source_type: str, source_id=None, reason: str, created_by=None):
    """Credit points from a source (activity, wish, case). For other apps: call inside your service's
    transaction; the account becomes a volunteer of `region` if it isn't one yet."""
    if amount <= 0:
        raise ServiceError("发放积分须为正数", field="amount")
    if source_type not in (SourceType.ACTIVITY, SourceType.WISH, SourceType.CASE):
        raise ServiceError("积分来源不正确", field="source_type")
    with transaction.atomic():
        _lock_account(account, region)
        return _entry(account, region, amount, source_type, source_id, reason, created_by)


def grant_points(user, volunteer: Volunteer, *, amount: int, reason: str) -> PointEntry:
    """Manual grant (or deduction, amount < 0) with a reason, by staff over the volunteer's community."""
    if volunteer is None:
        raise ServiceError("请选择志愿者", field="volunteer")
    _require_change(user, volunteer, "志愿者不存在或无权访问")
    try:
        amount = int(amount)
    except (TypeError, ValueError):
        raise ServiceError("积分应为整数", field="amount") from None
    if amount == 0 or abs(amount) > MAX_GRANT:
        raise ServiceError(f"积分应为非零整数，绝对值不超过 {MAX_GRANT}", field="amount")
    reason = _text(reason, "发放事由", minimum=4, maximum=200, field="reason")
    with transaction.atomic():
        _lock_account(volunteer.user)
        if amount < 0 and balance(volunteer.user_id) + amount < 0:
            raise Conflict("积分余额不足，不能扣减")
        entry = _entry(volunteer.user, volunteer.region, amount, SourceType.MANUAL, None, reason, user)
        _notify(
            [volunteer.user],
            kind="volunteers.points_granted",
            title=f"积分{'增加' if amount > 0 else '扣减'} {abs(amount)}",
            body=reason,
            url=reverse("volunteers:my_points"),
            obj=entry,
        )
    return entry


def revoke_entry(user, entry: PointEntry, *, reason: str) -> PointEntry:
    """A revoke is a new entry of the opposite amount referencing the revoked one (once only)."""
    _require_change(user, entry, "积分流水不存在或无权访问")
    if entry.source_type in (SourceType.REVOKE, SourceType.REDEMPTION):
        raise Conflict("撤销记录和兑换记录不能撤销（兑换请取消兑换单）")
    reason = _text(reason, "撤销原因", minimum=4, maximum=200, field="reason")
    with transaction.atomic():
        _lock_account(entry.account)
        if PointEntry.objects.filter(revokes=entry).exists():
            raise Conflict("该流水已被撤销，不能重复撤销")
        if balance(entry.account_id) - entry.amount < 0:
            raise Conflict("积分已被使用，余额不足，不能撤销")
        out = _entry(
            entry.account,
            entry.region,
            -entry.amount,
            SourceType.REVOKE,
            entry.pk,
            reason,
            user,
            revokes=entry,
        )
        _notify(
            [entry.account],
            kind="volunteers.points_revoked",
            title=f"积分撤销 {entry.amount}",
            body=reason,
            url=reverse("volunteers:my_points"),
            obj=out,
        )
    return out


# ---------------------------------------------------------------- 爱心超市


def add_item(user, *, region, name: str, price, stock, description: str = "") -> CatalogItem:
    _community(region)
    item = CatalogItem(
        region=region,
        name=_text(name, "物品名称", maximum=60, field="name"),
        description=(description or "").strip()[:200],
        price=_int(price, "所需积分", 1, 100000, "price"),
        stock=_int(stock, "库存", 0, 100000, "stock"),
    )
    if CatalogItem.objects.filter(region=region, name=item.name).exists():
        raise ServiceError("本社区已有同名物品", field="name")
    return create_object(user, item)


def _int(value, label, lo, hi, field) -> int:
    try:
        value = int(value)
    except (TypeError, ValueError):
        raise ServiceError(f"{label}应为整数", field=field) from None
    if not lo <= value <= hi:
        raise ServiceError(f"{label}应在 {lo} 到 {hi} 之间", field=field)
    return value


def update_item(user, item: CatalogItem, *, name=None, price=None, description=None, is_active=None):
    changes = {}
    if name is not None:
        changes["name"] = _text(name, "物品名称", maximum=60, field="name")
    if price is not None:
        changes["price"] = _int(price, "所需积分", 1, 100000, "price")
    if description is not None:
        changes["description"] = description.strip()[:200]
    if is_active is not None:
        changes["is_active"] = bool(is_active)
    return update_object(user, item, changes)


def adjust_stock(user, item: CatalogItem, *, delta, reason: str = "") -> CatalogItem:
    """Restock (+) or write off (−) with a conditional UPDATE: never below zero, concurrent-safe."""
    _require_change(user, item, "物品不存在或无权访问")
    delta = _int(delta, "库存变动", -100000, 100000, "delta")
    if delta == 0:
        raise ServiceError("库存变动不能为 0", field="delta")
    with transaction.atomic():
        qs = CatalogItem.objects.filter(pk=item.pk)
        if delta < 0:
            qs = qs.filter(stock__gte=-delta)
        if qs.update(stock=F("stock") + delta) != 1:
            raise Conflict("库存不足，不能减少这么多")
        before = item.stock
        item.refresh_from_db(fields=["stock"])
        audit.record(
            "update",
            item,
            user=user,
            changes={"stock": [before, item.stock], "reason": [None, (reason or "").strip()[:200]]},
        )
    return item


def redeem(user, item: CatalogItem, *, quantity=1) -> Redemption:
    """Exchange points for an item: never a negative balance, never negative stock."""
    _require_join(user)
    quantity = _int(quantity, "数量", 1, 10, "quantity")
    if not item.is_active:
        raise Conflict("该物品已下架")
    cost = item.price * quantity
    with transaction.atomic():
        vol = Volunteer.objects.filter(user=user).first()
        if vol is None:
            raise Conflict("您还没有积分，参加志愿服务或完成微心愿可获得积分")
        _lock_account(user)
        if balance(user.pk) < cost:
            raise Conflict(f"积分不足：需要 {cost} 分")
        if (
            CatalogItem.objects.filter(pk=item.pk, stock__gte=quantity, is_active=True).update(
                stock=F("stock") - quantity
            )
            != 1
        ):
            raise Conflict("库存不足，已被兑完")
        entry = _entry(
            user, item.region, -cost, SourceType.REDEMPTION, item.pk, f"兑换 {item.name} × {quantity}", user
        )
        red = Redemption.objects.create(item=item, account=user, quantity=quantity, points=cost, entry=entry)
        audit.record_create(user, red)
        _notify(
            [user],
            kind="volunteers.redeemed",
            title=f"兑换成功：{item.name} × {quantity}",
            body=f"消耗 {cost} 积分，请到社区爱心超市领取。",
            url=reverse("volunteers:my_points"),
            obj=red,
        )
    return red


def cancel_redemption(user, redemption: Redemption, *, reason: str = "") -> Redemption:
    """Cancel a redemption not yet handed over: stock back, points refunded by a new entry."""
    own = redemption.account_id == getattr(user, "pk", None) and has_perm(user, "volunteers.join")
    if not own:
        _require_change(user, redemption, "兑换单不存在或无权访问")
    with transaction.atomic():
        _lock_account(redemption.account)
        if (
            Redemption.objects.filter(pk=redemption.pk, state=RedemptionState.REDEEMED).update(
                state=RedemptionState.CANCELLED, closed_at=timezone.now(), closed_by=user
            )
            != 1
        ):
            raise Conflict("兑换单已领取或已取消")
        CatalogItem.objects.filter(pk=redemption.item_id).update(stock=F("stock") + redemption.quantity)
        refund = _entry(
            redemption.account,
            redemption.item.region,
            redemption.points,
            SourceType.REDEMPTION,
            redemption.item_id,
            f"取消兑换退回：{redemption.item.name}"
            + (f"（{reason.strip()[:100]}）" if reason.strip() else ""),
            user,
        )
        Redemption.objects.filter(pk=redemption.pk).update(refund=refund)
        redemption.refresh_from_db()
        audit.record_transition(user, redemption, RedemptionState.REDEEMED, RedemptionState.CANCELLED)
    return redemption


def deliver_redemption(user, redemption: Redemption) -> Redemption:
    _require_change(user, redemption, "兑换单不存在或无权访问")
    with transaction.atomic():
        if (
            Redemption.objects.filter(pk=redemption.pk, state=RedemptionState.REDEEMED).update(
                state=RedemptionState.DELIVERED, closed_at=timezone.now(), closed_by=user
            )
            != 1
        ):
            raise Conflict("兑换单已领取或已取消")
        redemption.refresh_from_db()
        audit.record_transition(user, redemption, RedemptionState.REDEEMED, RedemptionState.DELIVERED)
    return redemption


# ---------------------------------------------------------------- activities (on orglife.Activity)

OPEN_STATUSES = ("published", "ongoing")


def create_activity(
    user,
    *,
    region,
    title: str,
    place: str,
    starts_at,
    ends_at,
    capacity,
    team=None,
    description: str = "",
    points_per_hour=10,
) -> VolunteerActivity:
    """A volunteer activity: an orglife.Activity of kind "volunteer", published at once, plus its
    volunteer extension (team, points per hour)."""
    from grassroots.orglife.models import Activity, ActivityKind

    _community(region)
    if not covers(user, Wish(region=region), "change"):
        raise PermissionDenied("没有在该社区发布志愿活动的权限")
    if starts_at is None or ends_at is None:
        raise ServiceError("请填写开始和结束时间", field="starts_at")
    if ends_at <= starts_at:
        raise ServiceError("结束时间应晚于开始时间", field="ends_at")
    if ends_at - starts_at > dt.timedelta(hours=24):
        raise ServiceError("一次活动不超过 24 小时", field="ends_at")
    if team is not None and team.region_id != region.pk:
        raise ServiceError("组织队伍须属于本社区", field="team")
    now = timezone.now()
    activity = Activity(
        kind=ActivityKind.VOLUNTEER,
        region=region,
        title=_text(title, "活动名称", maximum=80, field="title"),
        description=(description or "").strip()[:2000],
        place=_text(place, "活动地点", maximum=100, field="place"),
        starts_at=starts_at,
        ends_at=ends_at,
        capacity=_int(capacity, "招募人数", 1, 10000, "capacity"),
        status="published",
        published_at=now,
        created_by=user,
    )
    ext = VolunteerActivity(
        team=team, points_per_hour=_int(points_per_hour, "每小时积分", 0, 100, "points_per_hour")
    )
    full_clean(activity)
    with transaction.atomic():
        activity.save()
        ext.activity = activity
        ext.save()
        audit.record_create(user, activity)
        audit.record_create(user, ext)
    return ext


def cancel_activity(user, va: VolunteerActivity, *, reason: str) -> VolunteerActivity:
    from grassroots.orglife.models import Activity, Signup

    _require_change(user, va, "活动不存在或无权访问")
    reason = _text(reason, "取消原因", field="reason")
    activity = va.activity
    with transaction.atomic():
        before = activity.status
        if (
            Activity.objects.filter(pk=activity.pk, status__in=OPEN_STATUSES).update(
                status="cancelled", cancel_reason=reason, version=F("version") + 1
            )
            != 1
        ):
            raise Conflict("活动已取消或已结束")
        activity.status = "cancelled"
        audit.record_transition(user, activity, before, "cancelled", reason=reason)
        accounts = [
            s.user
            for s in Signup.objects.filter(activity=activity, status="signed_up").select_related("user")
        ]
        _notify(
            accounts,
            kind="volunteers.activity_cancelled",
            title=f"志愿活动“{activity.title}”已取消",
            body=reason,
            url=reverse("volunteers:my_activities"),
            obj=activity,
        )
    return va


def sign_up(user, va: VolunteerActivity):
    """Take a place: a conditional UPDATE of signed_up_count (never over capacity) and one Signup
    row per person (unique in orglife)."""
    from grassroots.orglife.models import Activity, Signup

    _require_join(user)
    activity = va.activity
    if activity.status not in OPEN_STATUSES:
        raise Conflict(f"活动当前为“{activity.get_status_display()}”，不能报名")
    now = timezone.now()
    if now >= (activity.signup_deadline or activity.ends_at):
        raise Conflict("报名已截止")
    existing = Signup.objects.filter(activity=activity, user=user).first()
    if existing is not None and existing.status != "cancelled":
        raise Conflict("您已报名该活动")
    member = member_for(user)
    with transaction.atomic():
        vol = ensure_volunteer(user, activity.region)
        taken = (
            Activity.objects.filter(pk=activity.pk, status__in=OPEN_STATUSES)
            .filter(Q(capacity__isnull=True) | Q(signed_up_count__lt=F("capacity")))
            .update(signed_up_count=F("signed_up_count") + 1)
        )
        if taken != 1:
            raise Conflict("报名人数已满")
        try:
            with transaction.atomic():
                if existing is not None:
                    n = Signup.objects.filter(pk=existing.pk, status="cancelled").update(
                        status="signed_up", signed_up_at=now
                    )
                    if n != 1:
                        raise IntegrityError("signed up meanwhile")
                    signup = Signup.objects.get(pk=existing.pk)
                else:
                    signup = Signup.objects.create(
                        activity=activity, user=user, member=member, name=vol.name[:50], signed_up_at=now
                    )
        except IntegrityError:
            raise Conflict("您已报名该活动") from None
        audit.record_create(user, signup)
        _notify(
            [user],
            kind="volunteers.signed_up",
            title=f"报名成功：{activity.title}",
            body=f"{timezone.localtime(activity.starts_at):%m月%d日 %H:%M} · {activity.place}",
            url=reverse("volunteers:my_activities"),
            obj=activity,
        )
    activity.refresh_from_db(fields=["signed_up_count"])
    return signup


def cancel_signup(user, signup):
    from grassroots.orglife.models import Activity, Signup

    if signup.user_id != getattr(user, "pk", None):
        raise NotFound("报名记录不存在")
    if signup.checked_in_at is not None:
        raise Conflict("已签到，不能取消报名")
    with transaction.atomic():
        if (
            Signup.objects.filter(pk=signup.pk, status="signed_up", checked_in_at__isnull=True).update(
                status="cancelled"
            )
            != 1
        ):
            raise Conflict("报名已取消或已签到")
        Activity.objects.filter(pk=signup.activity_id, signed_up_count__gt=0).update(
            signed_up_count=F("signed_up_count") - 1
        )
        audit.record_transition(user, signup, signup.status, "cancelled")
        signup.status = "cancelled"
    return signup


def checkin_token(va: VolunteerActivity, kind: str) -> str:
    """A short-lived signed token for the organizer's QR code (kind "in" or "out")."""
    if kind not in ("in", "out"):
        raise ValueError(kind)
    return signing.dumps({"v": va.pk, "k": kind}, salt=CHECKIN_SALT, compress=True)


def read_checkin_token(token: str) -> tuple[VolunteerActivity, str]:
    try:
        data = signing.loads(token, salt=CHECKIN_SALT, max_age=CHECKIN_TOKEN_AGE)
        pk, kind = int(data["v"]), data["k"]
    except signing.SignatureExpired:
        raise ServiceError("二维码已过期，请扫描现场最新的二维码", status=410) from None
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise NotFound("二维码无效") from None
    va = VolunteerActivity.objects.filter(pk=pk).select_related("activity__region").first()
    if va is None or kind not in ("in", "out"):
        raise NotFound("二维码无效")
    return va, kind


def _signup_of(user, activity):
    from grassroots.orglife.models import Signup

    signup = Signup.objects.filter(activity=activity, user=user).exclude(status="cancelled").first()
    if signup is None:
        raise Conflict("您没有报名该活动，请先报名")
    return signup


def check_in(user, va: VolunteerActivity, *, now=None):
    from grassroots.orglife.models import Signup

    _require_join(user)
    activity = va.activity
    now = now or timezone.now()
    if activity.status not in OPEN_STATUSES:
        raise Conflict(f"活动当前为“{activity.get_status_display()}”，不能签到")
    if now < activity.starts_at - CHECKIN_EARLY:
        raise Conflict("活动开始前 1 小时内才能签到")
    if now > activity.ends_at:
        raise Conflict("活动已结束，不能签到")
    signup = _signup_of(user, activity)
    with transaction.atomic():
        if (
            Signup.objects.filter(pk=signup.pk, status="signed_up", checked_in_at__isnull=True).update(
                status="attended", checked_in_at=now
            )
            != 1
        ):
            raise Conflict("您已签到")
        audit.record_transition(user, signup, "signed_up", "attended", checked_in_at=now, via="qr")
        signup.status, signup.checked_in_at = "attended", now
    return signup


def check_out(user, va: VolunteerActivity, *, now=None):
    """Hours = check-out − check-in (counted from the activity's start at the earliest), capped by
    the activity's duration; points = hours × the activity's points per hour."""
    from decimal import Decimal

    from grassroots.orglife.models import Signup

    _require_join(user)
    activity = va.activity
    now = now or timezone.now()
    signup = _signup_of(user, activity)
    if signup.checked_in_at is None:
        raise Conflict("您还没有签到")
    if signup.checked_out_at is not None:
        raise Conflict("您已签退")
    if now > activity.ends_at + CHECKOUT_LATE:
        raise Conflict("已超过签退时间，请联系组织者补录")
    start = max(signup.checked_in_at, activity.starts_at)
    end = min(now, activity.ends_at)
    minutes = max(0, int((end - start).total_seconds() // 60))
    minutes = min(minutes, va.duration_minutes)
    hours = (Decimal(minutes) / 60).quantize(Decimal("0.01"))
    points = minutes * va.points_per_hour // 60
    with transaction.atomic():
        if (
            Signup.objects.filter(
                pk=signup.pk, checked_out_at__isnull=True, checked_in_at__isnull=False
            ).update(checked_out_at=now, hours=hours)
            != 1
        ):
            raise Conflict("您已签退")
        signup.checked_out_at, signup.hours = now, hours
        tallies.refresh_after_commit([signup.user_id])
        figures_changed(signup)
        audit.record(
            "transition",
            signup,
            user=user,
            changes={"checked_out_at": [None, now.isoformat()], "hours": ["0", str(hours)]},
        )
        if points > 0:
            earn(
                user,
                region=activity.region,
                amount=points,
                source_type=SourceType.ACTIVITY,
                source_id=activity.pk,
                reason=f"志愿服务 {hours} 小时：{activity.title}"[:200],
                created_by=user,
            )
        _notify(
            [user],
            kind="volunteers.checked_out",
            title=f"签退成功：服务 {hours} 小时",
            body=f"获得 {points} 积分。" if points else "",
            url=reverse("volunteers:my_points"),
            obj=activity,
        )
    return signup


__all__ = [
    "balance",
    "earn",
    "grant_points",
    "revoke_entry",
    "redeem",
    "cancel_redemption",
    "sign_up",
    "check_in",
    "check_out",
    "require_in_scope",
]
