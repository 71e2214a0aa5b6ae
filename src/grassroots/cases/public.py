"""身边诉求: the public side of cases (FixMyStreet-like).

Anyone, signed in or not, sees the recent cases of an area on a list and a map: the category, the
community, the public text (moderated and redacted, `Case.public_text`), a public status and the time
taken. No reporter, no address, no staff name; coordinates rounded to about 100 m. A signed-in resident
can follow a case (a `CaseFollower` without a source: the follower is told when it moves and finds it
under 我的诉求) and the reporter can add an update (补充说明) to their own open case, which lands on the
case's timeline for the handler.

Reads: `public_cases`, `area_summary`, `public_case`, `public_timeline`. Writes: `follow`, `unfollow`,
`add_update`, each with one audit row.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Q
from django.db.models.functions import Substr
from django.utils import timezone

from grassroots.core import audit
from grassroots.core.errors import NotFound, PermissionDenied, ServiceError
from grassroots.core.masking import redact_text
from grassroots.core.models import AuditAction
from grassroots.core.scoping import has_perm
from grassroots.regions.models import Region

from .models import Case, CaseEvent, CaseFollower
from .workflow import CaseState

S = CaseState

# Periods a visitor can choose (days); the default is the first.
PERIODS = (90, 30, 7)
# Rounding of public coordinates: 3 decimals is about 110 m north-south, enough to find the place, not
# enough to point at a door.
COORD_DECIMALS = 3
UPDATE_MAX = 500
# A reporter adds at most this many updates a day to one case (a timeline is not a chat).
UPDATES_PER_DAY = 5
FOLLOW_PERMISSION = "cases.follow"

# The public status: what a resident needs to know, not the internal workflow.
PUBLIC_STATUS = {
    S.SUBMITTED: ("received", "已受理"),
    S.TRIAGED: ("received", "已受理"),
    S.DISPATCHED: ("in_progress", "办理中"),
    S.ACCEPTED: ("in_progress", "办理中"),
    S.IN_PROGRESS: ("in_progress", "办理中"),
    S.RETURNED: ("in_progress", "办理中"),
    S.RESOLVED: ("fixed", "已办结"),
    S.EVALUATED: ("fixed", "已办结"),
    S.CLOSED: ("fixed", "已办结"),
    S.CLOSED_UNRESOLVED: ("unresolved", "未解决"),
}
STATUS_CHOICES = (
    ("received", "已受理"),
    ("in_progress", "办理中"),
    ("fixed", "已办结"),
    ("unresolved", "未解决"),
)
STATUS_STATES = {
    code: [state for state, (c, _label) in PUBLIC_STATUS.items() if c == code] for code, _l in STATUS_CHOICES
}
FIXED_STATES = STATUS_STATES["fixed"]
# The steps a visitor sees on a case's timeline (internal notes, returns and staff names stay inside).
PUBLIC_STEPS = {"submit", "triage", "dispatch", "accept", "resolve", "evaluate", "reopen", "close"}
PUBLIC_STEPS |= {"close_unresolved", "resident_update"}
# Updates are refused on a case that is over: it is merged into another or closed.
UPDATE_CLOSED_STATES = frozenset({S.CLOSED, S.CLOSED_UNRESOLVED, S.MERGED})


def public_status(case: Case) -> tuple[str, str]:
    return PUBLIC_STATUS.get(case.state, ("received", "已受理"))


def time_taken(case: Case, now: datetime.datetime | None = None) -> tuple[datetime.timedelta, bool]:
    """(duration, finished): submit → resolve for a fixed case, submit → now for an open one."""
    if case.state in FIXED_STATES and case.resolved_at:
        end, finished = case.resolved_at, True
    elif case.state == S.CLOSED_UNRESOLVED and case.closed_at:
        end, finished = case.closed_at, True
    else:
        end, finished = (now or timezone.now()), False
    return max(end - case.submitted_at, datetime.timedelta(0)), finished


def humanize(delta: datetime.timedelta) -> str:
    hours = delta.total_seconds() / 3600
    if hours < 1:
        return "不到1小时"
    if hours < 48:
        return f"{int(hours)}小时"
    return f"{hours / 24:.0f}天"


def rounded(value: float | None) -> float | None:
    return None if value is None else round(value, COORD_DECIMALS)


# ---------------------------------------------------------------- reads


@dataclass(frozen=True)
class Filters:
    """What a visitor asked for, validated: every bad value is an error with a Chinese message."""

    region: Region | None
    category: str
    status: str
    days: int

    @classmethod
    def parse(cls, params) -> Filters:
        code = (params.get("region") or "").strip()
        region = None
        if code:
            region = Region.objects.filter(code=code).first()
            if region is None or region.level not in ("city", "district", "street", "community"):
                raise ServiceError("所选区域不存在", field="region")
        status = (params.get("status") or "").strip()
        if status and status not in STATUS_STATES:
            raise ServiceError("状态只能是已受理、办理中、已办结或未解决", field="status")
        raw_days = (params.get("days") or "").strip()
        try:
            days = int(raw_days) if raw_days else PERIODS[0]
        except ValueError:
            days = -1
        if days not in PERIODS:
            raise ServiceError(f"时间范围只能是近 {'、'.join(map(str, PERIODS))} 天", field="days")
        return cls(region, (params.get("category") or "").strip()[:20], status, days)


def public_cases(filters: Filters, *, now: datetime.datetime | None = None):
    """The cases a visitor sees for `filters`, newest first (merged cases show through their survivor)."""
    since = (now or timezone.now()) - datetime.timedelta(days=filters.days)
    qs = Case.objects.exclude(state=S.MERGED).filter(submitted_at__gte=since)
    if filters.region is not None:
        qs = qs.filter(region__path__startswith=filters.region.path)
    if filters.category:
        qs = qs.filter(Q(category__code=filters.category) | Q(category__parent__code=filters.category))
    if filters.status:
        qs = qs.filter(state__in=STATUS_STATES[filters.status])
    return qs.select_related("category__parent", "region", "handler").order_by("-submitted_at", "-id")


def area_summary(filters: Filters, *, now: datetime.datetime | None = None) -> list[dict]:
    """Per area one level below the chosen one (city → districts … street → communities): reported,
    fixed, the share fixed and the mean time to fix, over the same cases as the list (status aside)."""
    parent = filters.region
    child_depth = (parent.depth + 1) if parent is not None else 2
    if parent is not None and parent.level == "community":
        child_depth = parent.depth
    children = Region.objects.filter(depth=child_depth)
    if parent is not None:
        children = children.filter(path__startswith=parent.path)
    found = {path: (name, code) for path, name, code in children.values_list("path", "name", "code")}
    base = public_cases(Filters(parent, filters.category, "", filters.days), now=now).order_by()
    length = child_depth * Region.steplen
    rows = (
        base.annotate(area=Substr("region__path", 1, length))
        .values("area")
        .annotate(
            reported=Count("id"),
            fixed=Count("id", filter=Q(state__in=FIXED_STATES)),
            mean=Avg(
                ExpressionWrapper(F("resolved_at") - F("submitted_at"), output_field=DurationField()),
                filter=Q(state__in=FIXED_STATES, resolved_at__isnull=False),
            ),
        )
    )
    out = []
    for r in rows:
        if r["area"] not in found:
            continue
        name, code = found[r["area"]]
        mean = r["mean"]
        if mean is not None and not isinstance(mean, datetime.timedelta):  # SQLite: microseconds
            mean = datetime.timedelta(microseconds=float(mean))
        out.append(
            {
                "name": name,
                "code": code,
                "reported": r["reported"],
                "fixed": r["fixed"],
                "fixed_rate": round(100 * r["fixed"] / r["reported"], 1) if r["reported"] else 0.0,
                "mean": humanize(mean) if mean is not None else "—",
            }
        )
    out.sort(key=lambda r: (-r["reported"], r["code"]))
    return out


def public_case(number: str) -> Case:
    case = (
        Case.objects.exclude(state=S.MERGED)
        .select_related("category__parent", "region", "handler")
        .filter(number=number)
        .first()
    )
    if case is None:
        merged = Case.objects.filter(number=number, state=S.MERGED).select_related("merged_into").first()
        if merged is not None and merged.merged_into_id:
            raise Merged(merged.merged_into.number)
        raise NotFound("诉求不存在")
    return case


class Merged(ServiceError):
    """The case was merged into another: the public page sends the visitor there."""

    def __init__(self, into: str):
        super().__init__(f"该诉求已与同一问题合并，由 {into} 统一办理")
        self.into = into


def public_timeline(case: Case) -> list[dict]:
    """Public steps with their times and handler names; notes only where the resident wrote them or the
    handler's resolution (both redacted)."""
    from .workflow import VERB_LABELS

    out = []
    events = case.events.filter(step__in=PUBLIC_STEPS).select_related("handler").order_by("created_at", "id")
    for e in events:
        note = redact_text(e.note) if e.step in ("resolve", "resident_update") else ""
        out.append(
            {
                "step": e.step,
                "label": VERB_LABELS.get(e.step, e.step),
                "at": e.created_at,
                "handler": e.handler.name if e.handler_id and e.step != "resident_update" else "",
                "note": note,
            }
        )
    return out


def follower_count(case: Case) -> int:
    return case.followers.count()


def is_following(user, case: Case) -> bool:
    if user is None or not user.is_authenticated:
        return False
    return case.followers.filter(user=user, source__isnull=True).exists()


# ---------------------------------------------------------------- writes


def _require_follower(user) -> None:
    if user is None or not user.is_authenticated:
        raise PermissionDenied("请先登录")
    if not has_perm(user, FOLLOW_PERMISSION):
        raise PermissionDenied("没有关注诉求的权限")


def follow(user, case: Case) -> CaseFollower:
    """Follow a case: told when it moves (inbox), listed under 我的诉求. Idempotent refusal: a second
    follow, a merged case and one's own report are refused with the reason."""
    from .services import is_reporter

    _require_follower(user)
    if case.state == S.MERGED:
        raise ServiceError("该诉求已合并，请关注合并后的工单")
    if is_reporter(user, case):
        raise ServiceError("这是您反映的诉求，办理进展会直接通知您，无需关注")
    try:
        with transaction.atomic():
            row = CaseFollower.objects.create(case=case, user=user, phone="")
    except IntegrityError:
        raise ServiceError("您已关注该诉求") from None
    audit.record(
        AuditAction.CREATE,
        row,
        user=user,
        changes={"case": [None, case.number]},
        object_repr=f"关注诉求 {case.number}",
        region_path=case.region.path,
    )
    return row


def unfollow(user, case: Case) -> None:
    _require_follower(user)
    row = CaseFollower.objects.filter(case=case, user=user, source__isnull=True).first()
    if row is None:
        raise ServiceError("您未关注该诉求")
    audit.record(
        AuditAction.DELETE,
        row,
        user=user,
        changes={"case": [case.number, None]},
        object_repr=f"取消关注诉求 {case.number}",
        region_path=case.region.path,
    )
    row.delete()


def add_update(user, case: Case, text: str, *, now: datetime.datetime | None = None) -> CaseEvent:
    """补充说明 by the reporter on their own open case: a `resident_update` event on the timeline (the
    state does not change) and a message to the handler's members."""
    from .services import _event, _notify, is_reporter

    if user is None or not user.is_authenticated:
        raise PermissionDenied("请先登录")
    if not is_reporter(user, case):
        raise PermissionDenied("只有反映人可以补充说明")
    text = (text or "").strip()
    if not text:
        raise ServiceError("请填写补充说明", field="text")
    if len(text) > UPDATE_MAX:
        raise ServiceError(f"补充说明不能超过 {UPDATE_MAX} 字", field="text")
    now = now or timezone.now()
    with transaction.atomic():
        locked = (
            Case.objects.select_for_update(of=("self",)).select_related("region", "handler").get(pk=case.pk)
        )
        if locked.state in UPDATE_CLOSED_STATES:
            raise ServiceError(f"诉求已{locked.get_state_display()}，不能再补充说明")
        today = locked.events.filter(
            step="resident_update", created_at__gte=now - datetime.timedelta(days=1)
        ).count()
        if today >= UPDATES_PER_DAY:
            raise ServiceError(f"每件诉求每天最多补充 {UPDATES_PER_DAY} 次")
        event = _event(locked, "resident_update", locked.state, locked.state, user, note=text)
        if now != event.created_at:
            CaseEvent.objects.filter(pk=event.pk).update(created_at=now)
            event.created_at = now
        audit.record(
            AuditAction.UPDATE,
            locked,
            user=user,
            changes={"resident_update": [None, text]},
            object_repr=f"{locked.number} 居民补充说明",
        )
        if locked.handler_id:
            members = list(locked.handler.members.filter(is_active=True))
            if members:
                _notify(members, "case_update", f"工单 {locked.number} 有居民补充说明", text[:100], locked)
    return event
