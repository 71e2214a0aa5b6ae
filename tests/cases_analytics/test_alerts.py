"""Alert rules (GOV-5) on hand-built cases: deadlines at the boundary, repeated places at exactly the
radius and the window, returned cases, parameters read from the Rule table, scope."""

from __future__ import annotations

import datetime

import pytest

from grassroots.cases import analytics
from grassroots.cases.analytics import find_clusters, haversine_m
from grassroots.core.errors import NotFound, ServiceError
from grassroots.standards.models import Rule

from .conftest import LAT0, LNG0, NOW, offset

pytestmark = pytest.mark.django_db
H = datetime.timedelta(hours=1)


def _numbers(qs):
    return sorted(qs.values_list("number", flat=True))


def test_due_soon_and_overdue_at_the_boundaries(ctx, make_case):
    start = NOW - 8 * H
    # 80% of a 10-hour deadline used exactly now -> due soon (due_soon_at is inclusive)
    at80 = make_case(dispatched_at=start, due_soon_at=NOW, due_at=NOW + 2 * H)
    before80 = make_case(
        dispatched_at=start, due_soon_at=NOW + datetime.timedelta(seconds=1), due_at=NOW + 2 * H
    )
    at_due = make_case(dispatched_at=start, due_soon_at=NOW - H, due_at=NOW)  # due exactly now -> overdue
    late = make_case(dispatched_at=start, due_soon_at=NOW - 3 * H, due_at=NOW - 2 * H)
    done_late = make_case(state="resolved", due_soon_at=NOW - 3 * H, due_at=NOW - 2 * H, resolved_at=NOW - H)
    qs = analytics.scoped_cases(ctx.street_admin)
    assert _numbers(analytics.alert_cases(qs, "due_soon", NOW)) == [at80.number]
    assert _numbers(analytics.alert_cases(qs, "overdue", NOW)) == sorted([at_due.number, late.number])
    assert before80.number not in _numbers(analytics.alert_cases(qs, "due_soon", NOW))
    assert done_late.number not in _numbers(analytics.alert_cases(qs, "overdue", NOW))
    assert analytics.time_used(at80, NOW) == 0.8
    counts = analytics.alert_counts(ctx.street_admin, NOW)
    assert (counts["due_soon"], counts["overdue"]) == (1, 2)


def test_repeat_exactly_at_the_radius_counts(ctx, make_case):
    a = make_case(lat=LAT0, lng=LNG0)
    n_lat, n_lng = offset(LAT0, LNG0, north_m=50)
    s_lat, s_lng = offset(LAT0, LNG0, north_m=-50)
    b = make_case(lat=n_lat, lng=n_lng)
    c = make_case(lat=s_lat, lng=s_lng)
    assert haversine_m(LAT0, LNG0, n_lat, n_lng) == pytest.approx(50, abs=1e-6)
    clusters = analytics.repeat_clusters(analytics.scoped_cases(ctx.street_admin), NOW)
    assert len(clusters) == 1
    assert sorted(clusters[0].case_ids) == sorted([a.pk, b.pk, c.pk])
    assert clusters[0].category_id == ctx.cat_garbage.pk
    assert analytics.alert_counts(ctx.street_admin, NOW)["repeat_places"] == 1


def test_repeat_beyond_the_radius_or_other_category_does_not(ctx, make_case):
    make_case(lat=LAT0, lng=LNG0)
    make_case(*(), **dict(zip(("lat", "lng"), offset(LAT0, LNG0, north_m=50.5), strict=True)))
    make_case(**dict(zip(("lat", "lng"), offset(LAT0, LNG0, north_m=-10), strict=True)))
    # a third case close by, but of another category
    make_case(category=ctx.cat_noise, **dict(zip(("lat", "lng"), offset(LAT0, LNG0, east_m=5), strict=True)))
    assert analytics.repeat_clusters(analytics.scoped_cases(ctx.street_admin), NOW) == []


def test_repeat_window_is_the_last_repeat_days(ctx, make_case):
    window = datetime.timedelta(days=30)
    make_case(lat=LAT0, lng=LNG0, submitted_at=NOW - window)  # exactly at the window start: in
    make_case(lat=LAT0, lng=LNG0, submitted_at=NOW - H)
    old = make_case(lat=LAT0, lng=LNG0, submitted_at=NOW - window - datetime.timedelta(seconds=1))
    qs = analytics.scoped_cases(ctx.street_admin)
    assert analytics.repeat_clusters(qs, NOW) == []
    old.submitted_at = NOW - window + datetime.timedelta(seconds=1)
    old.save(update_fields=["submitted_at"])
    [cluster] = analytics.repeat_clusters(qs, NOW)
    assert cluster.count == 3


def test_repeat_parameters_come_from_the_rule_table(ctx, make_case):
    make_case(lat=LAT0, lng=LNG0)
    make_case(**dict(zip(("lat", "lng"), offset(LAT0, LNG0, east_m=80), strict=True)))
    qs = analytics.scoped_cases(ctx.street_admin)
    assert analytics.repeat_clusters(qs, NOW) == []
    rule = Rule.objects.get(code="GOV-5")
    rule.params = {**rule.params, "repeat_count": 2, "repeat_radius_m": 100}
    rule.save()
    [cluster] = analytics.repeat_clusters(qs, NOW)
    assert cluster.count == 2
    rule.params = {**rule.params, "repeat_count": "many"}
    rule.save()
    with pytest.raises(ServiceError):
        analytics.alert_params()


def test_merged_and_unlocated_cases_are_not_repeats(ctx, make_case):
    make_case(lat=LAT0, lng=LNG0)
    make_case(lat=LAT0, lng=LNG0)
    make_case(lat=LAT0, lng=LNG0, state="merged", handler=None)
    make_case(lat=None, lng=None)
    assert analytics.repeat_clusters(analytics.scoped_cases(ctx.street_admin), NOW) == []


def test_find_clusters_merges_chains_and_scales_by_buckets():
    # A chain of points 40 m apart: every inner point has 3 within 50 m, so they form one place.
    pts = []
    for i in range(6):
        lat, lng = offset(LAT0, LNG0, north_m=40 * i)
        pts.append((i + 1, 7, lat, lng))
    # far away, same category: isolated
    far = offset(LAT0, LNG0, north_m=5000)
    pts.append((99, 7, far[0], far[1]))
    assert find_clusters(pts, 50, 3) == [[1, 2, 3, 4, 5, 6]]
    # 2,000 isolated points 200 m apart on a grid: none is a repeat.
    grid = []
    for i in range(2000):
        lat, lng = offset(LAT0, LNG0, north_m=200 * (i // 50), east_m=200 * (i % 50))
        grid.append((i, 1, lat, lng))
    assert find_clusters(grid, 50, 2) == []
    assert len(find_clusters(grid, 200, 3)) == 1  # neighbours at exactly 200 m join everything


def test_returned_more_than_once(ctx, make_case):
    twice = make_case(state="returned", handler=None, return_count=2)
    make_case(state="returned", handler=None, return_count=1)
    make_case(state="closed", return_count=3)
    qs = analytics.scoped_cases(ctx.street_admin)
    assert _numbers(analytics.alert_cases(qs, "returned", NOW)) == [twice.number]


def test_scope_region_and_category_filters(ctx, make_case):
    in_c0 = make_case(due_soon_at=NOW - 2 * H, due_at=NOW - H)
    in_c1 = make_case(ctx.c1, handler=ctx.h_c1, due_soon_at=NOW - 2 * H, due_at=NOW - H)
    in_c2 = make_case(ctx.c2, handler=ctx.h_c2, due_soon_at=NOW - 2 * H, due_at=NOW - H)
    noise = make_case(
        ctx.c1, handler=ctx.h_c1, category=ctx.cat_noise, due_soon_at=NOW - 2 * H, due_at=NOW - H
    )

    def overdue(user, **kw):
        return _numbers(analytics.alert_cases(analytics.scoped_cases(user, **kw), "overdue", NOW))

    assert overdue(ctx.street_admin) == sorted([in_c0.number, in_c1.number, noise.number])
    assert overdue(ctx.community_admin) == sorted([in_c1.number, noise.number])
    assert overdue(ctx.district_admin, region=ctx.c2.code) == [in_c2.number]
    # the category filter takes a top-level class and its children
    top = ctx.cat_noise.parent_id or ctx.cat_noise.pk
    assert overdue(ctx.street_admin, category=top) == [noise.number]
    with pytest.raises(NotFound):
        analytics.scoped_cases(ctx.community_admin, region=ctx.c2.code)
    with pytest.raises(ServiceError):
        analytics.scoped_cases(ctx.street_admin, category="abc")
    assert not analytics.can_see_alerts(ctx.resident)
    assert analytics.can_see_alerts(ctx.grid_worker)
