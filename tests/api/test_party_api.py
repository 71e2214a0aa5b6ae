"""/api/v1/party/: organisations with seats, members (ID number and phone always masked), transfers."""

import datetime

import pytest

from grassroots.party.models import Member, PartyOrg, Seat, Transfer
from tests.factories import add_member

from .conftest import assert_problem, count_queries, events, no_plaintext

pytestmark = pytest.mark.django_db

ORGS = "/api/v1/party/orgs/"
MEMBERS = "/api/v1/party/members/"
NEW_ID = "370202198807070011"


def codes(api, url, **params):
    r = api.get(url, params)
    assert r.status_code == 200, r.content
    return {i.get("code", i.get("id")) for i in r.json()["items"]}


def test_orgs_scoped_and_filtered(city, api_as):
    api = api_as("community_admin", city.communities[0])
    c_org, branch = city.community_orgs[0], city.branches[0]
    assert codes(api, ORGS) == {c_org.code, branch.code}
    assert codes(api, ORGS, kind="branch") == {branch.code}
    assert codes(api, ORGS, parent=c_org.code) == {branch.code}
    assert codes(api, ORGS, org=c_org.code) == {c_org.code, branch.code}
    assert codes(api, ORGS, region=city.communities[0].code) == {c_org.code, branch.code}
    assert codes(api, ORGS, q="第一") == {branch.code}
    assert codes(api, ORGS, org=city.community_orgs[2].code) == set()
    PartyOrg.objects.filter(pk=c_org.pk).update(is_regional=True)
    assert codes(api, ORGS, is_regional="true") == {c_org.code}
    assert codes(api, ORGS, is_regional="false") == {branch.code}
    item = api.get(ORGS, {"kind": "branch"}).json()["items"][0]
    assert item["parent_code"] == c_org.code and item["region_code"] == city.communities[0].code


def test_org_detail_with_seats_and_404(city, api_as, anonymous):
    c_org = city.community_orgs[0]
    Seat.objects.create(org=c_org, post="part_time", holder_name="李委员", unit=city.units[0])
    api = api_as("community_admin", city.communities[0])
    r = api.get(ORGS + c_org.code)
    assert r.status_code == 200
    body = r.json()
    assert body["kind"] == "committee" and body["parent_code"] == "QD-SN-1"
    assert body["seats"] == [
        {
            "id": c_org.seats.get().pk,
            "post": "part_time",
            "holder_name": "李委员",
            "member_id": None,
            "unit_code": city.units[0].code,
        }
    ]
    assert_problem(api.get(ORGS + city.community_orgs[2].code), 404)
    assert_problem(api.get(ORGS + "NOPE"), 404)
    assert_problem(anonymous.get(ORGS + c_org.code), 401)
    assert_problem(api_as("resident").get(ORGS), 403)


def test_org_create_update_delete_audited(city, api_as):
    api = api_as("community_admin", city.communities[0])
    body = {
        "parent_code": city.community_orgs[0].code,
        "code": "QD-SN-1-1-2",
        "name": "团岛社区第二党支部",
        "kind": "branch",
        "region_code": city.communities[0].code,
        "term_start": "2024-01-01",
        "term_end": "2027-01-01",
    }
    r = api.post(ORGS, body)
    assert r.status_code == 201, r.content
    out = r.json()
    assert out["parent_code"] == city.community_orgs[0].code and out["seats"] == []
    org = PartyOrg.objects.get(code="QD-SN-1-1-2")
    (ev,) = events("party.partyorg", org.pk)
    assert ev.action == "create" and ev.changes["name"] == [None, "团岛社区第二党支部"]

    r = api.patch(ORGS + org.code, {"name": "团岛社区第二支部", "committee_size": 5})
    assert r.status_code == 200, r.content
    ev = events("party.partyorg", org.pk)[-1]
    assert ev.action == "update"
    assert ev.changes == {"name": ["团岛社区第二党支部", "团岛社区第二支部"], "committee_size": [0, 5]}

    assert api.delete(ORGS + org.code).status_code == 204
    assert not PartyOrg.objects.filter(pk=org.pk).exists()
    assert [e.action for e in events("party.partyorg", org.pk)] == ["create", "update", "delete"]


@pytest.mark.parametrize(
    "change, status, phrase",
    [
        ({"parent_code": "QD-SN-2-1"}, 404, "上级党组织"),
        ({"parent_code": "NOPE"}, 404, "上级党组织"),
        ({"region_code": "370202002001"}, 404, "所在区划"),
        ({"unit_code": "U-NONE"}, 404, "所在单位"),
        ({"kind": "cell"}, 422, "取值"),
        ({"code": "中文编码"}, 400, "组织编码只能"),
        ({"code": "QD-SN-1-1"}, 400, "组织编码"),
        ({"code": "X" * 33}, 422, "文本过长"),
        ({"term_start": "2024-01-01", "term_end": "2023-01-01"}, 400, "届满"),
        ({"term_start": "2024-13-01"}, 422, "日期"),
        ({"is_joint": "sometimes"}, 422, "布尔"),
        ({"secretary_id": 1}, 422, "不允许的字段"),
    ],
)
def test_org_create_bad_input_changes_nothing(city, api_as, change, status, phrase):
    api = api_as("community_admin", city.communities[0])
    body = {
        "parent_code": city.community_orgs[0].code,
        "code": "QD-SN-1-1-2",
        "name": "新支部",
        "kind": "branch",
        "region_code": city.communities[0].code,
    } | change
    before = PartyOrg.objects.count()
    assert_problem(api.post(ORGS, body), status, phrase)
    assert PartyOrg.objects.count() == before


def test_org_update_rules(city, api_as):
    api = api_as("community_admin", city.communities[0])
    branch = city.branches[0]
    assert_problem(api.patch(ORGS + branch.code, {"secretary_id": city.members[3].pk}), 404, "书记")
    assert_problem(api.delete(ORGS + city.community_orgs[0].code), 400, "下级")
    other_org_member = add_member(city.community_orgs[0], "委员甲")
    assert_problem(api.patch(ORGS + branch.code, {"secretary_id": other_org_member.pk}), 400, "书记必须")
    assert_problem(api.patch(ORGS + branch.code, {"is_functional": True}), 400, "功能型")
    assert_problem(api.patch(ORGS + branch.code, {"region_code": city.communities[2].code}), 404)
    assert events("party.partyorg", branch.pk) == []
    r = api.patch(ORGS + branch.code, {"secretary_id": city.members[0].pk})
    assert r.status_code == 200
    assert r.json()["secretary_id"] == city.members[0].pk
    assert r.json()["secretary_name"] == city.members[0].name
    assert_problem(api.delete(ORGS + branch.code), 400, "党员")
    liaison = api_as("unit_liaison", city.community_orgs[0])
    assert_problem(liaison.patch(ORGS + branch.code, {"name": "改"}), 403)
    assert_problem(liaison.delete(ORGS + branch.code), 403)
    assert_problem(liaison.delete(ORGS + city.community_orgs[0].code), 403)
    new = {"parent_code": branch.code, "code": "QD-G", "name": "小组", "kind": "group"}
    assert_problem(liaison.post(ORGS, new), 403)
    assert (
        PartyOrg.objects.filter(pk=branch.pk).exists() and not PartyOrg.objects.filter(code="QD-G").exists()
    )


# ---- members ------------------------------------------------------------------------------------


def test_members_masked_in_list_and_detail(city, api_as):
    api = api_as("street_admin", city.streets[0])
    mine = city.members[:6]
    plain = [v for m in mine for v in (m.id_number, m.phone)]
    r = api.get(MEMBERS, {"limit": 200})
    assert r.status_code == 200
    assert {i["id"] for i in r.json()["items"]} == {m.pk for m in mine}
    no_plaintext(r, *plain)
    m = mine[0]
    r = api.get(MEMBERS + str(m.pk))
    assert r.status_code == 200
    no_plaintext(r, m.id_number, m.phone)
    body = r.json()
    assert body["id_number"] == "*" * 14 + m.id_number[-4:]
    assert body["phone"] == m.phone[:3] + "****" + m.phone[-4:]
    assert body["room"] == "****" and body["party_org_code"] == city.branches[0].code
    assert body["residence_code"] == city.households[0].entrance.code
    for other in city.members[6:]:
        assert_problem(api.get(MEMBERS + str(other.pk)), 404)


def test_member_filters(city, api_as):
    api = api_as("street_admin", city.streets[0])
    m0, m1 = city.members[0], city.members[1]
    Member.objects.filter(pk=m0.pk).update(status="probationary", in_service=True)
    Member.objects.filter(pk=m1.pk).update(is_household_hub=True)
    ids = lambda **p: codes(api, MEMBERS, **p)  # noqa: E731
    assert ids(status="probationary") == {m0.pk}
    assert ids(in_service="true") == {m0.pk}
    assert ids(is_household_hub="true") == {m1.pk}
    assert ids(org=city.branches[1].code) == {m.pk for m in city.members[3:6]}
    assert ids(org=city.community_orgs[0].code) == {m.pk for m in city.members[:3]}
    assert ids(org=city.branches[2].code) == set()
    assert ids(q="tddy") == {m.pk for m in city.members[:3]}  # 团岛党员 by pinyin initials
    assert ids(q="团岛党员2") == {m1.pk}
    assert_problem(api.get(MEMBERS, {"status": "honorary"}), 422)


def test_party_member_sees_only_own_record(city, api_as):
    api = api_as("party_member")
    Member.objects.filter(pk=city.members[4].pk).update(user=api.user)
    r = api.get(MEMBERS)
    assert [i["id"] for i in r.json()["items"]] == [city.members[4].pk]
    assert api.get(MEMBERS + str(city.members[4].pk)).status_code == 200
    assert_problem(api.get(MEMBERS + str(city.members[3].pk)), 404)
    assert_problem(api.patch(MEMBERS + str(city.members[4].pk), {"name": "改"}), 403)


def member_body(city, **change):
    return {
        "name": "新党员",
        "gender": "female",
        "id_number": NEW_ID,
        "phone": "13600001111",
        "party_org_code": city.branches[0].code,
        "status": "probationary",
        "joined_on": "2025-07-01",
        "residence_code": city.households[0].entrance.code,
        "room": "1502",
    } | change


def test_member_create_update_masked_and_audited(city, api_as):
    api = api_as("community_admin", city.communities[0])
    r = api.post(MEMBERS, member_body(city))
    assert r.status_code == 201, r.content
    no_plaintext(r, NEW_ID, "13600001111", "1502")
    m = Member.objects.get(pk=r.json()["id"])
    assert (m.id_number, m.phone, m.room, m.party_org_id) == (
        NEW_ID,
        "13600001111",
        "1502",
        city.branches[0].pk,
    )
    (ev,) = events("party.member", m.pk)
    assert ev.action == "create" and NEW_ID not in str(ev.changes) and "13600001111" not in str(ev.changes)
    assert ev.changes["id_number"] == [None, "**************0011"]

    r = api.patch(
        MEMBERS + str(m.pk), {"phone": "13600002222", "is_household_hub": True, "residence_code": None}
    )
    assert r.status_code == 200, r.content
    no_plaintext(r, "13600002222", NEW_ID)
    assert r.json()["residence_code"] is None and r.json()["is_household_hub"] is True
    ev = events("party.member", m.pk)[-1]
    assert ev.action == "update"
    assert ev.changes["phone"] == ["136****1111", "136****2222"]
    assert ev.changes["is_household_hub"] == [False, True]
    assert ev.changes["residence"] == [city.households[0].entrance.pk, None]
    assert set(ev.changes) == {"phone", "is_household_hub", "residence"}


@pytest.mark.parametrize(
    "change, status, phrase",
    [
        ({"id_number": "370202199001010001"}, 400, "已登记为党员"),  # city.members[0]'s number
        ({"id_number": "37020219900101000Y"}, 400, "身份证号应为"),
        ({"id_number": "3" * 19}, 422, "文本过长"),
        ({"phone": "1360000111"}, 400, "手机号应为"),
        ({"phone": "136000011112"}, 422, "文本过长"),
        ({"party_org_code": "QD-SN-2-1-1"}, 404, "所在党组织"),
        ({"residence_code": "370202002001"}, 404, "居住地"),
        ({"workplace_unit_code": "U-NONE"}, 404, "工作单位"),
        ({"status": "full", "converted_on": "2020-01-01"}, 400, "转正日期"),
        ({"gender": "x"}, 422, "取值"),
        ({"joined_on": "yesterday"}, 422, "日期"),
        ({"user": 1}, 422, "不允许的字段"),
    ],
)
def test_member_create_bad_input_changes_nothing(city, api_as, change, status, phrase):
    if change.get("id_number") == "370202199001010001":
        change = {"id_number": city.members[0].id_number}
    api = api_as("community_admin", city.communities[0])
    before = Member.objects.count()
    assert_problem(api.post(MEMBERS, member_body(city, **change)), status, phrase)
    assert Member.objects.count() == before


def test_member_update_refuses_org_change_and_foreign_ids(city, api_as):
    api = api_as("community_admin", city.communities[0])
    m = city.members[0]
    assert_problem(api.patch(MEMBERS + str(m.pk), {"party_org_code": city.branches[0].code}), 422, "不允许")
    assert_problem(api.patch(MEMBERS + str(m.pk), {"id_number": city.members[5].id_number}), 400, "已登记")
    assert_problem(api.patch(MEMBERS + str(city.members[6].pk), {"name": "改"}), 404)
    assert events("party.member", m.pk) == []


def test_transfer_and_history(city, api_as):
    api = api_as("street_admin", city.streets[0])
    m = city.members[0]
    r = api.post(
        MEMBERS + f"{m.pk}/transfer", {"to_org": city.branches[1].code, "on": "2026-03-01", "reason": "搬家"}
    )
    assert r.status_code == 201, r.content
    body = r.json()
    assert {
        k: body[k] for k in ("member_id", "from_org_code", "to_org_code", "state", "issued_on", "reason")
    } == {
        "member_id": m.pk,
        "from_org_code": city.branches[0].code,
        "to_org_code": city.branches[1].code,
        "state": "issued",
        "issued_on": "2026-03-01",
        "reason": "搬家",
    }
    assert body["overdue"] is True and body["transferred_on"] is None
    m.refresh_from_db()
    assert m.party_org_id == city.branches[0].pk  # in transit until accepted
    r = api.post(f"/api/v1/party/transfers/{body['id']}/accept", {})
    assert r.status_code == 200, r.content
    assert r.json()["state"] == "accepted"
    m.refresh_from_db()
    assert m.party_org_id == city.branches[1].pk
    (ev,) = events("party.member", m.pk)
    assert ev.changes == {"party_org": [city.branches[0].pk, city.branches[1].pk]}
    r = api.get(MEMBERS + f"{m.pk}/transfers")
    assert [t["to_org_code"] for t in r.json()["items"]] == [city.branches[1].code]

    assert_problem(api.post(MEMBERS + f"{m.pk}/transfer", {"to_org": city.branches[1].code}), 400, "相同")
    assert_problem(api.post(MEMBERS + f"{m.pk}/transfer", {"to_org": city.branches[2].code}), 404, "转入组织")
    assert_problem(api.post(MEMBERS + f"{m.pk}/transfer", {"to_org": "X", "when": "now"}), 422, "不允许")
    assert_problem(api.post(MEMBERS + f"{m.pk}/transfer", {"to_org": city.branches[0].code, "on": "x"}), 422)
    other = api_as("community_admin", city.communities[2])
    assert_problem(other.post(MEMBERS + f"{m.pk}/transfer", {"to_org": city.branches[2].code}), 404)
    assert_problem(other.get(MEMBERS + f"{m.pk}/transfers"), 404)
    assert Transfer.objects.filter(member=m).count() == 1


def test_two_sided_transfer_api_across_streets(city, api_as):
    sender = api_as("community_admin", city.communities[0])
    receiver = api_as("community_admin", city.communities[2])
    m = city.members[1]
    r = sender.post("/api/v1/party/transfers/", {"member_id": m.pk, "to_org": city.branches[2].code})
    assert r.status_code == 201, r.content
    pk = r.json()["id"]
    assert_problem(sender.post(f"/api/v1/party/transfers/{pk}/accept", {}), 403, "接收")
    assert_problem(receiver.post(f"/api/v1/party/transfers/{pk}/cancel", {}), 403, "转出党组织")
    assert_problem(receiver.post(f"/api/v1/party/transfers/{pk}/return", {"reason": ""}), 400, "退回原因")
    r = receiver.get("/api/v1/party/transfers/?direction=in&state=issued")
    assert [t["id"] for t in r.json()["items"]] == [pk]
    assert sender.get("/api/v1/party/transfers/?direction=in").json()["items"] == []
    r = receiver.post(f"/api/v1/party/transfers/{pk}/return", {"reason": "材料不全"})
    assert (
        r.status_code == 200 and r.json()["state"] == "returned" and r.json()["return_reason"] == "材料不全"
    )
    assert Member.objects.get(pk=m.pk).party_org_id == city.branches[0].pk
    assert_problem(receiver.post(f"/api/v1/party/transfers/{pk}/accept", {}), 409)
    r = sender.post(
        "/api/v1/party/transfers/", {"member_id": m.pk, "outside_org_name": "外省某党委", "reason": "回原籍"}
    )
    assert r.status_code == 201 and r.json()["kind"] == "out"
    r = sender.post(
        f"/api/v1/party/transfers/{r.json()['id']}/receipt",
        {"receipt_on": "2020-01-01", "receipt_ref": "回执"},
    )
    assert r.status_code == 400


def test_convert_probationary_member(city, api_as):
    api = api_as("community_admin", city.communities[0])
    r = api.post(MEMBERS, member_body(city))
    pk = r.json()["id"]
    assert_problem(api.post(MEMBERS + f"{pk}/convert", {"on": "2020-01-01"}), 400, "转正日期")
    assert_problem(api.post(MEMBERS + f"{pk}/convert", {}), 422, "缺少必填项")
    # joined 2025-07-01: the 1-year probation (ORG-8) ends 2026-07-01
    assert_problem(api.post(MEMBERS + f"{pk}/convert", {"on": "2026-06-30"}), 400, "预备期未满")
    r = api.post(MEMBERS + f"{pk}/convert", {"on": "2026-07-01"})
    assert r.status_code == 200, r.content
    assert r.json()["status"] == "full" and r.json()["converted_on"] == "2026-07-01"
    ev = events("party.member", pk)[-1]
    assert ev.action == "transition" and ev.changes["state"] == ["probationary", "full"]
    assert_problem(api.post(MEMBERS + f"{pk}/convert", {"on": "2026-08-01"}), 400, "预备党员")
    assert Member.objects.get(pk=pk).converted_on == datetime.date(2026, 7, 1)


def test_members_cursor_walk_and_query_count(city, api_as):
    api = api_as("city_admin", city.city)
    ids = [i["id"] for i in api.walk(MEMBERS, limit=5)]
    assert sorted(ids) == ids and set(ids) == set(Member.objects.values_list("pk", flat=True))
    assert len(ids) == len(set(ids)) == 12
    few = count_queries(lambda: api.get(MEMBERS, {"limit": 200}))
    orgs_few = count_queries(lambda: api.get(ORGS, {"limit": 200}))
    for k in range(15):
        add_member(
            city.branches[k % 4], f"加{k}", workplace_unit=city.units[0], residence=city.communities[0]
        )
    assert count_queries(lambda: api.get(MEMBERS, {"limit": 200})) == few <= 4
    assert count_queries(lambda: api.get(ORGS, {"limit": 200})) == orgs_few <= 4


def test_seats_create_and_remove(city, api_as):
    api = api_as("community_admin", city.communities[0])
    c_org = city.community_orgs[0]
    url = ORGS + c_org.code + "/seats"
    body = {"post": "part_time", "holder_name": "物业李经理", "unit_code": city.units[0].code}
    r = api.post(url, body)
    assert r.status_code == 201, r.content
    seat_id = r.json()["id"]
    assert r.json()["unit_code"] == city.units[0].code
    assert [s["id"] for s in api.get(ORGS + c_org.code).json()["seats"]] == [seat_id]
    assert events("party.seat", seat_id)[0].action == "create"
    assert_problem(api.post(url, body | {"unit_code": city.units[2].code}), 404, "来自单位")
    assert_problem(api.post(url, body | {"post": "king"}), 422)
    assert_problem(api_as("unit_liaison", c_org).post(url, {"post": "member", "holder_name": "王"}), 403)
    other = api_as("community_admin", city.communities[2])
    assert_problem(other.delete(f"{url}/{seat_id}"), 404)
    assert_problem(other.post(url, body), 404)
    assert api.delete(f"{url}/{seat_id}").status_code == 204
    assert not Seat.objects.filter(pk=seat_id).exists()
    assert [e.action for e in events("party.seat", seat_id)] == ["create", "delete"]
