"""Careers of community workers (社区工作者三岗十八级): GOV-10 parameters, pay scale look-ups, promotion
(晋级) with its eligibility rule, training records, and the GOV-10 health check.

Grades: 1 is the top grade. A post covers the grades grade_floor[post]..grade_ceiling[post] (GOV-10
parameters); an annual promotion moves a worker one grade up (grade - 1) within the post.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from grassroots.core import audit
from grassroots.core.errors import PermissionDenied, ServiceError
from grassroots.core.scoping import covers
from grassroots.regions.choices import RegionLevel
from grassroots.regions.models import Region

from .choices import AssessmentResult, GradeChangeReason, WorkerPost
from .models import GRADE_MAX, GRADE_MIN, GradeChange, PayScale, TrainingRecord, Worker

RULE = "GOV-10"
PASSING = (AssessmentResult.EXCELLENT, AssessmentResult.COMPETENT)
DEFAULT_FLOOR = {"head": 1, "deputy": 7, "staff": 13}
DEFAULT_CEILING = {"head": 6, "deputy": 12, "staff": 18}

# One-line summaries other apps add to the worker page, from their AppConfig.ready() (emergency: the
# worker's 战时档案, "service"); people sits below them and does not import them.
WORKER_SUMMARIES: dict = {}


def register_worker_summary(key: str, fn) -> None:
    WORKER_SUMMARIES[key] = fn


def worker_summary(key: str, worker) -> str:
    fn = WORKER_SUMMARIES.get(key)
    return fn(worker) if fn is not None else ""


@dataclass(frozen=True)
class CareerParams:
    floor: dict[str, int]
    ceiling: dict[str, int]
    years_in_grade: int
    min_qualified: int

    def grade_range(self, post: str) -> tuple[int, int]:
        return self.floor.get(post, GRADE_MIN), self.ceiling.get(post, GRADE_MAX)

    def range_label(self, post: str) -> str:
        lo, hi = self.grade_range(post)
        return f"{lo}–{hi} 级"


def _int(value, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def career_params(rule=None) -> CareerParams:
    """GOV-10 parameters from the Rule row (defaults where a parameter is missing)."""
    from grassroots.core.rules import Rule

    if rule is None:
        rule = Rule.objects.filter(code=RULE).only("params").first()
    params = (rule.params or {}) if rule is not None else {}
    floor = {p: _int((params.get("grade_floor") or {}).get(p), d) for p, d in DEFAULT_FLOOR.items()}
    ceiling = {p: _int((params.get("grade_ceiling") or {}).get(p), d) for p, d in DEFAULT_CEILING.items()}
    return CareerParams(
        floor=floor,
        ceiling=ceiling,
        years_in_grade=_int(params.get("years_in_grade"), 2),
        min_qualified=_int(params.get("min_qualified_per_community"), 3),
    )


# ---- pay scale ----------------------------------------------------------------------------------


def city_of(region: Region) -> Region | None:
    """The city above (or at) a region."""
    if region.level == RegionLevel.CITY:
        return region
    return (
        Region.objects.filter(level=RegionLevel.CITY)
        .filter(path__in=[region.path[:k] for k in range(Region.steplen, len(region.path), Region.steplen)])
        .first()
    )


def scale_table(cities: list[Region], year: int) -> dict[tuple[int, str, int], Decimal]:
    """(city id, post, grade) -> monthly pay of the year's scale, one query."""
    rows = PayScale.objects.filter(region__in=cities, year=year).values_list(
        "region_id", "post", "grade", "monthly"
    )
    return {(c, p, g): m for c, p, g, m in rows}


def worker_cities(paths: list[str]) -> dict[str, Region]:
    """region path -> its city, for every path given (one query)."""
    cities = list(Region.objects.filter(level=RegionLevel.CITY))
    out = {}
    for path in paths:
        for c in cities:
            if path.startswith(c.path):
                out[path] = c
                break
    return out


def scale_for(worker: Worker, year: int | None = None) -> Decimal | None:
    year = year or timezone.localdate().year
    city = city_of(worker.region)
    if city is None:
        return None
    row = PayScale.objects.filter(region=city, year=year, post=worker.post, grade=worker.grade).first()
    return row.monthly if row else None


# ---- grade history and promotion ---------------------------------------------------------------


def years_in_grade(worker: Worker, on: datetime.date) -> tuple[datetime.date | None, float | None]:
    """(since, years) the worker has held the current grade: the last grade change, else the hire date."""
    last = worker.grade_changes.order_by("-effective_on", "-id").first()
    since = last.effective_on if last is not None else worker.hired_on
    if since is None:
        return None, None
    return since, (on - since).days / 365.25


def promotion_refusal(
    worker: Worker, *, to_grade: int, reason: str, assessment: str, effective_on: datetime.date, params=None
) -> str | None:
    """Why a grade change may not be made (Chinese), or None when the rule allows it."""
    p = params or career_params()
    lo, hi = p.grade_range(worker.post)
    if not lo <= to_grade <= hi:
        return (
            f"{WorkerPost(worker.post).label}的等级范围是 {p.range_label(worker.post)}，"
            f"不能定为 {to_grade} 级"
        )
    if reason == GradeChangeReason.ANNUAL:
        if to_grade != worker.grade - 1:
            return f"年度晋级每次只能晋升一级：当前 {worker.grade} 级，只能晋升到 {worker.grade - 1} 级"
        if assessment not in PASSING:
            label = AssessmentResult(assessment).label if assessment in AssessmentResult.values else "未填写"
            return f"年度考核结果为“{label}”，须为称职或优秀才能晋级"
        since, years = years_in_grade(worker, effective_on)
        if since is None:
            return "缺少入职日期和定级记录，无法计算本级任职年限"
        if years < p.years_in_grade:
            return (
                f"自 {since:%Y-%m-%d} 起在 {worker.grade} 级任职不满 {p.years_in_grade} 年，暂不符合晋级条件"
            )
    elif reason == GradeChangeReason.DEMOTION:
        if assessment != AssessmentResult.INCOMPETENT:
            return "只有年度考核不称职才能降级"
        if to_grade != worker.grade + 1:
            return f"考核降级每次降一级：当前 {worker.grade} 级，只能降到 {worker.grade + 1} 级"
    elif reason == GradeChangeReason.INITIAL and worker.grade_changes.exists():
        return "该工作者已有定级记录，请使用年度晋级或岗位调整"
    return None


def promote(
    user,
    worker: Worker,
    *,
    to_grade: int,
    reason: str = GradeChangeReason.ANNUAL,
    assessment: str = "",
    assessment_year: int | None = None,
    effective_on: datetime.date | None = None,
    to_post: str | None = None,
    approved_by: str = "",
    note: str = "",
) -> GradeChange:
    """Record a grade change (晋级, 降级, 初次定级, 岗位调整) after checking the GOV-10 eligibility rule."""
    if not covers(user, worker, "change"):
        if covers(user, worker, "view"):
            raise PermissionDenied()
        raise ServiceError("社区工作者不存在或不在您的管辖范围内", status=404)
    if reason not in GradeChangeReason.values:
        raise ServiceError("变动原因不正确", field="reason")
    if assessment and assessment not in AssessmentResult.values:
        raise ServiceError("年度考核结果不正确", field="assessment")
    today = timezone.localdate()
    effective_on = effective_on or today
    if effective_on > today + datetime.timedelta(days=366):
        raise ServiceError("生效日期不能晚于一年以后", field="effective_on")
    if to_post and to_post not in WorkerPost.values:
        raise ServiceError("岗位不正确", field="to_post")
    if to_post and to_post != worker.post and reason != GradeChangeReason.POST_CHANGE:
        raise ServiceError("变更岗位请选择“岗位调整”", field="reason")
    try:
        to_grade = int(to_grade)
    except (TypeError, ValueError):
        raise ServiceError("请填写新等级", field="to_grade") from None
    probe = Worker(pk=worker.pk, post=to_post or worker.post, grade=worker.grade, hired_on=worker.hired_on)
    refusal = promotion_refusal(
        probe if to_post else worker,
        to_grade=to_grade,
        reason=reason,
        assessment=assessment,
        effective_on=effective_on,
    )
    if refusal:
        raise ServiceError(refusal, field="to_grade")
    with transaction.atomic():
        locked = Worker.objects.select_for_update().get(pk=worker.pk)
        change = GradeChange.objects.create(
            worker=locked,
            from_post=locked.post,
            from_grade=locked.grade,
            to_post=to_post or locked.post,
            to_grade=to_grade,
            effective_on=effective_on,
            reason=reason,
            assessment=assessment,
            assessment_year=assessment_year or (effective_on.year - 1 if assessment else None),
            approved_by=(approved_by or "").strip()[:100],
            note=(note or "").strip()[:300],
            recorded_by=user,
        )
        before = audit.snapshot(locked)
        locked.post, locked.grade = change.to_post, to_grade
        locked.save(update_fields=["post", "grade"])
        audit.record_create(user, change)
        audit.record_update(user, locked, before)
    worker.post, worker.grade = locked.post, locked.grade
    return change


# ---- training -----------------------------------------------------------------------------------


def add_training(user, worker: Worker, *, certificate=(), **data) -> TrainingRecord:
    from grassroots.core import attachments
    from grassroots.core.services import full_clean

    if not covers(user, worker, "change"):
        raise PermissionDenied()
    record = TrainingRecord(worker=worker, recorded_by=user, **data)
    full_clean(record)
    prepared = (
        attachments.validate_files(certificate, max_files=3, images_only=False, user=user)
        if certificate
        else ()
    )
    with transaction.atomic():
        record.save()
        if prepared:
            attachments.attach(user, record, prepared, role="certificate", max_files=3, images_only=False)
        audit.record_create(user, record)
    return record


# ---- GOV-10 ------------------------------------------------------------------------------------


def community_rows(user, within: Region | None = None, *, action: str = "people.view") -> list[dict]:
    """Every community in scope with its workers, qualified workers and GOV-10 target (two queries)."""
    p = career_params()
    communities = Region.objects.visible_to(user).filter(level=RegionLevel.COMMUNITY)
    if within is not None:
        communities = communities.filter(path__startswith=within.path)
    workers = Worker.objects.visible_to(user, action).filter(region__level=RegionLevel.COMMUNITY)
    if within is not None:
        workers = workers.filter(region__path__startswith=within.path)
    counts = {
        r["region_id"]: r
        for r in workers.values("region_id")
        .annotate(n=Count("id"), qualified=Count("id", filter=~Q(qualification__in=["", "none"])))
        .order_by()
    }
    rows = []
    for c in communities.order_by("path").values("id", "code", "name", "path"):
        got = counts.get(c["id"], {})
        rows.append(
            {
                **c,
                "workers": got.get("n", 0),
                "qualified": got.get("qualified", 0),
                "target": p.min_qualified,
                "short": max(0, p.min_qualified - got.get("qualified", 0)),
            }
        )
    return rows


def check_gov_10(c, rule) -> Iterator:
    """GOV-10 findings: grades outside the post's range, pay below the city's scale for the year
    (violations, per worker), communities with fewer qualified social workers than the parameter
    (warning, per community)."""
    from grassroots.core.rules import Finding, Severity

    p = career_params(rule)
    qs = Worker.objects.visible_to(c.user, "standards.view")
    if c.within is not None:
        qs = qs.filter(region__path__startswith=c.within.path)
    rows = list(
        qs.values(
            "id", "name", "post", "grade", "monthly_pay", "region__path", "region__name", "region__level"
        )
    )
    year = c.today.year
    cities = worker_cities(sorted({r["region__path"] for r in rows}))
    scales = scale_table(list({x.pk: x for x in cities.values()}.values()), year)
    for r in rows:
        lo, hi = p.grade_range(r["post"])
        if not lo <= r["grade"] <= hi:
            yield Finding(
                rule.code,
                Severity.VIOLATION,
                "worker",
                r["id"],
                r["name"],
                r["region__path"],
                r["region__name"],
                f"{WorkerPost(r['post']).label}等级为 {r['grade']} 级，超出岗位等级范围 {lo}–{hi} 级",
                rule.action,
            )
        city = cities.get(r["region__path"])
        scale = scales.get((city.pk, r["post"], r["grade"])) if city is not None else None
        if scale is not None and (r["monthly_pay"] is None or r["monthly_pay"] < scale):
            pay = "未登记月薪" if r["monthly_pay"] is None else f"月薪 {r['monthly_pay']:.0f} 元"
            yield Finding(
                rule.code,
                Severity.VIOLATION,
                "worker",
                r["id"],
                r["name"],
                r["region__path"],
                r["region__name"],
                f"{pay}，低于 {year} 年{WorkerPost(r['post']).label} {r['grade']} 级标准 {scale:.0f} 元",
                rule.action,
            )
    counts = (
        qs.filter(region__level=RegionLevel.COMMUNITY)
        .exclude(qualification__in=["", "none"])
        .values_list("region_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    qualified = dict(counts)
    communities = Region.objects.visible_to(c.user, "standards.view").filter(level=RegionLevel.COMMUNITY)
    if c.within is not None:
        communities = communities.filter(path__startswith=c.within.path)
    for cid, code, name, path in communities.values_list("id", "code", "name", "path"):
        n = qualified.get(cid, 0)
        if n < p.min_qualified:
            yield Finding(
                rule.code,
                Severity.WARNING,
                "community",
                cid,
                name,
                path,
                name,
                f"持证社会工作者 {n} 人，少于 {p.min_qualified} 人",
                rule.action,
                code,
            )


def register() -> None:
    from grassroots.core import rules as checks

    checks.OBJECT_TYPES.setdefault("worker", ("社区工作者", "people.worker", "people:worker_detail"))
    checks.OBJECT_TYPES.setdefault("community", ("社区", "regions.region", "people:career_community"))
    checks.register_check(RULE, check_gov_10)
