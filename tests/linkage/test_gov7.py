"""GOV-7: each rule parameter with data that fails it and data that meets it."""

import datetime

import pytest
from django.utils import timezone

from grassroots.cases.models import Visit, VisitKind
from grassroots.core.errors import ServiceError
from grassroots.linkage import services, stats
from grassroots.linkage.models import ContactPoint
from grassroots.standards.checks import Checker
from grassroots.standards.models import Rule

pytestmark = pytest.mark.django_db


def _findings(today):
    rule = Rule.objects.get(code="GOV-7")
    return [f for f in Checker(None, today=today, rules=[rule]).run() if f.rule == "GOV-7"]


def _visit(region, name, day):
    at = timezone.make_aware(datetime.datetime.combine(day, datetime.time(10)))
    return Visit.objects.create(
        kind=VisitKind.CONTACT_POINT,
        region=region,
        visitor_name=name,
        visited_at=at,
        place="党群服务中心",
        whom="居民代表",
        heard="反映停车难",
    )


@pytest.fixture
def leader(lk):
    return services.create_leader(
        lk.city_admin, name="张建国", post="区委常委", level="district", region=lk.district
    )


def _cover_all(lk, leader, start):
    for c in lk.communities:
        ContactPoint.objects.create(leader=leader, region=c, start_on=start)


def test_rule_row_holds_the_parameters():
    rule = Rule.objects.get(code="GOV-7")
    assert rule.params == {"visits_per_quarter": 1, "max_points_per_leader": 3, "full_coverage": True}
    assert "联系点" in rule.source


def test_visits_per_quarter_fails_without_a_visit_and_meets_with_one(lk, leader):
    today = datetime.date(2026, 12, 7)  # Q4; last quarter is 2026 Q3
    _cover_all(lk, leader, datetime.date(2026, 1, 1))
    a = lk.communities[0]
    # A visit by someone else, in the leader's community, does not count; nor one before the quarter.
    _visit(a, "李四", datetime.date(2026, 8, 1))
    _visit(a, "张建国", datetime.date(2026, 6, 30))
    bad = [f for f in _findings(today) if "第3季度走访" in f.message]
    assert len(bad) == 4 and {f.severity for f in bad} == {"violation"}
    assert any(f.region_name == a.name and "走访 0 次" in f.message for f in bad)
    for c in lk.communities:
        _visit(c, "张建国", datetime.date(2026, 8, 1))
    assert [f for f in _findings(today) if "走访" in f.message] == []


def test_a_street_contact_point_counts_visits_anywhere_in_the_street(lk, leader):
    point = ContactPoint.objects.create(
        leader=leader, region=lk.streets[0], start_on=datetime.date(2026, 1, 1)
    )
    other_street_community = lk.communities[2]
    _visit(other_street_community, "张建国", datetime.date(2026, 8, 3))
    assert stats.visit_counts([point], datetime.date(2026, 7, 1), datetime.date(2026, 9, 30)) == {point.pk: 0}
    _visit(lk.communities[1], "张建国", datetime.date(2026, 8, 3))
    assert stats.visit_counts([point], datetime.date(2026, 7, 1), datetime.date(2026, 9, 30)) == {point.pk: 1}


def test_the_current_quarter_warns_near_its_end(lk, leader):
    _cover_all(lk, leader, datetime.date(2026, 12, 1))  # started this quarter: no last-quarter duty
    warns = [f for f in _findings(datetime.date(2026, 12, 20)) if f.severity == "warning"]
    assert len(warns) == 4 and "尚未完成走访" in warns[0].message
    assert [f for f in _findings(datetime.date(2026, 12, 2)) if f.severity == "warning"] == []


def test_coverage_fails_with_an_uncovered_community_and_meets_when_all_are_covered(lk, leader):
    today = datetime.date(2026, 12, 7)
    for c in lk.communities[:3]:
        ContactPoint.objects.create(leader=leader, region=c, start_on=datetime.date(2026, 12, 1))
    gaps = [f for f in _findings(today) if "没有市、区领导联系点" in f.message]
    assert [f.region_name for f in gaps] == [lk.communities[3].name]
    cov = stats.coverage(lk.city, ContactPoint.objects.all(), today)
    assert cov["total"] == 4 and cov["rate"] == 75 and cov["uncovered"] == [lk.communities[3]]
    second = services.create_leader(
        lk.city_admin, name="王红", post="副区长", level="district", region=lk.district
    )
    services.assign_contact_point(
        lk.city_admin, second, lk.communities[3], start_on=datetime.date(2026, 12, 1)
    )
    assert [f for f in _findings(today) if "没有市、区领导联系点" in f.message] == []
    # An ended contact point no longer covers its community.
    ContactPoint.objects.filter(region=lk.communities[3]).update(end_on=datetime.date(2026, 12, 5))
    assert len([f for f in _findings(today) if "没有市、区领导联系点" in f.message]) == 1


def test_coverage_can_be_switched_off_in_the_rule(lk, leader):
    rule = Rule.objects.get(code="GOV-7")
    rule.params = {**rule.params, "full_coverage": False}
    rule.save()
    assert [f for f in _findings(datetime.date(2026, 12, 7)) if "没有市、区领导联系点" in f.message] == []


def test_points_per_leader_limit_refuses_the_fourth_and_flags_a_leader_over_a_lowered_limit(lk, leader):
    for c in lk.communities[:3]:
        services.assign_contact_point(lk.city_admin, leader, c)
    with pytest.raises(ServiceError, match="最多联系 3 个"):
        services.assign_contact_point(lk.city_admin, leader, lk.communities[3])
    assert ContactPoint.objects.count() == 3
    today = timezone.localdate()
    assert [f for f in _findings(today) if "超过上限" in f.message] == []
    rule = Rule.objects.get(code="GOV-7")
    rule.params = {**rule.params, "max_points_per_leader": 2}
    rule.save()
    over = [f for f in _findings(today) if "超过上限" in f.message]
    assert len(over) == 1 and "联系点 3 个" in over[0].message and over[0].region_name == lk.district.name


def test_contact_point_validation_in_chinese(lk, leader):
    with pytest.raises(ServiceError, match="联系点只能是街道或社区"):
        services.assign_contact_point(lk.city_admin, leader, lk.district)
    services.assign_contact_point(lk.city_admin, leader, lk.communities[0])
    with pytest.raises(ServiceError, match="无需重复设置"):
        services.assign_contact_point(lk.city_admin, leader, lk.communities[0])
    with pytest.raises(ServiceError, match="市级领导应属于市"):
        services.create_leader(lk.city_admin, name="赵", post="市委常委", level="city", region=lk.district)
    # A street admin can't manage the district's leaders.
    from grassroots.core.errors import NotFound

    with pytest.raises(NotFound):
        services.assign_contact_point(lk.street0, leader, lk.communities[1])
    assert ContactPoint.objects.count() == 1
