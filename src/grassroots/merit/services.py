"""Merit services: member points accrual, study records, star-rating proposals and their workflow.

Every write is atomic, checks the permission in scope and the input, refuses with a Chinese
ServiceError before changing anything, and writes one audit record per state change.

Points accrual (`accrue_points(year)`) is set-based: per source kind, one query lists the qualifying
source records of the year that have no entry yet (NOT EXISTS), and one bulk insert adds them
(ignore_conflicts: a concurrent run adds nothing twice, the partial unique constraints decide). Old
entries are never changed: when a source no longer qualifies (an attendance changed to absent, a study
record rejected, a confirmed wish reopened) a compensating entry with the opposite points is added.
Weights are read from the MEM-PTS rule row at accrual time.
"""

from __future__ import annotations

import calendar
import datetime
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import Count, Exists, F, OuterRef, Q, Sum
from django.urls import reverse
from django.utils import timezone

from grassroots.core import audit, tallies
from grassroots.core.errors import Conflict, NotFound, PermissionDenied, ServiceError
from grassroots.core.scoping import covers, has_perm
from grassroots.party.choices import OrgKind
from grassroots.party.models import Member, PartyOrg

from .models import (
    GRADE_RANK,
    MemberPointsEntry,
    MemberYearPoints,
    PointKind,
    RatingState,
    StarCriterion,
    StarRating,
    StudyRecord,
    StudyState,
)

RULE_CODE = "MEM-PTS"
WEIGHT_DEFAULTS = {"attendance": 2, "dues_month": 1, "service_hour": 1, "wish": 3, "study_hour": 1}
ONE = Decimal("0.1")


def _uid(user) -> int | None:
    """The user's id for a user FK (None for the system actor of nightly jobs and the demo)."""
    from grassroots.accounts.models import User

    return user.pk if isinstance(user, User) else None


# ------------------------------------------------------------------------------------- weights
def weights() -> dict[str, Decimal] | None:
    """The MEM-PTS weights (points per attendance, per on-time dues month, per service hour, per
    wish, per study hour); None when the rule is switched off (no points are accrued)."""
    from grassroots.core.rules import Rule

    rule = Rule.objects.filter(code=RULE_CODE).only("params", "enabled").first()
    if rule is not None and not rule.enabled:
        return None
    params = (rule.params if rule else {}) or {}
    out = {}
    for key, default in WEIGHT_DEFAULTS.items():
        try:
            out[key] = Decimal(str(params.get(key, default)))
        except (InvalidOperation, ValueError):
            out[key] = Decimal(default)
    return out


def _year_bounds(year: int) -> tuple[datetime.datetime, datetime.datetime]:
    tz = timezone.get_current_timezone()
    start = datetime.datetime(year, 1, 1, tzinfo=tz)
    return start, datetime.datetime(year + 1, 1, 1, tzinfo=tz)


def _points(value: Decimal) -> Decimal:
    return value.quantize(ONE)


# ------------------------------------------------------------------------------------- accrual
def _missing(qs, field: str):
    """Source rows of `qs` without an entry for them."""
    # Any entry on the source means its original exists (corrections only follow an original); the
    # lookup on the source FK alone keeps the subquery on that FK's index.
    has = MemberPointsEntry.objects.filter(**{field: OuterRef("pk")})
    return qs.annotate(_has=Exists(has)).filter(_has=False).order_by()


def _signup_rows(year: int, *, party_life: bool):
    from grassroots.orglife.models import PARTY_LIFE_KINDS, ActivityKind, ActivityStatus, Signup, SignupStatus

    start, end = _year_bounds(year)
    qs = Signup.objects.filter(
        status=SignupStatus.ATTENDED,
        activity__starts_at__gte=start,
        activity__starts_at__lt=end,
    ).exclude(activity__status=ActivityStatus.CANCELLED)
    if party_life:
        qs = qs.filter(activity__kind__in=PARTY_LIFE_KINDS)
    else:
        qs = qs.filter(activity__kind=ActivityKind.VOLUNTEER, hours__gt=0)
    qs = _missing(qs, "signup")
    fields = ("pk", "hours", "activity__title", "activity__starts_at", "activity__kind")
    # The member recorded on the sign-up (attendance kept by the secretary), else the user's member.
    by_member = qs.filter(member__isnull=False).values(*fields, mid=F("member_id"))
    by_user = qs.filter(member__isnull=True, user__member__isnull=False).values(
        *fields, mid=F("user__member__id")
    )
    return list(by_member) + list(by_user)


def accrue_points(year: int) -> int:
    """Add every missing entry of `year` and the compensating entries of sources that no longer
    qualify. Returns the number of entries added. Idempotent."""
    from grassroots.cobuild.models import ServiceRecord
    from grassroots.party.models import DuesPayment
    from grassroots.volunteers.models import Wish, WishState

    w = weights()
    if w is None:
        return 0
    now = timezone.now()
    new: list[MemberPointsEntry] = []

    def add(kind, mid, points, on_date, reason, **source):
        points = _points(points)
        if points:
            new.append(
                MemberPointsEntry(
                    member_id=mid,
                    year=year,
                    kind=kind,
                    points=points,
                    on_date=on_date,
                    reason=reason[:200],
                    created_at=now,
                    **source,
                )
            )

    for r in _signup_rows(year, party_life=True):
        day = timezone.localtime(r["activity__starts_at"]).date()
        add(
            PointKind.ATTENDANCE,
            r["mid"],
            w["attendance"],
            day,
            f"参加“{r['activity__title']}”",
            signup_id=r["pk"],
        )
    for r in _signup_rows(year, party_life=False):
        day = timezone.localtime(r["activity__starts_at"]).date()
        add(
            PointKind.VOLUNTEER,
            r["mid"],
            Decimal(r["hours"]) * w["service_hour"],
            day,
            f"志愿服务“{r['activity__title']}” {r['hours'].normalize()} 小时",
            signup_id=r["pk"],
        )
    dues = _missing(DuesPayment.objects.filter(month__year=year), "dues").values(
        "pk", "member_id", "month", "paid_on"
    )
    for r in dues:
        month = r["month"]
        month_end = month.replace(day=calendar.monthrange(month.year, month.month)[1])
        if r["paid_on"] <= month_end:  # paid in its month (or ahead of it)
            add(
                PointKind.DUES,
                r["member_id"],
                w["dues_month"],
                r["paid_on"] if r["paid_on"].year == year else month,
                f"按时交纳 {month:%Y 年 %m 月}党费",
                dues_id=r["pk"],
            )
    services = _missing(
        ServiceRecord.objects.filter(served_on__year=year, registration__member__isnull=False), "service"
    ).values("pk", "registration__member_id", "served_on", "activity", "hours")
    for r in services:
        add(
            PointKind.COBUILD,
            r["registration__member_id"],
            Decimal(r["hours"]) * w["service_hour"],
            r["served_on"],
            f"双报到服务“{r['activity']}” {r['hours'].normalize()} 小时",
            service_id=r["pk"],
        )
    start, end = _year_bounds(year)
    wishes = _missing(
        Wish.objects.filter(state=WishState.CONFIRMED, confirmed_at__gte=start, confirmed_at__lt=end), "wish"
    )
    for r in list(
        wishes.filter(claimant_member__isnull=False).values(
            "pk", "title", "confirmed_at", mid=F("claimant_member_id")
        )
    ) + list(
        wishes.filter(claimant_member__isnull=True, claimed_by__member__isnull=False).values(
            "pk", "title", "confirmed_at", mid=F("claimed_by__member__id")
        )
    ):
        day = timezone.localtime(r["confirmed_at"]).date()
        add(PointKind.WISH, r["mid"], w["wish"], day, f"完成微心愿“{r['title']}”", wish_id=r["pk"])
    studies = _missing(StudyRecord.objects.filter(state=StudyState.APPROVED, studied_on__year=year), "study")
    for r in studies.values("pk", "member_id", "course", "hours", "studied_on"):
        add(
            PointKind.STUDY,
            r["member_id"],
            Decimal(r["hours"]) * w["study_hour"],
            r["studied_on"],
            f"学习“{r['course']}” {r['hours'].normalize()} 学时",
            study_id=r["pk"],
        )
    new += _corrections(year, now)
    if not new:
        return 0
    with transaction.atomic():
        before = MemberPointsEntry.objects.filter(year=year).count()
        MemberPointsEntry.objects.bulk_create(new, batch_size=1000, ignore_conflicts=True)
        refresh_year_points(year, {e.member_id for e in new})
        return MemberPointsEntry.objects.filter(year=year).count() - before


def refresh_year_points(year: int, member_ids=None) -> int:
    """Rewrite the MemberYearPoints rows of `year` from the ledger: of the given members, or of all
    (a rebuild). Returns the rows written."""
    if member_ids is None:
        chunks: list[list[int] | None] = [None]
    else:
        ids = sorted(member_ids)
        chunks = [ids[i : i + 1000] for i in range(0, len(ids), 1000)]
    written = 0
    with transaction.atomic():
        for chunk in chunks:
            entries = MemberPointsEntry.objects.filter(year=year)
            stale = MemberYearPoints.objects.filter(year=year)
            if chunk is not None:
                entries = entries.filter(member_id__in=chunk)
                stale = stale.filter(member_id__in=chunk)
            stale.delete()
            rows = entries.values("member_id").annotate(t=Sum("points"), n=Count("id")).order_by()
            made = MemberYearPoints.objects.bulk_create(
                (
                    MemberYearPoints(member_id=r["member_id"], year=year, total=r["t"], entry_count=r["n"])
                    for r in rows
                ),
                batch_size=1000,
            )
            written += len(made)
    return written


def rebuild_year_points() -> int:
    """This year's and last year's totals from the ledger (a summary of every rollup run; repairs a
    total if a ledger write ever went around accrue_points)."""
    this = timezone.localdate().year
    return refresh_year_points(this) + refresh_year_points(this - 1)


def _corrections(year: int, now) -> list[MemberPointsEntry]:
    """Compensating entries for originals of `year` whose source no longer qualifies."""
    from grassroots.orglife.models import ActivityStatus, SignupStatus
    from grassroots.volunteers.models import WishState

    gone = (
        Q(signup__isnull=False)
        & (~Q(signup__status=SignupStatus.ATTENDED) | Q(signup__activity__status=ActivityStatus.CANCELLED))
        | Q(wish__isnull=False) & ~Q(wish__state=WishState.CONFIRMED)
        | Q(study__isnull=False) & ~Q(study__state=StudyState.APPROVED)
    )
    rows = (
        MemberPointsEntry.objects.filter(year=year, corrects__isnull=True, corrected_by__isnull=True)
        .filter(gone)
        .values("pk", "member_id", "kind", "points", "signup_id", "wish_id", "study_id", "reason")
    )
    return [
        MemberPointsEntry(
            member_id=r["member_id"],
            year=year,
            kind=r["kind"],
            points=-r["points"],
            on_date=timezone.localdate(now),
            signup_id=r["signup_id"],
            wish_id=r["wish_id"],
            study_id=r["study_id"],
            corrects_id=r["pk"],
            reason=f"更正：{r['reason']}（来源记录已撤销）"[:200],
            created_at=now,
        )
        for r in rows
    ]


# ------------------------------------------------------------------------------------- reads
def year_totals(member_ids, year: int) -> dict[int, Decimal]:
    rows = (
        MemberPointsEntry.objects.filter(member_id__in=list(member_ids), year=year)
        .values("member_id")
        .annotate(total=Sum("points"))
        .order_by()
    )
    return {r["member_id"]: r["total"] for r in rows}


def member_total(member: Member, year: int) -> Decimal:
    total = MemberPointsEntry.objects.filter(member=member, year=year).aggregate(t=Sum("points"))["t"]
    return total or Decimal(0)


def by_kind(entries_qs) -> list[dict]:
    labels = dict(PointKind.choices)
    rows = entries_qs.values("kind").annotate(total=Sum("points")).order_by()
    got = {r["kind"]: r["total"] for r in rows}
    return [{"kind": k, "label": labels[k], "total": got[k]} for k in labels if k in got]


# ------------------------------------------------------------------------------------- study
def _parse_study(course, hours, studied_on) -> tuple[str, Decimal, datetime.date]:
    course = (course or "").strip()
    errors = {}
    if len(course) < 2:
        errors["course"] = "请填写课程或学习内容（至少 2 个字）"
    elif len(course) > 100:
        errors["course"] = "课程或学习内容不能超过 100 个字"
    try:
        hours = Decimal(str(hours)).quantize(ONE)
        if not Decimal("0.5") <= hours <= Decimal(100):
            errors["hours"] = "学时应在 0.5 至 100 之间"
    except (InvalidOperation, ValueError):
        errors["hours"] = "学时应为数字，如 2 或 1.5"
    if isinstance(studied_on, str):
        try:
            studied_on = datetime.date.fromisoformat(studied_on)
        except ValueError:
            studied_on = None
    if not isinstance(studied_on, datetime.date):
        errors["studied_on"] = "请填写学习日期"
    elif studied_on > timezone.localdate():
        errors["studied_on"] = "学习日期不能晚于今天"
    elif studied_on.year < timezone.localdate().year - 1:
        errors["studied_on"] = "只能登记今年和去年的学习记录"
    if errors:
        raise ServiceError(next(iter(errors.values())), errors={k: [v] for k, v in errors.items()})
    return course, hours, studied_on


def record_study(user, member: Member, *, course, hours, studied_on) -> StudyRecord:
    """The branch records a member's study (approved at once, points added at once)."""
    if not has_perm(user, "merit.change"):
        raise PermissionDenied()
    course, hours, studied_on = _parse_study(course, hours, studied_on)
    rec = StudyRecord(
        member=member,
        course=course,
        hours=hours,
        studied_on=studied_on,
        state=StudyState.APPROVED,
        entered_by=user,
        reviewed_by=user,
        reviewed_at=timezone.now(),
    )
    if not covers(user, rec, "change"):
        raise NotFound()
    with transaction.atomic():
        rec.save()
        audit.record_create(user, rec)
    accrue_points(studied_on.year)
    return rec


def submit_study(user, *, course, hours, studied_on) -> StudyRecord:
    """A member records their own study on the phone; it waits for the branch's approval."""
    if not has_perm(user, "merit.study"):
        raise PermissionDenied()
    member = Member.objects.filter(user=user).select_related("party_org").first()
    if member is None:
        raise ServiceError("您的账号未关联党员信息，请联系所在党支部")
    course, hours, studied_on = _parse_study(course, hours, studied_on)
    with transaction.atomic():
        rec = StudyRecord.objects.create(
            member=member,
            course=course,
            hours=hours,
            studied_on=studied_on,
            self_reported=True,
            entered_by=user,
        )
        audit.record_create(user, rec)
    from grassroots.notifications.services import notify

    from .stats import branch_staff

    staff = branch_staff(member)
    if staff:
        notify(
            staff,
            kind="merit.study_submitted",
            title="学习记录待审核",
            body=f"{member.name}登记了学习记录“{course}”{hours.normalize()} 学时，请审核。",
            url=reverse("merit:studies") + "?state=pending",
            obj=rec,
        )
    return rec


STUDY_VERBS = {"approve": ("通过", StudyState.APPROVED), "reject": ("退回", StudyState.REJECTED)}


def review_study(user, rec: StudyRecord, verb: str, *, note: str = "") -> StudyRecord:
    if verb not in STUDY_VERBS:
        raise NotFound()
    if not covers(user, rec, "view"):
        raise NotFound()
    if not covers(user, rec, "change"):
        raise PermissionDenied()
    label, target = STUDY_VERBS[verb]
    note = (note or "").strip()[:200]
    if verb == "reject" and len(note) < 2:
        raise ServiceError("退回时请填写原因", field="note")
    with transaction.atomic():
        n = StudyRecord.objects.filter(pk=rec.pk, state=StudyState.PENDING).update(
            state=target, reviewed_by_id=_uid(user), reviewed_at=timezone.now(), review_note=note
        )
        if n != 1:
            current = StudyRecord.objects.get(pk=rec.pk)
            raise Conflict(f"学习记录当前为“{current.get_state_display()}”，不能{label}", field="state")
        audit.record_transition(user, rec, StudyState.PENDING, target, note=note)
        rec.refresh_from_db()
        tallies.changed(rec)  # an UPDATE sends no signal: the pending count of its region moves
    if target == StudyState.APPROVED:
        accrue_points(rec.studied_on.year)
    if rec.member.user_id:
        from grassroots.notifications.services import notify

        notify(
            [rec.member.user],
            kind=f"merit.study_{verb}",
            title=f"学习记录已{label}",
            body=f"您登记的“{rec.course}”已{label}" + (f"：{note}" if note else "。"),
            url=reverse("merit:mine"),
            obj=rec,
        )
    return rec


# ------------------------------------------------------------------------------------- star rating
# stars, min health score, min life rate (%), min average member points, min evaluation grade, note
# (the same defaults migration 0002 seeds; restored here if the table was emptied).
DEFAULT_CRITERIA = [
    (1, None, None, None, "", "已建立并正常运转的党支部"),
    (2, 60, 50, None, "", "体检无红灯，组织生活基本正常"),
    (3, 70, 70, Decimal("10"), "", "组织生活较规范，党员积极参与"),
    (4, 80, 85, Decimal("20"), "良好", "组织生活规范，党员作用发挥好"),
    (5, 90, 95, Decimal("30"), "优秀", "各项工作突出，可作示范"),
]


def criteria() -> list[StarCriterion]:
    rows = list(StarCriterion.objects.order_by("stars"))
    if not rows:
        StarCriterion.objects.bulk_create(
            [
                StarCriterion(
                    stars=s, min_health_score=h, min_life_rate=lr, min_avg_points=p, min_eval_grade=g, note=n
                )
                for s, h, lr, p, g, n in DEFAULT_CRITERIA
            ],
            ignore_conflicts=True,
        )
        rows = list(StarCriterion.objects.order_by("stars"))
    return rows


def _longest_prefix(path: str, keys, steplen: int) -> str | None:
    """The longest key that `path` starts with, walking up the tree path step by step."""
    for k in range(len(path), 0, -steplen):
        if path[:k] in keys:
            return path[:k]
    return None


def _subtree_filter(paths, field: str) -> Q:
    """Rows under any of `paths`; no filter for many paths (one grouped scan beats a huge OR)."""
    return _prefix_q(paths, field) if len(paths) <= 50 else Q()


def branch_metrics(branches: list[PartyOrg], year: int) -> dict[int, dict]:
    """{branch id: {"health": int|None, "life_rate": int|None (%), "avg_points": Decimal|None,
    "members": int, "eval_grade": str}} for `year`, from grouped queries (no per-branch queries
    except the one life-compliance evaluation over all of them)."""
    from grassroots.orglife.stats import life_compliance
    from grassroots.regions.models import Region
    from grassroots.standards.models import BranchHealth, EvalState, Evaluation, RunState

    if not branches:
        return {}
    ids = [b.pk for b in branches]
    out = {
        b.pk: {"health": None, "life_rate": None, "avg_points": None, "members": 0, "eval_grade": ""}
        for b in branches
    }
    health = (
        BranchHealth.objects.filter(org_id__in=ids, run__state=RunState.DONE, run__today__year=year)
        .order_by("org_id", "-run__today", "-run_id")
        .values_list("org_id", "score")
    )
    for org_id, score in health:
        if out[org_id]["health"] is None:
            out[org_id]["health"] = score
    today = timezone.localdate()
    life = life_compliance(
        PartyOrg.objects.filter(pk__in=ids), str(year), today=min(today, datetime.date(year, 12, 31))
    )
    for row in life["rows"]:
        if row["id"] in out and row["rate"] is not None:
            out[row["id"]]["life_rate"] = round(row["rate"] * 100)
    # Members and points of each branch (its groups included): grouped by org path, folded by prefix.
    paths = {b.path: b.pk for b in branches}
    counts = (
        Member.objects.filter(_subtree_filter(paths, "party_org__path"))
        .values("party_org__path")
        .annotate(n=Count("id"))
        .order_by()
    )
    sums = (
        MemberPointsEntry.objects.filter(year=year)
        .filter(_subtree_filter(paths, "member__party_org__path"))
        .values("member__party_org__path")
        .annotate(total=Sum("points"))
        .order_by()
    )
    totals: dict[int, Decimal] = {}
    for row in counts:
        bid = paths.get(_longest_prefix(row["party_org__path"], paths, PartyOrg.steplen))
        if bid is not None:
            out[bid]["members"] += row["n"]
    for row in sums:
        bid = paths.get(_longest_prefix(row["member__party_org__path"], paths, PartyOrg.steplen))
        if bid is not None:
            totals[bid] = totals.get(bid, Decimal(0)) + row["total"]
    for bid, m in out.items():
        if m["members"]:
            m["avg_points"] = (totals.get(bid, Decimal(0)) / m["members"]).quantize(ONE)
    # The evaluation of the branch's community (or nearest evaluated ancestor region) that year.
    evals = dict(
        Evaluation.objects.filter(period=year, state=EvalState.CONFIRMED).values_list("region__path", "grade")
    )
    region_paths = dict(
        Region.objects.filter(pk__in={b.region_id for b in branches}).values_list("pk", "path")
    )
    for b in branches:
        rp = region_paths.get(b.region_id, "")
        best = _longest_prefix(rp, evals, Region.steplen)
        out[b.pk]["eval_grade"] = evals[best] if best else ""
    return out


def _prefix_q(paths, field: str) -> Q:
    q = Q()
    for p in paths:
        q |= Q(**{f"{field}__startswith": p})
    return q


def judge(metrics: dict, crit: list[StarCriterion]) -> tuple[int, list[dict]]:
    """The grade: the highest star level whose thresholds are all met (1 when none is), and per level
    the checks made ({"stars", "met", "checks": [{"label", "value", "need", "met"}]})."""
    reasons = []
    grade = 1
    for c in crit:
        checks = []
        if c.min_health_score is not None:
            v = metrics.get("health")
            checks.append(
                {
                    "label": "支部体检得分",
                    "value": "无" if v is None else v,
                    "need": f"≥ {c.min_health_score}",
                    "met": v is not None and v >= c.min_health_score,
                }
            )
        if c.min_life_rate is not None:
            v = metrics.get("life_rate")
            checks.append(
                {
                    "label": "组织生活达标率",
                    "value": "无" if v is None else f"{v}%",
                    "need": f"≥ {c.min_life_rate}%",
                    "met": v is not None and v >= c.min_life_rate,
                }
            )
        if c.min_avg_points is not None:
            v = metrics.get("avg_points")
            checks.append(
                {
                    "label": "党员平均积分",
                    "value": "无" if v is None else str(v),
                    "need": f"≥ {c.min_avg_points.normalize()}",
                    "met": v is not None and Decimal(str(v)) >= c.min_avg_points,
                }
            )
        if c.min_eval_grade:
            v = metrics.get("eval_grade") or ""
            checks.append(
                {
                    "label": "所在社区考评等次",
                    "value": v or "未确认",
                    "need": f"{c.min_eval_grade}及以上",
                    "met": bool(v) and GRADE_RANK.get(v, 0) >= GRADE_RANK[c.min_eval_grade],
                }
            )
        met = all(ch["met"] for ch in checks)
        reasons.append({"stars": c.stars, "met": met, "checks": checks})
        if met:
            grade = max(grade, c.stars)
    return grade, reasons


def _json_metrics(m: dict) -> dict:
    return {k: (str(v) if isinstance(v, Decimal) else v) for k, v in m.items()}


def propose_ratings(user, *, year: int, region) -> dict:
    """Compute the grade of every branch under `region` for `year`: new ratings are created as
    proposed, proposed ones are recomputed, reviewed and published ones are left as they are."""
    if not has_perm(user, "merit.rate"):
        raise PermissionDenied()
    from grassroots.regions.models import Region

    if not Region.objects.visible_to(user, "view").filter(pk=region.pk).exists():
        raise NotFound()
    if not covers(user, region, "merit.rate"):
        raise PermissionDenied("只能评定本级管辖范围内的支部")
    this_year = timezone.localdate().year
    if not (this_year - 5 <= int(year) <= this_year):
        raise ServiceError(f"评定年度应在 {this_year - 5} 至 {this_year} 年之间", field="year")
    branches = list(
        PartyOrg.objects.visible_to(user, "view")
        .filter(kind=OrgKind.BRANCH, region__path__startswith=region.path)
        .order_by("path")
    )
    if not branches:
        raise ServiceError("该区域内没有党支部", field="region")
    branches = [b for b in branches if covers(user, StarRating(org=b), "merit.rate")]
    return write_proposals(user, branches, year)


def write_proposals(user, branches: list[PartyOrg], year: int) -> dict:
    """Create or recompute the proposed ratings of `branches` (the caller checked the permission)."""
    crit = criteria()
    metrics = branch_metrics(branches, year)
    existing = {r.org_id: r for r in StarRating.objects.filter(year=year, org__in=branches)}
    created = updated = kept = 0
    now = timezone.now()
    uid = _uid(user)
    with transaction.atomic():
        for b in branches:
            grade, reasons = judge(metrics[b.pk], crit)
            m = _json_metrics(metrics[b.pk])
            r = existing.get(b.pk)
            if r is None:
                r = StarRating.objects.create(
                    org=b,
                    year=year,
                    computed_stars=grade,
                    stars=grade,
                    metrics=m,
                    reasons=reasons,
                    proposed_by_id=uid,
                    proposed_at=now,
                )
                audit.record_create(user, r)
                created += 1
            elif r.state == RatingState.PROPOSED:
                before = audit.snapshot(r)
                r.computed_stars = r.stars = grade
                r.metrics, r.reasons, r.proposed_by_id, r.proposed_at = m, reasons, uid, now
                r.version += 1
                r.save()
                audit.record_update(user, r, before)
                updated += 1
            else:
                kept += 1
    return {"created": created, "updated": updated, "kept": kept, "branches": len(branches)}


RATING_VERBS: dict[str, tuple[frozenset[str], str, str]] = {
    "review": (frozenset({RatingState.PROPOSED}), RatingState.REVIEWED, "审核"),
    "reopen": (frozenset({RatingState.REVIEWED}), RatingState.PROPOSED, "退回重审"),
    "publish": (frozenset({RatingState.REVIEWED}), RatingState.PUBLISHED, "发布"),
}


def rating_verbs(rating: StarRating) -> list[tuple[str, str]]:
    return [(v, label) for v, (src, _t, label) in RATING_VERBS.items() if rating.state in src]


def act_rating(user, rating: StarRating, verb: str, *, stars=None, reason: str = "") -> StarRating:
    """review (maybe with adjusted stars and a reason), reopen, publish."""
    if verb not in RATING_VERBS:
        raise NotFound()
    if not covers(user, rating, "view"):
        raise NotFound()
    if not covers(user, rating, "merit.rate"):
        raise PermissionDenied()
    sources, target, label = RATING_VERBS[verb]
    if rating.state not in sources:
        raise Conflict(f"评定当前为“{rating.get_state_display()}”，不能{label}", field="state")
    reason = (reason or "").strip()[:300]
    updates = {"state": target, "version": F("version") + 1}
    extra = {}
    if verb == "review":
        reason = reason or rating.adjust_reason  # a reopened adjustment keeps its reason unless replaced
        new = rating.stars
        if stars not in (None, ""):
            try:
                new = int(stars)
            except (TypeError, ValueError):
                raise ServiceError("星级应为 1 至 5 的整数", field="stars") from None
            if not 1 <= new <= 5:
                raise ServiceError("星级应为 1 至 5 的整数", field="stars")
        if new != rating.computed_stars and len(reason) < 4:
            raise ServiceError("调整星级时请填写调整理由（至少 4 个字）", field="reason")
        updates.update(
            stars=new,
            adjust_reason=reason if new != rating.computed_stars else "",
            reviewed_by_id=_uid(user),
            reviewed_at=timezone.now(),
        )
        extra = {"stars": new, "reason": reason}
    elif verb == "publish":
        updates.update(published_by_id=_uid(user), published_at=timezone.now())
    elif verb == "reopen":
        if len(reason) < 2:
            raise ServiceError("退回时请填写原因", field="reason")
        extra = {"reason": reason}
    with transaction.atomic():
        n = StarRating.objects.filter(pk=rating.pk, state=rating.state, version=rating.version).update(
            **updates
        )
        if n != 1:
            raise Conflict("评定已被他人处理，请刷新后重试")
        audit.record_transition(user, rating, rating.state, target, **extra)
        tallies.changed(rating)
    rating.refresh_from_db()
    return rating


def update_criterion(user, crit: StarCriterion, data: dict) -> StarCriterion:
    if not has_perm(user, "standards.change"):
        raise PermissionDenied()
    before = audit.snapshot(crit)
    errors = {}
    for field, label, top in (("min_health_score", "体检得分", 100), ("min_life_rate", "达标率", 100)):
        raw = str(data.get(field, "") or "").strip()
        if not raw:
            setattr(crit, field, None)
            continue
        try:
            v = int(raw)
            if not 0 <= v <= top:
                raise ValueError
            setattr(crit, field, v)
        except ValueError:
            errors[field] = f"{label}应为 0 至 {top} 的整数，不设要求请留空"
    raw = str(data.get("min_avg_points", "") or "").strip()
    if raw:
        try:
            v = Decimal(raw).quantize(ONE)
            if v < 0 or v > Decimal(99999):
                raise InvalidOperation
            crit.min_avg_points = v
        except (InvalidOperation, ValueError):
            errors["min_avg_points"] = "平均积分应为不小于 0 的数字，不设要求请留空"
    else:
        crit.min_avg_points = None
    grade = str(data.get("min_eval_grade", "") or "").strip()
    if grade and grade not in GRADE_RANK:
        errors["min_eval_grade"] = "考评等次应为优秀、良好、一般或较差"
    else:
        crit.min_eval_grade = grade
    crit.note = str(data.get("note", "") or "").strip()[:200]
    if errors:
        raise ServiceError(next(iter(errors.values())), errors={k: [v] for k, v in errors.items()})
    with transaction.atomic():
        crit.save()
        audit.record_update(user, crit, before)
    return crit
