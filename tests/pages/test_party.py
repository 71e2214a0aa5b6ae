import datetime

import pytest
from django.urls import reverse

from grassroots.core.models import AuditEvent
from grassroots.party.models import Member, PartyOrg, Seat, Transfer
from tests.factories import add_member

from .helpers import audit_count, column, xlsx_rows

pytestmark = pytest.mark.django_db


def test_org_tree_roots_and_counts(city, admin_a, street_admin, client_for):
    r = client_for(admin_a).get(reverse("party:tree"))
    [root] = r.context["roots"]
    assert root.code == "QD-SN-1-1"
    assert root.counts == {"members": 3, "full": 3, "probationary": 0, "suborgs": 1}
    r = client_for(street_admin).get(reverse("party:tree"))
    [root] = r.context["roots"]
    assert root.code == "QD-SN-1" and root.counts["members"] == 6 and root.counts["suborgs"] == 4


def test_org_tree_children_and_flags(city, admin_a, admin_b, client_for):
    branch = city.branches[0]
    PartyOrg.objects.filter(pk=branch.pk).update(is_joint=True)
    add_member(branch, "预备甲", status="probationary")
    r = client_for(admin_a).get(reverse("party:tree_children", args=["QD-SN-1-1"]))
    [node] = r.context["nodes"]
    assert node.counts == {"members": 4, "full": 3, "probationary": 1, "suborgs": 0}
    assert "联合" in r.content.decode()
    assert client_for(admin_b).get(reverse("party:tree_children", args=["QD-SN-1-1"])).status_code == 404


def test_org_search_pinyin(city, admin_a, admin_b, client_for):
    r = client_for(admin_a).get(reverse("party:tree"), {"q": "tdsq"})
    # 团岛社区第一党支部 (tdsqdydzb); the community committee is 中共团岛… (zgtd…)
    assert r.status_code == 302 and r["Location"] == reverse("party:org_detail", args=["QD-SN-1-1-1"])
    r = client_for(admin_b).get(reverse("party:tree"), {"q": "tdsq"})
    assert r.status_code == 200 and r.context["results"] == []


def test_org_list_filters_scope_and_export(city, street_admin, admin_a, client_for):
    c = client_for(street_admin)
    r = c.get(reverse("party:orgs"))
    codes = {o.code for o in r.context["object_list"]}
    assert codes == {"QD-SN-1", "QD-SN-1-1", "QD-SN-1-1-1", "QD-SN-1-2", "QD-SN-1-2-1"}
    r = c.get(reverse("party:orgs"), {"kind": "branch"})
    assert {o.code for o in r.context["object_list"]} == {"QD-SN-1-1-1", "QD-SN-1-2-1"}
    PartyOrg.objects.filter(code="QD-SN-1-1").update(is_regional=True)
    r = c.get(reverse("party:orgs"), {"is_regional": "true"})
    assert [o.code for o in r.context["object_list"]] == ["QD-SN-1-1"]
    r = c.get(reverse("party:orgs"), {"region": "370202001002"})
    assert {o.code for o in r.context["object_list"]} == {"QD-SN-1-2", "QD-SN-1-2-1"}
    r = c.get(reverse("party:orgs"), {"q": "ynl"})  # 云南路社区第一党支部 → ynlsq…; 中共云南路… → zgynl…
    assert {o.code for o in r.context["object_list"]} == {"QD-SN-1-2-1"}
    rows = xlsx_rows(client_for(admin_a).get(reverse("party:orgs"), {"export": "xlsx"}))
    assert set(column(rows, "组织编码")) == {"QD-SN-1-1", "QD-SN-1-1-1"}


def test_org_detail_scope_term_and_seats(city, admin_a, admin_b, client_for, make_user):
    org = city.community_orgs[0]
    today = datetime.date.today()
    PartyOrg.objects.filter(pk=org.pk).update(
        is_regional=True,
        term_start=today - datetime.timedelta(days=1500),
        term_end=today + datetime.timedelta(days=30),
    )
    Seat.objects.create(org=org, post="part_time", holder_name="李委员", unit=city.units[0])
    url = reverse("party:org_detail", args=[org.code])
    r = client_for(admin_a).get(url)
    body = r.content.decode()
    assert r.status_code == 200
    assert 'data-term="expiring"' in body and "即将届满" in body
    assert "李委员" in body and "兼职" in body and city.units[0].name in body
    assert r.context["org"].counts["members"] == 3
    assert client_for(admin_b).get(url).status_code == 404
    assert (
        client_for(make_user("dept", "department_handler", city.communities[0])).get(url).status_code == 404
    )


def test_org_add_child_and_edit(city, admin_a, client_for):
    c = client_for(admin_a)
    org = city.community_orgs[0]
    before = audit_count()
    r = c.post(
        reverse("party:org_add_child", args=[org.code]),
        {
            "code": "QD-SN-1-1-2",
            "name": "团岛社区第二党支部",
            "kind": "branch",
            "region": "370202001001",
            "committee_size": "3",
        },
    )
    assert r.status_code == 302, r.content.decode()[:3000]
    new = PartyOrg.objects.get(code="QD-SN-1-1-2")
    assert PartyOrg.objects.get_parent(new) == org and audit_count() == before + 1
    # edit: set the secretary to a member of the org, with an invalid term first
    branch = city.branches[0]
    m = city.members[0]
    url = reverse("party:org_edit", args=[branch.code])
    data = {
        "name": branch.name,
        "kind": "branch",
        "region": "370202001001",
        "secretary": str(m.pk),
        "committee_size": "3",
        "term_start": "2024-01-01",
        "term_end": "2023-01-01",
    }
    r = c.post(url, data)
    assert r.status_code == 400 and "届满日期必须晚于本届开始日期" in r.content.decode()
    assert audit_count() == before + 1
    data["term_end"] = "2027-01-01"
    assert c.post(url, data).status_code == 302
    branch.refresh_from_db()
    assert branch.secretary_id == m.pk and branch.secretary_name == m.name
    assert audit_count() == before + 2


def test_org_add_child_foreign_region_refused(city, admin_a, client_for):
    r = client_for(admin_a).post(
        reverse("party:org_add_child", args=["QD-SN-1-1"]),
        {
            "code": "QD-X",
            "name": "越权支部",
            "kind": "branch",
            "region": "370202002001",
            "committee_size": "0",
        },
    )
    assert r.status_code == 400 and "不存在或不在您的管辖范围内" in r.content.decode()
    assert not PartyOrg.objects.filter(code="QD-X").exists()


def test_seat_add_and_remove(city, admin_a, admin_b, client_for):
    c = client_for(admin_a)
    org = city.community_orgs[0]
    before = audit_count()
    r = c.post(
        reverse("party:seat_add", args=[org.code]),
        {"post": "part_time", "holder_name": "王委员", "unit": city.units[0].code},
    )
    assert r.status_code == 302
    seat = Seat.objects.get(org=org, holder_name="王委员")
    assert seat.unit == city.units[0] and audit_count() == before + 1
    r = c.post(reverse("party:seat_add", args=[org.code]), {"post": "", "holder_name": ""})
    assert r.status_code == 400 and Seat.objects.count() == 1
    # another community can't remove it
    assert (
        client_for(admin_b)
        .post(reverse("party:seat_remove", args=[seat.pk]), HTTP_HX_REQUEST="true")
        .status_code
        == 404
    )
    r = c.post(reverse("party:seat_remove", args=[seat.pk]), HTTP_HX_REQUEST="true")
    assert r.status_code == 200 and not Seat.objects.exists() and audit_count() == before + 2


# ---- members ---------------------------------------------------------------------------------------


def test_member_list_scope_filters_masking(city, admin_a, street_admin, client_for):
    c = client_for(street_admin)
    r = c.get(reverse("party:members"))
    assert {m.pk for m in r.context["object_list"]} == {m.pk for m in city.members[:6]}
    body = r.content.decode()
    m0 = city.members[0]
    assert m0.id_number not in body and m0.phone not in body
    r = c.get(reverse("party:members"), {"org": "QD-SN-1-2"})
    assert {m.pk for m in r.context["object_list"]} == {m.pk for m in city.members[3:6]}
    Member.objects.filter(pk=m0.pk).update(status="probationary", converted_on=None, is_household_hub=True)
    assert [
        m.pk for m in c.get(reverse("party:members"), {"status": "probationary"}).context["object_list"]
    ] == [m0.pk]
    assert [
        m.pk for m in c.get(reverse("party:members"), {"is_household_hub": "true"}).context["object_list"]
    ] == [m0.pk]
    r = c.get(reverse("party:members"), {"region": "370202001002"})
    assert {m.pk for m in r.context["object_list"]} == {m.pk for m in city.members[3:6]}
    r = c.get(reverse("party:members"), {"q": "tddy"})  # 团岛党员 → tddy
    assert {m.pk for m in r.context["object_list"]} == {m.pk for m in city.members[:3]}
    # a community admin sees only their own community, even with a foreign filter
    r = client_for(admin_a).get(reverse("party:members"), {"org": "QD-SN-1-2"})
    assert list(r.context["object_list"]) == []


def test_member_export_masked_by_default_plaintext_with_a_purpose(
    city, admin_a, viewer, client_for, make_user
):
    rows = xlsx_rows(client_for(viewer).get(reverse("party:members"), {"export": "xlsx"}))
    assert len(rows) == 4
    assert all("*" in v for v in column(rows, "身份证号")) and all("*" in v for v in column(rows, "手机号"))
    rows = xlsx_rows(client_for(admin_a).get(reverse("party:members"), {"export": "xlsx", "q": "团岛党员1"}))
    assert column(rows, "身份证号") != [city.members[0].id_number]  # masked for every role by default
    # a community admin holds no personal.export: no plaintext button, the purpose form refuses
    page = client_for(admin_a).get(reverse("party:members"))
    assert page.context["unmask_export_url"] == "" and "data-export-unmask" not in page.content.decode()
    url = reverse("core:export_unmask") + "?export_kind=list:party.MemberListView&q=团岛党员1"
    assert client_for(admin_a).post(url, {"purpose": "走访核对党员信息"}).status_code == 403
    # a street admin does, with a purpose: plaintext, a watermark row, audited with the fields
    street = client_for(make_user("street_a", "street_admin", city.streets[0]))
    page = street.get(reverse("party:members"), {"q": "团岛党员1"})
    assert "export_kind=list%3Aparty.MemberListView" in page.context["unmask_export_url"]
    rows = xlsx_rows(street.post(page.context["unmask_export_url"], {"purpose": "走访核对党员信息"}), skip=1)
    assert column(rows, "身份证号") == [city.members[0].id_number]
    event = AuditEvent.objects.filter(action="export").latest("id")
    assert event.purpose == "走访核对党员信息" and event.changes["rows"] == [None, 1]
    assert event.changes["unmasked_fields"] == [None, ["身份证号", "手机号", "房号"]]


def test_member_list_constant_queries(city, admin_a, client_for, django_assert_max_num_queries):
    c = client_for(admin_a)
    c.get(reverse("party:members"))
    with django_assert_max_num_queries(12) as small:
        c.get(reverse("party:members"))
    for i in range(30):
        add_member(city.branches[0], f"新党员{i}")
    with django_assert_max_num_queries(len(small.captured_queries)):
        r = c.get(reverse("party:members"))
    assert len(r.context["object_list"]) == 25


def test_member_detail_and_unmask(city, admin_a, admin_b, client_for):
    m = city.members[0]
    c = client_for(admin_a)
    r = c.get(reverse("party:member_detail", args=[m.pk]))
    body = r.content.decode()
    assert r.status_code == 200 and m.phone not in body and "hx-prompt" in body
    assert client_for(admin_b).get(reverse("party:member_detail", args=[m.pk])).status_code == 404
    url = reverse("core:unmask", args=["party.member", m.pk, "phone"])
    r = c.post(url, HTTP_HX_REQUEST="true", HTTP_HX_PROMPT="走访联系")
    assert m.phone in r.content.decode()
    assert AuditEvent.objects.filter(action="unmask", object_id=str(m.pk), purpose="走访联系").count() == 1


def test_member_create_valid_and_invalid(city, admin_a, client_for):
    c = client_for(admin_a)
    base = {
        "name": "新党员",
        "gender": "female",
        "id_number": "37020219900101888X",
        "phone": "13912345678",
        "party_org": "QD-SN-1-1-1",
        "status": "probationary",
        "joined_on": "2025-07-01",
    }
    count, before = Member.objects.count(), audit_count()
    r = c.post(reverse("party:member_add"), {**base, "id_number": "123"})
    assert r.status_code == 400 and "身份证号应为 18 位" in r.content.decode()
    r = c.post(reverse("party:member_add"), {**base, "party_org": "QD-SN-2-1-1"})
    assert r.status_code == 400 and "不存在或不在您的管辖范围内" in r.content.decode()
    r = c.post(reverse("party:member_add"), {**base, "id_number": city.members[5].id_number})
    assert r.status_code == 400 and "该身份证号已登记为党员" in r.content.decode()
    assert Member.objects.count() == count and audit_count() == before
    r = c.post(reverse("party:member_add"), base)
    assert r.status_code == 302, r.content.decode()
    m = Member.objects.get(name="新党员")
    assert m.id_number == "37020219900101888X" and m.party_org.code == "QD-SN-1-1-1"
    assert Member.objects.count() == count + 1 and audit_count() == before + 1


def test_member_edit_keeps_personal_fields_when_blank(city, admin_a, client_for):
    m = city.members[0]
    c = client_for(admin_a)
    page = c.get(reverse("party:member_edit", args=[m.pk])).content.decode()
    assert m.id_number not in page and m.phone not in page
    before = audit_count()
    r = c.post(
        reverse("party:member_edit", args=[m.pk]),
        {
            "name": "改名党员",
            "gender": "male",
            "id_number": "",
            "phone": "",
            "joined_on": "2010-07-01",
            "is_household_hub": "on",
        },
    )
    assert r.status_code == 302
    fresh = Member.objects.get(pk=m.pk)
    assert (fresh.name, fresh.id_number, fresh.phone, fresh.is_household_hub) == (
        "改名党员",
        m.id_number,
        m.phone,
        True,
    )
    assert audit_count() == before + 1


def test_member_transfer_and_convert(city, street_admin, client_for):
    c = client_for(street_admin)
    m = city.members[0]
    before = audit_count()
    r = c.post(reverse("party:member_transfer", args=[m.pk]), {"to_org": "QD-SN-1-1-1"})
    assert r.status_code == 400 and "转入组织与当前组织相同" in r.content.decode()
    r = c.post(reverse("party:member_transfer", args=[m.pk]), {"to_org": "QD-SN-1-2-1", "reason": "搬家"})
    assert r.status_code == 302
    t = Transfer.objects.get(member=m, reason="搬家")
    assert Member.objects.get(pk=m.pk).party_org.code == "QD-SN-1-1-1"  # in transit until accepted
    assert c.post(reverse("party:transfer_accept", args=[t.pk])).status_code == 302
    assert Member.objects.get(pk=m.pk).party_org.code == "QD-SN-1-2-1"
    body = c.get(reverse("party:member_detail", args=[m.pk])).content.decode()
    assert "搬家" in body
    assert audit_count() == before + 3  # issued, accepted, the member's org
    # convert: only probationary members; date not before joining
    r = c.post(reverse("party:member_convert", args=[m.pk]), {"on": "2025-01-01"})
    assert r.status_code == 400 and "只有预备党员可以办理转正" in r.content.decode()
    p = add_member(city.branches[0], "预备乙", status="probationary", joined_on=datetime.date(2024, 7, 1))
    assert "办理转正" in c.get(reverse("party:member_detail", args=[p.pk])).content.decode()
    r = c.post(reverse("party:member_convert", args=[p.pk]), {"on": "2024-01-01"})
    assert r.status_code == 400 and "转正日期不能早于入党日期" in r.content.decode()
    r = c.post(reverse("party:member_convert", args=[p.pk]), {"on": "2025-07-01"})
    assert r.status_code == 302
    p.refresh_from_db()
    assert p.status == "full" and p.converted_on == datetime.date(2025, 7, 1)
    assert AuditEvent.objects.filter(action="transition", object_id=str(p.pk)).count() == 1


def test_member_pages_need_party_permission(city, make_user, client_for):
    handler = make_user("dept", "department_handler", city.communities[0])
    c = client_for(handler)
    assert c.get(reverse("party:members")).status_code == 404
    assert c.get(reverse("party:member_detail", args=[city.members[0].pk])).status_code == 404
    assert c.get(reverse("party:tree")).status_code == 404
    viewer_only = make_user("liaison", "unit_liaison", city.branches[0])
    assert client_for(viewer_only).get(reverse("party:member_add")).status_code == 404
