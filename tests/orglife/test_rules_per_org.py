"""LIFE-3 judged per 党小组, the attendance rule LIFE-9 and 支委会 attendance lists from the committee's
seats (issue 16)."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from grassroots.orglife import services, stats
from grassroots.orglife.models import Activity, ActivityKind, ActivityStatus, Signup, SignupStatus
from grassroots.party.models import Seat
from grassroots.standards.checks import Checker
from grassroots.standards.models import Rule
from tests.factories import add_member, add_org
from tests.orglife.conftest import local_dt

pytestmark = pytest.mark.django_db

DEC_3 = datetime.date(2026, 12, 3)


def held(org, kind, start, attended: int = 1, absent: int = 0) -> Activity:
    a = Activity.objects.create(
        kind=kind,
        title=str(kind),
        party_org=org,
        region=org.region,
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=1),
        status=ActivityStatus.DONE,
        minutes="会议记录",
    )
    for k in range(attended):
        Signup.objects.create(activity=a, name=f"到会{k}", status=SignupStatus.ATTENDED)
    for k in range(absent):
        Signup.objects.create(activity=a, name=f"缺席{k}", status=SignupStatus.ABSENT)
    return a


def run(user, codes, today):
    return Checker(user, today=today, rules=Rule.objects.filter(code__in=codes)).run()


def test_life3_each_group_owes_its_own_monthly_meeting(admin, branch):
    """The issue's example: a branch with two groups, one of which held nothing in November."""
    g1 = add_org(branch, branch.code + "-G1", "第一党小组", "group", branch.region)
    g2 = add_org(branch, branch.code + "-G2", "第二党小组", "group", branch.region)
    held(g1, ActivityKind.GROUP_MEETING, local_dt(2026, 11, 12))
    held(g1, ActivityKind.GROUP_MEETING, local_dt(2026, 11, 26))  # two in one group do not cover the other
    findings = run(admin, ["LIFE-3"], DEC_3)
    assert [(f.rule, f.severity, f.pk) for f in findings] == [("LIFE-3", "violation", g2.pk)]
    assert "2026年11月" in findings[0].message and "计入 0 次" in findings[0].message
    # The branch is not "met" for November: 1 of its 2 groups met.
    history = {r["rule"].code: r["periods"] for r in stats.history(branch, DEC_3)}
    november = next(p for p in history["LIFE-3"] if p.period.label == "2026年11月")
    assert (november.state, november.count, november.required) == ("missed", 1, 2)
    result = stats.life_compliance([branch], "2026-11", today=DEC_3)
    assert result["rows"][0]["compliant"] is False
    held(g2, ActivityKind.GROUP_MEETING, local_dt(2026, 11, 20))
    assert run(admin, ["LIFE-3"], DEC_3) == []
    assert stats.life_compliance([branch], "2026-11", today=DEC_3)["rules"]["LIFE-3"]["met"] == 1


def test_life9_attendance_below_two_thirds_is_flagged(admin, branch):
    rule = Rule.objects.get(code="LIFE-9")
    assert rule.params == {"kinds": ["members_meeting"], "numerator": 2, "denominator": 3, "days": 90}
    held(branch, ActivityKind.MEMBERS_MEETING, local_dt(2026, 11, 5), attended=5, absent=4)  # 55%
    held(branch, ActivityKind.MEMBERS_MEETING, local_dt(2026, 10, 5), attended=6, absent=3)  # exactly 2/3
    held(branch, ActivityKind.THEME_DAY, local_dt(2026, 11, 6), attended=1, absent=8)  # other kind
    findings = run(admin, ["LIFE-9"], DEC_3)
    assert [(f.rule, f.severity, f.pk) for f in findings] == [("LIFE-9", "warning", branch.pk)]
    assert findings[0].message == "2026-11-05 支部党员大会应到 9 人、实到 5 人，出席率 55%，低于 2/3"
    rule.params = {**rule.params, "numerator": 1, "denominator": 2}
    rule.save()
    assert run(admin, ["LIFE-9"], DEC_3) == []
    rule.params = {**rule.params, "numerator": 2, "denominator": 3, "days": 20}  # the window
    rule.save()
    assert run(admin, ["LIFE-9"], DEC_3) == []  # 5 November lies outside the 20-day window


def test_committee_meeting_attendance_list_is_the_committee_seats(admin, branch, city):
    m1, m2 = city.members[0], city.members[1]
    Seat.objects.create(org=branch, post="secretary", holder_name=m1.name, member=m1)
    Seat.objects.create(org=branch, post="member", holder_name=m2.name, member=m2)
    Seat.objects.create(org=branch, post="member", holder_name="外单位委员")  # no member row
    add_member(branch, "普通党员")
    start = timezone.now() - datetime.timedelta(hours=1)
    committee = Activity.objects.create(
        kind=ActivityKind.COMMITTEE_MEETING,
        title="支委会",
        party_org=branch,
        region=branch.region,
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=2),
        status=ActivityStatus.ONGOING,
    )
    assert {m.pk for m in services.branch_members(committee)} == {m1.pk, m2.pk}
    counts = services.record_attendance(admin, committee, [m1.pk])
    assert counts == {"attended": 1, "absent": 1}
    with pytest.raises(Exception, match="不属于本组织"):
        services.record_attendance(admin, committee, [city.members[2].pk])
    meeting = Activity.objects.create(
        kind=ActivityKind.MEMBERS_MEETING,
        title="党员大会",
        party_org=branch,
        region=branch.region,
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=2),
        status=ActivityStatus.ONGOING,
    )
    assert services.branch_members(meeting).count() == 4  # every member of the branch
