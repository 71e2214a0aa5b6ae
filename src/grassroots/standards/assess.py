"""Evaluation cycles (考评): for a period (year) and an org (a community or a street), computed indicators
plus manual scores with evidence go through self-assessment -> street review -> district confirmation.

Who acts at which step is decided by scope (standards.assess grants on the region tree):
- self-assessment (自评): a grant on the evaluated region itself;
- review (审核): a grant on the street above a community (the district above a street) or higher;
- confirmation (确认): a grant on the district above or higher.

TRANSITIONS lists every allowed move; anything else is refused with a Chinese reason. Every move
writes an EvaluationStep with its comment and one audit record. Results: a score per area, a total
and a grade (STD-2 thresholds on the share of the maximum).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone

from grassroots.core import audit
from grassroots.core.errors import Conflict, NotFound, PermissionDenied, ServiceError
from grassroots.core.scoping import covers, grants_for
from grassroots.regions.models import Region

from . import indicators
from .indicators import Measure
from .models import EvalState, Evaluation, EvaluationScore, EvaluationStep, Item, Rule
from .services import ASSESS, PERM, require_region_assess

# verb -> (from state, to state, actor step, label)
TRANSITIONS = {
    "submit": (EvalState.SELF, EvalState.REVIEW, "self", "提交自评"),
    "approve": (EvalState.REVIEW, EvalState.CONFIRM, "review", "审核通过"),
    "return_self": (EvalState.REVIEW, EvalState.SELF, "review", "退回自评"),
    "confirm": (EvalState.CONFIRM, EvalState.CONFIRMED, "confirm", "确认结果"),
    "return_review": (EvalState.CONFIRM, EvalState.REVIEW, "confirm", "退回审核"),
}
VERB_LABELS = {verb: t[3] for verb, t in TRANSITIONS.items()}
STEP_LABELS = {"self": "自评", "review": "街道审核", "confirm": "区级确认"}
# The score column each state edits.
SCORE_FIELD = {
    EvalState.SELF: "self_score",
    EvalState.REVIEW: "review_score",
    EvalState.CONFIRM: "final_score",
}
STATE_STEP = {EvalState.SELF: "self", EvalState.REVIEW: "review", EvalState.CONFIRM: "confirm"}
GRADES = ("优秀", "良好", "一般", "较差")


def grade_params() -> dict:
    rule = Rule.objects.filter(code="STD-2").only("params").first()
    p = {"excellent": 90, "good": 80, "fair": 60, "red_list": 3, "black_list": 3}
    if rule:
        p.update(
            {k: v for k, v in (rule.params or {}).items() if isinstance(v, int) and not isinstance(v, bool)}
        )
    return p


def grade_for(percent: float | None, params: dict | None = None) -> str:
    if percent is None:
        return ""
    p = params or grade_params()
    if percent >= p["excellent"]:
        return "优秀"
    if percent >= p["good"]:
        return "良好"
    if percent >= p["fair"]:
        return "一般"
    return "较差"


# ---------------------------------------------------------------------------------------------
# Who acts
# ---------------------------------------------------------------------------------------------
def _ancestor_paths(region: Region) -> dict[str, str]:
    """Level -> path of the region's ancestors (and itself), one query."""
    rows = Region.objects.filter(
        path__in=[region.path[:k] for k in range(Region.steplen, len(region.path) + 1, Region.steplen)]
    )
    return {r.level: r.path for r in rows.only("path", "level")}


def step_paths(ev: Evaluation) -> dict[str, str]:
    """For each step, the region path a grant must sit on or above to act."""
    paths = _ancestor_paths(ev.region)
    own = ev.region.path
    if ev.level == "community":
        review = paths.get("street", own[: -Region.steplen])
    else:
        review = paths.get("district", own[: -Region.steplen])
    confirm = paths.get("district", review)
    return {"self": own, "review": review, "confirm": confirm}


def can_act(user, ev: Evaluation, step: str, paths: dict | None = None) -> bool:
    if user is None or not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    paths = paths or step_paths(ev)
    target = paths[step]
    for g in grants_for(user):
        if ASSESS not in g.perms or g.region_path is None:
            continue
        if step == "self" and g.region_path == target:
            return True
        if step != "self" and target.startswith(g.region_path):
            return True
    return False


def allowed_verbs(user, ev: Evaluation) -> list[str]:
    paths = step_paths(ev)
    return [
        v
        for v, (src, _dst, step, _l) in TRANSITIONS.items()
        if ev.state == src and can_act(user, ev, step, paths)
    ]


def can_edit(user, ev: Evaluation) -> bool:
    step = STATE_STEP.get(ev.state)
    return step is not None and can_act(user, ev, step)


def _visible(user, ev: Evaluation) -> None:
    if not covers(user, ev, PERM):
        raise NotFound("考评不存在或不在管辖范围内")


# ---------------------------------------------------------------------------------------------
# Opening and computing
# ---------------------------------------------------------------------------------------------
def items_for(level: str):
    return Item.objects.filter(enabled=True, applies_to__in=[level, "all"]).select_related("area")


def _indicator_score(item: Item, m: Measure) -> Decimal | None:
    ratio = m.ratio
    if ratio is None:
        return None
    return (item.max_score * Decimal(str(ratio))).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def open_evaluation(user, *, region: Region, period: int) -> Evaluation:
    """Start the evaluation of a community or a street for a year: one score row per applicable item,
    indicators computed and their scores proposed. Needs standards.assess over the region."""
    require_region_assess(user, region, ("community", "street"), "考评对象")
    this_year = timezone.localdate().year
    if not (2000 <= int(period) <= this_year):
        raise ServiceError(f"考评年度应在 2000 至 {this_year} 年之间", field="period")
    if Evaluation.objects.filter(period=period, region=region).exists():
        raise Conflict(f"{region.name} {period} 年度的考评已存在", field="period")
    items = list(items_for(region.level))
    if not items:
        raise ServiceError("标准目录中没有适用于该层级的条目")
    try:
        with transaction.atomic():
            ev = Evaluation.objects.create(period=period, region=region, level=region.level)
            EvaluationScore.objects.bulk_create([EvaluationScore(evaluation=ev, item=item) for item in items])
            _compute(ev)
            audit.record_create(user, ev)
    except IntegrityError:
        raise Conflict(f"{region.name} {period} 年度的考评已存在", field="period") from None
    return ev


def _compute(ev: Evaluation) -> None:
    """Measure every indicator item again (each indicator once) and propose its self score."""
    cache: dict[str, Measure] = {}
    scores = list(ev.scores.select_related("item").filter(item__measure="indicator"))
    for s in scores:
        code = s.item.indicator
        if code not in cache:
            cache[code] = indicators.measure(code, ev.region, ev.period)
        m = cache[code]
        s.value, s.target, s.facts = m.value, m.target, (m.facts or "")[:300]
        if ev.state == EvalState.SELF:
            s.self_score = _indicator_score(s.item, m)
    EvaluationScore.objects.bulk_update(scores, ["value", "target", "facts", "self_score"])
    _totals(ev)


def _totals(ev: Evaluation, *, final: bool = False) -> None:
    areas: dict[str, dict] = {}
    total = Decimal(0)
    max_total = Decimal(0)
    for s in ev.scores.select_related("item__area").order_by("item__area__order", "item__order"):
        a = areas.setdefault(
            s.item.area.code, {"name": s.item.area.name, "score": Decimal(0), "max": Decimal(0)}
        )
        a["max"] += s.item.max_score
        max_total += s.item.max_score
        if s.score is not None:
            a["score"] += s.score
            total += s.score
    ev.area_scores = {
        k: {"name": v["name"], "score": float(v["score"]), "max": float(v["max"])} for k, v in areas.items()
    }
    ev.total, ev.max_total = total, max_total
    ev.grade = grade_for(float(100 * total / max_total) if max_total else None) if final else ""
    ev.updated_at = timezone.now()
    ev.save(update_fields=["area_scores", "total", "max_total", "grade", "updated_at"])


def refresh_indicators(user, ev: Evaluation) -> Evaluation:
    """Compute the indicators again (self-assessment only)."""
    _visible(user, ev)
    if not can_act(user, ev, "self"):
        raise PermissionDenied("只有被考评单位可以更新指标")
    with transaction.atomic():
        ev = Evaluation.objects.select_for_update().get(pk=ev.pk)
        if ev.state != EvalState.SELF:
            raise ServiceError("只有自评阶段可以更新指标")
        _compute(ev)
        audit.record(audit.AuditAction.UPDATE, ev, user=user, changes={"indicators": [None, "recomputed"]})
    return ev


def _parse_score(raw, item: Item) -> Decimal | None:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    try:
        value = Decimal(str(raw).strip())
    except Exception:
        raise ServiceError(f"{item.code} 的得分应为数字", field=item.code) from None
    if not value.is_finite() or value < 0 or value > item.max_score:
        raise ServiceError(f"{item.code} 的得分应在 0 至 {item.max_score} 之间", field=item.code)
    return value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def save_scores(user, ev: Evaluation, scores: dict[str, dict], *, files: dict | None = None) -> Evaluation:
    """Score items at the current step: scores = {item code: {"score": x, "comment": "..."}}; files =
    {item code: [uploads]} of evidence (self-assessment). All validated before anything is written."""
    from grassroots.core.attachments import attach, validate_files

    _visible(user, ev)
    step = STATE_STEP.get(ev.state)
    if step is None:
        raise ServiceError("考评已确认，不能再修改得分")
    if not can_act(user, ev, step):
        raise PermissionDenied(f"当前处于{EvalState(ev.state).label}阶段，您不能修改得分")
    rows = {s.item.code: s for s in ev.scores.select_related("item")}
    errors: dict[str, list[str]] = {}
    parsed: dict[str, tuple[Decimal | None, str | None]] = {}
    for code, data in (scores or {}).items():
        if code not in rows:
            errors.setdefault(code, []).append(f"条目“{code}”不在本次考评中")
            continue
        try:
            value = _parse_score(data.get("score"), rows[code].item)
        except ServiceError as exc:
            errors.setdefault(code, []).append(exc.message)
            continue
        comment = data.get("comment")
        if comment is not None and len(str(comment)) > 500:
            errors.setdefault(code, []).append("说明不能超过 500 字")
            continue
        parsed[code] = (value, None if comment is None else str(comment).strip())
    files = {k: v for k, v in (files or {}).items() if v}
    for code, uploads in files.items():
        if code not in rows:
            errors.setdefault(code, []).append(f"条目“{code}”不在本次考评中")
            continue
        try:
            # Decoded and re-encoded here, before the transaction; attach() only stores them.
            files[code] = validate_files(uploads, max_files=9, images_only=False, user=user)
        except ServiceError as exc:
            errors.setdefault(code, []).append(exc.message)
    if errors:
        raise ServiceError(next(iter(errors.values()))[0], errors=errors)
    field = SCORE_FIELD[ev.state]
    with transaction.atomic():
        locked = Evaluation.objects.select_for_update().get(pk=ev.pk)
        if locked.state != ev.state:
            raise Conflict("考评状态已变化，请刷新后再试")
        changed = []
        for code, (value, comment) in parsed.items():
            s = rows[code]
            setattr(s, field, value)
            if comment is not None:
                s.comment = comment
            changed.append(s)
        EvaluationScore.objects.bulk_update(changed, [field, "comment"])
        for code, uploads in files.items():
            attach(user, rows[code], uploads, role="evidence", images_only=False)
        _totals(locked)
        audit.record(
            audit.AuditAction.UPDATE,
            locked,
            user=user,
            changes={
                f"{field}:{c}": [None, str(v) if v is not None else None] for c, (v, _m) in parsed.items()
            }
            | {f"evidence:{c}": [None, len(u)] for c, u in files.items()},
        )
    return locked


def transition(user, ev: Evaluation, verb: str, *, comment: str = "") -> Evaluation:
    """Move an evaluation one step (TRANSITIONS). Returning needs a comment; submitting needs a self
    score on every item; approving/confirming carry the previous step's scores forward where unset."""
    _visible(user, ev)
    if verb not in TRANSITIONS:
        raise ServiceError("未知的操作")
    src, dst, step, label = TRANSITIONS[verb]
    comment = (comment or "").strip()
    if len(comment) > 500:
        raise ServiceError("意见不能超过 500 字", field="comment")
    if verb.startswith("return") and not comment:
        raise ServiceError("退回时请填写意见", field="comment")
    with transaction.atomic():
        locked = Evaluation.objects.select_for_update().select_related("region").get(pk=ev.pk)
        if locked.state != src:
            raise Conflict(f"当前状态为“{EvalState(locked.state).label}”，不能{label}")
        if not can_act(user, locked, step):
            raise PermissionDenied(f"您不能对该考评执行“{label}”")
        scores = list(locked.scores.select_related("item"))
        if verb == "submit":
            missing = [s.item.code for s in scores if s.self_score is None]
            if missing:
                more = f"等 {len(missing)} 项" if len(missing) > 5 else ""
                raise ServiceError(f"以下条目尚未自评打分：{'、'.join(missing[:5])}{more}", field="scores")
        elif verb == "approve":
            for s in scores:
                if s.review_score is None:
                    s.review_score = s.self_score
            EvaluationScore.objects.bulk_update(scores, ["review_score"])
        elif verb == "confirm":
            for s in scores:
                if s.final_score is None:
                    s.final_score = s.review_score if s.review_score is not None else s.self_score
            EvaluationScore.objects.bulk_update(scores, ["final_score"])
        elif verb == "return_self":
            for s in scores:
                s.review_score = None
            EvaluationScore.objects.bulk_update(scores, ["review_score"])
        elif verb == "return_review":
            for s in scores:
                s.final_score = None
            EvaluationScore.objects.bulk_update(scores, ["final_score"])
        locked.state = dst
        _totals(locked, final=dst == EvalState.CONFIRMED)
        locked.save(update_fields=["state"])
        EvaluationStep.objects.create(
            evaluation=locked, verb=verb, from_state=src, to_state=dst, actor=user, comment=comment
        )
        audit.record_transition(user, locked, src, dst, verb=verb, comment=comment)
    return locked


# ---------------------------------------------------------------------------------------------
# Rankings and red / black lists
# ---------------------------------------------------------------------------------------------
def ranking(user, *, period: int, level: str, within: Region | None = None) -> dict:
    """Confirmed evaluations of a period and level in the user's scope (under `within`), ranked by the
    share of the maximum; the red list is the top STD-2 red_list, the black list the bottom black_list
    (only orgs graded below 良好 go on the black list)."""
    qs = (
        Evaluation.objects.visible_to(user, PERM)
        .filter(period=period, level=level, state=EvalState.CONFIRMED)
        .select_related("region")
    )
    if within is not None:
        qs = qs.filter(region__path__startswith=within.path)
    rows = []
    for ev in qs:
        pct = float(100 * ev.total / ev.max_total) if ev.max_total and ev.total is not None else 0.0
        rows.append(
            {
                "evaluation": ev,
                "region": ev.region,
                "total": ev.total,
                "max": ev.max_total,
                "percent": round(pct, 1),
                "grade": ev.grade,
            }
        )
    rows.sort(key=lambda r: (-r["percent"], r["region"].path))
    for i, r in enumerate(rows, 1):
        r["rank"] = i
    p = grade_params()
    red = rows[: p["red_list"]]
    red_ids = {r["evaluation"].pk for r in red}
    black = [
        r for r in reversed(rows) if r["grade"] in ("一般", "较差") and r["evaluation"].pk not in red_ids
    ][: p["black_list"]]
    return {"rows": rows, "red": red, "black": black, "params": p}
