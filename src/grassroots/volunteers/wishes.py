"""微心愿: residents and staff post small wishes; members, units and volunteers claim and fulfil them;
the poster confirms (points are earned through the ledger in volunteers.services); unclaimed or
stalled wishes are released or expire on schedule (`release_due`)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from grassroots.core import audit
from grassroots.core.errors import Conflict, NotFound, PermissionDenied, ServiceError
from grassroots.core.scoping import covers, has_perm
from grassroots.core.services import full_clean
from grassroots.core.tallies import changed as figures_changed

from .models import (
    SourceType,
    Wish,
    WishCategory,
    WishState,
    wish_default,
)
from .services import (
    _community,
    _notify,
    _phone,
    _require_change,
    _require_join,
    _text,
    earn,
    member_for,
    units_for,
)
from .workflow import TRANSITIONS, VERB_LABELS, allowed_verbs


def wish_url(wish) -> str:
    """The wish's page for its poster: staff see the wish page, a resident who posted their own wish
    follows it in the H5 (the wish page is staff-only)."""
    if wish.posted_by_id and not has_perm(wish.posted_by, "volunteers.change"):
        return reverse("h5:wishes")
    return reverse("volunteers:wish_detail", args=[wish.pk])


def post_own_wish(
    user, *, region, title: str, description: str = "", category: str = WishCategory.DAILY, photos=()
):
    """A resident posts their own wish from the H5 (the resident is the beneficiary); like a wish a
    worker registers, it waits for the community's review, and the resident is told of the review and
    of the claim. The community administrators are told there is a wish to review."""
    _require_join(user)
    _community(region)
    if category not in WishCategory.values:
        raise ServiceError("心愿类别不正确", field="category")
    wish = Wish(
        region=region,
        title=_text(title, "心愿内容", minimum=4, maximum=60, field="title"),
        description=(description or "").strip()[:2000],
        category=category,
        beneficiary_name=(user.display_name or user.username)[:30],
        posted_by=user,
        open_days=wish_default("open_days"),
        claim_days=wish_default("claim_days"),
    )
    full_clean(wish)
    from grassroots.accounts.models import RoleAssignment
    from grassroots.core.attachments import attach

    reviewers = [
        a.user
        for a in RoleAssignment.objects.filter(role__code="community_admin", region=region).select_related(
            "user"
        )
    ]
    with transaction.atomic():
        wish.save()
        attach(user, wish, [p for p in (photos or []) if p], role="photo", max_files=6)
        audit.record_create(user, wish)
        _notify(
            reviewers,
            kind="volunteers.wish_posted",
            title=f"居民提交了微心愿“{wish.title}”，请审核",
            body=wish.description[:80],
            url=reverse("volunteers:wish_detail", args=[wish.pk]),
            obj=wish,
        )
    return wish


def own_wishes(user):
    """The wishes a resident posted, newest first (for tracking in the H5)."""
    return (
        Wish.objects.filter(posted_by=user)
        .select_related("region")
        .only(
            "pk", "title", "state", "category", "claimant_name", "claimed_at", "claim_due_at",
            "posted_at", "review_note", "region__name",
        )
        .order_by("-posted_at", "-id")
    )  # fmt: skip


def post_wish(
    user,
    *,
    region,
    title: str,
    beneficiary_name: str,
    description: str = "",
    category: str = WishCategory.DAILY,
    beneficiary_phone: str = "",
    photos=(),
    open_days: int | None = None,
    claim_days: int | None = None,
) -> Wish:
    """A worker posts a resident's wish (with photos); it waits for the community's review."""
    _community(region)
    if not covers(user, Wish(region=region), "change"):
        raise PermissionDenied("没有在该社区登记微心愿的权限")
    if category not in WishCategory.values:
        raise ServiceError("心愿类别不正确", field="category")
    open_days = wish_default("open_days") if open_days in (None, "") else int(open_days)
    claim_days = wish_default("claim_days") if claim_days in (None, "") else int(claim_days)
    if not 1 <= open_days <= 365:
        raise ServiceError("认领期限应在 1 到 365 天之间", field="open_days")
    if not 1 <= claim_days <= 90:
        raise ServiceError("完成期限应在 1 到 90 天之间", field="claim_days")
    wish = Wish(
        region=region,
        title=_text(title, "心愿内容", minimum=4, maximum=60, field="title"),
        description=(description or "").strip()[:2000],
        category=category,
        beneficiary_name=_text(beneficiary_name, "心愿人姓名", maximum=30, field="beneficiary_name"),
        beneficiary_phone=_phone(beneficiary_phone, "beneficiary_phone"),
        posted_by=user,
        open_days=open_days,
        claim_days=claim_days,
    )
    full_clean(wish)
    from grassroots.core.attachments import attach, validate_files

    photos = validate_files(photos, max_files=6, user=user)  # decoded before the transaction
    with transaction.atomic():  # a refused photo rolls the wish back: nothing is written
        wish.save()
        attach(user, wish, photos, role="photo", max_files=6)
        audit.record_create(user, wish)
    return wish


def _wish_require(user, wish: Wish, verb: str) -> None:
    sources, _target, action = TRANSITIONS[verb]
    if action == "change":
        _require_change(user, wish, "心愿不存在或无权访问")
    elif verb == "claim":
        _require_join(user)
        if wish.state not in (WishState.PUBLISHED, WishState.CLAIMED) and not covers(user, wish, "join"):
            raise NotFound("心愿不存在或无权访问")
    elif not covers(user, wish, "join"):
        raise NotFound("心愿不存在或无权访问")
    if wish.state not in sources:
        raise Conflict(f"心愿当前状态为“{wish.get_state_display()}”，不能{VERB_LABELS[verb]}")


def _wish_transition(user, wish: Wish, verb: str, changes: dict, *, note: str = "") -> Wish:
    _sources, target, _action = TRANSITIONS[verb]
    from_state = wish.state
    updated = Wish.objects.filter(pk=wish.pk, state=from_state, version=wish.version).update(
        state=target, version=F("version") + 1, **changes
    )
    if updated != 1:
        raise Conflict("心愿已被他人认领或状态已变化，请刷新后重试")
    figures_changed(wish)  # an UPDATE sends no signal: the wish counts of its community move
    wish.state = target
    wish.version += 1
    for k, v in changes.items():
        setattr(wish, k, v)
    extra = {k: v for k, v in changes.items() if k not in ("claimant_name",)}
    if note:
        extra["note"] = note
    audit.record_transition(user, wish, from_state, target, verb=verb, **extra)
    return wish


def available_wish_actions(user, wish: Wish) -> list[str]:
    out = []
    for verb in allowed_verbs(wish.state):
        action = TRANSITIONS[verb][2]
        if (
            action == "change"
            and covers(user, wish, "change")
            or verb == "claim"
            and has_perm(user, "volunteers.join")
            or action == "join"
            and verb != "claim"
            and covers(user, wish, "join")
        ):
            out.append(verb)
    return out


def review_wish(user, wish: Wish, *, approve: bool, note: str = "") -> Wish:
    verb = "approve" if approve else "reject"
    _wish_require(user, wish, verb)
    note = (note or "").strip()[:200]
    if not approve and len(note) < 2:
        raise ServiceError("退回时请填写原因（至少 2 个字）", field="note")
    now = timezone.now()
    changes = {"reviewed_by": user, "reviewed_at": now, "review_note": note}
    if approve:
        changes.update(published_at=now, expires_at=now + dt.timedelta(days=wish.open_days))
    with transaction.atomic():
        _wish_transition(user, wish, verb, changes, note=note)
        _notify(
            [wish.posted_by],
            kind=f"volunteers.wish_{verb}",
            title=f"微心愿“{wish.title}”{'已发布' if approve else '未通过审核'}",
            body=note,
            url=wish_url(wish),
            obj=wish,
        )
    return wish


def claim_wish(user, wish: Wish, *, unit=None) -> Wish:
    """A party member (for themselves) or a unit liaison (for their unit) claims a published wish."""
    _wish_require(user, wish, "claim")
    member = member_for(user)
    if unit is not None:
        if not units_for(user).filter(pk=unit.pk).exists():
            raise ServiceError("您不能代表该单位认领", field="unit")
        claimant_name = unit.name
    else:
        claimant_name = (member.name if member else "") or user.display_name or user.username
    now = timezone.now()
    changes = {
        "claimed_by": user,
        "claimant_member": member if unit is None else None,
        "claimant_unit": unit,
        "claimant_name": claimant_name[:100],
        "claimed_at": now,
        "claim_due_at": now + dt.timedelta(days=wish.claim_days),
    }
    with transaction.atomic():
        _wish_transition(user, wish, "claim", changes)
        told = {
            "kind": "volunteers.wish_claimed",
            "title": f"微心愿“{wish.title}”已被{claimant_name}认领",
            "body": f"请于 {timezone.localtime(changes['claim_due_at']):%Y-%m-%d} 前完成。",
            "obj": wish,
        }
        _notify([user], url=reverse("volunteers:my_wishes"), **told)
        if wish.posted_by_id and wish.posted_by_id != user.pk:
            _notify([wish.posted_by], url=wish_url(wish), **told)
    return wish


_CLEARED_CLAIM = {
    "claimed_by": None,
    "claimant_member": None,
    "claimant_unit": None,
    "claimant_name": "",
    "claimed_at": None,
    "claim_due_at": None,
}


def abandon_wish(user, wish: Wish, *, reason: str = "") -> Wish:
    _wish_require(user, wish, "abandon")
    claimer = wish.claimed_by
    with transaction.atomic():
        _wish_transition(
            user, wish, "abandon", {**_CLEARED_CLAIM, "release_count": wish.release_count + 1}, note=reason
        )
        _notify(
            [claimer, wish.posted_by],
            kind="volunteers.wish_abandoned",
            title=f"微心愿“{wish.title}”已放弃认领，回到心愿池",
            body=(reason or "").strip()[:200],
            url=wish_url(wish),
            obj=wish,
        )
    return wish


def fulfil_wish(user, wish: Wish, *, note: str, photos=()) -> Wish:
    """The claimant reports the wish fulfilled, with a proof photo and a note."""
    _wish_require(user, wish, "fulfil")
    note = _text(note, "完成情况说明", minimum=5, maximum=1000, field="note")
    photos = [p for p in (photos or []) if p]
    if not photos:
        raise ServiceError("请上传至少一张完成凭证照片", field="photos")
    from grassroots.core.attachments import attach, validate_files

    photos = validate_files(photos, max_files=6, user=user)  # decoded before the transaction
    with transaction.atomic():
        _wish_transition(user, wish, "fulfil", {"fulfilled_at": timezone.now(), "fulfil_note": note})
        attach(user, wish, photos, role="proof", max_files=6)
        _notify(
            [wish.posted_by, user],
            kind="volunteers.wish_fulfilled",
            title=f"微心愿“{wish.title}”已完成，待社区确认",
            body=note[:200],
            url=wish_url(wish),
            obj=wish,
        )
    return wish


def confirm_wish(user, wish: Wish, *, note: str = "") -> Wish:
    """The worker / community confirms; the claimant earns the wish's points."""
    _wish_require(user, wish, "confirm")
    points = wish_default("points")
    with transaction.atomic():
        _wish_transition(
            user, wish, "confirm", {"confirmed_at": timezone.now(), "confirmed_by": user}, note=note
        )
        if wish.claimed_by_id and points > 0:
            earn(
                wish.claimed_by,
                region=wish.region,
                amount=points,
                source_type=SourceType.WISH,
                source_id=wish.pk,
                reason=f"完成微心愿：{wish.title}"[:200],
                created_by=user,
            )
        _notify(
            [wish.claimed_by, wish.posted_by],
            kind="volunteers.wish_confirmed",
            title=f"微心愿“{wish.title}”已确认完成",
            body=f"认领人获得 {points} 积分。" if points > 0 else "",
            url=reverse("volunteers:my_wishes"),
            obj=wish,
        )
    return wish


def release_wish(user, wish: Wish, *, reason: str = "", system: bool = False) -> Wish:
    """Back to the pool: a claim not fulfilled in time (the release job, or a worker by hand)."""
    if not system:
        _wish_require(user, wish, "release")
    elif wish.state != WishState.CLAIMED:
        raise Conflict("心愿当前不是已认领状态")
    claimer = wish.claimed_by
    reason = (reason or "").strip()[:200] or "超期未完成，自动退回心愿池"
    with transaction.atomic():
        _wish_transition(
            user, wish, "release", {**_CLEARED_CLAIM, "release_count": wish.release_count + 1}, note=reason
        )
        _notify(
            [claimer, wish.posted_by],
            kind="volunteers.wish_released",
            title=f"微心愿“{wish.title}”已退回心愿池",
            body=reason,
            url=wish_url(wish),
            obj=wish,
        )
    return wish


def expire_wish(user, wish: Wish, *, reason: str = "", system: bool = False) -> Wish:
    if not system:
        _wish_require(user, wish, "expire")
    elif wish.state != WishState.PUBLISHED:
        raise Conflict("心愿当前不是待认领状态")
    reason = (reason or "").strip()[:200] or "认领期限已到，无人认领"
    with transaction.atomic():
        _wish_transition(user, wish, "expire", {}, note=reason)
        _notify(
            [wish.posted_by],
            kind="volunteers.wish_expired",
            title=f"微心愿“{wish.title}”已下架",
            body=reason,
            url=wish_url(wish),
            obj=wish,
        )
    return wish


def release_due(now=None) -> dict[str, int]:
    """The release job: overdue claims back to the pool, unclaimed wishes past their deadline expire.
    Idempotent; a wish changed meanwhile by someone else is skipped (its conditional UPDATE fails)."""
    now = now or timezone.now()
    out = {"released": 0, "expired": 0}
    overdue = Wish.objects.filter(state=WishState.CLAIMED, claim_due_at__lt=now).select_related(
        "region", "claimed_by", "posted_by"
    )
    for wish in overdue.iterator(chunk_size=500):
        try:
            release_wish(None, wish, system=True)
            out["released"] += 1
        except Conflict:
            continue
    stale = Wish.objects.filter(state=WishState.PUBLISHED, expires_at__lt=now).select_related(
        "region", "posted_by"
    )
    for wish in stale.iterator(chunk_size=500):
        try:
            expire_wish(None, wish, system=True)
            out["expired"] += 1
        except Conflict:
            continue
    return out


WISH_VERBS = {
    "approve": lambda u, w, d: review_wish(u, w, approve=True, note=d.get("note", "")),
    "reject": lambda u, w, d: review_wish(u, w, approve=False, note=d.get("note", "")),
    "claim": lambda u, w, d: claim_wish(u, w, unit=d.get("unit")),
    "abandon": lambda u, w, d: abandon_wish(u, w, reason=d.get("note", "")),
    "fulfil": lambda u, w, d: fulfil_wish(u, w, note=d.get("note", ""), photos=d.get("photos", ())),
    "confirm": lambda u, w, d: confirm_wish(u, w, note=d.get("note", "")),
    "release": lambda u, w, d: release_wish(u, w, reason=d.get("note", "")),
    "expire": lambda u, w, d: expire_wish(u, w, reason=d.get("note", "")),
}
