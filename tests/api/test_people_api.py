"""/api/v1/people/: workers (by 工号), stewards and deputies; phones masked; scoped; audited."""

import pytest

from grassroots.people.models import Deputy, Steward, Worker
from grassroots.regions.models import Region

from .conftest import assert_problem, count_queries, events, no_plaintext

pytestmark = pytest.mark.django_db

WORKERS = "/api/v1/people/workers/"
STEWARDS = "/api/v1/people/stewards/"
DEPUTIES = "/api/v1/people/deputies/"


def keys(api, url, key="id", **params):
    r = api.get(url, params)
    assert r.status_code == 200, r.content
    return {i[key] for i in r.json()["items"]}


def test_workers_scoped_masked_filtered(city, api_as, anonymous):
    api = api_as("street_admin", city.streets[0])
    w0, w1 = city.workers[0], city.workers[1]
    Worker.objects.filter(pk=w1.pk).update(role="grid_worker", post="head", grade=3)
    r = api.get(WORKERS)
    assert {i["code"] for i in r.json()["items"]} == {w0.code, w1.code}
    no_plaintext(r, w0.phone, w1.phone)
    assert keys(api, WORKERS, "code", role="grid_worker") == {w1.code}
    assert keys(api, WORKERS, "code", post="staff") == {w0.code}
    assert keys(api, WORKERS, "code", region=city.communities[0].code) == {w0.code}
    assert keys(api, WORKERS, "code", q="tdsg") == {w0.code}  # 团岛社工
    r = api.get(WORKERS + w0.code)
    assert r.status_code == 200 and r.json()["phone"] == w0.phone[:3] + "****" + w0.phone[-4:]
    assert r.json()["region_code"] == city.communities[0].code and r.json()["gender"] is None
    assert_problem(api.get(WORKERS + city.workers[2].code), 404)
    assert_problem(anonymous.get(WORKERS), 401)
    assert_problem(api_as("unit_liaison", city.community_orgs[0]).get(WORKERS), 403)


def test_worker_create_update_delete_audited(city, api_as):
    api = api_as("community_admin", city.communities[0])
    body = {
        "code": "W-NEW",
        "name": "孙网格",
        "gender": "female",
        "phone": "13811112222",
        "region_code": city.communities[0].code,
        "post": "staff",
        "grade": 14,
        "role": "grid_worker",
        "member_id": city.members[0].pk,
        "hired_on": "2023-03-01",
    }
    r = api.post(WORKERS, body)
    assert r.status_code == 201, r.content
    no_plaintext(r, "13811112222")
    assert r.json()["member_id"] == city.members[0].pk
    w = Worker.objects.get(code="W-NEW")
    (ev,) = events("people.worker", w.pk)
    assert ev.action == "create" and ev.changes["phone"] == [None, "138****2222"]
    r = api.patch(WORKERS + "W-NEW", {"grade": 12, "post": "deputy", "gender": None, "member_id": None})
    assert r.status_code == 200, r.content
    assert r.json()["gender"] is None and r.json()["member_id"] is None
    assert events("people.worker", w.pk)[-1].changes == {
        "grade": [14, 12],
        "post": ["staff", "deputy"],
        "gender": ["female", ""],
        "member": [city.members[0].pk, None],
    }
    assert api.delete(WORKERS + "W-NEW").status_code == 204
    assert [e.action for e in events("people.worker", w.pk)] == ["create", "update", "delete"]


@pytest.mark.parametrize(
    "change, status, phrase",
    [
        ({"region_code": "370202001001001"}, 400, "街道或社区"),
        ({"region_code": "370202002001"}, 404, "所在区划"),
        ({"member_id": 99999}, 404, "党员"),
        ({"grade": 19}, 422, "数值过大"),
        ({"grade": 0}, 422, "数值过小"),
        ({"post": "boss"}, 422, "取值"),
        ({"code": "W370202001001"}, 400, "工号"),
        ({"phone": "1" * 21}, 422, "文本过长"),
        ({"salary": 1}, 422, "不允许的字段"),
    ],
)
def test_worker_bad_input_changes_nothing(city, api_as, change, status, phrase):
    api = api_as("community_admin", city.communities[0])
    body = {
        "code": "W-NEW",
        "name": "孙",
        "region_code": city.communities[0].code,
        "post": "staff",
        "grade": 14,
    }
    before = Worker.objects.count()
    assert_problem(api.post(WORKERS, body | change), status, phrase)
    assert Worker.objects.count() == before


def test_worker_write_permissions(city, api_as):
    w0 = city.workers[0]
    viewer = api_as("grid_worker", city.communities[0])  # people.view only
    assert_problem(viewer.patch(WORKERS + w0.code, {"grade": 1}), 403)
    assert_problem(viewer.delete(WORKERS + w0.code), 403)
    other = api_as("community_admin", city.communities[2])
    assert_problem(other.patch(WORKERS + w0.code, {"grade": 1}), 404)
    assert_problem(other.delete(WORKERS + w0.code), 404)
    assert Worker.objects.get(pk=w0.pk).grade == 15 and events("people.worker", w0.pk) == []


def test_stewards(city, api_as):
    api = api_as("community_admin", city.communities[0])
    building = Region.objects.get(code=city.communities[0].code + "001001")
    body = {"name": "楼长甲", "phone": "13922223333", "role": "building", "region_code": building.code}
    r = api.post(STEWARDS, body)
    assert r.status_code == 201, r.content
    no_plaintext(r, "13922223333")
    pk = r.json()["id"]
    assert events("people.steward", pk)[0].action == "create"
    assert_problem(api.post(STEWARDS, body | {"role": "entrance"}), 400, "单元长")
    assert_problem(api.post(STEWARDS, body | {"role": "mayor"}), 422)
    assert keys(api, STEWARDS, role="building") == {pk}
    assert keys(api, STEWARDS, role="entrance") == set()
    r = api.patch(STEWARDS + str(pk), {"name": "楼长乙"})
    assert r.status_code == 200 and r.json()["name"] == "楼长乙"
    assert events("people.steward", pk)[-1].changes == {"name": ["楼长甲", "楼长乙"]}
    assert_problem(api_as("community_admin", city.communities[1]).get(STEWARDS + str(pk)), 404)
    assert api.delete(STEWARDS + str(pk)).status_code == 204
    assert not Steward.objects.exists()


def test_deputies(city, api_as):
    api = api_as("street_admin", city.streets[0])
    body = {"name": "周代表", "kind": "npc", "level": "district", "region_code": city.communities[1].code}
    r = api.post(DEPUTIES, body | {"phone": "13733334444", "unit_name": "市南区人大"})
    assert r.status_code == 201, r.content
    no_plaintext(r, "13733334444")
    pk = r.json()["id"]
    assert_problem(api.post(DEPUTIES, body | {"level": "community"}), 422, "取值")
    assert_problem(api.post(DEPUTIES, body | {"region_code": city.communities[2].code}), 404)
    assert keys(api, DEPUTIES, kind="npc") == {pk}
    assert keys(api, DEPUTIES, kind="cppcc") == set()
    assert keys(api, DEPUTIES, level="district", region=city.communities[1].code) == {pk}
    r = api.patch(DEPUTIES + str(pk), {"kind": "cppcc"})
    assert r.status_code == 200 and r.json()["kind"] == "cppcc"
    assert events("people.deputy", pk)[-1].changes == {"kind": ["npc", "cppcc"]}
    assert api.delete(DEPUTIES + str(pk)).status_code == 204
    assert not Deputy.objects.exists()
    assert [e.action for e in events("people.deputy", pk)] == ["create", "update", "delete"]


def test_workers_walk_and_query_count(city, api_as):
    api = api_as("city_admin", city.city)
    codes = [i["code"] for i in api.walk(WORKERS, limit=3)]
    assert codes == [w.code for w in sorted(city.workers, key=lambda w: w.pk)]
    few = count_queries(lambda: api.get(WORKERS, {"limit": 200}))
    for k in range(10):
        Worker.objects.create(
            code=f"WX{k}", name=f"工{k}", region=city.communities[k % 4], post="staff", grade=15
        )
    assert count_queries(lambda: api.get(WORKERS, {"limit": 200})) == few <= 4
