"""Demo step "merit": study records (entered by the branch, and some by members on the phone waiting
for approval), the points of last year and this year accrued from the demo's attendance, dues,
service, wish and study records, a branch health run as of last year's end (so last year's ratings
have their health scores), last year's star ratings reviewed and published, and this year's proposed."""

from __future__ import annotations

import datetime
from decimal import Decimal
from types import SimpleNamespace

from django.utils import timezone

from grassroots.party.choices import OrgKind
from grassroots.party.models import Member, PartyOrg

from . import services
from .models import RatingState, StarRating, StudyRecord, StudyState

SYSTEM = SimpleNamespace(is_authenticated=True, is_superuser=True, pk=None, username="系统")
COURSES = [
    ("学习贯彻党的二十大精神专题党课", [2, 3]),
    ("《中国共产党章程》逐条学习", [1, 2]),
    ("“学习强国”专题学习", [1, 1.5, 2]),
    ("基层治理与网格化服务管理培训", [2, 4]),
    ("党史学习教育专题讲座", [2, 3]),
    ("《中国共产党支部工作条例（试行）》解读", [1.5, 2]),
    ("党员志愿服务能力提升培训", [2, 3]),
    ("廉洁自律警示教育", [1, 2]),
]
UP_REASONS = ["支部在社区防汛和应急处置中表现突出", "党员双报到服务成效显著，群众评价高"]
DOWN_REASONS = ["年内发生党员违纪问题，酌情降级", "组织生活会准备不充分，整改未到位"]


def generate(ctx) -> None:
    today = ctx.today
    last = today.year - 1
    _studies(ctx, today)
    services.accrue_points(last)
    services.accrue_points(today.year)
    _last_year_health(last)
    branches = list(PartyOrg.objects.filter(kind=OrgKind.BRANCH).order_by("path"))
    services.write_proposals(SYSTEM, branches, last)
    _review_and_publish(ctx, last)
    services.write_proposals(SYSTEM, branches, today.year)
    # A few of this year's proposals already reviewed by the street, waiting for publication.
    for r in list(
        StarRating.objects.filter(year=today.year).order_by("org__path")[:: max(len(branches) // 6, 1)]
    ):
        services.act_rating(SYSTEM, r, "review")


def _studies(ctx, today: datetime.date) -> None:
    rng = ctx.rng("merit.studies")
    members = list(Member.objects.order_by("id").values_list("id", "user_id"))
    now = timezone.now()
    start_last = datetime.date(today.year - 1, 1, 1)
    span = (today - start_last).days
    rows = []
    for mid, uid in members:
        if rng.random() > 0.45:
            continue
        for _ in range(rng.randint(1, 3)):
            course, hours = rng.choice(COURSES)
            day = start_last + datetime.timedelta(days=rng.randint(0, span))
            self_reported = uid is not None and rng.random() < 0.5
            recent = (today - day).days < 20
            if self_reported and recent:
                state = StudyState.PENDING
            elif self_reported and rng.random() < 0.08:
                state = StudyState.REJECTED
            else:
                state = StudyState.APPROVED
            entered = timezone.make_aware(
                datetime.datetime.combine(day, datetime.time(20, rng.randint(0, 59)))
            )
            rows.append(
                StudyRecord(
                    member_id=mid,
                    course=course,
                    hours=Decimal(str(rng.choice(hours))),
                    studied_on=day,
                    state=state,
                    self_reported=self_reported,
                    entered_by_id=uid if self_reported else None,
                    entered_at=min(entered, now),
                    reviewed_at=None
                    if state == StudyState.PENDING
                    else min(entered + datetime.timedelta(days=2), now),
                    review_note="学习时长与证明材料不符，请补充后重新登记"
                    if state == StudyState.REJECTED
                    else "",
                )
            )
    ctx.bulk_insert(StudyRecord, rows)


def _last_year_health(year: int) -> None:
    """A health run as of 31 December of `year`, dated then (the current run stays the latest)."""
    from grassroots.standards import health
    from grassroots.standards.models import HealthRun, RunState

    end = datetime.date(year, 12, 31)
    if HealthRun.objects.filter(state=RunState.DONE, today__year=year).exists():
        return
    run = health.start_run(None, trigger="nightly", enqueue=False)
    health.execute_run(run.pk, today=end)
    at = timezone.make_aware(datetime.datetime.combine(end, datetime.time(2, 0)))
    HealthRun.objects.filter(pk=run.pk).update(
        created_at=at, started_at=at, finished_at=at + datetime.timedelta(minutes=3)
    )


def _review_and_publish(ctx, year: int) -> None:
    """Last year's ratings reviewed (a few adjusted, with a reason) and published, written in bulk: the
    service's one audited call per branch took minutes at the small preset. The demo's history is data,
    not users' actions, so it has no audit rows (as every other demo step)."""
    rng = ctx.rng("merit.ratings")
    now = timezone.now()
    reviewed = min(timezone.make_aware(datetime.datetime(year + 1, 1, 15, 10, 0)), now)
    published = min(reviewed + datetime.timedelta(days=5), now)
    rows = list(StarRating.objects.filter(year=year, state=RatingState.PROPOSED).order_by("org__path"))
    for r in rows:
        r.stars, r.adjust_reason = r.computed_stars, ""
        if rng.random() < 0.08:
            stars = min(5, max(1, r.computed_stars + rng.choice([-1, 1])))
            if stars != r.computed_stars:
                r.stars = stars
                r.adjust_reason = rng.choice(UP_REASONS if stars > r.computed_stars else DOWN_REASONS)
        r.state = RatingState.PUBLISHED
        r.reviewed_at, r.published_at = reviewed, published
        r.version += 2
    StarRating.objects.bulk_update(
        rows,
        ["stars", "adjust_reason", "state", "reviewed_at", "published_at", "version"],
        batch_size=ctx.batch_size,
    )
