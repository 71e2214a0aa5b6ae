"""Read models for dashboards: every figure is computed within the user's scope.

`scope_counts(user)` is also served as /api/v1/dashboards/summary (keys are a contract: add, never
rename). `home_data(user)` adds the charts and the findings of the health check for the home page;
`map_data(user, code)` the sub-regions of a node with their metrics and GeoJSON boundaries.
Every function runs a fixed number of queries whatever the size of the scope.
"""

from __future__ import annotations

import datetime

from django.db.models import Count, Q, Sum
from django.db.models.functions import Substr
from django.utils import timezone
from django.utils.module_loading import import_string

from grassroots.core.errors import NotFound
from grassroots.core.rules import Rule
from grassroots.core.scoping import grants_for, has_perm
from grassroots.party.choices import MemberStatus, OrgKind
from grassroots.party.models import Member, PartyOrg
from grassroots.people.models import Worker
from grassroots.regions.choices import RegionLevel
from grassroots.regions.geometry import polygon_geometry as _geometry
from grassroots.regions.models import Household, Region
from grassroots.standards.checks import should_cover_q, work_covered_q
from grassroots.standards.services import HealthReport, cov3_min_employees, run_health_check
from grassroots.units.choices import PartyWork, UnitType
from grassroots.units.models import Unit

PERM = "dashboards.view"

# metric code -> (label, unit shown after the value)
METRICS = {
    "population": ("人口", "人"),
    "households": ("登记住户", "户"),
    "members": ("党员", "名"),
    "orgs": ("党组织", "个"),
    "coverage": ("单位党组织覆盖率", "%"),
    "findings": ("体检问题", "个"),
}

AGE_BANDS = [("35 岁以下", 0, 35), ("35–45 岁", 35, 46), ("46–60 岁", 46, 61), ("61 岁以上", 61, 200)]


def _should_q(min_employees: int | None) -> Q:
    return should_cover_q(min_employees)


def _rate(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def scope_counts(user) -> dict:
    """Key counts of the user's scope.

    `unit_coverage` is the COV-3 party-organisation coverage rate in percent: units covered (party_work
    not none) among the units that should be covered (≥1 full member, or ≥ COV-3 min_employees
    employees); None when no unit should be covered. `units.covered` counts every covered unit.
    `unit_work_coverage` is the work coverage rate (COV-3 split): organisation coverage, or an
    instructor assigned and, for a unit without members, its union and youth league set up.
    """
    regions = Region.objects.visible_to(user).aggregate(
        **{lvl: Count("id", filter=Q(level=lvl)) for lvl in RegionLevel.values}
    )
    orgs = PartyOrg.objects.visible_to(user).aggregate(
        total=Count("id"), **{k: Count("id", filter=Q(kind=k)) for k in OrgKind.values}
    )
    members = Member.objects.visible_to(user).aggregate(
        total=Count("id"),
        full=Count("id", filter=Q(status=MemberStatus.FULL)),
        probationary=Count("id", filter=Q(status=MemberStatus.PROBATIONARY)),
        hubs=Count("id", filter=Q(is_household_hub=True)),
        in_service=Count("id", filter=Q(in_service=True)),
    )
    should = _should_q(cov3_min_employees())
    covered = ~Q(party_work=PartyWork.NONE)
    units = Unit.objects.visible_to(user).aggregate(
        total=Count("id"),
        covered=Count("id", filter=covered),
        should=Count("id", filter=should),
        should_covered=Count("id", filter=should & covered),
        should_work_covered=Count("id", filter=should & work_covered_q()),
    )
    return {
        "regions": regions,
        "orgs": orgs,
        "members": members,
        "units": units,
        "unit_coverage": _rate(units["should_covered"], units["should"]),
        "unit_work_coverage": _rate(units["should_work_covered"], units["should"]),
        "workers": Worker.objects.visible_to(user).count(),
        "households": Household.objects.visible_to(user).count(),
    }


# Scope root ------------------------------------------------------------------------------------
def has_scope(user) -> bool:
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    return any(PERM in g.perms and not g.own for g in grants_for(user))


def scope_roots(user) -> list[Region]:
    """The top region nodes of the user's dashboard scope: their assignment nodes (without the ones
    nested in another), or the city roots for a superuser."""
    if user.is_superuser:
        return list(Region.objects.filter(depth=1).order_by("path"))
    paths = sorted({g.region_path for g in grants_for(user) if PERM in g.perms and g.region_path})
    tops = [p for p in paths if not any(p != q and p.startswith(q) for q in paths)]
    return list(Region.objects.filter(path__in=tops).order_by("path")) if tops else []


def resolve_region(user, code: str) -> Region:
    node = Region.objects.visible_to(user, PERM).filter(code=code).first()
    if node is None:
        raise NotFound("行政区划不存在或不在管辖范围内")
    return node


# Map -------------------------------------------------------------------------------------------
def _grouped(qs, path_field: str, width: int, **aggregates) -> dict[str, dict]:
    rows = (
        qs.annotate(_prefix=Substr(path_field, 1, width)).values("_prefix").annotate(**aggregates).order_by()
    )
    return {r.pop("_prefix"): r for r in rows}


def map_data(
    user, code: str | None = None, report: HealthReport | None = None, roots: list[Region] | None = None
) -> dict:
    """The sub-regions of a node (default: the user's scope root) with their metrics and boundaries.

    `code` outside the user's scope raises NotFound. A user whose scope has several top nodes gets
    those nodes as the "children" of a virtual root. `report` reuses a health check already run over
    the whole scope (home page); otherwise one is run over the node's subtree when the user may see
    the health check.
    """
    roots = scope_roots(user) if roots is None else roots
    if code:
        node = resolve_region(user, code)
        children = list(Region.objects.get_children(node).order_by("path"))
    elif len(roots) == 1:
        node = roots[0]
        children = list(Region.objects.get_children(node).order_by("path"))
        # A level with a single node says nothing on a map: start at the first level that branches
        # (a city with one district shows its streets); the back button still climbs to the root.
        for _ in range(3):
            if len(children) != 1 or not children[0].numchild:
                break
            node = children[0]
            children = list(Region.objects.get_children(node).order_by("path"))
    else:
        node = None
        children = roots
    parent = None
    if node is not None and not any(node.path == r.path for r in roots):
        parent_node = Region.objects.filter(path=node.path[: -Region.steplen]).only("code", "name").first()
        if parent_node is not None:
            parent = {"code": parent_node.code, "name": parent_node.name}
    elif node is not None and len(roots) > 1:
        parent = {"code": "", "name": "全部"}
    result = {
        "region": {"code": node.code, "name": node.name, "level": node.get_level_display()} if node else None,
        "parent": parent,
        "metrics": [{"code": k, "label": v[0], "unit": v[1]} for k, v in METRICS.items()],
        "children": [],
        "geojson": {"type": "FeatureCollection", "features": []},
    }
    if not children:
        return result
    depths = {c.depth for c in children}
    width = max(depths) * Region.steplen
    under = Q()
    if node is not None:
        under = Q(path__startswith=node.path)
    else:
        for c in children:
            under |= Q(path__startswith=c.path)

    def scoped(model, path_field):
        qs = model.objects.visible_to(user)
        if node is not None:
            return qs.filter(**{f"{path_field}__startswith": node.path})
        return qs.filter(Q(*[Q(**{f"{path_field}__startswith": c.path}) for c in children], _connector=Q.OR))

    community_stats = _grouped(
        Region.objects.filter(under, level=RegionLevel.COMMUNITY),
        "path",
        width,
        population=Sum("population"),
        households=Sum("household_count"),
    )
    members = _grouped(
        scoped(Member, "party_org__region__path"), "party_org__region__path", width, n=Count("id")
    )
    orgs = _grouped(scoped(PartyOrg, "region__path"), "region__path", width, n=Count("id"))
    households = _grouped(scoped(Household, "entrance__path"), "entrance__path", width, n=Count("id"))
    should = _should_q(cov3_min_employees())
    units = _grouped(
        scoped(Unit, "region__path"),
        "region__path",
        width,
        should=Count("id", filter=should),
        covered=Count("id", filter=should & ~Q(party_work=PartyWork.NONE)),
    )
    findings_by = None
    if has_perm(user, "standards.view"):
        from . import health_counts

        findings_by = None if report is not None else health_counts.by_path(user, [c.path for c in children])
        if findings_by is None:
            if report is None:
                report = run_health_check(user, within=node)
            findings_by = {}
            for f in report.findings:
                key = f.region_path[:width]
                findings_by[key] = findings_by.get(key, 0) + 1
    features = []
    for c in children:
        stats = community_stats.get(c.path, {})
        u = units.get(c.path, {"should": 0, "covered": 0})
        row = {
            "code": c.code,
            "name": c.name,
            "level": c.get_level_display(),
            "has_children": c.numchild > 0,
            "population": c.population or stats.get("population") or 0,
            "households": households.get(c.path, {}).get("n", 0),
            "members": members.get(c.path, {}).get("n", 0),
            "orgs": orgs.get(c.path, {}).get("n", 0),
            "coverage": _rate(u["covered"], u["should"]),
            "units_should": u["should"],
            "units_covered": u["covered"],
            "findings": findings_by.get(c.path, 0) if findings_by is not None else None,
        }
        result["children"].append(row)
        geometry = _geometry(c.polygon)
        if geometry:
            features.append(
                {"type": "Feature", "properties": {"name": c.code, "label": c.name}, "geometry": geometry}
            )
    result["geojson"]["features"] = features
    if findings_by is None:
        result["metrics"] = [m for m in result["metrics"] if m["code"] != "findings"]
    return result


# Home page -------------------------------------------------------------------------------------
def _age_bands(user, today: datetime.date) -> list[dict]:
    """Members per age band and status (one aggregate query)."""

    def born_after(years: int) -> datetime.date:
        try:
            return today.replace(year=today.year - years)
        except ValueError:
            return today.replace(year=today.year - years, day=28)

    aggregates = {}
    bands = [*AGE_BANDS, ("未登记", None, None)]
    for i, (_label, lo, hi) in enumerate(bands):
        # age in [lo, hi): born after today-hi years and on or before today-lo years
        band = (
            Q(birth_date__isnull=True)
            if lo is None
            else Q(birth_date__gt=born_after(hi), birth_date__lte=born_after(lo))
        )
        for status in MemberStatus.values:
            aggregates[f"b{i}_{status}"] = Count("id", filter=band & Q(status=status))
    row = Member.objects.visible_to(user).aggregate(**aggregates)
    out = []
    for i, (label, lo, _hi) in enumerate(bands):
        counts = {status: row[f"b{i}_{status}"] for status in MemberStatus.values}
        if lo is None and not any(counts.values()):
            continue
        out.append({"label": label, **counts})
    return out


def _unit_types(user) -> list[dict]:
    should = _should_q(cov3_min_employees())
    covered = ~Q(party_work=PartyWork.NONE)
    rows = (
        Unit.objects.visible_to(user)
        .values("type")
        .annotate(
            total=Count("id"),
            should=Count("id", filter=should),
            covered=Count("id", filter=should & covered),
        )
        .order_by()
    )
    labels = dict(UnitType.choices)
    by_type = {r["type"]: r for r in rows}
    out = []
    for value in UnitType.values:
        r = by_type.get(value)
        if r and r["total"]:
            out.append(
                {"type": value, "label": labels[value], **{k: r[k] for k in ("total", "should", "covered")}}
            )
    return out


PALETTE = ["#d63939", "#f76707", "#f59f00", "#2fb344", "#206bc4", "#ae3ec9", "#667382"]


def _charts(stats: dict, ages: list[dict], unit_types: list[dict]) -> dict:
    kinds = dict(OrgKind.choices)
    org_pie = {
        "color": PALETTE,
        "tooltip": {"trigger": "item", "formatter": "{b}：{c} 个（{d}%）"},
        "series": [
            {
                "type": "pie",
                "radius": ["32%", "55%"],
                "center": ["50%", "50%"],
                "label": {"formatter": "{b}\n{c}", "overflow": "none"},
                "data": [
                    {"name": kinds[k], "value": stats["orgs"][k]} for k in OrgKind.values if stats["orgs"][k]
                ],
            }
        ],
    }
    members_chart = {
        "color": ["#d63939", "#f59f00"],
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "grid": {"left": 8, "right": 8, "top": 30, "bottom": 8, "containLabel": True},
        "legend": {"top": 0},
        "xAxis": {
            "type": "category",
            "data": [b["label"] for b in ages],
            "axisLabel": {"interval": 0, "fontSize": 11},
        },
        "yAxis": {"type": "value", "minInterval": 1},
        "series": [
            {
                "name": MemberStatus(status).label,
                "type": "bar",
                "stack": "m",
                "barMaxWidth": 40,
                "data": [b[status] for b in ages],
            }
            for status in MemberStatus.values
        ],
    }
    units_chart = {
        "color": ["#2fb344", "#d63939", "#adb5bd"],
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "legend": {"top": 0},
        "grid": {"left": 8, "right": 8, "top": 30, "bottom": 8, "containLabel": True},
        "xAxis": {"type": "value", "minInterval": 1},
        "yAxis": {"type": "category", "data": [t["label"] for t in unit_types], "inverse": True},
        "series": [
            {"name": "已覆盖", "type": "bar", "stack": "u", "data": [t["covered"] for t in unit_types]},
            {
                "name": "应覆盖未覆盖",
                "type": "bar",
                "stack": "u",
                "data": [t["should"] - t["covered"] for t in unit_types],
            },
            {
                "name": "暂不要求",
                "type": "bar",
                "stack": "u",
                "data": [t["total"] - t["should"] for t in unit_types],
            },
        ],
    }
    return {"orgs": org_pie, "members": members_chart, "units": units_chart}


def home_data(user) -> dict:
    """Everything the home page shows, in a fixed number of queries."""
    from .today import today_sections

    queues = today_sections(user)
    calendar = calendar_warning(user)
    if not wants_overview(user):
        # Members, department handlers and grid workers: their queues, then what they can open.
        from grassroots.core.navigation import menu_for

        return {
            "has_scope": False,
            "today_sections": queues,
            "calendar_missing": calendar,
            "shortcuts": [i for i in menu_for(user, "") if i["url"] != "/"],
        }
    stats = scope_counts(user)
    report, findings = None, None
    if has_perm(user, "standards.view"):
        from . import health_counts

        # The counts of the last rollup (nightly after the health check) when they are the user's own;
        # else the check runs now over the user's scope.
        counted = health_counts.for_user(user)
        if counted is None:
            report = run_health_check(user)
            counted = {"total": len(report), "by_rule": report.by_rule, "computed_at": None}
        findings = {
            "total": counted["total"],
            "computed_at": counted["computed_at"],
            "by_rule": [
                {"code": r.code, "title": r.title, "count": counted["by_rule"].get(r.code, 0)}
                for r in Rule.objects.filter(enabled=True, category__in=["org", "cov"]).order_by("code")
            ],
        }
    today = timezone.localdate()
    ages = _age_bands(user, today)
    unit_types = _unit_types(user)
    roots = scope_roots(user)
    map_root = map_data(user, report=report, roots=roots) if roots else None
    return {
        "has_scope": True,
        "stats": stats,
        "findings": findings,
        "charts": _charts(stats, ages, unit_types),
        "map": map_root,
        "cobuild_sections": cobuild_sections(user),
        "today_sections": queues,
        "calendar_missing": calendar,
    }


def calendar_warning(user) -> list[int]:
    """Years (this and next) without the official holiday schedule, for everyone whose deadlines depend
    on it: dispatchers (street, district, community administrators) and those who load it."""
    if not (has_perm(user, "cases.dispatch") or has_perm(user, "cases.config")):
        return []
    from grassroots.cases.workdays import missing_calendar_years

    year = timezone.localdate().year
    return missing_calendar_years([year, year + 1])


def wants_overview(user) -> bool:
    """Whether the home page shows the party-building overview of the user's scope (figures, charts,
    map): administrators, leaders and auditors. Department handlers (no party data in their scope) and
    grid workers (their grid's work, not the community's dashboard) get their queues only."""
    if not has_scope(user):
        return False
    if user.is_superuser:
        return True
    if not any("party.view" in g.perms and not g.own for g in grants_for(user)):
        return False
    if has_perm(user, "cases.dispatch") or has_perm(user, "audit.view"):
        return True
    from grassroots.grids.models import GridAssignment

    return not GridAssignment.objects.filter(worker__user=user).exists()


# The co-building apps each answer home_figures(user) -> [{label, value, url}] within the user's scope
# (empty without their view permission). Listed by dotted path so the home page never imports an app
# it doesn't show, and an app's figures live next to its own models.
HOME_SECTIONS = [
    ("共驻共建", "affiliate", "grassroots.cobuild.stats.home_figures"),
    ("志愿服务与微心愿", "heart-handshake", "grassroots.volunteers.stats.home_figures"),
    ("组织生活与活动", "calendar-event", "grassroots.orglife.stats.home_figures"),
    ("党群服务阵地", "building-community", "grassroots.venues.stats.home_figures"),
    ("党员积分与星级支部", "stars", "grassroots.merit.stats.home_figures"),
    ("红色物业", "building-skyscraper", "grassroots.redproperty.stats.home_figures"),
]


def cobuild_sections(user) -> list[dict]:
    """The home page's co-building cards: sections with at least one figure the user may see.

    Not cached: every section reads precomputed figures (core.tallies buckets, orglife.BranchLife), a
    query or two each, so the first load after a login costs what every later one does."""
    return _compute_sections(user)


def _compute_sections(user) -> list[dict]:
    sections = []
    for title, icon, path in HOME_SECTIONS:
        figures = import_string(path)(user)
        if figures:
            sections.append({"title": title, "icon": icon, "figures": figures})
    return sections
