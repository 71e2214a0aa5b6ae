"""The case statistics read the daily summary (cases.casedays): every figure equals the count over the
case rows (by hand and by the row path), for a street, the district and the city; case steps move the
figures without a rollup run; scope; a query count that does not grow with the cases."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from grassroots.cases import casedays, services, stats
from grassroots.cases.models import Case, CaseDay, Channel, DispatchRule
from grassroots.grids.models import Grid

from .conftest import NOW

pytestmark = pytest.mark.django_db
D = datetime.timedelta(days=1)
H = datetime.timedelta(hours=1)
START, END = (NOW - 20 * D).date(), NOW.date()
REFRESH = "grassroots.cases.tasks.refresh_case_days"


def run_refreshes() -> int:
    """What the task worker does with the summary refreshes the case steps queued after commit."""
    rows = list(DBTaskResult.objects.filter(task_path=REFRESH).order_by("enqueued_at"))
    for row in rows:
        row.task.call(*row.args_kwargs["args"], **row.args_kwargs["kwargs"])
    DBTaskResult.objects.filter(pk__in=[r.pk for r in rows]).delete()
    return len(rows)


BREAKDOWNS = ("by_category", "by_channel", "by_tier", "by_state", "by_grid", "by_handler")


def _norm(data: dict) -> dict:
    """The figures with each breakdown as a set (the row path leaves ties in database order)."""
    out = {k: v for k, v in data.items() if k not in BREAKDOWNS}
    out.update({k: sorted(map(str, data[k])) for k in BREAKDOWNS})
    return out


@pytest.fixture
def cases(ctx, make_case):
    """A varied set over three weeks in c0, c1 (the street) and c2 (the other street)."""
    poly = {
        "type": "Polygon",
        "coordinates": [[[120.30, 36.06], [120.31, 36.06], [120.31, 36.07], [120.30, 36.06]]],
    }
    grid = Grid.objects.create(
        region=ctx.c0, code=f"{ctx.c0.code}001", name="第1网格", polygon=poly, lng=120.305, lat=36.065
    )
    made = [
        make_case(
            submitted_at=NOW - 3 * D, channel="hotline", grid=grid, due_at=NOW - D, due_soon_at=NOW - 2 * D
        ),
        make_case(submitted_at=NOW - 3 * D, channel="h5", due_at=NOW + D, due_soon_at=NOW - H),
        make_case(submitted_at=NOW - 5 * D, due_at=NOW + 3 * D, due_soon_at=NOW + 2 * D, tier="major"),
        make_case(
            submitted_at=NOW - 10 * D,
            state="closed",
            resolved_at=NOW - 8 * D,
            due_at=NOW - 9 * D,
            evaluated_at=NOW - 7 * D,
            respond_due_at=NOW - 9 * D,
            responded_at=NOW - 10 * D,
            category=ctx.cat_noise,
        ),
        make_case(
            submitted_at=NOW - 10 * D,
            state="closed_unresolved",
            resolved_at=NOW - 2 * D,
            due_at=NOW,
            evaluated_at=NOW - D,
            respond_due_at=NOW - 9 * D,
            responded_at=NOW - 8 * D,
        ),
        make_case(
            submitted_at=NOW - 30 * D, state="evaluated", resolved_at=NOW - 4 * D, evaluated_at=NOW - 3 * D
        ),
        make_case(
            submitted_at=NOW - 2 * D, state="submitted", respond_due_at=NOW - D, category=None, tier=""
        ),
        make_case(submitted_at=NOW - 2 * D, state="merged", handler=None, respond_due_at=NOW - D),
        make_case(ctx.c1, submitted_at=NOW - D, handler=ctx.h_c1, channel="walk_in"),
        make_case(ctx.c2, submitted_at=NOW - D, handler=ctx.h_c2, state="resolved", resolved_at=NOW - H),
        make_case(ctx.c2, submitted_at=NOW - 6 * D, handler=ctx.h_dept, state="returned"),
    ]
    Case.objects.filter(pk=made[6].pk).update(category=None)  # 未分类
    casedays.rebuild()
    return made


def test_every_figure_equals_the_rows_for_a_street_the_district_and_the_city(ctx, cases, make_user):
    city_admin = make_user("root", is_superuser=True)
    for user, region, n in (
        (ctx.street_admin, "", 8),
        (ctx.district_admin, "", 10),
        (city_admin, "", 10),
        (city_admin, ctx.c2.code, 2),
        (ctx.district_admin, ctx.c1.code, 1),
    ):
        assert stats.summary_covers(user)
        # the clock figures follow `now` without any write (deadlines kept in the rows); the 60-day
        # window holds a whole month (read from the month rows)
        for granularity, now, start in (
            ("day", NOW, START),
            ("week", NOW + 2 * D, START),
            ("month", NOW - 2 * D, START),
            ("day", NOW, START - 40 * D),
            ("week", NOW + 2 * D, START - 40 * D),
        ):
            got = stats.case_stats(user, start, END, region, granularity, now=now)
            want = stats.case_stats_from_rows(user, start, END, region, granularity, now=now)
            assert _norm(got) == _norm(want), (user, region, granularity, start)
        got = stats.case_stats(user, START, END, region, now=NOW)
        assert got["totals"]["submitted"] == n  # hand count: the 30-day-old case is outside the window
    later = stats.case_stats(ctx.street_admin, START, END, now=NOW + 2 * D)["totals"]
    assert (later["overdue"], later["due_soon"]) == (2, 1)  # the second overdue, the third due soon
    t = stats.case_stats(ctx.street_admin, START, END, now=NOW)
    # Hand counts over the street: 3 open in c0 + 1 in c1; overdue the first; due soon the second.
    assert (t["totals"]["open"], t["totals"]["overdue"], t["totals"]["due_soon"]) == (4, 1, 1)
    assert (t["totals"]["finished"], t["totals"]["on_time"], t["totals"]["late"]) == (2, 1, 1)
    rates = {r["key"]: (r["num"], r["den"]) for r in t["rates"]}
    # response: one responded in time, one late; the waiting case is past its response deadline
    assert rates == {"response": (1, 3), "resolution": (1, 2), "satisfaction": (1, 2)}
    trend = {r["t"]: (r["submitted"], r["resolved"]) for r in t["trend"]}
    # the evaluated case submitted 30 days ago shows on the day it was resolved, inside the window
    assert trend[(NOW - 4 * D).date().isoformat()] == (0, 1)
    assert {r["key"]: r["count"] for r in t["by_channel"]} == {
        "patrol": 5,
        "hotline": 1,
        "h5": 1,
        "walk_in": 1,
    }
    assert [(r["code"], r["count"]) for r in t["by_grid"]] == [(f"{ctx.c0.code}001", 1)]


def test_case_steps_move_the_figures_without_a_rollup(ctx, cases, django_capture_on_commit_callbacks):
    before = stats.case_stats(ctx.street_admin)["totals"]
    with django_capture_on_commit_callbacks(execute=True):
        case = services.submit(
            ctx.grid_worker, channel=Channel.PATROL, region=ctx.c0, description="楼道堆放杂物，影响通行"
        )
    assert stats.case_stats(ctx.street_admin)["totals"] == before  # queued, not yet counted
    assert run_refreshes() == 1
    now = stats.case_stats(ctx.street_admin)
    assert now["totals"]["submitted"] == before["submitted"] + 1
    assert now["totals"]["waiting"] == before["waiting"] + 1
    assert {r["key"]: r["count"] for r in now["by_state"]}["submitted"] >= 1
    DispatchRule.objects.create(category=ctx.cat_garbage, handler=ctx.h_dept)
    with django_capture_on_commit_callbacks(execute=True):
        services.triage(ctx.street_admin, case, category=ctx.cat_garbage)
        services.dispatch(ctx.street_admin, case)
    assert run_refreshes() == 2
    after = stats.case_stats(ctx.street_admin)
    assert after["totals"]["open"] == now["totals"]["open"] + 1
    assert after["totals"]["waiting"] == before["waiting"]
    assert _norm(after) == _norm(stats.case_stats_from_rows(ctx.street_admin, now=None))
    # the whole current month: its month row was refreshed too
    first = timezone.localdate().replace(day=1)
    last = (first + datetime.timedelta(days=32)).replace(day=1) - D
    assert CaseDay.objects.filter(day=first, region=ctx.c0, month=True, submitted=1).exists()
    now = timezone.now()
    month = stats.case_stats(ctx.street_admin, first, last, now=now)
    assert _norm(month) == _norm(stats.case_stats_from_rows(ctx.street_admin, first, last, now=now))
    assert {r["key"]: r["count"] for r in month["by_state"]} == {"dispatched": 1}


def test_a_street_admin_sees_only_the_street(ctx, cases, client_for):
    t = stats.case_stats(ctx.street_admin, START, END, now=NOW)
    assert CaseDay.objects.filter(region=ctx.c2).exists()
    assert ctx.h_c2.pk not in {r["key"] for r in t["by_handler"]}
    assert (
        t["totals"]["submitted"]
        == Case.objects.filter(
            region__path__startswith=ctx.street.path, submitted_at__date__gte=START
        ).count()
        == 8
    )
    c = client_for(ctx.street_admin)
    assert c.get("/cases/stats/", {"region": ctx.c2.code, "start": START.isoformat()}).status_code == 404


def test_page_queries_do_not_grow_with_the_cases(ctx, cases, make_case, client_for):
    c = client_for(ctx.district_admin)
    params = {"start": START.isoformat(), "end": END.isoformat()}
    c.get("/cases/stats/", params)
    with CaptureQueriesContext(connection) as few:
        assert c.get("/cases/stats/", params).status_code == 200
    for i in range(12):
        make_case(ctx.c1 if i % 2 else ctx.c0, submitted_at=NOW - (i % 5) * D, channel="visit")
    casedays.rebuild()
    with CaptureQueriesContext(connection) as many:
        html = c.get("/cases/stats/", params).content.decode()
    assert 'data-stat="submitted">' in html
    assert len(many) == len(few)
    # no GROUP BY over the case table itself (the summary tables are cases_caseday*)
    assert not any('"cases_case" ' in q["sql"] and "GROUP BY" in q["sql"] for q in many.captured_queries)
