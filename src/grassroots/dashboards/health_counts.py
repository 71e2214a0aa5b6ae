"""组织体检 counts for the home pages, read from FindingCount instead of running the health check per
request (it evaluates every ORG/COV rule over every unit, org and member of the scope).

`refresh() -> rows` runs the check once over the whole city (as the nightly branch health check does)
and counts the findings per rule under every rollup path; registered as a rollup summary, so it runs
nightly (after the health check) and with every on-demand rollup.

`for_user(user) -> {"total", "by_rule": {code: n}, "computed_at"} | None` and
`by_path(user, paths) -> {path: n} | None` answer only when the figures equal the user's own health
check: every grant carrying standards.view is a region grant (no party-org or own-records grant, whose
scope the region counts don't follow) and every path asked for was counted. Otherwise None, and the
caller runs the check itself.
"""

from __future__ import annotations

from collections import Counter

from django.db import transaction
from django.utils import timezone

from grassroots.core.scoping import grants_for

from .models import FindingCount

PERM = "standards.view"


def refresh() -> int:
    from grassroots.regions.models import Region
    from grassroots.standards.health import SYSTEM
    from grassroots.standards.services import run_health_check

    from .rollups import rollup_paths

    paths = set(rollup_paths())
    report = run_health_check(SYSTEM)
    step = Region.steplen
    counts: Counter = Counter()
    for f in report.findings:
        path = f.region_path or ""
        for k in range(step, len(path) + 1, step):
            prefix = path[:k]
            if prefix in paths:
                counts[(prefix, "")] += 1
                counts[(prefix, f.rule)] += 1
    now = timezone.now()
    rows = [
        FindingCount(region_path=p, rule="", count=counts[(p, "")], computed_at=now) for p in sorted(paths)
    ]
    rows += [
        FindingCount(region_path=p, rule=rule, count=n, computed_at=now)
        for (p, rule), n in sorted(counts.items())
        if rule
    ]
    with transaction.atomic():
        FindingCount.objects.all().delete()
        FindingCount.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def _region_roots(user) -> list[str] | None:
    """The top region paths of the user's standards.view scope, or None when it isn't regions only."""
    if user.is_superuser:
        from grassroots.regions.models import Region

        return list(Region.objects.filter(depth=1).order_by("path").values_list("path", flat=True))
    grants = [g for g in grants_for(user) if PERM in g.perms]
    if not grants or any(g.region_path is None or g.org_path is not None or g.own for g in grants):
        return None
    paths = sorted({g.region_path for g in grants})
    return [p for p in paths if not any(p != q and p.startswith(q) for q in paths)]


def for_user(user) -> dict | None:
    roots = _region_roots(user)
    if roots is None:
        return None
    rows = list(
        FindingCount.objects.filter(region_path__in=roots).values_list(
            "region_path", "rule", "count", "computed_at"
        )
    )
    if {p for p, rule, _n, _at in rows if rule == ""} != set(roots):
        return None  # a root not counted (no run yet, or a grant below the community level)
    by_rule: Counter = Counter()
    for _p, rule, n, _at in rows:
        by_rule[rule] += n
    total = by_rule.pop("", 0)
    return {"total": total, "by_rule": dict(by_rule), "computed_at": min(at for *_x, at in rows)}


def by_path(user, paths: list[str]) -> dict[str, int] | None:
    roots = _region_roots(user)
    if roots is None or not paths or not all(any(p.startswith(r) for r in roots) for p in paths):
        return None  # a path wider than the user's health-check scope counts findings they don't see
    counts = dict(
        FindingCount.objects.filter(region_path__in=paths, rule="").values_list("region_path", "count")
    )
    if set(counts) != set(paths):
        return None
    return counts
