"""`grassroots bench health`: the 组织体检 (every enabled ORG/COV rule) over the database in use, e.g.
after `grassroots demo --preset small`.

Printed, for the whole city (a superuser) and for one street (a street admin):
- baseline: one pass over the same rows without rules (COUNT of members, orgs and units in scope);
- health check: wall time, number of queries and findings;
- dashboard: the home page's data (counts, charts, findings, map of the scope root).
"""

from __future__ import annotations

import time

from django.db import connection
from django.test.utils import CaptureQueriesContext


def add_arguments(parser):
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure (the best is printed)")


def _best(fn, repeat: int):
    best, result, queries = None, None, 0
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as q:
            t = time.perf_counter()
            result = fn()
            dt = time.perf_counter() - t
        best = dt if best is None else min(best, dt)
        queries = len(q)
    return best, queries, result


def run(out, repeat: int = 3, **_):
    from grassroots.accounts.models import Role, RoleAssignment, User
    from grassroots.dashboards.services import home_data
    from grassroots.party.models import Member, PartyOrg
    from grassroots.regions.models import Region
    from grassroots.standards.services import run_health_check
    from grassroots.units.models import Unit

    street = Region.objects.filter(level="street").order_by("path").first()
    if street is None:
        out.write("数据库中没有街道：请先运行 grassroots demo --preset small")
        return
    root, _ = User.objects.get_or_create(username="bench_health_root", defaults={"is_superuser": True})
    admin, _ = User.objects.get_or_create(username="bench_health_street")
    RoleAssignment.objects.get_or_create(
        user=admin, role=Role.objects.get(code="street_admin"), region=street
    )

    for label, user in (("全市（超级管理员）", root), (f"{street.name}（街道管理员）", admin)):

        def baseline(user=user):
            return (
                Member.objects.visible_to(user).count(),
                PartyOrg.objects.visible_to(user).count(),
                Unit.objects.visible_to(user).count(),
            )

        b_time, b_queries, (members, orgs, units) = _best(baseline, repeat)
        h_time, h_queries, report = _best(lambda user=user: run_health_check(user), repeat)
        d_time, d_queries, _data = _best(lambda user=user: home_data(user), repeat)
        out.write(f"{label}: 党员 {members}，党组织 {orgs}，单位 {units}")
        out.write(f"  baseline counts     {b_time * 1000:8.1f} ms  {b_queries:3d} queries")
        out.write(
            f"  health check        {h_time * 1000:8.1f} ms  {h_queries:3d} queries  {len(report)} findings"
        )
        out.write(f"  dashboard home data {d_time * 1000:8.1f} ms  {d_queries:3d} queries")
