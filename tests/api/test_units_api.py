"""/api/v1/units/: units by code and instructors, scoped, audited, masked instructor phones."""

import pytest

from grassroots.units.models import Instructor, Unit

from .conftest import assert_problem, count_queries, events, no_plaintext

pytestmark = pytest.mark.django_db

UNITS = "/api/v1/units/"
INSTR = "/api/v1/units/instructors/"


def ids(api, url, key="code", **params):
    r = api.get(url, params)
    assert r.status_code == 200, r.content
    return {i[key] for i in r.json()["items"]}


def test_units_scoped_filtered_and_404(city, api_as, anonymous):
    u0, u1 = city.units[0], city.units[1]
    Unit.objects.filter(pk=u1.pk).update(type="private", party_work="attached", party_org=city.branches[1])
    api = api_as("street_admin", city.streets[0])
    assert ids(api, UNITS) == {u0.code, u1.code}
    assert ids(api, UNITS, type="private") == {u1.code}
    assert ids(api, UNITS, party_work="attached") == {u1.code}
    assert ids(api, UNITS, covered="true") == {u1.code}
    assert ids(api, UNITS, covered="false") == {u0.code}
    assert ids(api, UNITS, region=city.communities[0].code) == {u0.code}
    assert ids(api, UNITS, q="云南路") == {u1.code}
    assert ids(api, UNITS, region=city.communities[3].code) == set()
    r = api.get(UNITS + u1.code)
    assert r.status_code == 200
    assert r.json()["covered"] is True and r.json()["party_org_code"] == city.branches[1].code
    assert r.json()["region_code"] == city.communities[1].code
    assert_problem(api.get(UNITS + city.units[2].code), 404)
    assert_problem(anonymous.get(UNITS), 401)
    assert_problem(api_as("resident").get(UNITS), 403)


def test_unit_create_update_delete_audited(city, api_as):
    api = api_as("community_admin", city.communities[0])
    body = {
        "code": "U-NEW",
        "name": "青岛某科技公司",
        "type": "private",
        "region_code": city.communities[0].code,
        "lng": 120.31,
        "lat": 36.07,
        "employees": 60,
        "party_work": "own_org",
        "party_org_code": city.branches[0].code,
    }
    r = api.post(UNITS, body)
    assert r.status_code == 201, r.content
    assert r.json()["covered"] is True and r.json()["lng"] == 120.31
    unit = Unit.objects.get(code="U-NEW")
    (ev,) = events("units.unit", unit.pk)
    assert ev.action == "create" and ev.changes["employees"] == [None, 60]

    r = api.patch(UNITS + "U-NEW", {"party_work": "none", "party_org_code": None, "employees": 61})
    assert r.status_code == 200, r.content
    assert r.json()["covered"] is False and r.json()["party_org_code"] is None
    ev = events("units.unit", unit.pk)[-1]
    assert ev.changes == {
        "party_work": ["own_org", "none"],
        "party_org": [city.branches[0].pk, None],
        "employees": [60, 61],
    }
    assert api.delete(UNITS + "U-NEW").status_code == 204
    assert [e.action for e in events("units.unit", unit.pk)] == ["create", "update", "delete"]


@pytest.mark.parametrize(
    "change, status, phrase",
    [
        ({"party_org_code": "QD-SN-1-1-1"}, 400, "未建立党组织"),
        ({"party_work": "own_org"}, 400, "请指定"),
        ({"region_code": "370202002001"}, 404, "所在区划"),
        ({"party_work": "own_org", "party_org_code": "QD-SN-2-1-1"}, 404, "覆盖党组织"),
        ({"instructor_id": 99999}, 404, "党建指导员"),
        ({"lat": 91}, 422, "数值过大"),
        ({"lng": "east"}, 422, "应为数字"),
        ({"type": "club"}, 422, "取值"),
        ({"code": "U370202001001"}, 400, "单位编码"),
        ({"employees": -5}, 422, "数值过小"),
        ({"name": "名" * 101}, 422, "文本过长"),
        ({"covered": True}, 422, "不允许的字段"),
    ],
)
def test_unit_bad_input_changes_nothing(city, api_as, change, status, phrase):
    api = api_as("community_admin", city.communities[0])
    body = {"code": "U-NEW", "name": "某公司", "type": "private", "region_code": city.communities[0].code}
    before = Unit.objects.count()
    assert_problem(api.post(UNITS, body | change), status, phrase)
    assert Unit.objects.count() == before


def test_unit_write_permissions(city, api_as):
    u0 = city.units[0]
    viewer = api_as("grid_worker", city.communities[0])  # units.view without units.change
    assert viewer.get(UNITS + u0.code).status_code == 200
    assert_problem(viewer.patch(UNITS + u0.code, {"employees": 1}), 403)
    assert_problem(viewer.delete(UNITS + u0.code), 403)
    body = {"code": "U-NEW", "name": "某公司", "type": "private", "region_code": city.communities[0].code}
    assert_problem(viewer.post(UNITS, body), 403)
    other = api_as("community_admin", city.communities[1])
    assert_problem(other.patch(UNITS + u0.code, {"employees": 1}), 404)
    assert_problem(other.delete(UNITS + u0.code), 404)
    # Moving a unit to a region outside one's own scope is refused and leaves nothing behind.
    admin = api_as("community_admin", city.communities[0])
    assert_problem(admin.patch(UNITS + u0.code, {"region_code": city.communities[1].code}), 404)
    u0.refresh_from_db()
    assert u0.employees == 20 and u0.region_id == city.communities[0].pk
    assert events("units.unit", u0.pk) == []


def test_instructors(city, api_as):
    api = api_as("community_admin", city.communities[0])
    r = api.post(
        INSTR,
        {
            "name": "赵指导",
            "phone": "13512345678",
            "region_code": city.communities[0].code,
            "org_code": "QD-SN-1-1",
        },
    )
    assert r.status_code == 201, r.content
    no_plaintext(r, "13512345678")
    assert r.json()["phone"] == "135****5678" and r.json()["org_code"] == "QD-SN-1-1"
    pk = r.json()["id"]
    (ev,) = events("units.instructor", pk)
    assert ev.action == "create" and "13512345678" not in str(ev.changes)
    r = api.get(INSTR)
    assert [i["id"] for i in r.json()["items"]] == [pk]
    no_plaintext(r, "13512345678")
    assert ids(api, INSTR, key="id", q="赵") == {pk}
    r = api.patch(INSTR + str(pk), {"org_code": None})
    assert r.status_code == 200 and r.json()["org_code"] is None
    assert events("units.instructor", pk)[-1].changes == {"org": [city.community_orgs[0].pk, None]}
    # the unit side: link the instructor by id
    r = api.patch(UNITS + city.units[0].code, {"instructor_id": pk})
    assert r.status_code == 200 and r.json()["instructor_id"] == pk
    other = api_as("community_admin", city.communities[2])
    assert_problem(other.get(INSTR + str(pk)), 404)
    assert_problem(other.patch(UNITS + city.units[2].code, {"instructor_id": pk}), 404, "党建指导员")
    assert_problem(api.post(INSTR, {"name": "钱", "region_code": "370202002001"}), 404, "所属区划")
    assert_problem(api.post(INSTR, {"name": "钱", "region_code": city.communities[0].code, "x": 1}), 422)
    assert Instructor.objects.count() == 1


def test_units_walk_and_query_count(city, api_as):
    api = api_as("city_admin", city.city)
    items = api.walk(UNITS, limit=3)
    assert [i["code"] for i in items] == [u.code for u in sorted(city.units, key=lambda u: u.pk)]
    few = count_queries(lambda: api.get(UNITS, {"limit": 200}))
    for k in range(12):
        Unit.objects.create(
            code=f"UX{k}",
            name=f"单位{k}",
            type="soe",
            region=city.communities[k % 4],
            party_work="own_org",
            party_org=city.branches[k % 4],
        )
    assert count_queries(lambda: api.get(UNITS, {"limit": 200})) == few <= 4
