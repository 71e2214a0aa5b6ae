"""Writes on activities: plan, publish, sign up, check in, attendance, minutes, done.

Every verb checks orglife.change in scope (sign-up and check-in: that the user sees the activity),
runs in one transaction, and writes one audit record. The state moves only along
workflow.TRANSITIONS. Sign-up is capacity safe under concurrency: the place is taken by one
conditional UPDATE of Activity.signed_up_count, so two people can never get the last place.
"""

from __future__ import annotations

import datetime
import decimal

from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from grassroots.core import audit, tallies
from grassroots.core import services as core
from grassroots.core.errors import Conflict, NotFound, PermissionDenied, ServiceError
from grassroots.core.models import AuditAction
from grassroots.core.scoping import covers
from grassroots.party.models import Member, Seat

from . import workflow
from .models import PARTY_LIFE_KINDS, Activity, ActivityStatus, Signup, SignupStatus

__all__ = [
    "create_activity",
    "update_activity",
    "publish_activity",
    "start_activity",
    "finish_activity",
    "cancel_activity",
    "sign_up",
    "cancel_signup",
    "checkin_token",
    "checkin_url",
    "check_in",
    "record_attendance",
    "record_minutes",
    "branch_members",
    "send_reminders",
]

CHECKIN_SALT = "orglife.checkin"
# Check-in opens this long before the start and closes this long after the end.
CHECKIN_MARGIN = datetime.timedelta(hours=1)
EDITABLE_FIELDS = {
    "kind",
    "title",
    "description",
    "party_org",
    "region",
    "unit",
    "place",
    "lng",
    "lat",
    "starts_at",
    "ends_at",
    "capacity",
    "signup_deadline",
}
ACTIVE_SIGNUP = (SignupStatus.SIGNED_UP, SignupStatus.ATTENDED, SignupStatus.ABSENT)


def _visible(user, label: str, obj) -> None:
    if obj is not None and not covers(user, obj, "view"):
        raise NotFound(f"{label}不存在或不在您的管辖范围内")


def _check_refs(user, data: dict) -> None:
    _visible(user, "党组织", data.get("party_org"))
    _visible(user, "所属区划", data.get("region"))
    _visible(user, "联建单位", data.get("unit"))
    org = data.get("party_org")
    if org is not None and not data.get("region"):
        data["region"] = org.region


def _require_region(data: dict) -> None:
    if not data.get("region"):
        raise ServiceError("请选择所属区划或党组织", field="region")


def _locked(activity: Activity) -> Activity:
    return (
        Activity.objects.select_for_update(of=("self",))
        .select_related("party_org", "region")
        .get(pk=activity.pk)
    )


def _bump(activity: Activity) -> None:
    activity.version += 1


def create_activity(user, **data) -> Activity:
    unknown = set(data) - EDITABLE_FIELDS
    if unknown:
        raise ServiceError(f"不能设置字段：{'、'.join(sorted(unknown))}")
    _check_refs(user, data)
    _require_region(data)
    activity = Activity(**data, created_by=user if getattr(user, "is_authenticated", False) else None)
    return core.create_object(user, activity)


def update_activity(user, activity: Activity, *, version: int | None = None, **changes) -> Activity:
    unknown = set(changes) - EDITABLE_FIELDS
    if unknown:
        raise ServiceError(f"不能修改字段：{'、'.join(sorted(unknown))}")
    require_change(user, activity)
    _check_refs(user, changes)
    with transaction.atomic():
        current = _locked(activity)
        if version is not None and current.version != version:
            raise Conflict("活动已被他人修改，请刷新后重试", field="version")
        if current.status not in workflow.EDITABLE:
            raise ServiceError(
                f"活动当前为“{current.get_status_display()}”，不能修改安排", field="status", status=409
            )
        new_capacity = changes.get("capacity")
        if new_capacity is not None and new_capacity < current.signed_up_count:
            raise ServiceError(
                f"已有 {current.signed_up_count} 人报名，人数上限不能低于报名人数", field="capacity"
            )
        if "kind" in changes and current.signed_up_count and changes["kind"] != current.kind:
            raise ServiceError("已有人报名，不能修改活动类型", field="kind")
        _bump(current)
        updated = core.update_object(user, current, changes)
    activity.__dict__.update(updated.__dict__)
    return updated


def _transition(user, activity: Activity, verb: str, *, extra_check=None, **extra) -> Activity:
    require_change(user, activity)
    with transaction.atomic():
        current = _locked(activity)
        target = workflow.check(current, verb)
        if extra_check:
            extra_check(current)
        before = current.status
        current.status = target
        now = timezone.now()
        if target == ActivityStatus.PUBLISHED:
            current.published_at = now
        if target == ActivityStatus.DONE:
            current.done_at = now
        if target == ActivityStatus.CANCELLED:
            current.cancel_reason = extra.get("reason", "")
        _bump(current)
        current.save()
        audit.record_transition(user, current, before, target, **extra)
    activity.__dict__.update(current.__dict__)
    return current


def _member_users(activity: Activity):
    """Users of the party members of the activity's org and its sub-orgs (groups)."""
    from grassroots.accounts.models import User

    if not activity.party_org_id:
        return User.objects.none()
    return User.objects.filter(
        is_active=True, member__party_org__path__startswith=activity.party_org.path
    ).distinct()


def _notify(users, activity: Activity, kind: str, title: str, body: str) -> None:
    from grassroots.notifications.services import notify

    url = reverse("orglife:detail", args=[activity.pk])
    notify(list(users), kind=kind, title=title, body=body, url=url, obj=activity)


def _when(activity: Activity) -> str:
    start = timezone.localtime(activity.starts_at)
    return f"{start:%Y-%m-%d %H:%M}"


def publish_activity(user, activity: Activity) -> Activity:
    def must_be_future(a: Activity):
        if a.ends_at <= timezone.now():
            raise ServiceError("活动结束时间已过，不能发布；请修改时间或直接记录", field="ends_at")

    activity = _transition(user, activity, "publish", extra_check=must_be_future)
    place = f"，地点：{activity.place}" if activity.place else ""
    _notify(
        _member_users(activity),
        activity,
        "orglife.published",
        f"活动通知：{activity.title}",
        f"{activity.get_kind_display()}将于 {_when(activity)} 开始{place}。",
    )
    return activity


def start_activity(user, activity: Activity) -> Activity:
    def must_have_started(a: Activity):
        if a.starts_at - CHECKIN_MARGIN > timezone.now():
            raise ServiceError("活动开始前 1 小时内才能开始签到", field="starts_at")

    return _transition(user, activity, "start", extra_check=must_have_started)


def _fill_hours(activity: Activity, hours) -> None:
    """Attended people without recorded hours get `hours`; `hours_filled` tells who (the volunteer
    tallies follow it: volunteers sits above this app and listens)."""
    from .signals import hours_filled

    todo = Signup.objects.filter(activity=activity, status=SignupStatus.ATTENDED, hours=0)
    user_ids = list(todo.exclude(user=None).values_list("user_id", flat=True))
    todo.update(hours=hours)
    tallies.changed(activity)  # an UPDATE sends no signal: the hours served under its region move
    if user_ids:
        hours_filled.send(sender=Activity, user_ids=user_ids)


def finish_activity(user, activity: Activity) -> Activity:
    def must_have_started(a: Activity):
        if a.starts_at > timezone.now():
            raise ServiceError("活动尚未开始，不能标记为完成", field="starts_at")

    activity = _transition(user, activity, "finish", extra_check=must_have_started)
    # Attended people without recorded hours get the activity's duration (volunteers may set their own).
    hours = decimal.Decimal((activity.ends_at - activity.starts_at).total_seconds() / 3600).quantize(
        decimal.Decimal("0.01")
    )
    _fill_hours(activity, hours)
    return activity


def cancel_activity(user, activity: Activity, reason: str = "") -> Activity:
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError("请填写取消原因", field="reason")
    if len(reason) > 200:
        raise ServiceError("取消原因不能超过 200 字", field="reason")
    was_public = activity.status == ActivityStatus.PUBLISHED
    activity = _transition(user, activity, "cancel", reason=reason)
    if was_public:
        signed = Signup.objects.filter(activity=activity, user__isnull=False, status=SignupStatus.SIGNED_UP)
        users = {s.user for s in signed.select_related("user")} | set(_member_users(activity))
        _notify(users, activity, "orglife.cancelled", f"活动取消：{activity.title}", f"取消原因：{reason}")
    return activity


# sign-up ---------------------------------------------------------------------------------------
def _viewable(user, activity: Activity) -> Activity:
    obj = (
        Activity.objects.visible_to(user, "view")
        .select_related("party_org", "region")
        .filter(pk=activity.pk)
        .first()
    )
    if obj is None:
        raise NotFound("活动不存在或无权访问")
    return obj


def _take_place(activity_id: int) -> bool:
    """Atomically take one place; False when the activity is full."""
    return bool(
        Activity.objects.filter(pk=activity_id)
        .filter(Q(capacity__isnull=True) | Q(signed_up_count__lt=F("capacity")))
        .update(signed_up_count=F("signed_up_count") + 1)
    )


def _display_name(user, member: Member | None) -> str:
    if member is not None:
        return member.name
    return (getattr(user, "display_name", "") or user.get_username())[:50]


def sign_up(user, activity: Activity) -> Signup:
    activity = _viewable(user, activity)
    now = timezone.now()
    if not activity.signup_open(now):
        if activity.status not in workflow.OPEN:
            raise ServiceError(f"活动当前为“{activity.get_status_display()}”，不能报名", status=409)
        raise ServiceError("报名已截止", status=409)
    member = Member.objects.filter(user=user).first()
    try:
        with transaction.atomic():
            existing = Signup.objects.select_for_update().filter(activity=activity, user=user).first()
            if existing is not None and existing.status != SignupStatus.CANCELLED:
                raise Conflict("您已报名该活动")
            if not _take_place(activity.pk):
                raise Conflict("名额已满")
            if existing is not None:
                existing.status = SignupStatus.SIGNED_UP
                existing.signed_up_at = now
                existing.save(update_fields=["status", "signed_up_at"])
                audit.record_transition(user, existing, SignupStatus.CANCELLED, SignupStatus.SIGNED_UP)
                return existing
            signup = Signup.objects.create(
                activity=activity,
                user=user,
                member=member,
                name=_display_name(user, member),
                signed_up_at=now,
            )
            audit.record_create(user, signup)
            return signup
    except IntegrityError as exc:  # the same person twice at the same moment
        raise Conflict("您已报名该活动") from exc


def cancel_signup(user, activity: Activity) -> Signup:
    activity = _viewable(user, activity)
    if activity.status not in workflow.OPEN or activity.starts_at <= timezone.now():
        raise ServiceError("活动已开始或已结束，不能取消报名", status=409)
    with transaction.atomic():
        signup = (
            Signup.objects.select_for_update()
            .filter(activity=activity, user=user, status=SignupStatus.SIGNED_UP)
            .first()
        )
        if signup is None:
            raise ServiceError("您尚未报名该活动", status=409)
        signup.status = SignupStatus.CANCELLED
        signup.save(update_fields=["status"])
        Activity.objects.filter(pk=activity.pk, signed_up_count__gt=0).update(
            signed_up_count=F("signed_up_count") - 1
        )
        audit.record_transition(user, signup, SignupStatus.SIGNED_UP, SignupStatus.CANCELLED)
    return signup


# check-in ----------------------------------------------------------------------------------------
def checkin_token(activity: Activity) -> str:
    return signing.dumps({"a": activity.pk}, salt=CHECKIN_SALT, compress=True)


def checkin_url(activity: Activity) -> str:
    return reverse("orglife:checkin", args=[checkin_token(activity)])


def activity_for_token(user, token: str) -> Activity:
    try:
        data = signing.loads(token, salt=CHECKIN_SALT)
        pk = int(data["a"])
    except (signing.BadSignature, KeyError, TypeError, ValueError) as exc:
        raise NotFound("签到二维码无效，请重新扫描组织者出示的二维码") from exc
    activity = Activity.objects.visible_to(user, "view").select_related("party_org", "region").filter(pk=pk)
    obj = activity.first()
    if obj is None:
        raise NotFound("签到二维码无效，或您不是该活动的参加对象")
    return obj


def check_in(user, token: str) -> Signup:
    """A member scanned the organizer's QR code: mark them attended (a walk-in gets a place if any)."""
    activity = activity_for_token(user, token)
    now = timezone.now()
    if activity.status not in workflow.OPEN:
        raise ServiceError(f"活动当前为“{activity.get_status_display()}”，不能签到", status=409)
    if now < activity.starts_at - CHECKIN_MARGIN:
        raise ServiceError("签到尚未开始（活动开始前 1 小时开放）", status=409)
    if now > activity.ends_at + CHECKIN_MARGIN:
        raise ServiceError("签到已结束", status=409)
    member = Member.objects.filter(user=user).first()
    try:
        with transaction.atomic():
            lookup = Q(user=user) | Q(member=member) if member is not None else Q(user=user)
            signup = Signup.objects.select_for_update().filter(lookup, activity=activity).first()
            if signup is not None and signup.status == SignupStatus.ATTENDED:
                return signup
            needs_place = signup is None or signup.status == SignupStatus.CANCELLED
            if needs_place and not _take_place(activity.pk):
                raise Conflict("名额已满，无法签到")
            before = signup.status if signup is not None else ""
            if signup is None:
                signup = Signup(activity=activity, user=user, member=member, name=_display_name(user, member))
            signup.user = signup.user or user
            signup.status = SignupStatus.ATTENDED
            signup.checked_in_at = now
            signup.save()
            audit.record_transition(user, signup, before, SignupStatus.ATTENDED, via="qr")
            return signup
    except IntegrityError as exc:
        raise Conflict("您已签到") from exc


# attendance and minutes --------------------------------------------------------------------------
def branch_members(activity: Activity):
    """The attendance list of a meeting: for a 支委会 the members holding a seat on the org's committee;
    otherwise the party members of the activity's org and its sub-orgs (groups)."""
    from .models import ActivityKind

    if not activity.party_org_id:
        return Member.objects.none()
    if activity.kind == ActivityKind.COMMITTEE_MEETING:
        seated = Seat.objects.filter(org_id=activity.party_org_id, member__isnull=False).values("member_id")
        return Member.objects.filter(pk__in=seated).order_by("party_org__path", "name")
    return Member.objects.filter(party_org__path__startswith=activity.party_org.path).order_by(
        "party_org__path", "name"
    )


def _require_recording(activity: Activity) -> None:
    if activity.status not in workflow.RECORDING:
        raise ServiceError(f"活动当前为“{activity.get_status_display()}”，不能记录", status=409)
    if activity.starts_at - CHECKIN_MARGIN > timezone.now():
        raise ServiceError("活动尚未开始，不能记录出席情况或会议记录", status=409)


def record_attendance(user, activity: Activity, attended_member_ids) -> dict:
    """The secretary records, per party member of the branch, who attended (members without an account
    too). Unchecked members are recorded absent. Returns {"attended": n, "absent": m}."""
    require_change(user, activity)
    if not activity.party_org_id:
        raise ServiceError("该活动未关联党组织，不能按党员记录出席", field="members")
    try:
        attended = {int(x) for x in attended_member_ids or []}
    except (TypeError, ValueError) as exc:
        raise ServiceError("出席党员选择不正确", field="members") from exc
    with transaction.atomic():
        current = _locked(activity)
        _require_recording(current)
        members = list(branch_members(current).only("id", "name", "user_id"))
        known = {m.pk for m in members}
        stray = attended - known
        if stray:
            raise ServiceError("所选党员不属于本组织", field="members")
        existing = {}
        for s in Signup.objects.select_for_update().filter(activity=current):
            if s.member_id:
                existing[("m", s.member_id)] = s
            if s.user_id:
                existing.setdefault(("u", s.user_id), s)
        now = timezone.now()
        added = 0
        counts = {"attended": 0, "absent": 0}
        for m in members:
            status = SignupStatus.ATTENDED if m.pk in attended else SignupStatus.ABSENT
            counts["attended" if m.pk in attended else "absent"] += 1
            s = existing.get(("m", m.pk)) or (existing.get(("u", m.user_id)) if m.user_id else None)
            if s is None:
                Signup.objects.create(
                    activity=current,
                    user_id=m.user_id,
                    member=m,
                    name=m.name,
                    status=status,
                    checked_in_at=now if status == SignupStatus.ATTENDED else None,
                )
                added += 1
                continue
            if s.status == SignupStatus.CANCELLED:
                added += 1
            changed = s.status != status or s.member_id != m.pk
            if changed:
                s.member = m
                s.status = status
                if status == SignupStatus.ATTENDED and not s.checked_in_at:
                    s.checked_in_at = now
                s.save()
        if added:
            Activity.objects.filter(pk=current.pk).update(signed_up_count=F("signed_up_count") + added)
        Activity.objects.filter(pk=current.pk).update(version=F("version") + 1)
        audit.record(
            AuditAction.UPDATE,
            current,
            user=user,
            changes={"attendance": [None, counts]},
        )
    activity.refresh_from_db()
    return counts


def record_minutes(user, activity: Activity, minutes: str, *, photos=(), files=()) -> Activity:
    """Save the minutes text and add photos (role "photo") and minutes documents (role "minutes")."""
    from grassroots.core.attachments import attach, validate_files

    require_change(user, activity)
    minutes = (minutes or "").strip()
    if not minutes:
        raise ServiceError("请填写会议记录", field="minutes")
    if len(minutes) > 20000:
        raise ServiceError("会议记录不能超过 20000 字", field="minutes")
    # Decode and re-encode before the transaction; attach() re-checks the counts inside it.
    photos = validate_files(photos, max_files=9, images_only=True, user=user)
    files = validate_files(files, max_files=5, images_only=False, user=user)
    with transaction.atomic():
        current = _locked(activity)
        _require_recording(current)
        before = audit.snapshot(current)
        current.minutes = minutes
        _bump(current)
        current.save(update_fields=["minutes", "version"])
        added_photos = attach(user, current, photos, role="photo", max_files=9, images_only=True)
        added_files = attach(user, current, files, role="minutes", max_files=5, images_only=False)
        changes = audit.diff(before, audit.snapshot(current))
        if added_photos or added_files:
            changes["attachments"] = [None, len(added_photos) + len(added_files)]
        audit.record(AuditAction.UPDATE, current, user=user, changes=changes)
    activity.__dict__.update(current.__dict__)
    return current


def record_past_activity(
    user, activity: Activity, *, minutes: str, attended_member_ids=(), photos=(), files=()
) -> Activity:
    """直接记录: a planned meeting that already took place (it cannot be published any more) is recorded
    as done in one step, with its minutes and, for a party organisation's activity, the attendance of
    every member of the branch. One transaction; the transition, attendance and minutes are audited."""
    require_change(user, activity)
    if not (minutes or "").strip():
        raise ServiceError("请填写会议记录", field="minutes")
    with transaction.atomic():
        current = _locked(activity)
        if current.status != ActivityStatus.PLAN:
            raise ServiceError(
                f"活动当前为“{current.get_status_display()}”，只有未发布的计划可以直接记录", status=409
            )
        if current.ends_at > timezone.now():
            raise ServiceError("活动尚未结束，不能直接记录；请发布后按时开展", field="ends_at")
        before = current.status
        current.status = ActivityStatus.DONE
        current.done_at = timezone.now()
        _bump(current)
        current.save()
        audit.record_transition(user, current, before, current.status, verb="直接记录")
        if current.party_org_id:
            record_attendance(user, current, attended_member_ids)
        current.refresh_from_db()
        record_minutes(user, current, minutes, photos=photos, files=files)
        hours = decimal.Decimal((current.ends_at - current.starts_at).total_seconds() / 3600).quantize(
            decimal.Decimal("0.01")
        )
        _fill_hours(current, hours)
    activity.__dict__.update(current.__dict__)
    return current


# reminders ---------------------------------------------------------------------------------------
def send_reminders(now: datetime.datetime | None = None, hours: int = 24) -> int:
    """Remind the members and sign-ups of published activities starting within `hours`. Each activity
    is reminded once: the conditional UPDATE of reminded_at claims it, so concurrent runs can't both
    send. Returns the number of activities reminded."""
    now = now or timezone.now()
    due = Activity.objects.filter(
        status=ActivityStatus.PUBLISHED,
        reminded_at__isnull=True,
        starts_at__gt=now,
        starts_at__lte=now + datetime.timedelta(hours=hours),
    ).select_related("party_org")
    sent = 0
    for activity in due:
        with transaction.atomic():
            claimed = Activity.objects.filter(pk=activity.pk, reminded_at__isnull=True).update(
                reminded_at=now
            )
            if not claimed:
                continue
            signed = Signup.objects.filter(
                activity=activity, user__isnull=False, status=SignupStatus.SIGNED_UP
            ).select_related("user")
            users = {s.user for s in signed}
            if activity.kind in PARTY_LIFE_KINDS:
                users |= set(_member_users(activity))
            place = f"，地点：{activity.place}" if activity.place else ""
            _notify(
                users,
                activity,
                "orglife.reminder",
                f"活动提醒：{activity.title}",
                f"{activity.get_kind_display()}将于 {_when(activity)} 开始{place}，请准时参加。",
            )
            audit.record(AuditAction.UPDATE, activity, changes={"reminded_at": [None, now.isoformat()]})
        sent += 1
    return sent


def require_change(user, activity: Activity) -> None:
    """404 when the user can't see the activity at all, 403 when they see it but may not change it."""
    if covers(user, activity, "change"):
        return
    if Activity.objects.visible_to(user, "view").filter(pk=activity.pk).exists():
        raise PermissionDenied()
    raise NotFound()
