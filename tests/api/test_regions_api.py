"""/api/v1/regions/: scoped reads, audited writes through services, masking, bad input, pagination."""

import pytest

from grassroots.regions.models import Household, Region

from .conftest import assert_problem, count_queries, events, no_plaintext

pytestmark = pytest.mark.django_db

URL = "/api/v1/regions/"
HH = "/api/v1/regions/households/"
P = {"parent_code": "370202001000", "code": "370202001009"}  # a new community under street 0
SQUARE = {"type": "Polygon", "coordinates": [[[120.3, 36.0], [120.31, 36.0], [120.31, 36.01], [120.3, 36.0]]]}


def street_codes(city, i):
    return set(Region.objects.filter(path__startswith=city.streets[i].path).values_list("code", flat=True))


def test_list_is_the_users_subtree_only(city, api_as):
    api = api_as("street_admin", city.streets[0])
    codes = {item["code"] for item in api.walk(URL, limit=50)}
    assert codes == street_codes(city, 0)
    assert not codes & street_codes(city, 1)


def test_list_filters(city, api_as):
    api = api_as("street_admin", city.streets[0])
    street = city.streets[0].code

    def codes(**params):
        r = api.get(URL, params)
        assert r.status_code == 200, r.content
        return {i["code"] for i in r.json()["items"]}

    assert codes(level="community") == {c.code for c in city.communities[:2]}
    assert codes(parent=street) == {c.code for c in city.communities[:2]}
    sub = codes(region=city.communities[0].code)
    assert len(sub) == 4 and city.communities[0].code in sub
    assert codes(q="tdsq") == {city.communities[0].code}  # pinyin initials of 团岛社区
    assert codes(q="云南路") == {city.communities[1].code}
    # A filter naming a node outside the scope matches nothing (it does not widen the scope).
    assert codes(region=city.streets[1].code) == set()
    assert codes(parent=city.streets[1].code) == set()
    r = api.get(URL, {"level": "planet"})
    assert_problem(r, 422, "取值不在允许范围内")


def test_detail_parent_children_and_out_of_scope(city, api_as, anonymous):
    api = api_as("street_admin", city.streets[0])
    r = api.get(URL + city.communities[0].code)
    assert r.status_code == 200
    body = r.json()
    assert body["name"] == "团岛社区" and body["level"] == "community"
    assert body["parent_code"] == city.streets[0].code and body["children_count"] == 1
    assert body["polygon"] is None
    r = api.get(URL + city.streets[0].code + "/children")
    assert {i["code"] for i in r.json()["items"]} == {c.code for c in city.communities[:2]}
    # Id guessing: another street's code looks exactly like a missing one.
    for code in (city.streets[1].code, city.communities[2].code, "999999999999"):
        assert_problem(api.get(URL + code), 404, "不存在")
        assert_problem(api.get(URL + code + "/children"), 404)
        assert_problem(api.get(URL + code + "/children.geojson"), 404)
    assert_problem(anonymous.get(URL + city.communities[0].code), 401)
    assert_problem(anonymous.get(URL), 401)


def test_list_without_permission_is_403(city, api_as):
    assert_problem(api_as("party_member").get(URL), 403)
    assert_problem(api_as().get(URL), 403)
    assert_problem(api_as("unit_liaison", city.community_orgs[0]).get(HH), 403)


def test_children_geojson(city, api_as):
    Region.objects.filter(pk=city.communities[0].pk).update(polygon=SQUARE)
    api = api_as("street_admin", city.streets[0])
    r = api.get(URL + city.streets[0].code + "/children.geojson")
    assert r.status_code == 200
    fc = r.json()
    assert fc["type"] == "FeatureCollection"
    by_id = {f["id"]: f for f in fc["features"]}
    assert set(by_id) == {c.code for c in city.communities[:2]}
    assert by_id[city.communities[0].code]["geometry"] == SQUARE
    assert by_id[city.communities[1].code]["geometry"] is None
    assert by_id[city.communities[0].code]["properties"]["population"] == 3000


def test_create_child_is_audited_once(city, api_as):
    api = api_as("street_admin", city.streets[0])
    body = {"parent_code": city.streets[0].code, "code": "370202001009", "name": "新建社区"}
    body |= {"category": "urban_core", "lng": 120.3, "lat": 36.06, "polygon": SQUARE}
    r = api.post(URL, body)
    assert r.status_code == 201, r.content
    out = r.json()
    assert out["level"] == "community" and out["parent_code"] == city.streets[0].code
    assert out["polygon"] == SQUARE and out["category"] == "urban_core"
    node = Region.objects.get(code="370202001009")
    assert Region.objects.get_parent(node) == city.streets[0]
    (ev,) = events("regions.region", node.pk)
    assert ev.action == "create" and ev.actor_id == api.user.pk
    assert ev.changes["name"] == [None, "新建社区"] and ev.changes["code"] == [None, "370202001009"]


@pytest.mark.parametrize(
    "body, status, phrase",
    [
        ({"parent_code": "370202009000", "code": "370202009009", "name": "无"}, 404, "上级区划"),
        ({"parent_code": "370202002000", "code": "370202002009", "name": "越权"}, 404, "上级区划"),
        (P | {"name": "错", "level": "street"}, 400, "下级"),
        ({"parent_code": "370202001000", "code": "abc", "name": "坏编码"}, 400, "编码须为"),
        ({"parent_code": "370202001000", "code": "370202001001", "name": "重复"}, 400, "编码"),
        ({"parent_code": "370202001000", "code": "3" * 25, "name": "长"}, 422, "文本过长"),
        (P | {"name": "x" * 101}, 422, "文本过长"),
        (P | {"name": 7}, 422, "应为文本"),
        (P | {"name": "多", "bogus": 1}, 422, "不允许的字段"),
        (P | {"name": "经", "lng": 200}, 422, "数值过大"),
        (P | {"name": "类", "category": "x"}, 422, "取值"),
        (P | {"name": "类", "category": "banner"}, 400, "分类"),
        ({"code": "370202001009", "name": "缺上级"}, 422, "缺少必填项"),
        (
            {
                "parent_code": "370202001000",
                "code": "370202001009",
                "name": "自相交",
                "polygon": {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]},
            },
            422,
            "边界多边形无效",
        ),
        (
            P | {"name": "点", "polygon": {"type": "Point"}},
            422,
            "polygon",
        ),
    ],
)
def test_create_bad_input_changes_nothing(city, api_as, body, status, phrase):
    api = api_as("street_admin", city.streets[0])
    before = Region.objects.count()
    assert_problem(api.post(URL, body), status, phrase)
    assert Region.objects.count() == before


def test_malformed_json_and_wrong_body_type(city, api_as):
    api = api_as("street_admin", city.streets[0])
    before = Region.objects.count()
    r = api.post(URL, raw="{not json")
    assert r.status_code in (400, 422)
    assert_problem(r, r.status_code)
    assert_problem(api.post(URL, raw="[1, 2]"), 422)
    assert Region.objects.count() == before


def test_update_is_audited_with_diff(city, api_as):
    api = api_as("community_admin", city.communities[0])
    code = city.communities[0].code
    r = api.patch(URL + code, {"name": "团岛新社区", "population": 3100, "polygon": SQUARE})
    assert r.status_code == 200, r.content
    assert r.json()["name"] == "团岛新社区" and r.json()["polygon"] == SQUARE
    (ev,) = events("regions.region", city.communities[0].pk)
    assert ev.action == "update"
    assert ev.changes["name"] == ["团岛社区", "团岛新社区"]
    assert ev.changes["population"] == [3000, 3100]
    assert set(ev.changes) == {"name", "population", "polygon"}


@pytest.mark.parametrize(
    "body, status, phrase",
    [
        ({"code": "370202001099"}, 422, "不允许的字段"),
        ({"level": "street"}, 422, "不允许的字段"),
        ({"name": None}, 422, "应为文本"),
        ({"name": ""}, 422, "文本过短"),
        ({"population": "many"}, 422, "应为整数"),
        ({"population": -1}, 422, "数值过小"),
        ({"address": "路" * 201}, 422, "文本过长"),
        ({"is_closed": True}, 400, "小区"),
    ],
)
def test_update_bad_input_changes_nothing(city, api_as, body, status, phrase):
    api = api_as("community_admin", city.communities[0])
    code = city.communities[0].code
    assert_problem(api.patch(URL + code, body), status, phrase)
    fresh = Region.objects.get(code=code)
    assert (fresh.name, fresh.population, fresh.is_closed) == ("团岛社区", 3000, None)
    assert events("regions.region", fresh.pk) == []


def test_update_permissions(city, api_as):
    # Visible but not changeable -> 403; invisible -> 404; nothing written either way.
    viewer = api_as("department_handler", city.streets[0])
    assert_problem(viewer.patch(URL + city.communities[0].code, {"name": "改"}), 403)
    assert_problem(viewer.delete(URL + city.households[0].entrance.code), 403)
    assert_problem(
        viewer.post(URL, {"parent_code": city.streets[0].code, "code": "370202001009", "name": "新"}), 403
    )
    assert not Region.objects.filter(code="370202001009").exists()
    other = api_as("community_admin", city.communities[1])
    assert_problem(other.patch(URL + city.communities[0].code, {"name": "改"}), 404)
    assert Region.objects.get(pk=city.communities[0].pk).name == "团岛社区"
    assert events("regions.region", city.communities[0].pk) == []


def test_delete_leaf_only(city, api_as):
    api = api_as("street_admin", city.streets[0])
    entrance = city.households[0].entrance
    assert_problem(api.delete(URL + entrance.code), 400, "住户")
    assert_problem(api.delete(URL + city.communities[0].code), 400, "下级")
    assert_problem(api.delete(URL + city.communities[2].code), 404)
    r = api.post(URL, {"parent_code": city.streets[0].code, "code": "370202001009", "name": "临时"})
    assert r.status_code == 201
    pk = r.json()["id"]
    r = api.delete(URL + "370202001009")
    assert r.status_code == 204
    assert not Region.objects.filter(code="370202001009").exists()
    assert [e.action for e in events("regions.region", pk)] == ["create", "delete"]
    assert Region.objects.filter(pk=entrance.pk).exists()


def test_pagination_walks_every_row_once(city, api_as):
    api = api_as("street_admin", city.streets[0])
    items = api.walk(URL, limit=2)
    ids = [i["id"] for i in items]
    assert len(ids) == len(set(ids)) == len(street_codes(city, 0))
    assert ids == sorted(ids)
    assert_problem(api.get(URL, {"cursor": "!!not-a-cursor"}), 400, "游标")


def test_list_queries_do_not_grow_with_rows(city, api_as):
    api = api_as("city_admin", city.city)
    api.get(URL)  # first request stamps the token's last use
    few = count_queries(lambda: api.get(URL, {"limit": 200}))
    fewh = count_queries(lambda: api.get(HH, {"limit": 200}))
    entrance = city.households[0].entrance
    for k in range(20):
        Household.objects.create(entrance=entrance, room=f"9{k:02d}", head_name=f"新户{k}", phone="139")
    assert count_queries(lambda: api.get(URL, {"limit": 200})) == few
    assert count_queries(lambda: api.get(HH, {"limit": 200})) == fewh <= 4
    assert count_queries(lambda: api.get(URL, {"limit": 200, "region": city.streets[0].code})) <= 5


# ---- households -----------------------------------------------------------------------------------


def test_households_masked_everywhere(city, api_as):
    api = api_as("community_admin", city.communities[0])
    mine = city.households[:2]
    # Rooms ("102") are substrings of region codes: checked field by field below instead.
    plain = [v for h in mine for v in (h.phone, h.head_name)]
    r = api.get(HH)
    assert r.status_code == 200
    assert {i["id"] for i in r.json()["items"]} == {h.pk for h in mine}
    no_plaintext(r, *plain)
    item = next(i for i in r.json()["items"] if i["id"] == mine[0].pk)
    assert item["phone"] == mine[0].phone[:3] + "****" + mine[0].phone[-4:]
    assert item["head_name"].startswith(mine[0].head_name[0]) and "*" in item["head_name"]
    assert item["room"] == "****" and item["entrance_code"] == mine[0].entrance.code
    assert all(i["room"].startswith("**") for i in r.json()["items"])
    r = api.get(HH + str(mine[0].pk))
    assert r.status_code == 200
    no_plaintext(r, *plain)
    # Another community's household: 404 like a missing id.
    assert_problem(api.get(HH + str(city.households[2].pk)), 404)
    assert_problem(api.get(HH + "999999"), 404)


def test_household_filters(city, api_as):
    api = api_as("street_admin", city.streets[0])
    h = city.households[0]
    Household.objects.filter(pk=h.pk).update(tags=",elderly_alone,")
    ids = lambda **p: {i["id"] for i in api.get(HH, p).json()["items"]}  # noqa: E731
    assert ids(tag="elderly_alone") == {h.pk}
    assert ids(region=city.communities[1].code) == {x.pk for x in city.households[2:4]}
    assert ids(q="thz") == {x.pk for x in city.households[:2]}  # 团户主 -> initials
    assert ids(region=city.communities[2].code) == set()
    # Name search needs personal.view: without it, a masked list can't confirm a name.
    viewer = api_as("department_handler", city.streets[0])
    assert len(viewer.get(HH).json()["items"]) == 4
    assert viewer.get(HH, {"q": "团户主1"}).json()["items"] == []


def test_household_create_update_delete_audited_and_masked(city, api_as):
    api = api_as("grid_worker", city.communities[0])
    entrance = city.households[0].entrance
    body = {"entrance_code": entrance.code, "room": "1801", "head_name": "王小明", "phone": "13712345678"}
    r = api.post(HH, body | {"size": 2, "tags": ["elderly_alone"]})
    assert r.status_code == 201, r.content
    no_plaintext(r, "13712345678", "王小明", "1801")
    assert r.json()["tags"] == ["elderly_alone"] and r.json()["phone"] == "137****5678"
    h = Household.objects.get(pk=r.json()["id"])
    assert (h.phone, h.room, h.size) == ("13712345678", "1801", 2)
    (ev,) = events("regions.household", h.pk)
    assert ev.action == "create" and "13712345678" not in str(ev.changes)
    assert ev.changes["phone"] == [None, "137****5678"]

    r = api.patch(HH + str(h.pk), {"phone": "13700000001", "size": 3, "tags": []})
    assert r.status_code == 200, r.content
    no_plaintext(r, "13700000001")
    h.refresh_from_db()
    assert (h.phone, h.size, h.tags) == ("13700000001", 3, "")
    ev = events("regions.household", h.pk)[-1]
    assert ev.action == "update" and ev.changes["size"] == [2, 3]
    assert ev.changes["phone"] == ["137****5678", "137****0001"]
    assert ev.changes["tags"] == [",elderly_alone,", ""]

    assert api.delete(HH + str(h.pk)).status_code == 204
    assert not Household.objects.filter(pk=h.pk).exists()
    assert [e.action for e in events("regions.household", h.pk)] == ["create", "update", "delete"]


@pytest.mark.parametrize(
    "change, status, phrase",
    [
        ({"entrance_code": "370202001001"}, 400, "单元"),
        ({"entrance_code": "370202009001001001001"}, 404, "单元"),
        ({"entrance_code": "370202002001001001001"}, 404, "单元"),  # another street's entrance
        ({"room": "1" * 21}, 422, "文本过长"),
        ({"room": "102"}, 400, ""),  # taken in that entrance (unique constraint)
        ({"tags": ["nope"]}, 422, "取值"),
        ({"size": "three"}, 422, "应为整数"),
        ({"owner": "x"}, 422, "不允许的字段"),
    ],
)
def test_household_bad_input_changes_nothing(city, api_as, change, status, phrase):
    api = api_as("community_admin", city.communities[0])
    entrance = city.households[0].entrance
    body = {"entrance_code": entrance.code, "room": "1801", "head_name": "王小明"} | change
    before = Household.objects.count()
    assert_problem(api.post(HH, body), status, phrase or None)
    assert Household.objects.count() == before


def test_household_write_permissions(city, api_as, anonymous):
    h = city.households[0]
    viewer = api_as("department_handler", city.communities[0])
    assert_problem(viewer.patch(HH + str(h.pk), {"size": 9}), 403)
    assert_problem(viewer.delete(HH + str(h.pk)), 403)
    body = {"entrance_code": h.entrance.code, "room": "1801", "head_name": "王小明"}
    assert_problem(viewer.post(HH, body), 403)
    other = api_as("community_admin", city.communities[2])
    assert_problem(other.patch(HH + str(h.pk), {"size": 9}), 404)
    assert_problem(other.delete(HH + str(h.pk)), 404)
    assert_problem(anonymous.delete(HH + str(h.pk)), 401)
    h.refresh_from_db()
    assert h.size == 3 and events("regions.household", h.pk) == []
