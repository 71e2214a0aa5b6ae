"""Each ORG/COV rule on hand-built data: passing, failing, edge cases at the thresholds, and the rule's
params read from the Rule table."""

from __future__ import annotations

import datetime

import pytest

from grassroots.party.models import DuesPayment, PartyOrg
from grassroots.standards.checks import month_start
from grassroots.standards.models import Rule
from grassroots.units.models import Instructor, Unit
from tests.factories import add_member, add_org, add_unit_members

pytestmark = pytest.mark.django_db

TODAY = datetime.date.today()


def days(n):
    return TODAY + datetime.timedelta(days=n)


def ids(found, kind=None):
    return {f.pk for f in found if kind is None or f.object_type == kind}


def make_unit(city, code, full_members=0, employees=10, party_work="none", **kw):
    """A unit with `full_members` full members working there (member rows registered in branches[0])."""
    community = kw.pop("region", city.communities[0])
    org = kw.pop("party_org", None)
    if party_work != "none" and org is None:
        org = city.branches[0]
    unit = Unit.objects.create(
        code=code,
        name=f"单位{code}",
        type="private",
        region=community,
        employees=employees,
        party_work=party_work,
        party_org=org,
        **kw,
    )
    add_unit_members(unit, full_members, city.branches[0])
    return unit


def grow(branch, n, status="full", **kw):
    return [add_member(branch, f"加{branch.pk}-{k}", status=status, **kw) for k in range(n)]


# ORG-1 -------------------------------------------------------------------------------------------
def test_org1_threshold_and_party_work(city, findings):
    at = make_unit(city, "U3", full_members=3)
    below = make_unit(city, "U2", full_members=2)
    joint = make_unit(city, "U5", full_members=5, party_work="joint_org")
    own = make_unit(city, "U9", full_members=9, party_work="own_org")
    found = findings("ORG-1")
    assert ids(found) == {at.pk, joint.pk}
    assert below.pk not in ids(found) and own.pk not in ids(found)
    msg = {f.pk: f.message for f in found}
    assert "正式党员 3 名" in msg[at.pk] and "未建立党组织" in msg[at.pk]
    assert "联合党组织" in msg[joint.pk]
    assert all(f.severity == "violation" and f.action == "按规定单独组建党支部" for f in found)


def test_org1_param_from_rule_table(city, findings, set_params):
    u4 = make_unit(city, "U4", full_members=4)
    set_params("ORG-1", min_full_members=5)
    assert u4.pk not in ids(findings("ORG-1"))
    set_params("ORG-1", min_full_members=4)
    assert u4.pk in ids(findings("ORG-1"))


# ORG-2 / COV-2 -----------------------------------------------------------------------------------
@pytest.mark.parametrize("code", ["ORG-2", "COV-2"])
def test_small_unit_needs_joint_attachment_or_instructor(city, findings, code):
    two = make_unit(city, "S2", full_members=2)
    one = make_unit(city, "S1", full_members=1)
    zero = make_unit(city, "S0", full_members=0)
    three = make_unit(city, "S3", full_members=3)
    attached = make_unit(city, "SA", full_members=2, party_work="attached")
    instructor = Instructor.objects.create(name="王指导", region=city.communities[0])
    guided = make_unit(city, "SG", full_members=2, instructor=instructor)
    found = findings(code)
    assert ids(found) == {two.pk, one.pk}
    assert not {zero.pk, three.pk, attached.pk, guided.pk} & ids(found)
    f = next(f for f in found if f.pk == two.pk)
    assert f.message == "以该单位为工作单位的正式党员 2 名，未建立党组织，未选派党建指导员"
    assert f.action == "组建或加入联合党支部、挂靠就近党组织，或选派党建指导员"


def test_org2_param_changes_findings(city, findings, set_params):
    three = make_unit(city, "S3", full_members=3)
    assert three.pk not in ids(findings("ORG-2"))
    set_params("ORG-2", min_full_members=4)
    assert three.pk in ids(findings("ORG-2"))


# ORG-3 / ORG-4 / ORG-5 ---------------------------------------------------------------------------
def test_org3_branch_committee_at_seven_members(city, findings):
    b6, b7 = city.branches[0], city.branches[1]  # each has 3 members already
    grow(b6, 3)  # 6
    grow(b7, 4)  # 7
    found = findings("ORG-3")
    assert b7.pk in ids(found) and b6.pk not in ids(found)
    assert next(f for f in found if f.pk == b7.pk).message == "正式党员 7 名（≥7），未设立支部委员会"
    PartyOrg.objects.filter(pk=b7.pk).update(committee_size=5)
    assert b7.pk not in ids(findings("ORG-3"))


def test_org3_counts_members_of_groups_under_the_branch(city, findings):
    branch = city.branches[2]
    group = add_org(branch, "QD-G1", "第一党小组", "group", branch.region)
    grow(group, 4)  # 3 + 4 = 7 in the branch's subtree
    assert branch.pk in ids(findings("ORG-3"))


def test_org3_param(city, findings, set_params):
    set_params("ORG-3", min_full_members=3)
    assert ids(findings("ORG-3")) == {b.pk for b in city.branches}


def test_org4_more_than_fifty(city, findings):
    b50, b51 = city.branches[0], city.branches[1]
    grow(b50, 47)
    grow(b51, 48)
    found = findings("ORG-4")
    assert ids(found) == {b51.pk}
    assert found[0].severity == "suggestion"


def test_org5_hundred_members_not_a_committee(city, findings, set_params):
    set_params("ORG-5", min_members=10)
    b9, b10 = city.branches[0], city.branches[1]
    grow(b9, 6)
    grow(b10, 7)
    found = findings("ORG-5")
    # the community committees above hold 9 and 10 members but are committees already
    assert ids(found) == {b10.pk}
    assert "党支部有党员 10 名" in found[0].message


# ORG-6 -------------------------------------------------------------------------------------------
def _term(org, **kw):
    PartyOrg.objects.filter(pk=org.pk).update(**kw)


def test_org6_term_end_90_vs_91_days_and_expired(city, findings):
    b90, b91, expired, today = city.branches
    _term(b90, term_start=days(-900), term_end=days(90))
    _term(b91, term_start=days(-900), term_end=days(91))
    _term(expired, term_start=days(-1200), term_end=days(-1))
    _term(today, term_start=days(-1000), term_end=TODAY)
    found = {f.pk: f for f in findings("ORG-6")}
    assert set(found) == {b90.pk, expired.pk, today.pk}
    assert found[b90.pk].severity == "warning" and "还有 90 天" in found[b90.pk].message
    assert found[today.pk].severity == "warning" and "还有 0 天" in found[today.pk].message
    assert found[expired.pk].severity == "violation" and "超期 1 天" in found[expired.pk].message


def test_org6_term_length_by_kind_and_base_when_end_missing(city, findings):
    """Community-based branches have 5-year terms, unit branches 3 (中办《关于党的基层组织任期的意见》)."""
    from grassroots.standards.checks import add_years

    branch, committee = city.branches[0], city.community_orgs[1]
    unit = Unit.objects.create(code="T1", name="任期单位", type="soe", region=city.communities[0])
    unit_branch = add_org(
        city.community_orgs[0], "QD-UB", "单位党支部", "branch", city.communities[0], unit=unit
    )
    # 3 years ago: the unit branch's term ends today (warning); the community branch and committee run 5
    for org in (branch, committee, unit_branch):
        _term(org, term_start=add_years(TODAY, -3))
    found = {f.pk: f for f in findings("ORG-6")}
    assert unit_branch.pk in found and branch.pk not in found and committee.pk not in found
    assert "按党支部 3 年任期推算" in found[unit_branch.pk].message
    _term(branch, term_start=add_years(TODAY, -5))
    _term(committee, term_start=add_years(TODAY, -5) - datetime.timedelta(days=1))
    found = {f.pk: f for f in findings("ORG-6")}
    assert found[committee.pk].severity == "violation"
    assert (
        found[branch.pk].severity == "warning"
        and "按社区（村）党支部 5 年任期推算" in found[branch.pk].message
    )


def test_org6_appointed_working_committee_has_no_term(city, findings):
    """A 街道党工委 is an appointed body: no term warning however old its term_start (the issue's example)."""
    street_org = PartyOrg.objects.filter(kind="working_committee").first()
    assert street_org is not None
    _term(street_org, term_start=days(-4000))
    assert street_org.pk not in ids(findings("ORG-6"))


def test_org6_mapping_param_edit(city, findings, admin):
    from grassroots.standards.services import update_rule

    branch = city.branches[0]
    _term(branch, term_start=days(-4 * 365))  # community branch, 5 years: not due
    assert branch.pk not in ids(findings("ORG-6"))
    update_rule(admin, Rule.objects.get(code="ORG-6"), params={"community_years": {"branch": 3}})
    assert Rule.objects.get(code="ORG-6").params["community_years"] == {
        "committee": 5,
        "general_branch": 5,
        "branch": 3,
    }
    assert branch.pk in ids(findings("ORG-6"))


def test_org6_params(city, findings, set_params):
    branch = city.branches[0]
    _term(branch, term_start=days(-900), term_end=days(120))
    assert branch.pk not in ids(findings("ORG-6"))
    set_params("ORG-6", warn_days=120)
    assert branch.pk in ids(findings("ORG-6"))


def test_org6_orgs_without_term_data_or_groups_are_skipped(city, findings):
    group = add_org(city.branches[0], "QD-G9", "党小组", "group", city.communities[0])
    _term(group, term_start=days(-4000))
    assert findings("ORG-6") == []


# ORG-7 -------------------------------------------------------------------------------------------
def test_org7_functional_org_with_members_and_dues(city, findings):
    parent, where = city.community_orgs[0], city.communities[0]
    functional = add_org(parent, "QD-F1", "流动党员功能型党支部", "branch", where, is_functional=True)
    clean = add_org(parent, "QD-F2", "志愿服务功能型党支部", "branch", where, is_functional=True)
    assert findings("ORG-7") == []
    m = city.members[0]
    type(m).objects.filter(pk=m.pk).update(party_org=functional)  # bypasses clean(), as an import would
    DuesPayment.objects.create(member=m, month=month_start(TODAY, 1), amount_fen=1000, paid_on=TODAY)
    found = findings("ORG-7")
    assert ids(found) == {functional.pk}
    assert found[0].message == "功能型党组织登记党员组织关系 1 名，收缴党费 1 笔"
    assert clean.pk not in ids(found)


# ORG-8 -------------------------------------------------------------------------------------------
def test_org8_probation_365_vs_366_days(city, findings):
    branch = city.branches[0]
    on_time = add_member(branch, "刚满", status="probationary", joined_on=days(-365))
    overdue = add_member(branch, "超期", status="probationary", joined_on=days(-366))
    converted = add_member(branch, "已转正", joined_on=days(-800))
    found = findings("ORG-8")
    assert ids(found) == {overdue.pk}
    assert "超期 1 天未转正" in found[0].message
    assert on_time.pk not in ids(found) and converted.pk not in ids(found)


def test_org8_param(city, findings, set_params):
    m = add_member(city.branches[0], "半年", status="probationary", joined_on=days(-200))
    assert m.pk not in ids(findings("ORG-8"))
    set_params("ORG-8", probation_days=180)
    assert m.pk in ids(findings("ORG-8"))


# ORG-9 -------------------------------------------------------------------------------------------
def _pay(member, *backs):
    for b in backs:
        DuesPayment.objects.create(member=member, month=month_start(TODAY, b), amount_fen=500, paid_on=TODAY)


def test_org9_six_vs_five_months_unpaid(city, findings):
    six, five, current, recent = city.members[:4]
    _pay(six, 7)  # last paid 7 months back: months 6..1 unpaid -> flagged
    _pay(five, 6)  # paid 6 months back: only 5 unpaid -> fine
    _pay(current, 1)
    found = {f.pk: f for f in findings("ORG-9")}
    assert six.pk in found and five.pk not in found and current.pk not in found
    assert f"最近一次交纳 {month_start(TODAY, 7):%Y-%m}" in found[six.pk].message
    assert "连续 6 个月" in found[six.pk].message
    # members with no payment at all are flagged too, with the fact stated
    assert "无交纳记录" in found[recent.pk].message


def test_org9_only_members_who_joined_before_the_window(city, findings):
    branch = city.branches[0]
    newcomer = add_member(branch, "新党员", status="probationary", joined_on=month_start(TODAY, 6))
    older = add_member(branch, "老党员", joined_on=month_start(TODAY, 6) - datetime.timedelta(days=1))
    found = ids(findings("ORG-9"))
    assert newcomer.pk not in found and older.pk in found


def test_org9_this_month_payment_does_not_count_and_param(city, findings, set_params):
    m = city.members[0]
    _pay(m, 0, 4)  # this month (not in the window) and 4 months back
    assert m.pk not in ids(findings("ORG-9"))
    set_params("ORG-9", months=3)
    assert m.pk in ids(findings("ORG-9"))


# COV-1 -------------------------------------------------------------------------------------------
def test_cov1_large_unit_without_members(city, findings):
    at = make_unit(city, "C50", employees=50)
    below = make_unit(city, "C49", employees=49)
    instructor = Instructor.objects.create(name="李指导", region=city.communities[0])
    complete = make_unit(
        city, "CX", employees=80, has_union=True, has_youth_league=True, instructor=instructor
    )
    partial = make_unit(city, "CP", employees=80, has_union=True)
    with_member = make_unit(city, "CM", employees=80, full_members=1)
    prob = make_unit(city, "CQ", employees=80)
    add_member(city.branches[0], "预备", status="probationary", joined_on=TODAY, workplace_unit=prob)
    found = {f.pk: f for f in findings("COV-1")}
    assert set(found) == {at.pk, partial.pk}
    assert found[at.pk].message == "从业人员 50 人（≥50），无党员，缺少工会、共青团组织、党建指导员"
    assert found[partial.pk].message.endswith("缺少共青团组织、党建指导员")
    assert not {below.pk, complete.pk, with_member.pk, prob.pk} & set(found)


def test_cov1_param(city, findings, set_params):
    set_params("COV-1", min_employees=20)
    # the four property companies of build_city have 20 employees and no member
    assert ids(findings("COV-1")) == {u.pk for u in city.units}


# COV-3 -------------------------------------------------------------------------------------------
def test_cov3_uncovered_units_that_should_be(city, findings):
    member_unit = make_unit(city, "V1", full_members=1)
    big = make_unit(city, "V2", employees=60)
    covered = make_unit(city, "V3", full_members=1, party_work="attached")
    small = make_unit(city, "V4", employees=49)
    found = ids(findings("COV-3"))
    assert found == {member_unit.pk, big.pk}
    assert covered.pk not in found and small.pk not in found


def test_disabled_rule_produces_nothing(city, findings):
    make_unit(city, "D3", full_members=3)
    assert findings("ORG-1")
    Rule.objects.filter(code="ORG-1").update(enabled=False)
    assert findings("ORG-1") == []


def test_invalid_param_is_reported_not_crashing(city, admin):
    from grassroots.standards.services import run_health_check

    make_unit(city, "E3", full_members=3)
    Rule.objects.filter(code="ORG-1").update(params={"min_full_members": "x"})
    report = run_health_check(admin)
    assert not [f for f in report.findings if f.rule == "ORG-1"]
    assert report.errors == ["ORG-1 的参数 min_full_members 缺失或不是正整数"]
