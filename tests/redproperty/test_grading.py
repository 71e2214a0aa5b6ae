"""A company's grade equals the documented formula (grading.py) computed by hand over the cases of its
neighborhoods: cases inside the boundary, in the year, while the contract was in force."""

import datetime
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.utils import timezone

from grassroots.cases.models import Case, Evaluation
from grassroots.core.models import AuditEvent
from grassroots.redproperty import grading, services
from grassroots.redproperty.models import Grade, Inspection, Rating
from grassroots.standards.models import Rule

from .conftest import YEAR

pytestmark = pytest.mark.django_db
TZ = timezone.get_current_timezone()
N = [0]


def case(region, lng, lat, when, *, due_days=5, resolved_days=None, evaluations=()):
    N[0] += 1
    submitted = datetime.datetime(*when, 9, 0, tzinfo=TZ)
    c = Case.objects.create(
        number=f"T{N[0]:06d}",
        channel="h5",
        description="楼道堆物",
        region=region,
        lng=lng,
        lat=lat,
        submitted_at=submitted,
        due_at=submitted + datetime.timedelta(days=due_days),
        resolved_at=submitted + datetime.timedelta(days=resolved_days) if resolved_days is not None else None,
        state="closed" if resolved_days is not None else "in_progress",
    )
    for k, result in enumerate(evaluations, 1):
        Evaluation.objects.create(case=c, round=k, result=result)
    return c


def r1(x):
    return Decimal(str(x)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@pytest.fixture
def data(rp, city):
    c0 = rp.c0
    inside = (120.305, 36.065)  # inside hood0's square
    # Counted for company0: 6 cases in YEAR inside hood0.
    case(c0, *inside, (YEAR, 1, 10), resolved_days=2, evaluations=["satisfied"])  # on time
    case(c0, *inside, (YEAR, 2, 10), resolved_days=3, evaluations=["unsatisfied", "basic"])  # on time
    case(c0, *inside, (YEAR, 3, 10), resolved_days=9, evaluations=["basic"])  # late
    case(c0, *inside, (YEAR, 4, 10), resolved_days=4)  # on time, not evaluated
    case(c0, *inside, (YEAR, 5, 10), resolved_days=6, evaluations=["satisfied"])  # late
    case(c0, *inside, (YEAR, 6, 10))  # still open
    # Not counted: outside the boundary, no location, another year, merged.
    case(c0, 120.315, 36.065, (YEAR, 1, 11), resolved_days=1, evaluations=["unsatisfied"])
    case(c0, None, None, (YEAR, 1, 12), resolved_days=1)
    case(c0, *inside, (YEAR - 1, 12, 30), resolved_days=1, evaluations=["unsatisfied"])
    case(c0, *inside, (YEAR + 1, 1, 2), resolved_days=1, evaluations=["unsatisfied"])
    merged = case(c0, *inside, (YEAR, 7, 1), resolved_days=1)
    Case.objects.filter(pk=merged.pk).update(state="merged")
    # Ratings of company0 for YEAR (and one for another year, not counted) and inspections.
    from grassroots.accounts.models import User

    for k, stars in enumerate([5, 4, 2]):
        u = User.objects.create_user(username=f"rater{k}", password=None)
        Rating.objects.create(company=rp.company0, neighborhood=rp.hoods[0], user=u, year=YEAR, stars=stars)
    Rating.objects.create(
        company=rp.company0, neighborhood=rp.hoods[0], user=rp.resident, year=YEAR - 1, stars=1
    )
    for day, score in [((YEAR, 3, 1), 90), ((YEAR, 9, 1), 75)]:
        Inspection.objects.create(
            company=rp.company0,
            neighborhood=rp.hoods[0],
            inspected_on=datetime.date(*day),
            score=score,
            inspector_name="检查员",
        )
    Inspection.objects.create(
        company=rp.company0,
        neighborhood=rp.hoods[0],
        inspected_on=datetime.date(YEAR - 1, 12, 1),
        score=10,
        inspector_name="检查员",
    )
    return rp


def by_hand(weights=(20, 25, 25, 15, 15), volume_penalty=10, basic=60, missing=80):
    # 6 cases over 200 households = 3 per 100 households.
    volume = r1(max(0, 100 - 3 * volume_penalty))
    ontime = r1(Decimal(100) * 3 / 5)  # 5 resolved with a deadline, 3 by it
    satisfaction = r1(Decimal(100 + 0 + basic + basic + 100) / 5)  # 5 evaluations
    rating = r1((Decimal(5 + 4 + 2) / 3 - 1) / 4 * 100)
    inspection = r1(Decimal(90 + 75) / 2)
    parts = [volume, ontime, satisfaction, rating, inspection]
    score = r1(sum(Decimal(w) * p for w, p in zip(weights, parts, strict=True)) / sum(weights))
    return parts, score


def test_grade_equals_the_formula_by_hand(data):
    parts, score = by_hand()
    assert parts == [Decimal("70.0"), Decimal("60.0"), Decimal("64.0"), Decimal("66.7"), Decimal("82.5")]
    grades = services.compute_grades(data.district, district=data.district_node, year=YEAR)
    g = next(g for g in grades if g.company_id == data.company0.pk)
    assert (g.households, g.cases, g.resolved, g.on_time, g.evaluations, g.ratings, g.inspections) == (
        200,
        6,
        5,
        3,
        5,
        3,
        2,
    )
    assert [g.volume_score, g.ontime_score, g.satisfaction_score, g.rating_score, g.inspection_score] == parts
    assert g.score == score == Decimal("67.4")  # (1400 + 1500 + 1600 + 1000.5 + 1237.5) / 100
    assert g.grade == "C"
    # company2 has no data at all: every component scores the missing score.
    g2 = next(g for g in grades if g.company_id == data.company2.pk)
    assert g2.cases == 0 and g2.volume_score == Decimal("100.0") and g2.score == Decimal("84.0")
    assert g2.grade == "B"


def test_weights_and_thresholds_are_data(data):
    rule = Rule.objects.get(code="PROP-1")
    rule.params = {
        **rule.params,
        "weights": {"volume": 0, "ontime": 0, "satisfaction": 0, "rating": 0, "inspection": 1},
        "volume_penalty": 5,
        "a_min": 95,
        "b_min": 90,
        "c_min": 85,
    }
    rule.save()
    (g,) = [
        g
        for g in services.compute_grades(data.district, district=data.district_node, year=YEAR)
        if g.company_id == data.company0.pk
    ]
    assert g.volume_score == Decimal("85.0")  # 100 - 3 * 5
    assert g.score == Decimal("82.5")  # the inspection alone
    assert g.grade == "D"  # below the raised thresholds


def test_case_before_the_contract_counts_for_nobody(data, rp):
    from grassroots.redproperty.models import ServiceContract

    ServiceContract.objects.filter(pk=rp.contract0.pk).update(start=datetime.date(YEAR, 4, 1))
    (g,) = [
        g
        for g in services.compute_grades(rp.district, district=rp.district_node, year=YEAR)
        if g.company_id == rp.company0.pk
    ]
    assert g.cases == 3  # April, May and June only


def test_recompute_updates_and_audits_then_publish_freezes(data):
    services.compute_grades(data.district, district=data.district_node, year=YEAR)
    before = AuditEvent.objects.count()
    services.compute_grades(data.district, district=data.district_node, year=YEAR)
    assert Grade.objects.filter(year=YEAR).count() == 2
    assert AuditEvent.objects.count() >= before  # updates with no change write no row
    pub = services.publish_list(data.district, district=data.district_node, year=YEAR)
    assert pub.red == [] and pub.black == []
    assert AuditEvent.objects.filter(model__icontains="listpublication", object_id=str(pub.pk)).count() == 1
    from grassroots.core.errors import Conflict

    with pytest.raises(Conflict):
        services.compute_grades(data.district, district=data.district_node, year=YEAR)
    with pytest.raises(Conflict):
        services.publish_list(data.district, district=data.district_node, year=YEAR)


def test_red_and_black_lists(data):
    rule = Rule.objects.get(code="PROP-1")
    rule.params = {**rule.params, "a_min": 80, "b_min": 75, "c_min": 70}
    rule.save()
    services.compute_grades(data.district, district=data.district_node, year=YEAR)
    pub = services.publish_list(data.district, district=data.district_node, year=YEAR)
    assert [e["name"] for e in pub.red] == ["四方路物业有限公司"]
    assert [e["name"] for e in pub.black] == ["团岛红心物业有限公司"]


def test_grading_needs_the_grade_permission(data):
    from grassroots.core.errors import NotFound

    with pytest.raises(NotFound):  # a street administrator does not see the district at all
        services.compute_grades(data.street, district=data.district_node, year=YEAR)
    assert not Grade.objects.exists()


def test_collect_query_count(data, django_assert_max_num_queries):
    from grassroots.redproperty.models import PropertyCompany

    companies = list(PropertyCompany.objects.select_related("unit"))
    with django_assert_max_num_queries(6):
        grading.collect(companies, YEAR)
