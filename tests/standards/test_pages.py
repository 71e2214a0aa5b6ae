"""组织体检 and 规则参数 pages: scope, filters, export, editing rules with validation and audit."""

from __future__ import annotations

import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from grassroots.core.models import AuditEvent
from grassroots.party.models import DuesPayment
from grassroots.standards.checks import month_start
from grassroots.standards.models import Rule
from grassroots.units.models import Unit
from tests.factories import add_unit_members

pytestmark = pytest.mark.django_db


def small_unit(community, code, n=2):
    from grassroots.party.models import PartyOrg

    unit = Unit.objects.create(
        code=code, name=f"小微企业{code}", type="private", region=community, employees=10
    )
    org = PartyOrg.objects.filter(region__path__startswith=community.path, kind="branch").first()
    add_unit_members(unit, n, org)
    return unit


def pay_all(members):
    import datetime

    today = datetime.date.today()
    DuesPayment.objects.bulk_create(
        DuesPayment(member=m, month=month_start(today, 1), amount_fen=100, paid_on=today) for m in members
    )


def test_health_page_lists_findings_with_action_and_stays_in_scope(city, make_user, client_for):
    mine = small_unit(city.communities[0], "MINE")
    other = small_unit(city.communities[1], "OTHER")
    user = make_user("c0", "community_admin", city.communities[0])
    resp = client_for(user).get("/standards/health/?rule=ORG-2")
    html = resp.content.decode()
    assert resp.status_code == 200
    assert mine.name in html and other.name not in html
    assert "正式党员 2 名，未建立党组织，未选派党建指导员" in html
    assert "组建或加入联合党支部、挂靠就近党组织，或选派党建指导员" in html
    # summary cards count per rule over the whole scope
    assert 'data-rule-count="ORG-2">1<' in html
    assert 'data-rule-count="ORG-9">3<' in html  # the community's 3 members never paid dues


def test_health_filters_by_severity_type_and_region(city, make_user, client_for):
    small_unit(city.communities[0], "A1")
    small_unit(city.communities[2], "B1")
    user = make_user("city", "city_admin", city.city)
    client = client_for(user)
    html = client.get("/standards/health/?type=unit").content.decode()
    assert "小微企业A1" in html and "小微企业B1" in html and "党员1" not in html
    html = client.get(f"/standards/health/?type=unit&region={city.streets[1].code}").content.decode()
    assert "小微企业A1" not in html and "小微企业B1" in html
    html = client.get("/standards/health/?severity=suggestion").content.decode()
    assert "没有符合条件的问题" in html


def test_region_outside_scope_is_404(city, make_user, client_for):
    user = make_user("c0", "community_admin", city.communities[0])
    client = client_for(user)
    assert client.get(f"/standards/health/?region={city.communities[0].code}").status_code == 200
    assert client.get(f"/standards/health/?region={city.communities[1].code}").status_code == 404
    assert client.get("/standards/health/?region=000000").status_code == 404


def test_empty_state_when_nothing_is_wrong(city, make_user, client_for):
    pay_all(city.members)
    user = make_user("c0", "community_admin", city.communities[0])
    html = client_for(user).get("/standards/health/").content.decode()
    assert "未发现问题" in html and 'data-stat="findings">0<' in html


def test_health_needs_standards_view(city, make_user, client_for):
    user = make_user("dept", "department_handler", city.communities[0])
    assert client_for(user).get("/standards/health/").status_code == 404
    assert client_for(user).get("/standards/rules/").status_code == 404


def test_export_findings_to_excel(city, make_user, client_for):
    small_unit(city.communities[0], "X1")
    user = make_user("c0", "community_admin", city.communities[0])
    resp = client_for(user).get("/standards/health/?type=unit&export=xlsx")
    assert resp.status_code == 200
    ws = load_workbook(io.BytesIO(resp.content)).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:4] == ("规则编号", "级别", "对象类型", "对象")
    assert {r[0] for r in rows[1:]} == {"ORG-2", "COV-2", "COV-3"}
    assert all(r[3] == "小微企业X1" for r in rows[1:])
    assert AuditEvent.objects.filter(action="export", model="standards.finding").count() == 1


def test_pagination(city, make_user, client_for):
    for k in range(55):
        small_unit(city.communities[0], f"P{k:02d}")
    user = make_user("c0", "community_admin", city.communities[0])
    client = client_for(user)
    page1 = client.get("/standards/health/?rule=ORG-2").content.decode()
    page2 = client.get("/standards/health/?rule=ORG-2&page=2").content.decode()
    assert page1.count('data-finding="ORG-2"') == 50 and page2.count('data-finding="ORG-2"') == 5
    assert "第 1 / 2 页" in page1


def test_health_page_query_count_does_not_grow_with_findings(city, make_user, client_for):
    user = make_user("city", "city_admin", city.city)
    client = client_for(user)
    client.get("/standards/health/")
    with CaptureQueriesContext(connection) as few:
        client.get("/standards/health/")
    for k in range(30):
        small_unit(city.communities[k % 4], f"Q{k:02d}", n=k % 5)
    with CaptureQueriesContext(connection) as many:
        client.get("/standards/health/")
    assert len(many) == len(few) <= 30


# rules page --------------------------------------------------------------------------------------
def test_rules_page_lists_the_table(city, make_user, client_for):
    user = make_user("c0", "community_admin", city.communities[0])
    html = client_for(user).get("/standards/rules/").content.decode()
    for code in ("ORG-1", "ORG-9", "COV-3"):
        assert f'data-rule="{code}"' in html
    assert "/standards/rules/ORG-1/edit/" not in html  # community admins can't change rules
    assert client_for(user).get("/standards/rules/ORG-1/edit/").status_code == 404


def test_edit_rule_changes_findings_and_is_audited(city, make_user, client_for):
    unit = small_unit(city.communities[0], "R3", n=3)
    admin = make_user("city", "city_admin", city.city)
    client = client_for(admin)
    assert "小微企业R3" in client.get("/standards/health/?rule=ORG-1").content.decode()
    resp = client.post("/standards/rules/ORG-1/edit/", {"p_min_full_members": "4", "enabled": "on"})
    assert resp.status_code == 302
    assert Rule.objects.get(code="ORG-1").params == {"min_full_members": 4}
    html = client.get("/standards/health/?rule=ORG-1").content.decode()
    assert "小微企业R3" not in html
    # ORG-2 is a separate rule with its own threshold: 3 members is not "small" for it
    assert unit.pk
    event = AuditEvent.objects.get(model="standards.rule", action="update")
    assert event.changes["params"] == [{"min_full_members": 3}, {"min_full_members": 4}]


@pytest.mark.parametrize(
    "value,message",
    [
        ("0", "“正式党员人数门槛”应为正整数（不小于 1）"),
        ("-2", "应为正整数"),
        ("abc", "应为正整数"),
        ("2.5", "应为正整数"),
    ],
)
def test_edit_rule_rejects_bad_values(city, make_user, client_for, value, message):
    admin = make_user("city", "city_admin", city.city)
    resp = client_for(admin).post(
        "/standards/rules/ORG-1/edit/", {"p_min_full_members": value, "enabled": "on"}
    )
    assert resp.status_code == 400
    assert message in resp.content.decode()
    assert Rule.objects.get(code="ORG-1").params == {"min_full_members": 3}
    assert not AuditEvent.objects.filter(model="standards.rule").exists()


def test_disable_rule_from_the_form(city, make_user, client_for):
    admin = make_user("city", "city_admin", city.city)
    client_for(admin).post("/standards/rules/ORG-9/edit/", {"p_months": "6"})
    assert Rule.objects.get(code="ORG-9").enabled is False
    html = client_for(admin).get("/standards/health/").content.decode()
    assert 'data-finding="ORG-9"' not in html


def test_navigation_entries(city, make_user, client_for):
    user = make_user("c0", "community_admin", city.communities[0])
    html = client_for(user).get("/standards/rules/").content.decode()
    assert 'href="/standards/health/"' in html and "组织体检" in html and "规则参数" in html


def test_object_links_open_the_detail_pages(city, make_user, client_for):
    import datetime

    from grassroots.party.models import PartyOrg

    unit = small_unit(city.communities[0], "L1")
    branch = city.branches[0]
    today = datetime.date.today()
    # a community branch's term is 5 years (ORG-6): started 6 years ago, it has expired
    PartyOrg.objects.filter(pk=branch.pk).update(term_start=today.replace(year=today.year - 6))
    user = make_user("c0", "community_admin", city.communities[0])
    client = client_for(user)
    html = client.get("/standards/health/").content.decode()
    for url in (f"/units/{unit.pk}/", f"/party/orgs/{branch.code}/", f"/party/members/{city.members[0].pk}/"):
        assert f'href="{url}"' in html
        assert client.get(url).status_code == 200


def test_region_below_the_listed_levels_still_filters(city, make_user, client_for):
    small_unit(city.communities[0], "N1")
    user = make_user("c0", "community_admin", city.communities[0])
    from grassroots.regions.models import Region

    hood = Region.objects.get_children(city.communities[0]).first()
    Unit.objects.filter(code="N1").update(region=hood)
    html = client_for(user).get(f"/standards/health/?region={hood.code}&rule=ORG-2").content.decode()
    assert "小微企业N1" in html and 'data-finding="ORG-9"' not in html
