"""Home dashboard: figures equal direct counts, scope, map data and a constant number of queries."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from grassroots.party.models import Member, PartyOrg
from grassroots.units.models import Unit
from tests.factories import add_member, add_unit_members

pytestmark = pytest.mark.django_db


def stat(html: str, name: str) -> str:
    m = re.search(rf'data-stat="{re.escape(name)}">([^<]*)<', html)
    assert m, name
    return m.group(1).strip()


def test_numbers_equal_direct_counts(city, make_user, client_for):
    street = city.streets[0]
    Unit.objects.filter(pk=city.units[0].pk).update(party_work="attached", party_org=city.branches[0])
    add_unit_members(city.units[0], 2, city.branches[0])
    Unit.objects.filter(pk=city.units[1].pk).update(employees=80)
    add_member(city.branches[0], "预备甲", status="probationary", is_household_hub=True, in_service=True)
    user = make_user("street_u", "street_admin", street)
    html = client_for(user).get("/").content.decode()
    assert int(stat(html, "communities")) == 2
    assert (
        int(stat(html, "orgs")) == PartyOrg.objects.filter(region__path__startswith=street.path).count() == 5
    )
    members = Member.objects.filter(party_org__region__path__startswith=street.path)
    assert int(stat(html, "members")) == members.count() == 9  # 6 of build_city, 2 working at the unit, 1
    assert int(stat(html, "members-probationary")) == members.filter(status="probationary").count() == 1
    assert int(stat(html, "hubs")) == 1 and int(stat(html, "in-service")) == 1
    # work coverage: neither unit has an instructor; the attached one is organisation-covered -> 50%
    assert stat(html, "work-coverage") == "50.0%"
    assert int(stat(html, "org-committee")) == 2 and int(stat(html, "org-branch")) == 2
    assert int(stat(html, "org-working_committee")) == 1 and int(stat(html, "org-group")) == 0
    assert int(stat(html, "units")) == Unit.objects.filter(region__path__startswith=street.path).count() == 2
    # COV-3: both units should be covered (2 members; 80 employees), one is -> 50%
    assert stat(html, "coverage") == "50.0%"
    assert int(stat(html, "units-should")) == 2 and int(stat(html, "units-covered")) == 1
    assert int(stat(html, "households")) == 4 and int(stat(html, "workers")) == 2


def test_findings_count_links_to_health_page(city, make_user, client_for):
    user = make_user("c_admin", "community_admin", city.communities[0])
    html = client_for(user).get("/").content.decode()
    # build_city's 3 members of that community have never paid dues: 3 ORG-9 findings
    assert int(stat(html, "findings")) == 3
    assert 'href="/standards/health/?rule=ORG-9"' in html


def test_no_scope_shows_empty_state(db, make_user, client_for):
    user = make_user("nobody")
    html = client_for(user).get("/").content.decode()
    assert "暂无管辖范围" in html and "data-stat" not in html


def test_unit_liaison_without_regions_gets_counts_but_no_map(city, make_user, client_for):
    user = make_user("liaison", "unit_liaison", city.branches[0])
    html = client_for(user).get("/").content.decode()
    assert int(stat(html, "members")) == 3
    assert 'id="region-map"' not in html


def test_home_query_count_is_constant(city, make_user, client_for):
    user = make_user("q_admin", "city_admin", city.city)
    client = client_for(user)
    client.get("/")
    with CaptureQueriesContext(connection) as small:
        assert client.get("/").status_code == 200
    for k in range(10):
        add_member(city.branches[k % 4], f"增{k}", status="probationary")
        unit = Unit.objects.create(
            code=f"QX{k}", name=f"新单位{k}", type="private", region=city.communities[k % 4], employees=60
        )
        add_unit_members(unit, k % 4, city.branches[k % 4])
    with CaptureQueriesContext(connection) as big:
        assert client.get("/").status_code == 200
    assert len(big) == len(small)
    # ~40 for the party/region figures and map, the "what needs me today" queues (now with the
    # deliberation queue), and the co-building sections, measured uncached: they read precomputed
    # buckets (core.tallies, one query per section; orglife's compliance from BranchLife), 11 queries
    assert len(small) <= 92, [q["sql"][:120] for q in small.captured_queries]


def test_scope_counts_contract_keys(city, make_user):
    from grassroots.dashboards.services import scope_counts

    data = scope_counts(make_user("k_admin", "city_admin", city.city))
    assert {"regions", "orgs", "members", "units", "unit_coverage", "workers", "households"} <= set(data)
    assert {"total", "covered", "should", "should_covered"} <= set(data["units"])
    assert data["members"]["total"] == Member.objects.count()


def test_member_without_scope_gets_shortcuts_to_what_they_may_do(db, make_user, client_for):
    member = make_user("m_home", "party_member", None)
    html = client_for(member).get("/").content.decode()
    assert "data-shortcuts" in html and "暂无管辖范围" not in html
    assert 'href="/volunteers/pool/"' in html and 'href="/cobuild/join/"' in html
    assert 'href="/cases/"' not in html  # no case permission, no handler membership


def test_department_member_sees_the_case_list_in_the_menu(city, make_user, client_for):
    from grassroots.cases.models import Handler

    dept = make_user("d_home", "department_handler", city.district)
    html = client_for(dept).get("/").content.decode()
    assert 'href="/cases/"' not in html
    handler = Handler.objects.create(kind="department", name="区城管局", region=city.district)
    handler.members.add(dept)
    html = client_for(dept).get("/").content.decode()
    assert 'href="/cases/"' in html
