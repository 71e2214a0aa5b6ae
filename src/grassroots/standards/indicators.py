"""Indicator registry: computed measures of a region (community, street, or any subtree) for a year.

Contract: `register(code, label, fn, unit="%")` where `fn(region, year=None) -> Measure(value, target,
facts)` (a plain `fn(region)` works too). `value` None means no data (暂无数据). Targets of the
built-in percentage indicators are data: the STD-3 rule's parameters (indicator code -> target %).

Built-in indicators read other apps' data; optional apps (orglife, whistle, venues) are imported lazily
and give "暂无数据" when absent.
"""

from __future__ import annotations

import datetime
import importlib
import inspect
import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Count, Q

NO_DATA = "暂无数据"
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Measure:
    value: float | None
    target: float | None
    facts: str

    @property
    def ratio(self) -> float | None:
        """value ÷ target capped to [0, 1], None without data."""
        if self.value is None or not self.target:
            return None
        return max(0.0, min(1.0, self.value / self.target))


@dataclass(frozen=True)
class Indicator:
    code: str
    label: str
    fn: Callable
    unit: str = "%"

    def measure(self, region, year: int | None = None) -> Measure:
        try:
            params = inspect.signature(self.fn).parameters
        except (TypeError, ValueError):
            params = {}
        result = self.fn(region, year=year) if "year" in params else self.fn(region)
        if result is None:
            return Measure(None, None, NO_DATA)
        if isinstance(result, Measure):
            return result
        value, target, facts = result
        return Measure(value, target, facts)


REGISTRY: dict[str, Indicator] = {}


def register(code: str, label: str, fn: Callable, unit: str = "%") -> None:
    REGISTRY[code] = Indicator(code, label, fn, unit)


def get(code: str) -> Indicator | None:
    return REGISTRY.get(code)


def choices() -> list[tuple[str, str]]:
    return [(code, ind.label) for code, ind in REGISTRY.items()]


def measure(code: str, region, year: int | None = None) -> Measure:
    ind = REGISTRY.get(code)
    if ind is None:
        return Measure(None, None, f"指标“{code}”未注册")
    return ind.measure(region, year)


# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------
def target_of(code: str, default: int) -> float:
    from .models import Rule

    rule = Rule.objects.filter(code="STD-3").only("params").first()
    value = (rule.params or {}).get(code) if rule else None
    return (
        float(value)
        if isinstance(value, int | float) and not isinstance(value, bool) and value > 0
        else default
    )


def _pct(n: int, d: int) -> float | None:
    return round(100 * n / d, 1) if d else None


def _year_range(year: int | None) -> tuple[datetime.datetime, datetime.datetime]:
    from django.utils import timezone

    year = year or timezone.localdate().year
    tz = timezone.get_current_timezone()
    return (datetime.datetime(year, 1, 1, tzinfo=tz), datetime.datetime(year + 1, 1, 1, tzinfo=tz))


def _rate_measure(code: str, n: int, d: int, what: str, default_target: int) -> Measure:
    target = target_of(code, default_target)
    if not d:
        return Measure(None, target, f"无{what}数据")
    return Measure(_pct(n, d), target, f"{what} {n}/{d}")


# ---------------------------------------------------------------------------------------------
# Built-in indicators
# ---------------------------------------------------------------------------------------------
def grid_party(region, year=None) -> Measure:
    from grassroots.grids.models import Grid
    from grassroots.grids.stats import covered_grid_paths, gov4_min_full_members

    n = gov4_min_full_members()
    grids = Grid.objects.filter(region__path__startswith=region.path)
    covered = len(covered_grid_paths(grids, n))
    return _rate_measure("grid_party", covered, grids.count(), f"网格党组织有正式党员 {n} 名以上的网格", 100)


def unit_coverage(region, year=None) -> Measure:
    from grassroots.units.choices import PartyWork
    from grassroots.units.models import Unit

    from .checks import should_cover_q
    from .services import cov3_min_employees

    min_employees = cov3_min_employees()
    should = should_cover_q(min_employees)
    agg = Unit.objects.filter(region__path__startswith=region.path).aggregate(
        should=Count("id", filter=should),
        covered=Count("id", filter=should & ~Q(party_work=PartyWork.NONE)),
    )
    return _rate_measure("unit_coverage", agg["covered"], agg["should"], "已覆盖单位/应覆盖单位", 95)


def worker_grading(region, year=None) -> Measure:
    from grassroots.people.choices import WorkerPost
    from grassroots.people.models import Worker

    from .models import Rule

    rule = Rule.objects.filter(code="GOV-10").only("params").first()
    grades = (rule.params or {}).get("grades", 18) if rule else 18
    agg = Worker.objects.filter(region__path__startswith=region.path).aggregate(
        n=Count("id"),
        graded=Count("id", filter=Q(post__in=WorkerPost.values, grade__gte=1, grade__lte=grades)),
    )
    return _rate_measure("worker_grading", agg["graded"], agg["n"], f"按三岗{grades}级定级的社区工作者", 100)


def funding(region, year=None) -> Measure:
    """Community: funds received in the year against GOV-9 (yuan). Above a community: the share of
    communities that meet it."""
    from django.utils import timezone

    from grassroots.regions.choices import RegionLevel
    from grassroots.regions.models import Region

    from .services import funding_minimum, funding_status

    year = year or timezone.localdate().year
    minimum = funding_minimum()
    if region.level == RegionLevel.COMMUNITY:
        status = funding_status([region], year)[region.pk]
        if not status["records"]:
            return Measure(None, float(minimum), f"{year} 年无经费记录")
        return Measure(
            float(status["counted"]),
            float(minimum),
            f"{year} 年收到服务群众专项经费 {status['counted']:,.0f} 元"
            f"（全部收入 {status['received']:,.0f} 元），"
            f"标准 {minimum:,} 元",
        )
    communities = list(Region.objects.filter(path__startswith=region.path, level=RegionLevel.COMMUNITY))
    statuses = funding_status(communities, year)
    recorded = [s for s in statuses.values() if s["records"]]
    met = sum(1 for s in recorded if s["meets"])
    return _rate_measure("funding", met, len(communities), f"{year} 年经费达标社区", 100)


def _case_window(region, year):
    from grassroots.cases.models import Case

    start, end = _year_range(year)
    return Case.objects.filter(region__path__startswith=region.path), start, end


def case_satisfaction(region, year=None) -> Measure:
    from grassroots.cases.models import Evaluation, EvaluationResult

    start, end = _year_range(year)
    agg = Evaluation.objects.filter(
        case__region__path__startswith=region.path, created_at__gte=start, created_at__lt=end
    ).aggregate(
        n=Count("id"),
        ok=Count("id", filter=Q(result__in=[EvaluationResult.SATISFIED, EvaluationResult.BASIC])),
    )
    return _rate_measure("case_satisfaction", agg["ok"], agg["n"], "满意和基本满意评价", 90)


def case_ontime(region, year=None) -> Measure:
    from django.db.models import F

    qs, start, end = _case_window(region, year)
    agg = qs.filter(resolved_at__gte=start, resolved_at__lt=end, due_at__isnull=False).aggregate(
        n=Count("id"), ok=Count("id", filter=Q(resolved_at__lte=F("due_at")))
    )
    return _rate_measure("case_ontime", agg["ok"], agg["n"], "按时办结诉求", 90)


def branch_health(region, year=None) -> Measure:
    from .models import BranchHealth, HealthRun, Light, RunState

    run = HealthRun.objects.filter(state=RunState.DONE).order_by("-finished_at", "-id").first()
    if run is None:
        return Measure(None, target_of("branch_health", 80), "尚未运行支部体检")
    agg = BranchHealth.objects.filter(run=run, org__region__path__startswith=region.path).aggregate(
        n=Count("id"), green=Count("id", filter=Q(light=Light.GREEN))
    )
    return _rate_measure("branch_health", agg["green"], agg["n"], f"第 {run.pk} 次体检绿灯支部", 80)


def _optional(module: str, name: str):
    try:
        mod = importlib.import_module(module)
    except ImportError:
        return None
    return getattr(mod, name, None)


def _year_of(year) -> int:
    from django.utils import timezone

    return int(year or timezone.localdate().year)


def life_compliance(region, year=None) -> Measure:
    """orglife.stats.life_compliance(region, "YYYY") -> {"rate": 0..1 | None, "branches", "compliant"}."""
    target = target_of("life_compliance", 100)
    func = _optional("grassroots.orglife.stats", "life_compliance")
    if func is None:
        return Measure(None, target, NO_DATA)
    year = _year_of(year)
    try:
        data = func(region, str(year))
    except Exception:  # another app's statistics must not break an evaluation
        logger.exception("life_compliance failed for %s", region)
        return Measure(None, target, f"{NO_DATA}（组织生活统计出错）")
    rate = data.get("rate") if isinstance(data, dict) else None
    if rate is None:
        return Measure(None, target, NO_DATA)
    facts = f"{year} 年按期开展组织生活的支部 {data.get('compliant', 0)}/{data.get('branches', 0)}"
    return Measure(round(100 * float(rate), 1), target, facts)


def whistle_checkin(region, year=None) -> Measure:
    """whistle.stats.checkin_rate(region, start, end) -> percent | None (on-time check-ins of summons)."""
    target = target_of("whistle_checkin", 95)
    func = _optional("grassroots.whistle.stats", "checkin_rate")
    if func is None:
        return Measure(None, target, NO_DATA)
    year = _year_of(year)
    try:
        rate = func(region, datetime.date(year, 1, 1), datetime.date(year + 1, 1, 1))
    except Exception:  # another app's statistics must not break an evaluation
        logger.exception("checkin_rate failed for %s", region)
        return Measure(None, target, f"{NO_DATA}（吹哨统计出错）")
    if rate is None:
        return Measure(None, target, f"{year} 年无吹哨记录")
    return Measure(float(rate), target, f"{year} 年被召集部门按时报到率")


def venue_standard(region, year=None) -> Measure:
    """Share of active community / street service centers whose area reaches the STD-3 minimum for
    their level (center_m2_community, center_m2_street)."""
    target = target_of("venue_standard", 100)
    try:
        from grassroots.venues.models import ServiceCenter
    except ImportError:
        return Measure(None, target, NO_DATA)
    minimum = {
        "community": target_of("center_m2_community", 300),
        "street": target_of("center_m2_street", 1000),
    }
    ok = Q()
    for level, m2 in minimum.items():
        ok |= Q(level=level, area_m2__gte=m2)
    agg = ServiceCenter.objects.filter(
        region__path__startswith=region.path, is_active=True, level__in=list(minimum)
    ).aggregate(n=Count("id"), ok=Count("id", filter=ok))
    what = f"面积达标的党群服务中心（社区 ≥{minimum['community']:g}㎡，街道 ≥{minimum['street']:g}㎡）"
    return _rate_measure("venue_standard", agg["ok"], agg["n"], what, 100)


register("grid_party", "网格党组织覆盖率", grid_party)
register("unit_coverage", "驻区单位党组织覆盖率（COV-3）", unit_coverage)
register("worker_grading", "社区工作者三岗十八级定级率（GOV-10）", worker_grading)
register("funding", "社区工作经费（GOV-9）", funding, unit="元")
register("case_satisfaction", "诉求满意率", case_satisfaction)
register("case_ontime", "诉求按时办结率", case_ontime)
register("branch_health", "支部体检绿灯率", branch_health)
register("life_compliance", "组织生活按期开展率", life_compliance)
register("whistle_checkin", "吹哨部门按时报到率", whistle_checkin)
register("venue_standard", "党群服务中心面积达标率", venue_standard)
