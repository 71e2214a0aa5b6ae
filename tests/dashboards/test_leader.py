"""Leader dashboard: rollups equal direct counts, drill-down within scope, exports, refresh, queries."""

from __future__ import annotations

import datetime
import io
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from grassroots.cases.models import Case, Evaluation, Handler
from grassroots.dashboards import metrics
from grassroots.dashboards.leader import leader_data
from grassroots.dashboards.models import Rollup, RollupRun
from grassroots.dashboards.rollups import compute_rollups, month_starts
from grassroots.dashboards.tasks import rollup_task
from grassroots.grids.models import Grid
from grassroots.party.models import Member, PartyOrg
from grassroots.units.models import Unit
from grassroots.whistle import services as whistle
from grassroots.whistle.models import Target
from tests.factories import add_unit_members

pytestmark = pytest.mark.django_db


def figure(html: str, code: str) -> str:
    m = re.search(rf'data-figure="{re.escape(code)}">([^<]*)<', html)
    assert m, code
    return m.group(1).strip()


@pytest.fixture
def data(city, make_user):
    """build_city plus grids (one with a party org), cases (open, overdue, evaluated) and summonses."""
    c0, c1, c2 = city.communities[0], city.communities[1], city.communities[2]
    for i, c in enumerate((c0, c1, c2)):
        Grid.objects.create(
            region=c,
            code=f"{c.code}001",
            name=f"{c.name}第1网格",
            polygon={},
            area_m2=1.0,
            party_org=city.branches[i] if i == 0 else None,
        )
    Unit.objects.filter(pk=city.units[0].pk).update(party_work="attached")
    add_unit_members(city.units[0], 3, city.branches[0])
    add_unit_members(city.units[2], 3, city.branches[0])
    now = timezone.now()
    dept = Handler.objects.create(kind="department", name="区城市管理局", region=city.district)
    member = make_user("lead_dept", "department_handler", city.district)
    dept.members.add(member)

    def case(region, state, due, n=[0]):  # noqa: B006
        n[0] += 1
        return Case.objects.create(
            number=f"L{n[0]:05d}",
            channel="patrol",
            description="测试工单描述",
            region=region,
            handler=dept,
            state=state,
            dispatched_at=now,
            due_at=due,
            submitted_at=now - datetime.timedelta(days=n[0] * 20),
        )

    case(c0, "accepted", now + datetime.timedelta(days=2))
    case(c0, "accepted", now - datetime.timedelta(hours=1))  # overdue
    done = case(c2, "closed", now - datetime.timedelta(hours=1))
    Evaluation.objects.create(case=done, round=1, result="satisfied", handler=dept)
    Evaluation.objects.create(case=case(c1, "closed", now), round=1, result="unsatisfied", handler=dept)
    street_admin = make_user("lead_street", "street_admin", city.streets[0])
    s = whistle.summon(
        street_admin, region=c0, subject="占道经营", description="早市占道经营影响通行", handlers=[dept]
    )
    whistle.check_in(member, s, s.targets.get(), mode="online")
    s2 = whistle.summon(
        street_admin, region=c1, subject="噪音扰民", description="夜间施工噪音扰民", handlers=[dept]
    )
    Target.objects.filter(summons=s2).update(due_at=now - datetime.timedelta(hours=1))
    return city


def direct(path: str) -> dict:
    """The figures counted straight from the rows, independently of the metric functions."""
    now = timezone.now()
    grids = Grid.objects.filter(region__path__startswith=path)
    targets = Target.objects.filter(summons__region__path__startswith=path)
    evals = Evaluation.objects.filter(case__region__path__startswith=path)
    return {
        "orgs": PartyOrg.objects.filter(region__path__startswith=path).count(),
        "members": Member.objects.filter(party_org__region__path__startswith=path).count(),
        "grids": grids.count(),
        "grid_org_coverage": round(100 * grids.exclude(party_org=None).count() / grids.count(), 1)
        if grids.count()
        else None,
        "units_covered": Unit.objects.filter(region__path__startswith=path)
        .exclude(party_work="none")
        .count(),
        "cases_open": Case.objects.filter(
            region__path__startswith=path, state__in=["dispatched", "accepted", "in_progress"]
        ).count(),
        "cases_overdue": Case.objects.filter(
            region__path__startswith=path,
            state__in=["dispatched", "accepted", "in_progress"],
            due_at__lte=now,
        ).count(),
        "cases_new": Case.objects.filter(region__path__startswith=path).count(),
        "case_satisfaction": round(
            100 * evals.filter(result__in=["satisfied", "basic"]).count() / evals.count(), 1
        )
        if evals.count()
        else None,
        "whistle_checkin_rate": round(
            100
            * sum(1 for t in targets if t.checked_in_at and t.checked_in_at <= t.due_at)
            / targets.count(),
            1,
        )
        if targets.count()
        else None,
    }


def test_rollup_figures_equal_direct_counts(data, make_user):
    written = compute_rollups()
    assert written == Rollup.objects.count() > 0
    admin = make_user("lead_city", "city_admin", data.city)
    d = leader_data(admin)
    assert d["region"]["code"] == data.city.code and d["has_data"] and d["computed_at"] is not None
    want = direct(data.city.path)
    got = {f["code"]: f["value"] for f in d["figures"]}
    for code, value in want.items():
        assert got[code] == value, code
    assert want["cases_open"] == 2 and want["cases_overdue"] == 1 and want["whistle_checkin_rate"] == 50.0
    # rankings of the children: the district, then (drilled) each street
    d = leader_data(admin, data.district.code)
    rows = {r["code"]: r for r in d["ranking"]}
    for street in data.streets:
        want = direct(street.path)
        for code, value in want.items():
            assert rows[street.code][code] == value, (street.name, code)
    # 12-month trend: the cases submitted each month
    months = [m.strftime("%Y-%m") for m in month_starts(timezone.localdate())]
    series = next(s for s in d["trends"]["series"] if s["code"] == "cases_new")
    for month, value in zip(months, series["values"], strict=True):
        n = sum(
            1
            for c in Case.objects.filter(region__path__startswith=data.district.path)
            if timezone.localtime(c.submitted_at).strftime("%Y-%m") == month
        )
        assert value == n, month
    # served from rollups equals computed directly
    assert leader_data(admin, data.district.code, source="direct")["figures"] == d["figures"]


def test_a_data_change_shows_after_the_next_run(data, make_user):
    compute_rollups()
    admin = make_user("lead_city", "city_admin", data.city)
    before = {f["code"]: f["value"] for f in leader_data(admin)["figures"]}
    Grid.objects.filter(party_org__isnull=True).update(party_org=data.branches[1])
    assert {f["code"]: f["value"] for f in leader_data(admin)["figures"]}["grid_org_coverage"] == before[
        "grid_org_coverage"
    ]
    compute_rollups()
    assert {f["code"]: f["value"] for f in leader_data(admin)["figures"]}["grid_org_coverage"] == 100.0


def test_registry_contract():
    def fn(paths, start, end):
        return {p: 7 for p in paths}

    try:
        metrics.register(metrics.Metric("test_metric", "测试指标", "个", fn, order=999))
        assert metrics.get("test_metric").fn(["0001"], None, None) == {"0001": 7}
        assert metrics.metrics()[-1].code == "test_metric"
    finally:
        metrics.REGISTRY.pop("test_metric", None)
    assert {"orgs", "members", "grids", "cases_open", "whistle_checkin_rate"} <= set(metrics.REGISTRY)


def test_page_scope_drill_down_and_breadcrumbs(data, make_user, client_for):
    compute_rollups()
    street = data.streets[0]
    user = make_user("lead_street2", "street_admin", street)
    c = client_for(user)
    r = c.get(reverse("dashboards:leader"))
    assert r.status_code == 200 and street.name in r.text and "数据计算于" in r.text
    assert figure(r.text, "orgs") == str(
        PartyOrg.objects.filter(region__path__startswith=street.path).count()
    )
    r = c.get(reverse("dashboards:leader"), {"region": data.communities[0].code})
    assert r.status_code == 200
    crumbs = re.search(r'<ol class="breadcrumb[^>]*>(.*?)</ol>', r.text, re.S).group(1)
    assert street.name in crumbs and data.communities[0].name in crumbs and data.district.name not in crumbs
    for outside in (data.district.code, data.communities[2].code, "nope"):
        assert c.get(reverse("dashboards:leader"), {"region": outside}).status_code == 404
    # a user without region scope has no dashboard
    assert client_for(make_user("lead_nobody")).get(reverse("dashboards:leader")).status_code == 404


def test_empty_state_before_the_first_run(data, make_user, client_for):
    r = client_for(make_user("lead_city", "city_admin", data.city)).get(reverse("dashboards:leader"))
    assert r.status_code == 200 and "尚无统计汇总" in r.text


def test_exports_of_every_table(data, make_user, client_for):
    compute_rollups()
    c = client_for(make_user("lead_city", "city_admin", data.city))
    for table, header in (("ranking", "区划编码"), ("trends", "月份"), ("figures", "指标")):
        r = c.get(reverse("dashboards:leader"), {"region": data.district.code, "export": table})
        rows = list(load_workbook(io.BytesIO(r.content)).active.values)
        assert rows[0][0] == header, table
    r = c.get(reverse("dashboards:leader"), {"region": data.district.code, "export": "ranking"})
    rows = list(load_workbook(io.BytesIO(r.content)).active.values)
    assert [row[0] for row in rows[1:]] == [s.code for s in data.streets]


def test_refresh_queues_a_run_with_progress(data, make_user, client_for, django_capture_on_commit_callbacks):
    c = client_for(make_user("lead_city", "city_admin", data.city))
    with django_capture_on_commit_callbacks(execute=False):
        r = c.post(reverse("dashboards:rollup"), {"next": "/dashboards/leader/"})
    assert r.status_code == 302
    run = RollupRun.objects.get()
    assert run.state == "queued" and run.trigger == "manual"
    assert "排队中" in c.get(reverse("dashboards:rollup")).text
    assert rollup_task.call(run.pk) == Rollup.objects.count() > 0
    run.refresh_from_db()
    assert run.state == "done" and run.done == run.total and run.percent == 100
    # a department handler may look but not recompute
    dept = client_for(make_user("lead_dept2", "department_handler", data.district))
    assert dept.post(reverse("dashboards:rollup")).status_code == 403


def test_leader_page_reads_a_fixed_number_of_queries(
    data, make_user, client_for, django_assert_max_num_queries
):
    compute_rollups()
    c = client_for(make_user("lead_city", "city_admin", data.city))
    c.get(reverse("dashboards:leader"))
    with django_assert_max_num_queries(14):
        r = c.get(reverse("dashboards:leader"), {"region": data.district.code})
    assert r.text.count("data-row") == len(data.streets)


def test_by_prefix_with_many_siblings_counts_each_level(city):
    """More than 50 paths of one length switch to a common-prefix filter: rows located at a shorter
    path (the street's own org) must not be taken for a path of the longer level, nor overwrite it."""
    from django.db.models import Count

    street = city.streets[0]
    fake = [f"{city.communities[0].path[:-4]}{9000 + i:04d}" for i in range(60)]
    paths = [city.city.path, city.district.path, street.path, *(c.path for c in city.communities), *fake]
    got = metrics.by_prefix(PartyOrg.objects.all(), "region__path", paths, n=Count("id"))
    for node in (city.city, city.district, street, *city.communities):
        assert got[node.path]["n"] == PartyOrg.objects.filter(region__path__startswith=node.path).count()
    assert got[street.path]["n"] > 1 and all(got[p]["n"] == 0 for p in fake)


def test_demo_step_computes_the_rollups(data):
    from grassroots.dashboards import demo
    from grassroots.demo.context import DemoContext

    demo.generate(DemoContext(preset="tiny", seed=1, show_progress=False))
    run = RollupRun.objects.get()
    assert run.state == "done" and run.trigger == "demo"
    row = Rollup.objects.get(metric="orgs", region_path=data.city.path, period="now")
    assert row.value == PartyOrg.objects.count()
