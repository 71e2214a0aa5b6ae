"""Per-grid metrics and coverage statistics (GOV-4), computed with a fixed number of queries.

A grid "has a party member" when a member lives in it (Member.residence placed in the grid) or is
registered in the grid's own party organisation. A grid "has a party organisation" (GOV-4) only when
its org has at least GOV-4's [min_full_members] full members (an empty branch covers nothing). A grid
"has a worker" when it has a grid head or a grid worker (GridAssignment).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, F, Func, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce

from grassroots.party.choices import MemberStatus
from grassroots.party.models import Member, PartyOrg
from grassroots.regions.models import Household, Region
from grassroots.units.models import Unit

from .models import AssignmentRole, GridAssignment

METRICS = {
    "households": "住户数",
    "members": "党员数",
    "party_org": "党组织覆盖",
    "worker_load": "网格员人均住户",
    "units": "驻区单位数",
}
# Metrics other apps add to the grid map: key -> fn(user, grid_ids) -> {grid id: value} (user-scoped).
MAP_METRICS: dict = {}


def register_map_metric(key: str, label: str, values) -> None:
    """Add a metric to the grid map (cases adds "open_cases" from its AppConfig.ready())."""
    METRICS[key] = label
    MAP_METRICS[key] = values


def gov4_min_full_members() -> int:
    """GOV-4's [min_full_members]: full members a grid's org needs for the grid to count as covered."""
    from grassroots.core.rules import Rule

    rule = Rule.objects.filter(code="GOV-4").only("params").first()
    value = (rule.params or {}).get("min_full_members") if rule else None
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 3


def org_full_members_expr(org_path: str = "party_org__path"):
    """Subquery: full members registered in the org at `org_path` or its sub-orgs (groups)."""
    counts = (
        Member.objects.filter(party_org__path__startswith=OuterRef(org_path), status=MemberStatus.FULL)
        .order_by()
        .annotate(n=Func(F("id"), function="COUNT"))
        .values("n")
    )
    return Coalesce(Subquery(counts), 0)


def covered_grid_paths(grids, min_full: int) -> dict[int, str]:
    """{grid id: region path} of the grids (a Grid queryset) whose party org has at least `min_full`
    full members in itself or its sub-orgs (GOV-4). Two grouped queries, the member counts summed up
    the org tree in Python: the correlated subquery of org_full_members_expr() scans the members once
    per grid (11 s per rollup level on the small demo); use this for counts over many grids."""
    rows = list(grids.filter(party_org__isnull=False).values_list("id", "region__path", "party_org__path"))
    if not rows:
        return {}
    wanted = {org for _id, _region, org in rows}
    step = PartyOrg.steplen
    totals: dict[str, int] = {}
    full = Member.objects.filter(status=MemberStatus.FULL).values_list("party_org__path")
    for path, n in full.annotate(n=Count("id")).order_by():
        for cut in range(step, len(path) + 1, step):
            if path[:cut] in wanted:
                totals[path[:cut]] = totals.get(path[:cut], 0) + n
    return {gid: region for gid, region, org in rows if totals.get(org, 0) >= min_full}


def count_by_prefix(region_paths, prefixes) -> dict[str, int]:
    """{prefix: how many of `region_paths` start with it}, summing each path into its ancestors."""
    wanted = set(prefixes)
    out = dict.fromkeys(wanted, 0)
    step = Region.steplen
    for path in region_paths:
        for cut in range(step, len(path) + 1, step):
            if path[:cut] in wanted:
                out[path[:cut]] += 1
    return out


def covered_grids_q(min_full: int) -> Q:
    """Q over Grid annotated with org_full=org_full_members_expr(): the grid counts as covered."""
    return Q(party_org__isnull=False, org_full__gte=min_full)


def grid_metrics(grids: list) -> dict[int, dict]:
    """{grid id: {households, members, units, workers, has_head, party_org, worker_load}}."""
    ids = [g.id for g in grids]
    out = {
        g.id: {
            "households": 0,
            "members": 0,
            "units": 0,
            "workers": 0,
            "has_head": False,
            "party_org": 0,
            "org_full": 0,
            "worker_load": 0.0,
        }
        for g in grids
    }
    if not ids:
        return out
    for row in Household.objects.filter(grid_id__in=ids).values("grid_id").annotate(n=Count("id")):
        out[row["grid_id"]]["households"] = row["n"]
    for row in Unit.objects.filter(grid_id__in=ids).values("grid_id").annotate(n=Count("id")):
        out[row["grid_id"]]["units"] = row["n"]
    for row in (
        GridAssignment.objects.filter(grid_id__in=ids).values("grid_id", "role").annotate(n=Count("id"))
    ):
        out[row["grid_id"]]["workers"] += row["n"]
        if row["role"] == AssignmentRole.HEAD:
            out[row["grid_id"]]["has_head"] = True
    # Members living in the grid, plus members of the grid's own org (counted once each).
    seen: dict[int, set] = {i: set() for i in ids}
    for mid, gid in Member.objects.filter(residence__grid_id__in=ids).values_list("id", "residence__grid_id"):
        seen[gid].add(mid)
    org_to_grids: dict[int, list[int]] = {}
    for g in grids:
        if g.party_org_id:
            org_to_grids.setdefault(g.party_org_id, []).append(g.id)
    if org_to_grids:
        for mid, oid, status in Member.objects.filter(party_org_id__in=list(org_to_grids)).values_list(
            "id", "party_org_id", "status"
        ):
            for gid in org_to_grids[oid]:
                seen[gid].add(mid)
                if status == MemberStatus.FULL:
                    out[gid]["org_full"] += 1
    min_full = gov4_min_full_members()
    for m in out.values():
        m["party_org"] = 1 if m["org_full"] >= min_full else 0
    for gid, members in seen.items():
        out[gid]["members"] = len(members)
    for m in out.values():
        m["worker_load"] = (
            round(m["households"] / m["workers"], 1) if m["workers"] else float(m["households"])
        )
    return out


@dataclass
class Coverage:
    key: str
    label: str
    covered: int
    total: int
    warnings: list = field(default_factory=list)  # [(grid, text)]

    @property
    def rate(self) -> float:
        return round(100.0 * self.covered / self.total, 1) if self.total else 0.0


def coverage(grids: list, metrics: dict[int, dict] | None = None) -> dict:
    metrics = metrics if metrics is not None else grid_metrics(grids)
    total = len(grids)
    org = Coverage("party_org", "有党组织的网格", 0, total)
    member = Coverage("party_member", "有党员的网格", 0, total)
    worker = Coverage("worker", "有网格员的网格", 0, total)
    head = Coverage("head", "有网格长的网格", 0, total)
    households = 0
    for g in grids:
        m = metrics[g.id]
        households += m["households"]
        if m["party_org"]:
            org.covered += 1
        elif g.party_org_id:
            org.warnings.append(
                (g, f"网格党组织正式党员 {m['org_full']} 名，不足规定人数，不计入覆盖（GOV-4）")
            )
        else:
            org.warnings.append((g, "未建立网格党组织（GOV-4）"))
        if m["members"]:
            member.covered += 1
        else:
            member.warnings.append((g, "网格内没有党员（GOV-4）"))
        if m["workers"]:
            worker.covered += 1
        else:
            worker.warnings.append((g, "没有责任网格员（GOV-4）"))
        if m["has_head"]:
            head.covered += 1
        else:
            head.warnings.append((g, "未设网格长"))
    load = Coverage("load", "网格员负担", 0, total)
    # A grid head may lead several grids: count each person once for the scope's average.
    workers = (
        GridAssignment.objects.filter(grid_id__in=[g.id for g in grids])
        .values("worker_id")
        .distinct()
        .count()
        if grids
        else 0
    )
    avg_load = round(households / workers, 1) if workers else 0.0
    for g in grids:
        m = metrics[g.id]
        if m["workers"] and m["households"] and avg_load and m["households"] / m["workers"] > 2 * avg_load:
            load.warnings.append((g, f"网格员人均 {m['worker_load']} 户，超过平均值两倍"))
    return {
        "total": total,
        "households": households,
        "workers": workers,
        "households_per_grid": round(households / total, 1) if total else 0.0,
        "households_per_worker": avg_load,
        "items": [org, member, worker, head, load],
    }
