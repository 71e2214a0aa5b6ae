"""Scoring and rankings (GOV-6): numbers equal direct counts, the composite score, red/black lists at
their thresholds, area levels, Excel export."""

from __future__ import annotations

import datetime
import io

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from grassroots.cases import stats
from grassroots.cases.models import Case, CaseEvent, Evaluation
from grassroots.core.errors import ServiceError
from grassroots.standards.models import Rule

pytestmark = pytest.mark.django_db
D = datetime.timedelta(days=1)
H = datetime.timedelta(hours=1)


@pytest.fixture
def period():
    today = timezone.localdate()
    return today - datetime.timedelta(days=10), today


def _closed(make_case, handler, region, result=None, late=False, state="closed", **kw):
    now = timezone.now()
    due = now - 2 * D
    case = make_case(
        region,
        handler=handler,
        state=state,
        dispatched_at=now - 5 * D,
        due_soon_at=due - H,
        due_at=due,
        resolved_at=due + H if late else due - 2 * H,
        closed_at=now - D,
        **kw,
    )
    if result:
        Evaluation.objects.create(case=case, round=case.reopen_count + 1, result=result, handler=handler)
    return case


def _row(data, key):
    return next(r for r in data["rows"] if r["key"] == key)


def test_handler_numbers_equal_direct_counts(ctx, make_case, period):
    h = ctx.h_c0
    now = timezone.now()
    _closed(make_case, h, ctx.c0, "satisfied")
    _closed(make_case, h, ctx.c0, "basic", late=True)
    _closed(make_case, h, ctx.c0)  # closed without evaluation
    cu = _closed(make_case, h, ctx.c0, "unsatisfied", state="closed_unresolved", reopen_count=1)
    Evaluation.objects.create(case=cu, round=1, result="unsatisfied", handler=h)
    make_case(handler=h, dispatched_at=now - 3 * D, due_soon_at=now - 2 * D, due_at=now - D)  # open, overdue
    make_case(handler=h, dispatched_at=now - H, due_soon_at=now + D, due_at=now + 2 * D)  # open, on track
    make_case(handler=h, dispatched_at=now - 40 * D)  # outside the period
    returned = make_case(state="returned", handler=None, return_count=1, dispatched_at=now - 2 * D)
    CaseEvent.objects.create(case=returned, step="return", to_state="returned", data={"returned_by": h.pk})
    data = stats.rankings(ctx.street_admin, "handler", *period)
    row = _row(data, h.pk)
    lo, hi = stats.period_bounds(*period)
    mine = Case.objects.filter(handler=h, dispatched_at__gte=lo, dispatched_at__lt=hi)
    assert row["cases"] == mine.count() == 6
    assert row["finished"] == mine.filter(resolved_at__isnull=False).count() == 4
    # on time: 3 finished by due_at; late: 1 finished late + 1 open overdue
    assert row["on_time"] == 3 and row["overdue"] == 2
    assert row["on_time_rate"] == round(3 / 5, 4)
    assert row["evaluations"] == Evaluation.objects.filter(case__in=mine).count() == 4
    assert row["satisfaction_rate"] == 0.5  # satisfied + basic of 4 evaluations
    assert row["reopen_rate"] == round(1 / 6, 4)
    assert row["returns"] == 1 and row["return_rate"] == round(1 / 7, 4)
    assert row["closed_unresolved"] == 1
    assert row["scored"] == 4
    p = stats.score_params()
    expected = (p.score_satisfied + p.score_basic - p.late_penalty + p.score_unevaluated + 0) / 4
    assert row["composite"] == round(expected, 1)
    assert row["avg_hours"] is not None and row["avg_hours"] > 0


def test_red_and_black_lists_at_their_thresholds(ctx, make_case, period):
    # c0: 5 satisfied + 5 unevaluated -> (500 + 450) / 10 = 95 = red_min_rate exactly -> red
    for _ in range(5):
        _closed(make_case, ctx.h_c0, ctx.c0, "satisfied")
        _closed(make_case, ctx.h_c0, ctx.c0)
    # c1: 5 basic -> 80 = black_max_rate exactly -> black
    for _ in range(5):
        _closed(make_case, ctx.h_c1, ctx.c1, "basic")
    # dept: 4 closed unresolved -> 0, but fewer than min_cases -> on no list
    for _ in range(4):
        _closed(make_case, ctx.h_dept, ctx.c0, "unsatisfied", state="closed_unresolved")
    data = stats.rankings(ctx.district_admin, "handler", *period)
    assert [r["key"] for r in data["red"]] == [ctx.h_c0.pk]
    assert [r["key"] for r in data["black"]] == [ctx.h_c1.pk]
    assert _row(data, ctx.h_c0.pk)["composite"] == 95.0
    assert _row(data, ctx.h_dept.pk)["composite"] == 0.0
    assert [r["rank"] for r in data["rows"]] == [1, 2, 3]
    # thresholds come from the Rule table
    rule = Rule.objects.get(code="GOV-6")
    rule.params = {**rule.params, "red_min_rate": 0.96, "black_max_rate": 0.79, "min_cases": 4}
    rule.save()
    data = stats.rankings(ctx.district_admin, "handler", *period)
    assert data["red"] == []
    assert [r["key"] for r in data["black"]] == [ctx.h_dept.pk]


def test_area_levels_and_scope(ctx, make_case, period):
    _closed(make_case, ctx.h_c0, ctx.c0, "satisfied")
    _closed(make_case, ctx.h_c1, ctx.c1, "satisfied")
    _closed(make_case, ctx.h_c2, ctx.c2, "basic")
    street = stats.rankings(ctx.district_admin, "street", *period)
    by_street = {r["key"]: r["cases"] for r in street["rows"]}
    assert by_street == {ctx.street.path: 2, ctx.city.streets[1].path: 1}
    assert {r["name"] for r in street["rows"]} == {ctx.street.name, ctx.city.streets[1].name}
    community = stats.rankings(ctx.street_admin, "community", *period)
    assert {r["key"] for r in community["rows"]} == {ctx.c0.pk, ctx.c1.pk}  # c2 is another street
    narrowed = stats.rankings(ctx.district_admin, "community", *period, region=ctx.c2.code)
    assert [r["key"] for r in narrowed["rows"]] == [ctx.c2.pk]


def test_bad_period_and_level_are_refused(ctx):
    with pytest.raises(ServiceError, match="结束日期不能早于开始日期"):
        stats.rankings(ctx.street_admin, "handler", "2026-05-02", "2026-05-01")
    with pytest.raises(ServiceError, match="格式不正确"):
        stats.rankings(ctx.street_admin, "handler", "2026-13-01", None)
    with pytest.raises(ServiceError):
        stats.rankings(ctx.street_admin, "planet")


def test_rankings_excel_export(ctx, make_case, period, client_for):
    _closed(make_case, ctx.h_c0, ctx.c0, "satisfied")
    c = client_for(ctx.street_admin)
    r = c.get(
        "/cases/rankings/", {"level": "handler", "start": period[0], "end": period[1], "export": "xlsx"}
    )
    assert r.status_code == 200
    ws = load_workbook(io.BytesIO(r.content)).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:3] == ("名次", "名称", "诉求数")
    assert rows[1][1] == ctx.h_c0.name and rows[1][2] == 1 and rows[1][11] == 100
