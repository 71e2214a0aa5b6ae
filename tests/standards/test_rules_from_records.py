"""Issue 16: ORG/COV rules computed from member rows and as the regulations say; GOV-4 coverage needs
members; conversion respects the probation; every rule shows its source."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from grassroots.core.errors import ServiceError
from grassroots.core.models import AuditEvent
from grassroots.party import services as party_services
from grassroots.party.models import Member, PartyOrg
from grassroots.standards import indicators
from grassroots.standards.models import Rule
from grassroots.standards.services import coverage_stats
from grassroots.units.models import Instructor, Unit
from tests.factories import add_member, add_org, add_unit_members

pytestmark = pytest.mark.django_db

TODAY = datetime.date.today()


def ids(found):
    return {f.pk for f in found}


def unit(city, code, employees=10, **kw):
    return Unit.objects.create(
        code=code, name=f"单位{code}", type="private", region=city.communities[0], employees=employees, **kw
    )


# ORG-1 / ORG-2 / COV-* from member rows ----------------------------------------------------------------
def test_registering_three_full_members_with_a_unit_as_workplace_fires_org1(city, findings):
    """The issue's example: three full members registered with the unit as their workplace."""
    u = unit(city, "W3", employees=60)
    assert u.pk in ids(findings("COV-1"))  # 60 employees, no member yet
    add_unit_members(u, 2, city.branches[0])
    assert u.pk in ids(findings("ORG-2")) and u.pk in ids(findings("COV-2"))
    assert u.pk not in ids(findings("ORG-1")) and u.pk not in ids(findings("COV-1"))
    add_member(city.branches[0], "预备", status="probationary", workplace_unit=u)  # does not count
    assert u.pk not in ids(findings("ORG-1"))
    add_unit_members(u, 1, city.branches[1])
    org1 = {f.pk: f for f in findings("ORG-1")}
    assert org1[u.pk].message == "以该单位为工作单位的正式党员 3 名（≥3），未建立党组织"
    assert u.pk not in ids(findings("ORG-2"))
    # COV-1 and COV-3 agree about the unit: it has members (not COV-1) and should be covered (COV-3).
    assert u.pk not in ids(findings("COV-1")) and u.pk in ids(findings("COV-3"))
    assert Unit.objects.get(pk=u.pk).full_members == 3


# ORG-3 ------------------------------------------------------------------------------------------------
def test_org3_counts_full_members_only_and_flags_the_reverse(city, findings):
    b = city.branches[0]  # 3 full members
    for k in range(3):
        add_member(b, f"正式{k}")
    for k in range(2):
        add_member(b, f"预备{k}", status="probationary", joined_on=TODAY)
    # 6 full + 2 probationary: no committee needed (main counted 8 members and demanded one)
    assert b.pk not in ids(findings("ORG-3"))
    add_member(b, "正式7")
    found = {f.pk: f for f in findings("ORG-3")}
    assert found[b.pk].severity == "violation"
    assert found[b.pk].message == "正式党员 7 名（≥7）（另有预备党员 2 名，不计入），未设立支部委员会"
    # The reverse: a committee with fewer than 7 full members.
    small = city.branches[1]
    PartyOrg.objects.filter(pk=small.pk).update(committee_size=3)
    found = {f.pk: f for f in findings("ORG-3")}
    assert found[small.pk].severity == "warning"
    assert "正式党员 3 名（不足 7 名）" in found[small.pk].message and "应只设书记" in found[small.pk].message


# ORG-10 -----------------------------------------------------------------------------------------------
def test_org10_empty_and_too_small_branches(city, findings, set_params):
    empty = add_org(city.community_orgs[0], "QD-E1", "空壳党支部", "branch", city.communities[0])
    small = add_org(city.community_orgs[0], "QD-E2", "小党支部", "branch", city.communities[0])
    add_member(small, "正式甲")
    add_member(small, "正式乙")
    add_member(small, "预备丙", status="probationary", joined_on=TODAY)
    functional = add_org(
        city.community_orgs[0], "QD-E3", "功能型党支部", "branch", city.communities[0], is_functional=True
    )
    found = {f.pk: f for f in findings("ORG-10")}
    assert set(found) == {empty.pk, small.pk}  # the fixture's branches have 3 full members each
    assert found[empty.pk].severity == "violation" and "空壳" in found[empty.pk].message
    assert found[small.pk].message == "正式党员 2 名、预备党员 1 名，不足 3 名正式党员"
    assert functional.pk not in found
    set_params("ORG-10", min_full_members=4)
    assert {b.pk for b in city.branches} <= ids(findings("ORG-10"))
    rule = Rule.objects.get(code="ORG-10")
    assert rule.category == "org" and "第五条" in rule.source


# COV-3 split ----------------------------------------------------------------------------------------
def test_cov3_unit_doing_what_cov1_asks_has_work_coverage(city, findings, admin):
    """A ≥50-employee unit without members that set up a union and youth league and has an instructor
    is work-covered: no COV-3 finding, counted in work coverage but not in organisation coverage."""
    instructor = Instructor.objects.create(name="王指导", region=city.communities[0])
    done = unit(city, "K1", employees=80, has_union=True, has_youth_league=True, instructor=instructor)
    bare = unit(city, "K2", employees=80)
    attached = unit(city, "K3", employees=80, party_work="attached", party_org=city.branches[0])
    found = ids(findings("COV-3"))
    assert bare.pk in found and done.pk not in found and attached.pk not in found
    stats = coverage_stats(admin)
    assert (stats["should"], stats["covered"], stats["work_covered"]) == (3, 1, 2)
    assert stats["rate"] == round(100 / 3, 1) and stats["work_rate"] == round(200 / 3, 1)


def test_home_page_shows_both_coverages_with_definitions(city, make_user, client_for):
    instructor = Instructor.objects.create(name="王指导", region=city.communities[0])
    unit(city, "K1", employees=80, has_union=True, has_youth_league=True, instructor=instructor)
    html = client_for(make_user("sa", "street_admin", city.streets[0])).get("/").content.decode()
    assert 'data-stat="coverage">0.0%<' in html and 'data-stat="work-coverage">100.0%<' in html
    assert 'data-definition="coverage"' in html and 'data-definition="work-coverage"' in html


# GOV-4 --------------------------------------------------------------------------------------------------
def test_gov4_grid_with_empty_branch_is_not_covered(city, set_params):
    from grassroots.grids.models import Grid
    from grassroots.grids.stats import coverage

    c0 = city.communities[0]
    empty = add_org(city.community_orgs[0], "QD-GE", "网格党支部", "branch", c0)
    staffed = city.branches[0]  # 3 full members
    g1 = Grid.objects.create(region=c0, code="G1", name="第1网格", polygon={}, area_m2=1.0, party_org=empty)
    g2 = Grid.objects.create(region=c0, code="G2", name="第2网格", polygon={}, area_m2=1.0, party_org=staffed)
    m = indicators.measure("grid_party", c0)
    assert m.value == 50.0  # main counted the empty branch: 100%
    cov = next(i for i in coverage([g1, g2])["items"] if i.key == "party_org")
    assert cov.covered == 1 and "正式党员 0 名" in dict(cov.warnings)[g1]
    set_params("GOV-4", min_full_members=4)
    assert indicators.measure("grid_party", c0).value == 0.0


# Conversion and extension of probation (ORG-8) -------------------------------------------------------
def test_conversion_refused_before_probation_ends(city, make_user):
    user = make_user("ca", "community_admin", city.communities[0])
    m = add_member(
        city.branches[0], "预备党员", status="probationary", joined_on=TODAY - datetime.timedelta(days=1)
    )
    with pytest.raises(ServiceError, match="预备期未满，不能转正") as exc:
        party_services.convert_member(user, m, on=TODAY)
    assert f"最早可于 {m.joined_on + datetime.timedelta(days=365):%Y-%m-%d} 转正" in str(exc.value)
    assert Member.objects.get(pk=m.pk).status == "probationary"
    old = add_member(
        city.branches[0], "期满党员", status="probationary", joined_on=TODAY - datetime.timedelta(days=365)
    )
    party_services.convert_member(user, old, on=TODAY)
    assert Member.objects.get(pk=old.pk).status == "full"


def test_extend_probation_with_reason_audited_and_conversion_waits(city, make_user, client_for):
    user = make_user("ca", "community_admin", city.communities[0])
    joined = TODAY - datetime.timedelta(days=370)
    m = add_member(city.branches[0], "延长党员", status="probationary", joined_on=joined)
    end = joined + datetime.timedelta(days=365)
    with pytest.raises(ServiceError, match="延长期限应在"):
        party_services.extend_probation(user, m, until=end + datetime.timedelta(days=30), reason="学习不够")
    with pytest.raises(ServiceError, match="请填写延长预备期的原因"):
        party_services.extend_probation(user, m, until=end + datetime.timedelta(days=200), reason=" ")
    client = client_for(user)
    url = reverse("party:member_extend_probation", args=[m.pk])
    assert client.get(url).status_code == 200
    until = end + datetime.timedelta(days=200)
    r = client.post(url, {"until": until.isoformat(), "reason": "组织观念有待加强"})
    assert r.status_code == 302
    m.refresh_from_db()
    assert m.probation_extended_to == until and m.probation_extension_reason == "组织观念有待加强"
    assert AuditEvent.objects.filter(model="party.member", object_id=str(m.pk), action="update").exists()
    with pytest.raises(ServiceError, match="预备期已延长至"):
        party_services.convert_member(user, m, on=TODAY)
    html = client.get(reverse("party:member_detail", args=[m.pk])).content.decode()
    assert "延长预备期至" in html and "组织观念有待加强" in html


# Sources and labels -------------------------------------------------------------------------------------
def test_every_rule_has_a_source_shown_beside_its_parameters(city, admin, client_for):
    assert not Rule.objects.filter(source="").exists()
    client = client_for(admin)
    html = client.get(reverse("standards:rules")).content.decode()
    assert 'data-source="ORG-3"' in html and "第九条" in html
    assert "任期年数（村、社区党组织，按组织类别）" in html and "党支部 5" in html
    edit = client.get(reverse("standards:rule_edit", args=["ORG-6"])).content.decode()
    assert "依据：中共中央办公厅《关于党的基层组织任期的意见》" in edit
    assert 'name="p_community_years.branch"' in edit
    health = client.get(reverse("standards:health"), {"rule": "ORG-10"}).content.decode()
    assert 'data-rule-source="ORG-10"' in health and "第五条" in health
