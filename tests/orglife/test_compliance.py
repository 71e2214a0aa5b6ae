"""Counting toward LIFE-* rules: what counts, calendar period boundaries, checks, compliance figures."""

from __future__ import annotations

import datetime

import pytest

from grassroots.orglife import stats
from grassroots.orglife.checks import check_life, check_silent
from grassroots.orglife.models import Activity, ActivityKind, ActivityStatus, Signup, SignupStatus
from grassroots.orglife.periods import parse_period, period_of, periods_between
from grassroots.standards.checks import Checker
from grassroots.standards.models import Rule
from tests.orglife.conftest import local_dt

pytestmark = pytest.mark.django_db

LIFE = ["LIFE-1", "LIFE-2", "LIFE-3", "LIFE-4", "LIFE-5", "LIFE-6", "LIFE-7", "LIFE-8"]


def done(org, kind, start, *, minutes="会议记录", attended=True) -> Activity:
    a = Activity.objects.create(
        kind=kind,
        title=str(kind),
        party_org=org,
        region=org.region,
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=1),
        status=ActivityStatus.DONE,
        minutes=minutes,
    )
    Signup.objects.create(
        activity=a, name="某党员", status=SignupStatus.ATTENDED if attended else SignupStatus.ABSENT
    )
    return a


def run(user, codes, today):
    checker = Checker(user, today=today, rules=Rule.objects.filter(code__in=codes))
    return checker.run()


def test_periods():
    assert period_of(datetime.date(2026, 11, 23), "quarter").label == "2026年第4季度"
    assert period_of(datetime.date(2026, 6, 30), "half_year").end == datetime.date(2026, 7, 1)
    assert period_of(datetime.date(2026, 1, 1), "month").previous().label == "2025年12月"
    assert [
        p.label for p in periods_between(datetime.date(2026, 1, 1), datetime.date(2027, 1, 1), "half_year")
    ] == [
        "2026年上半年",
        "2026年下半年",
    ]
    assert parse_period("2026-q3").start == datetime.date(2026, 7, 1)
    with pytest.raises(ValueError):
        parse_period("2026-13")


def test_missed_committee_meeting_is_a_violation(admin, branch):
    done(branch, ActivityKind.COMMITTEE_MEETING, local_dt(2026, 9, 10))
    findings = run(admin, ["LIFE-2"], datetime.date(2026, 11, 3))
    assert [(f.rule, f.severity, f.pk) for f in findings] == [("LIFE-2", "violation", branch.pk)]
    assert "2026年10月" in findings[0].message and "计入 0 次" in findings[0].message
    history = {r["rule"].code: r["periods"] for r in stats.history(branch, datetime.date(2026, 11, 3))}
    states = {p.period.label: p.state for p in history["LIFE-2"]}
    assert states["2026年9月"] == "met" and states["2026年10月"] == "missed" and states["2026年11月"] == "due"


def test_month_boundary_in_local_time(admin, branch):
    # 23:30 on 31 October (Beijing time) is October, although it is still the 31st in UTC as well;
    # 00:10 on 1 November is November although it is 31 October 16:10 in UTC.
    done(branch, ActivityKind.COMMITTEE_MEETING, local_dt(2026, 10, 31, 23, 30))
    done(branch, ActivityKind.COMMITTEE_MEETING, local_dt(2026, 12, 1, 0, 10))
    assert run(admin, ["LIFE-2"], datetime.date(2026, 11, 3)) == []
    # In December: November had none (the 1 December meeting belongs to December).
    findings = run(admin, ["LIFE-2"], datetime.date(2026, 12, 2))
    assert len(findings) == 1 and "2026年11月" in findings[0].message


def test_quarter_boundary_and_warning_near_period_end(admin, branch):
    done(branch, ActivityKind.MEMBERS_MEETING, local_dt(2026, 9, 30, 23, 59))
    assert run(admin, ["LIFE-1"], datetime.date(2026, 10, 5)) == []  # Q3 met, Q4 far from its end
    warned = run(admin, ["LIFE-1"], datetime.date(2026, 12, 26))
    assert [(f.severity, f.rule) for f in warned] == [("warning", "LIFE-1")]
    assert "还有 6 天" in warned[0].message
    assert run(admin, ["LIFE-1"], datetime.date(2026, 12, 24)) == []  # 8 days left: not yet
    missed = run(admin, ["LIFE-1"], datetime.date(2027, 1, 2))
    assert [(f.severity, f.rule) for f in missed] == [("violation", "LIFE-1")]


def test_only_done_with_minutes_and_attendance_counts(admin, branch):
    done(branch, ActivityKind.THEME_DAY, local_dt(2026, 10, 8), minutes="")
    done(branch, ActivityKind.THEME_DAY, local_dt(2026, 10, 9), attended=False)
    a = done(branch, ActivityKind.THEME_DAY, local_dt(2026, 10, 10))
    Activity.objects.filter(pk=a.pk).update(status=ActivityStatus.PUBLISHED)
    assert len(run(admin, ["LIFE-5"], datetime.date(2026, 11, 3))) == 1
    Activity.objects.filter(pk=a.pk).update(status=ActivityStatus.DONE)
    assert run(admin, ["LIFE-5"], datetime.date(2026, 11, 3)) == []


def test_group_meetings_count_for_the_group_and_rule_applicability(admin, branch):
    # No groups: LIFE-3 does not apply. No committee: LIFE-2 does not apply.
    assert run(admin, ["LIFE-3"], datetime.date(2026, 11, 3)) == []
    from tests.factories import add_org

    group = add_org(branch, branch.code + "-G1", "第一党小组", "group", branch.region)
    findings = run(admin, ["LIFE-3"], datetime.date(2026, 11, 3))
    assert [f.pk for f in findings] == [group.pk]  # the group owes its own monthly meeting
    done(group, ActivityKind.GROUP_MEETING, local_dt(2026, 10, 20))
    assert run(admin, ["LIFE-3"], datetime.date(2026, 11, 3)) == []
    branch.committee_size = 0
    branch.save()
    assert run(admin, ["LIFE-2"], datetime.date(2026, 11, 3)) == []


def test_new_branch_not_judged_before_it_existed(admin, branch):
    branch.established_on = datetime.date(2026, 11, 1)
    branch.save()
    assert run(admin, ["LIFE-2"], datetime.date(2026, 11, 3)) == []
    branch.established_on = datetime.date(2026, 10, 31)
    branch.save()
    assert len(run(admin, ["LIFE-2"], datetime.date(2026, 11, 3))) == 1


def test_silent_branch(admin, branch):
    done(branch, ActivityKind.OTHER, local_dt(2026, 9, 1))
    findings = run(admin, ["LIFE-8"], datetime.date(2026, 11, 3))
    assert [(f.rule, f.pk) for f in findings] == [("LIFE-8", branch.pk)]
    assert "2026-09-01" in findings[0].message
    done(branch, ActivityKind.THEME_DAY, local_dt(2026, 10, 20))
    assert run(admin, ["LIFE-8"], datetime.date(2026, 11, 3)) == []


def test_checks_are_registered_and_scoped(admin, other_admin, branch):
    from grassroots.standards.checks import CHECKS

    assert CHECKS["LIFE-2"] is check_life and CHECKS["LIFE-8"] is check_silent
    assert run(other_admin, ["LIFE-2"], datetime.date(2026, 11, 3)) == []  # another community


def test_query_count_does_not_grow_with_branches(admin, city, django_assert_max_num_queries):
    for b in city.branches:
        b.committee_size = 3
        b.save()
    city_admin = type(admin).objects.create_user("cityadm", password="Secret-Pass-123")
    from grassroots.accounts.models import Role, RoleAssignment

    RoleAssignment.objects.create(user=city_admin, role=Role.objects.get(code="city_admin"), region=city.city)
    with django_assert_max_num_queries(14):
        findings = run(city_admin, LIFE, datetime.date(2026, 11, 3))
    assert {f.pk for f in findings if f.rule == "LIFE-2"} == {b.pk for b in city.branches}


def test_life_compliance(admin, city, branch):
    for month in range(1, 13):
        done(branch, ActivityKind.COMMITTEE_MEETING, local_dt(2025, month, 5))
        done(branch, ActivityKind.THEME_DAY, local_dt(2025, month, 6))
    for q in (1, 4, 7, 10):
        done(branch, ActivityKind.MEMBERS_MEETING, local_dt(2025, q, 7))
        done(branch, ActivityKind.PARTY_LECTURE, local_dt(2025, q, 8))
    done(branch, ActivityKind.LIFE_MEETING, local_dt(2025, 3, 1))
    done(branch, ActivityKind.APPRAISAL, local_dt(2025, 3, 2))
    result = stats.life_compliance(city.communities[0], "2025", today=datetime.date(2026, 2, 1))
    row = next(r for r in result["rows"] if r["id"] == branch.pk)
    assert row["compliant"] and row["missed"] == [] and row["judged"] == 12 + 12 + 4 + 4 + 1 + 1
    assert result["rate"] == 1.0 and result["rules"]["LIFE-2"]["met"] == 12
    # Same figures by org path; another community's branch misses everything.
    other = city.branches[3]
    both = stats.life_compliance([branch.path, other.path], "2025", today=datetime.date(2026, 2, 1))
    assert both["compliant"] == 1 and both["judged_branches"] == 2 and both["rate"] == 0.5
    other_row = next(r for r in both["rows"] if r["id"] == other.pk)
    assert "支部党员大会每季度至少召开 1 次（2025年第1季度）" in other_row["missed"]


def test_life_compliance_rate_counts_the_stored_judgements(city, branch):
    """The home figure's rate, counted in SQL over BranchLife, equals life_compliance's: first judging
    and storing the branches without a row, then from the stored rows alone."""
    from grassroots.orglife.models import BranchLife
    from grassroots.party.models import PartyOrg

    for month in range(1, 13):
        done(branch, ActivityKind.COMMITTEE_MEETING, local_dt(2025, month, 5))
    today = datetime.date(2026, 2, 1)
    period = parse_period("2025")
    orgs = PartyOrg.objects.all()
    assert not BranchLife.objects.exists()
    first = stats.life_compliance_rate(orgs, period, today=today)
    assert BranchLife.objects.filter(computed_on=today).exists()
    expected = stats.life_compliance(orgs, period, today=today)["rate"]
    assert first == expected
    assert stats.life_compliance_rate(orgs, period, today=today) == expected
    none = PartyOrg.objects.none()
    assert stats.life_compliance_rate(none, period, today=today) is None


def test_standards_indicator_reads_life_compliance(city, branch):
    """The standards catalog's life_compliance indicator measures a community from orglife's figures."""
    from grassroots.standards import indicators

    for month in range(1, 13):
        done(branch, ActivityKind.COMMITTEE_MEETING, local_dt(2025, month, 5))
    measure = indicators.life_compliance(city.communities[0], 2025)
    expected = stats.life_compliance(city.communities[0], "2025")
    assert measure.value == round(100 * expected["rate"], 1)
    assert "按期开展组织生活的支部" in measure.facts and "出错" not in measure.facts


def test_city_wide_counts_use_one_common_prefix_and_give_the_same_result(city, branch, monkeypatch):
    """A nightly run covers thousands of branches: past MAX_PREFIXES subtrees the activity query uses
    their common ancestor (SQLite refuses an OR of thousands of prefixes) and the counts don't change."""
    for month in (1, 2, 3):
        done(branch, ActivityKind.COMMITTEE_MEETING, local_dt(2025, month, 5))
    done(city.branches[3], ActivityKind.COMMITTEE_MEETING, local_dt(2025, 2, 9))
    paths = {b.path for b in city.branches}
    start, end = datetime.date(2025, 1, 1), datetime.date(2025, 4, 1)
    few = stats.grouped_counts(ActivityKind.COMMITTEE_MEETING, start, end, paths)
    monkeypatch.setattr(stats, "MAX_PREFIXES", 1)
    assert len(stats._subtrees_q(paths).children) == 1
    many = stats.grouped_counts(ActivityKind.COMMITTEE_MEETING, start, end, paths)
    assert many == few and sum(few[branch.path].values()) == 3
    assert stats.last_activity([{"id": b.pk, "path": b.path} for b in city.branches])[branch.pk] is not None
