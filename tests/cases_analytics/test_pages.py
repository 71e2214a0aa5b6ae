"""Pages and API of case analytics: content, scope (404), filters, export, bad input (problem+json),
bounded queries on the alert list, the grid map's open-cases layer."""

from __future__ import annotations

import datetime
import io

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from grassroots.cases import casedays
from grassroots.grids.models import Grid

from .conftest import LAT0, LNG0, offset

pytestmark = pytest.mark.django_db
H = datetime.timedelta(hours=1)


@pytest.fixture
def overdue(make_case):
    now = timezone.now()

    def _make(region=None, **kw):
        return make_case(region, due_soon_at=now - 2 * H, due_at=now - H, **kw)

    return _make


def test_alerts_page_tabs_list_and_export(ctx, overdue, make_case, client_for):
    cases = [overdue() for _ in range(3)]
    make_case(state="returned", handler=None, return_count=2)
    c = client_for(ctx.street_admin)
    r = c.get("/cases/alerts/")
    html = r.content.decode()
    assert r.status_code == 200
    assert all(x.number in html for x in cases)
    assert html.count("data-row") == 3
    assert 'data-alert-count="returned"' in html
    r = c.get("/cases/alerts/", {"kind": "returned"})
    assert r.content.decode().count("data-row") == 1
    r = c.get("/cases/alerts/", {"kind": "overdue", "export": "xlsx"})
    rows = list(load_workbook(io.BytesIO(r.content)).active.iter_rows(values_only=True))
    assert rows[0][0] == "编号" and sorted(x[0] for x in rows[1:]) == sorted(x.number for x in cases)


def test_alerts_page_repeat_tab_and_empty_state(ctx, make_case, client_for):
    c = client_for(ctx.street_admin)
    assert "暂无重复诉求预警" in c.get("/cases/alerts/", {"kind": "repeat"}).content.decode()
    now = timezone.now()
    for m in (0, 20, 40):
        lat, lng = offset(LAT0, LNG0, north_m=m)
        make_case(lat=lat, lng=lng, submitted_at=now - H)
    html = c.get("/cases/alerts/", {"kind": "repeat"}).content.decode()
    assert 'data-cluster-size="3"' in html
    r = c.get("/cases/alerts/", {"kind": "repeat", "export": "xlsx"})
    rows = list(load_workbook(io.BytesIO(r.content)).active.iter_rows(values_only=True))
    assert len(rows) == 4 and {x[2] for x in rows[1:]} == {3}


def test_alerts_scope_and_bad_filters(ctx, overdue, client_for):
    overdue(ctx.c2, handler=ctx.h_c2)
    c = client_for(ctx.street_admin)
    assert c.get("/cases/alerts/", {"region": ctx.c2.code}).status_code == 404
    r = c.get("/cases/alerts/", {"category": "abc"}, follow=True)
    assert "事项类别不正确" in r.content.decode()
    assert client_for(ctx.resident).get("/cases/alerts/").status_code == 404
    assert client_for(ctx.resident).get("/cases/stats/").status_code == 404


def test_alert_list_queries_are_bounded(ctx, overdue, client_for, django_assert_max_num_queries):
    for i in range(30):
        overdue(ctx.c0 if i % 2 else ctx.c1, handler=ctx.h_c0 if i % 2 else ctx.h_c1)
    c = client_for(ctx.street_admin)
    c.get("/cases/alerts/")  # warm caches (session, grants)
    with django_assert_max_num_queries(16):
        r = c.get("/cases/alerts/")
    assert r.content.decode().count("data-row") == 25


def test_stats_page_and_api(ctx, make_case, client_for, token_for):
    now = timezone.now()
    make_case(submitted_at=now - H, channel="hotline")
    make_case(submitted_at=now - H, channel="h5", due_soon_at=now - 2 * H, due_at=now - H)
    make_case(ctx.c2, handler=ctx.h_c2, submitted_at=now - H)  # outside the street
    casedays.rebuild()  # the cases above were written around the services: a rollup run sums them
    c = client_for(ctx.street_admin)
    html = c.get("/cases/stats/", {"start": (now - 3 * H).date().isoformat()}).content.decode()
    assert 'data-stat="submitted">2<' in html
    assert 'id="chart-trend"' in html and 'data-chart="chart-channel"' in html
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token_for(ctx.street_admin)}"}
    r = c.get("/api/v1/cases/analytics/stats", {"granularity": "month"}, **auth)
    body = r.json()
    assert r.status_code == 200 and body["totals"]["submitted"] == 2 and body["totals"]["overdue"] == 1
    assert {b["key"]: b["count"] for b in body["by_channel"]} == {"hotline": 1, "h5": 1}
    r = c.get("/api/v1/cases/analytics/stats", {"start": "2026-02-30"}, **auth)
    assert r.status_code in (400, 422) and r["Content-Type"].startswith("application/problem+json")
    r = c.get("/api/v1/cases/analytics/rankings", {"start": "2026-05-02", "end": "2026-05-01"}, **auth)
    assert r.status_code == 400 and "结束日期" in r.json()["detail"]


def test_alert_api(ctx, overdue, client_for, token_for):
    mine = overdue()
    overdue(ctx.c2, handler=ctx.h_c2)
    c = client_for(ctx.street_admin)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token_for(ctx.street_admin)}"}
    r = c.get("/api/v1/cases/analytics/alerts/counts", **auth)
    assert r.json()["overdue"] == 1
    r = c.get("/api/v1/cases/analytics/alerts", {"kind": "overdue"}, **auth)
    assert r.json()["count"] == 1 and r.json()["items"][0]["number"] == mine.number
    assert "reporter_phone" not in r.json()["items"][0]
    r = c.get("/api/v1/cases/analytics/alerts", {"kind": "bogus"}, **auth)
    assert r.status_code == 422
    r = c.get("/api/v1/cases/analytics/alerts/repeats", {"region": ctx.c2.code}, **auth)
    assert r.status_code == 404
    res = {"HTTP_AUTHORIZATION": f"Bearer {token_for(ctx.resident)}"}
    assert c.get("/api/v1/cases/analytics/alerts/counts", **res).status_code == 404


def test_alert_badge(ctx, overdue, client_for):
    overdue()
    assert ">1<" in client_for(ctx.street_admin).get("/cases/alerts/badge/").content.decode()
    assert client_for(ctx.resident).get("/cases/alerts/badge/").content == b""


def test_grid_map_open_cases_layer(ctx, make_case, client_for):
    poly = {
        "type": "Polygon",
        "coordinates": [
            [[120.30, 36.06], [120.31, 36.06], [120.31, 36.07], [120.30, 36.07], [120.30, 36.06]]
        ],
    }
    grid = Grid.objects.create(
        region=ctx.c0, code=f"{ctx.c0.code}001", name="第1网格", polygon=poly, lng=120.305, lat=36.065
    )
    make_case(grid=grid)
    make_case(grid=grid)
    make_case(grid=grid, state="closed")
    r = client_for(ctx.street_admin).get("/grids/map/", {"metric": "open_cases", "region": ctx.c0.code})
    assert r.status_code == 200
    data = r.context["map_data"]
    assert data["metricLabel"] == "未办结诉求"
    assert [i["value"] for i in data["items"] if i["name"] == grid.code] == [2]
