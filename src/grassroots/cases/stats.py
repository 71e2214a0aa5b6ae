"""Case statistics and scoring (赋分, 红黑榜), aggregated in SQL within the user's scope.

Rankings (`rankings(user, level, start, end)`) for handler / grid / community / street over the cases
dispatched in the period [start, end] (local dates, inclusive), with a fixed number of GROUP BY queries:

* cases: cases dispatched in the period; finished: resolved since (resolved_at set);
* on-time rate: finished by due_at / (finished with a deadline + still open and overdue);
* satisfaction rate: satisfied + basically satisfied / all evaluations (every round);
* reopen rate: cases reopened / cases; return rate: returns (退单) / (cases + returns), i.e. the share
  of dispatches that were returned (a handler's returns are counted for the handler that returned);
* average handling time: resolved_at − dispatched_at of finished cases, in hours;
* composite score (GOV-6): the mean score of the scored cases (evaluated, closed, closed-unresolved):
  score_satisfied / score_basic / score_unevaluated by the resident's evaluation, minus late_penalty
  when resolved after the deadline and reopen_penalty for every reopen (a reopened case that ends
  满意 still counts against the handler); closed-unresolved scores 0 and so counts against the handler;
* score rate = composite / score_satisfied. Red list: score rate ≥ red_min_rate; black list: score
  rate ≤ black_max_rate; both only for units with at least min_cases scored cases.

`case_stats(user, ...)` gives the statistics page (trends, counts by category / channel / tier /
grid / handler, deadline compliance), summed from the daily summary (cases.casedays, docs/SUMMARIES.md)
for region-only scopes, else counted over the case rows (`case_stats_from_rows`, also the reference the
summary is tested against); `open_cases_by_grid(user, grid_ids)` the grid map's heat layer.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Q, Sum
from django.db.models.fields.json import KT
from django.db.models.functions import Coalesce, Substr, TruncDay, TruncMonth, TruncWeek
from django.utils import timezone

from grassroots.core.errors import NotFound, ServiceError
from grassroots.core.rules import Rule
from grassroots.grids.models import Grid
from grassroots.regions.models import Region

from .analytics import scoped_cases
from .models import Case, CaseEvent, Category, Channel, Evaluation, EvaluationResult, Handler, Tier
from .workflow import OPEN_STATES, CaseState

LEVELS = {"handler": "承办单位", "grid": "网格", "community": "社区", "street": "街道"}
GRANULARITIES = {"day": ("按日", TruncDay), "week": ("按周", TruncWeek), "month": ("按月", TruncMonth)}
STREET_DEPTH = 3  # city → district → street
MAX_PERIOD_DAYS = 3 * 366
LIST_SIZE = 10  # rows of the red and black lists
GOOD = (EvaluationResult.SATISFIED, EvaluationResult.BASIC)
SCORED_STATES = (CaseState.EVALUATED, CaseState.CLOSED, CaseState.CLOSED_UNRESOLVED)
GOV6_DEFAULTS = {
    "reopen_limit": 1,
    "score_satisfied": 100,
    "score_basic": 80,
    "score_unevaluated": 90,
    "late_penalty": 20,
    "red_min_rate": 0.95,
    "black_max_rate": 0.8,
    "min_cases": 5,
    "reopen_penalty": 20,
    "response_target_pct": 95,
    "resolution_target_pct": 90,
    "satisfaction_target_pct": 90,
}


@dataclass(frozen=True)
class ScoreParams:
    reopen_limit: int  # times an "unsatisfied" evaluation reopens a case before it closes unresolved
    score_satisfied: int
    score_basic: int
    score_unevaluated: int
    late_penalty: int
    red_min_rate: float
    black_max_rate: float
    min_cases: int
    reopen_penalty: int = 20  # points off the final score for every reopen (counts against the handler)
    response_target_pct: int = 95  # targets of the 三率 in percent (a figure below its target shows red)
    resolution_target_pct: int = 90
    satisfaction_target_pct: int = 90


def score_params() -> ScoreParams:
    """GOV-6 from the Rule table: the only source of the scoring and reopening parameters."""
    rule = Rule.objects.filter(code="GOV-6").only("params").first()
    params = {**GOV6_DEFAULTS, **((rule.params if rule else None) or {})}
    out = {}
    for name in GOV6_DEFAULTS:
        value = params[name]
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise ServiceError(f"规则 GOV-6 的参数 {name} 设置有误，请在规则配置中修正", status=500)
        out[name] = float(value) if name.endswith("_rate") else int(value)
    if out["score_satisfied"] <= 0:
        raise ServiceError("规则 GOV-6 的参数 score_satisfied 须大于 0", status=500)
    return ScoreParams(**out)


# ------------------------------------------------------------------------------------------ period
def parse_period(
    start=None, end=None, today: datetime.date | None = None
) -> tuple[datetime.date, datetime.date]:
    """(start, end) local dates, inclusive; default: the current month up to today."""
    today = today or timezone.localdate()

    def parse(value, label):
        if value in (None, ""):
            return None
        if isinstance(value, datetime.date):
            return value
        try:
            return datetime.date.fromisoformat(str(value))
        except ValueError:
            raise ServiceError(f"{label}格式不正确，应为 YYYY-MM-DD", field=label) from None

    s = parse(start, "开始日期") or today.replace(day=1)
    e = parse(end, "结束日期") or today
    if e < s:
        raise ServiceError("结束日期不能早于开始日期", field="end")
    if (e - s).days > MAX_PERIOD_DAYS:
        raise ServiceError("统计区间不能超过 3 年", field="start")
    return s, e


def period_bounds(start: datetime.date, end: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    tz = timezone.get_current_timezone()
    lo = datetime.datetime.combine(start, datetime.time.min, tzinfo=tz)
    hi = datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz)
    return lo, hi


def _rate(part, whole) -> float | None:
    return round(part / whole, 4) if whole else None


# ------------------------------------------------------------------------------------------ rankings
def _street_len() -> int:
    return Region.steplen * STREET_DEPTH


def _key(level: str, prefix: str = ""):
    if level == "handler":
        return F(f"{prefix}handler_id")
    if level == "grid":
        return F(f"{prefix}grid_id")
    if level == "community":
        return F(f"{prefix}region_id")
    if level == "street":
        return Substr(f"{prefix}region__path", 1, _street_len())
    raise ServiceError("统计层级不正确", field="level")


def _not_null(level: str, prefix: str = "") -> Q:
    if level == "handler":
        return Q(**{f"{prefix}handler__isnull": False})
    if level == "grid":
        return Q(**{f"{prefix}grid__isnull": False})
    return Q()


def _names(level: str, keys) -> dict:
    keys = [k for k in keys if k is not None]
    if level == "handler":
        return {h.pk: h.name for h in Handler.objects.filter(pk__in=keys).only("name")}
    if level == "grid":
        return {g.pk: f"{g.name}（{g.code}）" for g in Grid.objects.filter(pk__in=keys).only("name", "code")}
    if level == "community":
        return {r.pk: r.name for r in Region.objects.filter(pk__in=keys).only("name")}
    return {r.path: r.name for r in Region.objects.filter(path__in=keys).only("name", "path")}


def rankings(user, level: str = "handler", start=None, end=None, region: str = "", now=None) -> dict:
    """{level, start, end, params, rows (best first), red, black}; see the module docstring."""
    if level not in LEVELS:
        raise ServiceError("统计层级不正确", field="level")
    start, end = parse_period(start, end)
    lo, hi = period_bounds(start, end)
    now = now or timezone.now()
    params = score_params()
    base = scoped_cases(user, region).filter(dispatched_at__gte=lo, dispatched_at__lt=hi)
    population = base.filter(_not_null(level))
    late = Q(resolved_at__gt=F("due_at"))
    scored = Q(state__in=SCORED_STATES)
    duration = ExpressionWrapper(F("resolved_at") - F("dispatched_at"), output_field=DurationField())
    case_rows = (
        population.annotate(k=_key(level))
        .values("k")
        .annotate(
            cases=Count("id"),
            finished=Count("id", filter=Q(resolved_at__isnull=False)),
            on_time=Count(
                "id", filter=Q(resolved_at__isnull=False, due_at__isnull=False, resolved_at__lte=F("due_at"))
            ),
            late=Count("id", filter=Q(due_at__isnull=False) & late),
            open_overdue=Count("id", filter=Q(state__in=OPEN_STATES, due_at__lte=now)),
            reopened=Count("id", filter=Q(reopen_count__gt=0)),
            closed_unresolved=Count("id", filter=Q(state=CaseState.CLOSED_UNRESOLVED)),
            scored=Count("id", filter=scored),
            scored_late=Count("id", filter=scored & ~Q(state=CaseState.CLOSED_UNRESOLVED) & late),
            scored_reopens=Sum("reopen_count", filter=scored & ~Q(state=CaseState.CLOSED_UNRESOLVED)),
            avg_duration=Avg(duration, filter=Q(resolved_at__isnull=False)),
        )
        .order_by()
    )
    eval_rows = (
        Evaluation.objects.filter(case__in=population.values("pk"))
        .annotate(k=_key(level, "case__"))
        .values("k")
        .annotate(
            evals=Count("id"),
            satisfied=Count("id", filter=Q(result=EvaluationResult.SATISFIED)),
            basic=Count("id", filter=Q(result=EvaluationResult.BASIC)),
        )
        .order_by()
    )
    returns = CaseEvent.objects.filter(
        step="return", created_at__gte=lo, created_at__lt=hi, case__in=scoped_cases(user, region).values("pk")
    )
    if level == "handler":
        ret_rows = returns.annotate(k=KT("data__returned_by")).values("k").annotate(n=Count("id")).order_by()
    else:
        ret_rows = (
            returns.filter(_not_null(level, "case__"))
            .annotate(k=_key(level, "case__"))
            .values("k")
            .annotate(n=Count("id"))
            .order_by()
        )
    evals = {r.pop("k"): r for r in eval_rows}
    rets: dict = {}
    for r in ret_rows:
        k = r["k"]
        if level == "handler":
            try:
                k = int(k)
            except (TypeError, ValueError):
                continue
        rets[k] = rets.get(k, 0) + r["n"]
    cases = {r.pop("k"): r for r in case_rows}
    keys = set(cases) | set(rets)
    names = _names(level, keys)
    rows = []
    for k in keys:
        c = cases.get(k) or {
            "cases": 0,
            "finished": 0,
            "on_time": 0,
            "late": 0,
            "open_overdue": 0,
            "reopened": 0,
            "closed_unresolved": 0,
            "scored": 0,
            "scored_late": 0,
            "scored_reopens": 0,
            "avg_duration": None,
        }
        e = evals.get(k, {"evals": 0, "satisfied": 0, "basic": 0})
        n_ret = rets.get(k, 0)
        uneval = max(c["scored"] - c["closed_unresolved"] - e["satisfied"] - e["basic"], 0)
        total = (
            e["satisfied"] * params.score_satisfied
            + e["basic"] * params.score_basic
            + uneval * params.score_unevaluated
            - c["scored_late"] * params.late_penalty
            - (c["scored_reopens"] or 0) * params.reopen_penalty
        )
        composite = round(max(total, 0) / c["scored"], 1) if c["scored"] else None
        avg = c["avg_duration"]
        if isinstance(avg, int | float):  # some backends answer microseconds
            avg = datetime.timedelta(microseconds=avg)
        rows.append(
            {
                "key": k,
                "name": names.get(k, "（已删除）"),
                "cases": c["cases"],
                "finished": c["finished"],
                "on_time": c["on_time"],
                "overdue": c["late"] + c["open_overdue"],
                "on_time_rate": _rate(c["on_time"], c["on_time"] + c["late"] + c["open_overdue"]),
                "evaluations": e["evals"],
                "satisfied": e["satisfied"] + e["basic"],
                "satisfaction_rate": _rate(e["satisfied"] + e["basic"], e["evals"]),
                "reopened": c["reopened"],
                "reopen_rate": _rate(c["reopened"], c["cases"]),
                "returns": n_ret,
                "return_rate": _rate(n_ret, c["cases"] + n_ret),
                "avg_hours": round(avg.total_seconds() / 3600, 1) if avg is not None else None,
                "closed_unresolved": c["closed_unresolved"],
                "scored": c["scored"],
                "composite": composite,
                "score_rate": _rate(composite, params.score_satisfied) if composite is not None else None,
            }
        )
    rows.sort(key=lambda r: (r["composite"] is None, -(r["composite"] or 0), -r["cases"], str(r["name"])))
    for i, r in enumerate(rows, 1):
        r["rank"] = i
    eligible = [r for r in rows if r["scored"] >= params.min_cases and r["score_rate"] is not None]
    red = [r for r in eligible if r["score_rate"] >= params.red_min_rate][:LIST_SIZE]
    black = sorted(
        (r for r in eligible if r["score_rate"] <= params.black_max_rate),
        key=lambda r: (r["score_rate"], -r["cases"], str(r["name"])),
    )[:LIST_SIZE]
    return {
        "level": level,
        "level_label": LEVELS[level],
        "start": start,
        "end": end,
        "params": params,
        "rows": rows,
        "red": red,
        "black": black,
    }


# ------------------------------------------------------------------------------------------ 三率 (GOV-6)
# The three rates of 接诉即办, each a count of listed cases over another (so each figure drills down to
# the case list). Over the cases submitted in the period within scope; merged duplicates never count.
RATES = {
    "response": (
        "响应率",
        "在响应时限内首次派单（私事为直接答复结案）的诉求数 ÷ 已响应或已超过响应时限的诉求数",
    ),
    "resolution": ("解决率", "已结案且非“未解决结案”的诉求数 ÷ 已结案的诉求数（含未解决结案）"),
    "satisfaction": (
        "满意率",
        "最终评价为满意或基本满意的诉求数 ÷ 有最终评价的诉求数（不满意重办后以最后一次评价为准）",
    ),
}
RATE_PARTS = ("num", "den")


def rate_q(kind: str, part: str, now) -> Q:
    """The cases counted by one side of a rate: part "den" (denominator) or "num" (numerator)."""
    if kind == "response":
        den = Q(respond_due_at__isnull=False) & (Q(responded_at__isnull=False) | Q(respond_due_at__lte=now))
        num = Q(respond_due_at__isnull=False, responded_at__lte=F("respond_due_at"))
    elif kind == "resolution":
        den = Q(state__in=(CaseState.CLOSED, CaseState.CLOSED_UNRESOLVED))
        num = Q(state=CaseState.CLOSED)
    elif kind == "satisfaction":
        # evaluated_at is set by the final evaluation only (an "unsatisfied" that reopens the case does
        # not set it); the final one was unsatisfied exactly when the case closed unresolved.
        den = Q(evaluated_at__isnull=False)
        num = den & ~Q(state=CaseState.CLOSED_UNRESOLVED)
    else:
        raise ServiceError("指标不正确", field="rate")
    if part not in RATE_PARTS:
        raise ServiceError("指标口径不正确", field="part")
    base = ~Q(state=CaseState.MERGED)
    return base & (num if part == "num" else den)


def three_rates(qs, now, params: ScoreParams) -> list[dict]:
    """[{key, label, formula, num, den, rate, target, below}] for the 三率, in one aggregate query."""
    counts = qs.aggregate(
        **{f"{k}_{p}": Count("id", filter=rate_q(k, p, now)) for k in RATES for p in RATE_PARTS}
    )
    return _rates(counts, params)


def _rates(counts: dict, params: ScoreParams) -> list[dict]:
    """The 三率 rows from {"<rate>_num": n, "<rate>_den": n} counts."""
    targets = {
        "response": params.response_target_pct / 100,
        "resolution": params.resolution_target_pct / 100,
        "satisfaction": params.satisfaction_target_pct / 100,
    }
    out = []
    for key, (label, formula) in RATES.items():
        num, den = counts[f"{key}_num"], counts[f"{key}_den"]
        rate = _rate(num, den)
        out.append(
            {
                "key": key,
                "label": label,
                "formula": formula,
                "num": num,
                "den": den,
                "rate": rate,
                "pct": round(rate * 100, 1) if rate is not None else None,
                "target": targets[key],
                "below": rate is not None and rate < targets[key],
            }
        )
    return out


# ------------------------------------------------------------------------------------------ statistics
def _labelled(rows, labels: dict, key: str = "k") -> list[dict]:
    return [{"key": r[key], "name": labels.get(r[key], r[key] or "未填"), "count": r["n"]} for r in rows]


def case_stats(
    user, start=None, end=None, region: str = "", granularity: str = "day", now=None, top: int = 15
) -> dict:
    """Statistics of the cases submitted in the period within scope, from the daily summary
    (cases.casedays) for users whose case scope is regions only (and superusers), a fixed number of
    queries whatever the number of cases; others (own-record grants, handler membership) from the
    case rows as before (`case_stats_from_rows`)."""
    if granularity not in GRANULARITIES:
        raise ServiceError("统计粒度不正确", field="granularity")
    if not summary_covers(user):
        return case_stats_from_rows(user, start, end, region, granularity, now, top)
    start, end = parse_period(start, end)
    now = now or timezone.now()
    return _case_stats_from_summary(user, start, end, region, granularity, now, top)


def summary_covers(user) -> bool:
    """Whether the user's cases.view scope is exactly a set of region subtrees (what the summary's rows
    can be filtered by): superusers, or region grants only, no own-record grant, no handler membership."""
    from .models import case_grants, handler_ids_for

    if user is None or not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    grants = case_grants(user, "view")
    return bool(grants) and all(g.region_path is not None for g in grants) and not handler_ids_for(user)


def _bucket(day: datetime.date, granularity: str) -> str:
    if granularity == "week":
        day = day - datetime.timedelta(days=day.weekday())
    elif granularity == "month":
        day = day.replace(day=1)
    return day.isoformat()


def _case_stats_from_summary(user, start, end, region, granularity, now, top) -> dict:
    from .casedays import DIMS, FIGURES, clock_figures, whole_months
    from .models import CaseDay

    rows = CaseDay.objects.visible_to(user, "view").filter(day__gte=start, day__lte=end).order_by()
    if region:  # the same narrowing (and the same NotFound) as scoped_cases
        node = Region.objects.visible_to(user).filter(code=region).only("path").first()
        if node is None:
            raise NotFound("区划不存在或不在管辖范围内")
        rows = rows.filter(region_path__startswith=node.path)
    days = rows.filter(month=False)  # the figures and the trend: SQL sums of the day rows
    months = whole_months(start, end)  # the breakdowns: month rows for whole months, day rows for the rest
    detail = days
    if months:
        covered = Q(*[Q(day__gte=a, day__lte=b) for a, b in months], _connector=Q.OR)
        detail = rows.filter(Q(month=True, day__in=[a for a, _b in months]) | (Q(month=False) & ~covered))
    # One read of the rows: the figures summed per day (the trend) in SQL, the breakdowns in Python.
    sums = dict.fromkeys(FIGURES, 0)
    trend: dict = {}
    for r in days.values("day").annotate(resolved_n=Sum("resolved"), **{f"{f}_n": Sum(f) for f in FIGURES}):
        for f in FIGURES:
            sums[f] += r[f"{f}_n"]
        if r["submitted_n"] or r["resolved_n"]:
            t = trend.setdefault(_bucket(r["day"], granularity), [0, 0])
            t[0] += r["submitted_n"]
            t[1] += r["resolved_n"]
    by_dim: dict[str, dict] = {d: {} for d in DIMS}
    clocks = []
    for counts, clock in detail.values_list("counts", "clock"):
        for dim, values in counts.items():
            acc = by_dim.setdefault(dim, {})
            for key, n in values.items():
                acc[key] = acc.get(key, 0) + n
        if clock:
            clocks.append(clock)
    clock = clock_figures(clocks, now)
    totals = {
        k: sums[k]
        for k in ("submitted", "open", "waiting", "finished", "closed_unresolved", "on_time", "late")
    }
    totals.update(on_track=clock["on_track"], due_soon=clock["due_soon"], overdue=clock["overdue"])
    totals["on_time_rate"] = _rate(totals["on_time"], totals["on_time"] + totals["late"] + totals["overdue"])
    rates = _rates(
        {
            "response_num": sums["resp_num"],
            "response_den": sums["resp_done"] + clock["resp_waiting"],
            "resolution_num": sums["resolution_num"],
            "resolution_den": sums["resolution_den"],
            "satisfaction_num": sums["satisfaction_num"],
            "satisfaction_den": sums["satisfaction_den"],
        },
        score_params(),
    )

    def ordered(dim, as_int=False):
        rows = [{"k": (int(k) or None) if as_int else k, "n": n} for k, n in by_dim.get(dim, {}).items() if n]
        return sorted(rows, key=lambda r: (-r["n"], r["k"] is None, r["k"] if r["k"] is not None else 0))

    by_category = ordered("category", as_int=True)
    cat_names = {
        c.pk: c.name for c in Category.objects.filter(pk__in=[r["k"] for r in by_category if r["k"]])
    }
    cat_names[None] = "未分类"
    grids = ordered("grid", as_int=True)
    grid_rows = {g.pk: g for g in Grid.objects.filter(pk__in=[r["k"] for r in grids]).only("name", "code")}
    grids = [r for r in grids if r["k"] in grid_rows][:top]
    handlers = ordered("handler", as_int=True)
    handler_names = dict(Handler.objects.filter(pk__in=[r["k"] for r in handlers]).values_list("pk", "name"))
    handlers = [r for r in handlers if r["k"] in handler_names][:top]
    return {
        "start": start,
        "end": end,
        "granularity": granularity,
        "totals": totals,
        "rates": rates,
        "trend": [{"t": t, "submitted": v[0], "resolved": v[1]} for t, v in sorted(trend.items())],
        "by_category": _labelled(by_category, cat_names),
        "by_channel": _labelled(ordered("channel"), dict(Channel.choices)),
        "by_tier": _labelled(ordered("tier"), {**dict(Tier.choices), "": "未分流"}),
        "by_state": _labelled(ordered("state"), dict(CaseState.choices)),
        "by_grid": [
            {"key": r["k"], "name": grid_rows[r["k"]].name, "code": grid_rows[r["k"]].code, "count": r["n"]}
            for r in grids
        ],
        "by_handler": [{"key": r["k"], "name": handler_names[r["k"]], "count": r["n"]} for r in handlers],
    }


def case_stats_from_rows(
    user, start=None, end=None, region: str = "", granularity: str = "day", now=None, top: int = 15
) -> dict:
    """case_stats counted over the case rows: for scopes the summary cannot express, and the reference
    the summary is tested against."""
    if granularity not in GRANULARITIES:
        raise ServiceError("统计粒度不正确", field="granularity")
    start, end = parse_period(start, end)
    lo, hi = period_bounds(start, end)
    now = now or timezone.now()
    qs = scoped_cases(user, region).filter(submitted_at__gte=lo, submitted_at__lt=hi).order_by()
    finished = Q(resolved_at__isnull=False, due_at__isnull=False)
    totals = qs.aggregate(
        submitted=Count("id"),
        open=Count("id", filter=Q(state__in=OPEN_STATES)),
        waiting=Count("id", filter=Q(state__in=(CaseState.SUBMITTED, CaseState.TRIAGED, CaseState.RETURNED))),
        finished=Count("id", filter=Q(resolved_at__isnull=False)),
        closed_unresolved=Count("id", filter=Q(state=CaseState.CLOSED_UNRESOLVED)),
        on_time=Count("id", filter=finished & Q(resolved_at__lte=F("due_at"))),
        late=Count("id", filter=finished & Q(resolved_at__gt=F("due_at"))),
        on_track=Count(
            "id",
            filter=Q(state__in=OPEN_STATES)
            & (Q(due_soon_at__gt=now) | Q(due_soon_at__isnull=True, due_at__gt=now)),
        ),
        due_soon=Count("id", filter=Q(state__in=OPEN_STATES, due_soon_at__lte=now, due_at__gt=now)),
        overdue=Count("id", filter=Q(state__in=OPEN_STATES, due_at__lte=now)),
    )
    totals["on_time_rate"] = _rate(totals["on_time"], totals["on_time"] + totals["late"] + totals["overdue"])
    trunc = GRANULARITIES[granularity][1]
    tz = timezone.get_current_timezone()
    submitted_trend = (
        qs.annotate(t=trunc("submitted_at", tzinfo=tz)).values("t").annotate(n=Count("id")).order_by("t")
    )
    resolved_trend = (
        scoped_cases(user, region)
        .filter(resolved_at__gte=lo, resolved_at__lt=hi)
        .annotate(t=trunc("resolved_at", tzinfo=tz))
        .values("t")
        .annotate(n=Count("id"))
        .order_by("t")
    )
    trend: dict = {}
    for r in submitted_trend:
        trend.setdefault(_day(r["t"]), [0, 0])[0] = r["n"]
    for r in resolved_trend:
        trend.setdefault(_day(r["t"]), [0, 0])[1] = r["n"]
    by_category = list(
        qs.annotate(k=Coalesce("category__parent_id", "category_id"))
        .values("k")
        .annotate(n=Count("id"))
        .order_by("-n")
    )
    cat_names = {
        c.pk: c.name for c in Category.objects.filter(pk__in=[r["k"] for r in by_category if r["k"]])
    }
    cat_names[None] = "未分类"
    by_channel = list(qs.values(k=F("channel")).annotate(n=Count("id")).order_by("-n"))
    by_tier = list(qs.values(k=F("tier")).annotate(n=Count("id")).order_by("-n"))
    by_state = list(qs.values(k=F("state")).annotate(n=Count("id")).order_by("-n"))
    by_grid = list(
        qs.filter(grid__isnull=False)
        .values(k=F("grid_id"), code=F("grid__code"), name=F("grid__name"))
        .annotate(n=Count("id"))
        .order_by("-n", "k")[:top]
    )
    by_handler = list(
        qs.filter(handler__isnull=False)
        .values(k=F("handler_id"), name=F("handler__name"))
        .annotate(n=Count("id"))
        .order_by("-n", "k")[:top]
    )
    return {
        "start": start,
        "end": end,
        "granularity": granularity,
        "totals": totals,
        "rates": three_rates(qs, now, score_params()),
        "trend": [{"t": t, "submitted": v[0], "resolved": v[1]} for t, v in sorted(trend.items())],
        "by_category": _labelled(by_category, cat_names),
        "by_channel": _labelled(by_channel, dict(Channel.choices)),
        "by_tier": _labelled(by_tier, {**dict(Tier.choices), "": "未分流"}),
        "by_state": _labelled(by_state, dict(CaseState.choices)),
        "by_grid": [
            {"key": r["k"], "name": f"{r['name']}", "code": r["code"], "count": r["n"]} for r in by_grid
        ],
        "by_handler": [{"key": r["k"], "name": r["name"], "count": r["n"]} for r in by_handler],
    }


def _day(value) -> str:
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
        return value.date().isoformat()
    return value.isoformat() if value is not None else ""


def open_cases_by_grid(user, grid_ids) -> dict[int, int]:
    """{grid id: open cases (dispatched, accepted, in progress) the user can see}: one GROUP BY."""
    ids = list(grid_ids)
    if not ids:
        return {}
    rows = (
        Case.objects.visible_to(user, "view")
        .filter(grid_id__in=ids, state__in=OPEN_STATES)
        .values("grid_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {r["grid_id"]: r["n"] for r in rows}
