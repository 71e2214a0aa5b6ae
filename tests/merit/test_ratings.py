from decimal import Decimal

import pytest

from grassroots.core.errors import Conflict, NotFound, PermissionDenied, ServiceError
from grassroots.core.models import AuditEvent
from grassroots.merit import services
from grassroots.merit.models import RatingState, StarRating
from grassroots.standards.models import BranchHealth, EvalState, Evaluation, HealthRun, RunState

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("metrics", "stars"),
    [
        ({"health": None, "life_rate": None, "avg_points": None, "eval_grade": ""}, 1),
        ({"health": 65, "life_rate": 55, "avg_points": None, "eval_grade": ""}, 2),
        ({"health": 75, "life_rate": 80, "avg_points": Decimal("12"), "eval_grade": ""}, 3),
        ({"health": 85, "life_rate": 90, "avg_points": Decimal("25"), "eval_grade": "良好"}, 4),
        ({"health": 85, "life_rate": 90, "avg_points": Decimal("25"), "eval_grade": "一般"}, 3),
        ({"health": 95, "life_rate": 100, "avg_points": Decimal("30"), "eval_grade": "优秀"}, 5),
        ({"health": 95, "life_rate": 100, "avg_points": Decimal("29.9"), "eval_grade": "优秀"}, 4),
        ({"health": 59, "life_rate": 100, "avg_points": Decimal("50"), "eval_grade": "优秀"}, 1),
    ],
)
def test_grade_follows_the_seeded_criteria(metrics, stars):
    """Seeded defaults: 2★ health ≥ 60 & life ≥ 50%; 3★ 70 / 70% / avg ≥ 10; 4★ 80 / 85% / 20 / 良好;
    5★ 90 / 95% / 30 / 优秀. The grade is the highest level whose conditions are all met."""
    grade, reasons = services.judge(metrics, services.criteria())
    assert grade == stars
    assert [r["stars"] for r in reasons] == [1, 2, 3, 4, 5]
    assert all(r["met"] == all(c["met"] for c in r["checks"]) for r in reasons)


def test_branch_metrics_from_fixture_data(sources, year):
    services.accrue_points(year)
    branch = sources.branch
    run = HealthRun.objects.create(trigger="manual", state=RunState.DONE)
    HealthRun.objects.filter(pk=run.pk).update(today=f"{year}-06-30")
    BranchHealth.objects.create(run=run, org=branch, score=88, light="yellow")
    Evaluation.objects.create(
        period=year, region=branch.region, level="community", state=EvalState.CONFIRMED, grade="良好"
    )
    m = services.branch_metrics([branch], year)[branch.pk]
    assert m["health"] == 88
    assert m["members"] == 3
    # 6 + 3 + 4 points over 3 members
    assert m["avg_points"] == Decimal("4.3")
    assert m["eval_grade"] == "良好"
    grade, _ = services.judge(m, services.criteria())
    # avg 4.3 < 10: 3 stars and above are out of reach whatever the life rate.
    assert grade in (1, 2)


def test_propose_scope_and_workflow(city, make_user, year):
    street = make_user("merit_st", "street_admin", city.streets[0])
    community = make_user("merit_ca", "community_admin", city.communities[0])
    with pytest.raises(PermissionDenied):
        services.propose_ratings(community, year=year, region=city.communities[0])
    with pytest.raises(NotFound):
        services.propose_ratings(street, year=year, region=city.communities[2])
    with pytest.raises(ServiceError):
        services.propose_ratings(street, year=year + 1, region=city.streets[0])
    result = services.propose_ratings(street, year=year, region=city.streets[0])
    assert result == {"created": 2, "updated": 0, "kept": 0, "branches": 2}
    assert set(StarRating.objects.values_list("org_id", flat=True)) == {b.pk for b in city.branches[:2]}
    r = StarRating.objects.get(org=city.branches[0])
    assert r.state == RatingState.PROPOSED and r.stars == r.computed_stars and r.reasons

    other_street = make_user("merit_st2", "street_admin", city.streets[1])
    with pytest.raises(NotFound):
        services.act_rating(other_street, r, "review")
    with pytest.raises(PermissionDenied):
        services.act_rating(community, r, "review")
    with pytest.raises(Conflict):
        services.act_rating(street, r, "publish")
    adjusted = 5 if r.computed_stars != 5 else 4
    with pytest.raises(ServiceError):
        services.act_rating(street, r, "review", stars=adjusted, reason="")
    with pytest.raises(ServiceError):
        services.act_rating(street, r, "review", stars=9, reason="表现突出")
    r.refresh_from_db()
    assert r.state == RatingState.PROPOSED and r.stars == r.computed_stars and r.version == 1

    r = services.act_rating(street, r, "review", stars=adjusted, reason="防汛工作表现突出")
    assert (r.state, r.stars, r.adjust_reason) == (RatingState.REVIEWED, adjusted, "防汛工作表现突出")
    # Re-proposing leaves reviewed ratings alone.
    assert services.propose_ratings(street, year=year, region=city.streets[0])["kept"] == 1
    with pytest.raises(ServiceError):
        services.act_rating(street, r, "reopen", reason="")
    r = services.act_rating(street, r, "reopen", reason="请核实调整理由")
    assert r.state == RatingState.PROPOSED
    r = services.act_rating(street, r, "review")
    district = make_user("merit_di", "district_admin", city.district)
    r = services.act_rating(district, r, "publish")
    assert r.state == RatingState.PUBLISHED and r.published_at
    for verb in ("review", "reopen", "publish"):
        with pytest.raises(Conflict) as exc:
            services.act_rating(district, r, verb)
        assert "已发布" in exc.value.message
    states = list(
        AuditEvent.objects.filter(
            model="merit.starrating", object_id=str(r.pk), action="transition"
        ).values_list("changes__state", flat=True)
    )
    assert sorted(map(tuple, states)) == sorted(
        [
            ("proposed", "reviewed"),
            ("reviewed", "proposed"),
            ("proposed", "reviewed"),
            ("reviewed", "published"),
        ]
    )


def test_concurrent_stale_rating_is_refused(city, make_user, year):
    street = make_user("merit_st", "street_admin", city.streets[0])
    services.propose_ratings(street, year=year, region=city.streets[0])
    r = StarRating.objects.get(org=city.branches[0])
    stale = StarRating.objects.get(pk=r.pk)
    services.act_rating(street, r, "review")
    with pytest.raises(Conflict):
        services.act_rating(street, stale, "review")
