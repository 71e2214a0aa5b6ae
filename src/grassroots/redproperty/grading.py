"""The yearly grade of a property company (物业服务等级, 红黑榜; seed 003: 四平 grades its property
companies, 长白山 publishes a red/black list). Every weight and threshold is data: rule PROP-1
(standards/rules_data.py), read by `params()`.

For company C and year Y:

* Neighborhoods: those C served in Y, i.e. with a service contract of C whose period (start to its
  last day: the termination date, else the end date) overlaps Y. H = the sum of their households
  (Region.household_count).
* Cases: the cases submitted in Y (local time), not merged into another, whose location (lng/lat)
  lies inside the boundary (Region.polygon) of one of those neighborhoods on a day C's contract
  there was in force. Cases without a location count for no company.
* Component scores, each 0–100 and rounded to one decimal (half up):
  - 诉求量 volume = 100 − (cases per 100 households) × `volume_penalty`, floored at 0;
  - 按时办结 on-time = 100 × (cases resolved by their deadline) / (cases resolved that had a deadline);
  - 满意度 satisfaction = mean over the residents' evaluations of those cases of 100 (满意),
    `basic_points` (基本满意) or 0 (不满意);
  - 居民评价 rating = (mean stars of the residents' ratings of C for Y − 1) / 4 × 100;
  - 检查 inspection = mean score of the inspections of C dated in Y.
  A component without data (no households, nothing resolved, no evaluation, rating or inspection)
  scores `missing_score`.
* Score = Σ weight × component / Σ weights over the rounded components, rounded to one decimal.
* Grade: A from `a_min`, B from `b_min`, C from `c_min`, else D. The district's 红榜 lists its
  companies graded A, its 黑榜 those graded D (best and worst score first)."""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone

RULE = "PROP-1"
DEFAULTS = {
    "weights": {"volume": 20, "ontime": 25, "satisfaction": 25, "rating": 15, "inspection": 15},
    "volume_penalty": 10,
    "basic_points": 60,
    "missing_score": 80,
    "a_min": 90,
    "b_min": 80,
    "c_min": 60,
}
COMPONENTS = ("volume", "ontime", "satisfaction", "rating", "inspection")
COMPONENT_LABELS = {
    "volume": "诉求量",
    "ontime": "按时办结",
    "satisfaction": "满意度",
    "rating": "居民评价",
    "inspection": "检查",
}
GRADE_LABELS = {"A": "A 优秀", "B": "B 良好", "C": "C 合格", "D": "D 不合格"}
ONE = Decimal("0.1")


def _num(value, default) -> Decimal:
    try:
        d = Decimal(str(value))
    except (ArithmeticError, ValueError, TypeError):
        return Decimal(str(default))
    return d if d >= 0 else Decimal(str(default))


def params() -> dict:
    """PROP-1 as numbers, each falling back to its default when the row or the key is missing or bad."""
    from grassroots.standards.models import Rule

    rule = Rule.objects.filter(code=RULE).only("params").first()
    raw = (rule.params if rule else {}) or {}
    weights_raw = raw.get("weights") if isinstance(raw.get("weights"), dict) else {}
    out = {
        "weights": {k: _num(weights_raw.get(k, v), v) for k, v in DEFAULTS["weights"].items()},
    }
    for key in ("volume_penalty", "basic_points", "missing_score", "a_min", "b_min", "c_min"):
        out[key] = _num(raw.get(key, DEFAULTS[key]), DEFAULTS[key])
    if sum(out["weights"].values()) == 0:
        out["weights"] = {k: Decimal(v) for k, v in DEFAULTS["weights"].items()}
    return out


def r1(value) -> Decimal:
    return Decimal(value).quantize(ONE, rounding=ROUND_HALF_UP)


def grade_of(score: Decimal, p: dict) -> str:
    if score >= p["a_min"]:
        return "A"
    if score >= p["b_min"]:
        return "B"
    if score >= p["c_min"]:
        return "C"
    return "D"


@dataclass
class Inputs:
    households: int = 0
    case_ids: list[int] = field(default_factory=list)
    resolved: int = 0
    on_time: int = 0
    eval_points: list[Decimal] = field(default_factory=list)
    stars: list[int] = field(default_factory=list)
    inspection_scores: list[int] = field(default_factory=list)


def components(inp: Inputs, p: dict) -> dict[str, Decimal]:
    missing = r1(p["missing_score"])
    out: dict[str, Decimal] = {}
    if inp.households:
        per100 = Decimal(len(inp.case_ids)) * 100 / Decimal(inp.households)
        out["volume"] = r1(max(Decimal(0), 100 - per100 * p["volume_penalty"]))
    else:
        out["volume"] = missing
    out["ontime"] = r1(Decimal(100) * inp.on_time / inp.resolved) if inp.resolved else missing
    out["satisfaction"] = r1(sum(inp.eval_points) / len(inp.eval_points)) if inp.eval_points else missing
    out["rating"] = r1((Decimal(sum(inp.stars)) / len(inp.stars) - 1) / 4 * 100) if inp.stars else missing
    out["inspection"] = (
        r1(Decimal(sum(inp.inspection_scores)) / len(inp.inspection_scores))
        if inp.inspection_scores
        else missing
    )
    return out


def total(parts: dict[str, Decimal], p: dict) -> Decimal:
    w = p["weights"]
    return r1(sum(w[k] * parts[k] for k in COMPONENTS) / sum(w.values()))


def year_bounds(year: int) -> tuple[datetime.datetime, datetime.datetime]:
    tz = timezone.get_current_timezone()
    return (
        datetime.datetime(year, 1, 1, tzinfo=tz),
        datetime.datetime(year + 1, 1, 1, tzinfo=tz),
    )


def _shape(polygon):
    import shapely

    if not polygon:
        return None
    try:
        geom = shapely.from_geojson(json.dumps(polygon))
    except Exception:  # noqa: BLE001 - a malformed boundary places no case
        return None
    shapely.prepare(geom)
    return geom


def collect(companies, year: int) -> dict[int, Inputs]:
    """The inputs of the formula for each company (a fixed number of queries whatever their count)."""
    import shapely

    from grassroots.cases.models import Case, Evaluation, EvaluationResult
    from grassroots.regions.models import Region

    from .models import Inspection, Rating, ServiceContract

    ids = [c.pk for c in companies]
    out = {pk: Inputs() for pk in ids}
    first, last = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    contracts = [
        c
        for c in ServiceContract.objects.filter(company_id__in=ids, start__lte=last, end__gte=first)
        .select_related("neighborhood")
        .order_by("neighborhood__path", "start", "id")
        if c.last_day >= first
    ]
    hoods: dict[int, Region] = {}
    served: dict[int, set[int]] = {pk: set() for pk in ids}
    for c in contracts:
        hoods[c.neighborhood_id] = c.neighborhood
        served[c.company_id].add(c.neighborhood_id)
    for pk, hood_ids in served.items():
        out[pk].households = sum(hoods[h].household_count for h in hood_ids)
    shapes = {h: _shape(n.polygon) for h, n in hoods.items()}
    community_paths = {n.path[: Region.steplen * 4] for n in hoods.values()}
    start, end = year_bounds(year)
    cases = list(
        Case.objects.filter(
            region__path__in=community_paths,
            submitted_at__gte=start,
            submitted_at__lt=end,
            merged_into__isnull=True,
            lng__isnull=False,
            lat__isnull=False,
        )
        .exclude(state="merged")
        .values_list("id", "region__path", "lng", "lat", "submitted_at", "resolved_at", "due_at")
    )
    by_community: dict[str, list] = {}
    for row in cases:
        by_community.setdefault(row[1], []).append(row)
    case_company: dict[int, int] = {}
    for contract in contracts:
        geom = shapes.get(contract.neighborhood_id)
        if geom is None:
            continue
        path = contract.neighborhood.path
        for cid, _p, lng, lat, submitted, resolved_at, due_at in by_community.get(
            path[: Region.steplen * 4], ()
        ):
            if cid in case_company:
                continue
            day = timezone.localdate(submitted)
            if not (contract.start <= day <= contract.last_day):
                continue
            if not shapely.contains_xy(geom, lng, lat):
                continue
            case_company[cid] = contract.company_id
            inp = out[contract.company_id]
            inp.case_ids.append(cid)
            if resolved_at is not None and due_at is not None:
                inp.resolved += 1
                inp.on_time += resolved_at <= due_at
    p = params()
    points = {
        EvaluationResult.SATISFIED: Decimal(100),
        EvaluationResult.BASIC: p["basic_points"],
        EvaluationResult.UNSATISFIED: Decimal(0),
    }
    for cid, result in Evaluation.objects.filter(case_id__in=list(case_company)).values_list(
        "case_id", "result"
    ):
        if result in points:
            out[case_company[cid]].eval_points.append(points[result])
    for company_id, stars in Rating.objects.filter(company_id__in=ids, year=year).values_list(
        "company_id", "stars"
    ):
        out[company_id].stars.append(stars)
    for company_id, score in Inspection.objects.filter(
        company_id__in=ids, inspected_on__gte=first, inspected_on__lte=last
    ).values_list("company_id", "score"):
        out[company_id].inspection_scores.append(score)
    return out
