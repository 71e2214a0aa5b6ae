import pytest
from django.urls import reverse

from grassroots.core.masking import mask
from grassroots.core.models import AuditEvent
from grassroots.regions.models import Household, Region

from .helpers import audit_count, column, xlsx_rows

pytestmark = pytest.mark.django_db


def test_tree_starts_at_scope_roots(city, admin_a, street_admin, client_for, make_user):
    r = client_for(admin_a).get(reverse("regions:tree"))
    assert r.status_code == 200
    roots = [n.code for n in r.context["roots"]]
    assert roots == ["370202001001"]
    assert r.context["roots"][0].counts == {"communities": 1, "households": 2, "members": 3}

    r = client_for(street_admin).get(reverse("regions:tree"))
    [street] = r.context["roots"]
    assert street.code == "370202001000"
    assert street.counts == {"communities": 2, "households": 4, "members": 6}

    root = make_user("root", is_superuser=True)
    r = client_for(root).get(reverse("regions:tree"))
    assert [n.code for n in r.context["roots"]] == ["370200000000"]
    assert r.context["roots"][0].counts == {"communities": 4, "households": 8, "members": 12}


def test_tree_children_lazy_with_counts(city, street_admin, client_for):
    c = client_for(street_admin)
    r = c.get(reverse("regions:tree_children", args=["370202001000"]))
    assert r.status_code == 200
    nodes = {n.name: n.counts for n in r.context["nodes"]}
    assert nodes == {
        "团岛社区": {"communities": 1, "households": 2, "members": 3},
        "云南路社区": {"communities": 1, "households": 2, "members": 3},
    }
    assert 'hx-get="/regions/tree/370202001001/children/"' in r.content.decode()
    # another street's subtree is not there
    assert c.get(reverse("regions:tree_children", args=["370202002000"])).status_code == 404


def test_tree_children_queries_do_not_grow_with_children(
    city, make_user, client_for, django_assert_max_num_queries
):
    root = make_user("root", is_superuser=True)
    c = client_for(root)
    c.get(reverse("regions:tree"))
    # 8, plus the menu's two questions (is the user a hub member? a community worker?) for 联户/民情日志
    with django_assert_max_num_queries(10):
        r = c.get(reverse("regions:tree_children", args=["370202000000"]))
    assert len(r.context["nodes"]) == 2


def test_tree_search_by_pinyin_initials(city, admin_a, admin_b, client_for):
    r = client_for(admin_a).get(reverse("regions:tree"), {"q": "td"})
    names = [n.name for n in r.context["results"]]
    assert "团岛社区" in names and "团岛小区" in names
    # a single match jumps straight to the node
    r = client_for(admin_a).get(reverse("regions:tree"), {"q": "tdsq"})
    assert r.status_code == 302 and r["Location"] == reverse("regions:detail", args=["370202001001"])
    # someone of another community finds nothing there
    r = client_for(admin_b).get(reverse("regions:tree"), {"q": "td"})
    assert r.context["results"] == []
    assert "没有找到匹配的区划" in r.content.decode()


def test_region_detail_scope_and_permission(city, admin_a, admin_b, client_for, make_user):
    url = reverse("regions:detail", args=["370202001001"])
    r = client_for(admin_a).get(url)
    assert r.status_code == 200
    body = r.content.decode()
    assert r.context["counts"] == {"households": 2, "members": 3, "units": 1, "workers": 1, "communities": 1}
    assert [c.name for c in r.context["children"]] == ["团岛小区"]
    assert "?region=370202001001" in body
    assert reverse("regions:add_child", args=["370202001001"]) in body
    assert client_for(admin_b).get(url).status_code == 404
    member_only = make_user("pm", "party_member")
    assert client_for(member_only).get(url).status_code == 404
    assert client_for(member_only).get(reverse("regions:tree")).status_code == 404


def test_neighborhood_detail_shows_flags_and_map(city, admin_a, client_for):
    hood = Region.objects.get(code="370202001001001")
    Region.objects.filter(pk=hood.pk).update(
        polygon={
            "type": "Polygon",
            "coordinates": [[[120.3, 36.0], [120.31, 36.0], [120.31, 36.01], [120.3, 36.0]]],
        }
    )
    r = client_for(admin_a).get(reverse("regions:detail", args=[hood.code]))
    body = r.content.decode()
    assert 'data-attr="is_closed">是' in body
    assert 'data-region-map="region-geo"' in body and "dist/leaflet.js" in body
    assert r.context["geo"]["features"][0]["properties"]["code"] == hood.code


def test_viewer_without_change_sees_no_buttons(city, make_user, client_for):
    handler = make_user("dept", "department_handler", city.communities[0])
    body = client_for(handler).get(reverse("regions:detail", args=["370202001001"])).content.decode()
    assert reverse("regions:edit", args=["370202001001"]) not in body
    assert client_for(handler).get(reverse("regions:edit", args=["370202001001"])).status_code == 404


def test_add_child_region_form(city, admin_a, client_for):
    c = client_for(admin_a)
    url = reverse("regions:add_child", args=["370202001001"])
    before = audit_count()
    r = c.post(
        url,
        {
            "code": "370202001001002",
            "name": "观海小区",
            "population": "120",
            "household_count": "40",
            "is_closed": "false",
            "has_property_management": "true",
        },
    )
    assert r.status_code == 302
    new = Region.objects.get(code="370202001001002")
    assert new.level == "neighborhood" and new.is_closed is False and new.has_property_management is True
    assert Region.objects.get_parent(new).code == "370202001001"
    assert audit_count() == before + 1
    assert AuditEvent.objects.latest("id").action == "create"


def test_add_child_region_invalid_shows_error_and_changes_nothing(city, admin_a, client_for):
    c = client_for(admin_a)
    url = reverse("regions:add_child", args=["370202001001"])
    count, before = Region.objects.count(), audit_count()
    r = c.post(url, {"code": "12ab", "name": "错误", "population": "0", "household_count": "0"})
    assert r.status_code == 400
    assert "编码须为 6 至 24 位数字" in r.content.decode()
    r = c.post(url, {"code": "370202001001", "name": "重复编码", "population": "0", "household_count": "0"})
    assert r.status_code == 400 and "已存在" in r.content.decode()
    assert Region.objects.count() == count and audit_count() == before


def test_add_child_under_foreign_region_is_404(city, admin_a, client_for):
    r = client_for(admin_a).post(
        reverse("regions:add_child", args=["370202002001"]), {"code": "370202002001009"}
    )
    assert r.status_code == 404


def test_edit_region_form(city, admin_a, client_for):
    c = client_for(admin_a)
    url = reverse("regions:edit", args=["370202001001"])
    assert c.get(url).status_code == 200
    before = audit_count()
    r = c.post(
        url, {"name": "团岛社区", "category": "urban_core", "population": "3100", "household_count": "1000"}
    )
    assert r.status_code == 302
    node = Region.objects.get(code="370202001001")
    assert node.category == "urban_core" and node.population == 3100
    assert audit_count() == before + 1
    r = c.post(url, {"name": "团岛社区", "population": "1", "household_count": "1", "polygon": "{not json"})
    assert r.status_code == 400 and "边界不是有效的 GeoJSON" in r.content.decode()
    assert Region.objects.get(code="370202001001").population == 3100


# ---- households -----------------------------------------------------------------------------------


def test_household_list_scope_masking_and_filters(city, admin_a, client_for):
    c = client_for(admin_a)
    r = c.get(reverse("regions:households"))
    assert r.status_code == 200
    assert {h.pk for h in r.context["object_list"]} == {h.pk for h in city.households[:2]}
    body = r.content.decode()
    assert "团户主1" not in body and "团**" in body  # head name masked
    h = city.households[0]
    Household.objects.filter(pk=h.pk).update(tags=",elderly_alone,")
    r = c.get(reverse("regions:households"), {"tag": "elderly_alone"})
    assert [x.pk for x in r.context["object_list"]] == [h.pk]
    r = c.get(reverse("regions:households"), {"q": "thz"})  # 团户主 → thz
    assert len(r.context["object_list"]) == 2
    r = c.get(reverse("regions:households"), {"region": "370202002001"})  # foreign subtree
    assert list(r.context["object_list"]) == []
    assert "没有符合条件的记录" in r.content.decode()


def test_household_export_masks_without_personal_export(city, admin_a, viewer, client_for):
    rows = xlsx_rows(client_for(viewer).get(reverse("regions:households"), {"export": "xlsx"}))
    heads = column(rows, "户主")
    assert len(heads) == 2 and all("*" in v for v in heads)
    assert all("*" in v for v in column(rows, "联系电话"))
    rows = xlsx_rows(
        client_for(admin_a).get(reverse("regions:households"), {"export": "xlsx", "q": "团户主1"})
    )
    assert column(rows, "户主") == [mask("name", "团" + "x" * 3)]  # masked for every role by default
    assert AuditEvent.objects.filter(action="export").count() == 2


def test_household_detail_scope(city, admin_a, admin_b, client_for):
    url = reverse("regions:household_detail", args=[city.households[0].pk])
    r = client_for(admin_a).get(url)
    assert r.status_code == 200 and "团岛小区" in r.content.decode()
    assert client_for(admin_b).get(url).status_code == 404


def test_household_create_and_edit(city, admin_a, client_for):
    c = client_for(admin_a)
    entrance = city.households[0].entrance
    before = audit_count()
    r = c.post(
        reverse("regions:household_add"),
        {
            "entrance": entrance.code,
            "room": "902",
            "head_name": "王五",
            "phone": "13900000001",
            "size": "2",
            "tags": ["elderly_alone", "low_income"],
            "note": "",
        },
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    h = Household.objects.get(entrance=entrance, room="902")
    assert h.tag_list == ["elderly_alone", "low_income"]
    assert audit_count() == before + 1
    # edit: personal fields are not pre-filled; left blank they keep their value
    page = c.get(reverse("regions:household_edit", args=[h.pk])).content.decode()
    assert "13900000001" not in page and "王五" not in page
    r = c.post(
        reverse("regions:household_edit", args=[h.pk]),
        {
            "entrance": entrance.code,
            "room": "",
            "head_name": "",
            "phone": "",
            "size": "3",
            "tags": ["veteran"],
        },
    )
    assert r.status_code == 302
    h.refresh_from_db()
    assert (h.room, h.head_name, h.phone, h.size, h.tag_list) == (
        "902",
        "王五",
        "13900000001",
        3,
        ["veteran"],
    )
    assert audit_count() == before + 2


def test_household_create_invalid(city, admin_a, client_for):
    c = client_for(admin_a)
    count, before = Household.objects.count(), audit_count()
    # a community is not an entrance; a foreign entrance is out of scope
    r = c.post(
        reverse("regions:household_add"),
        {"entrance": "370202001001", "room": "1", "head_name": "甲", "size": "1"},
    )
    assert r.status_code == 400 and "层级不符合要求" in r.content.decode()
    r = c.post(
        reverse("regions:household_add"),
        {"entrance": "370202002001001001001", "room": "1", "head_name": "甲", "size": "1"},
    )
    assert r.status_code == 400 and "不存在或不在您的管辖范围内" in r.content.decode()
    # the same room twice (unique constraint, checked by the service)
    h = city.households[0]
    r = c.post(
        reverse("regions:household_add"),
        {"entrance": h.entrance.code, "room": h.room, "head_name": "乙", "size": "1"},
    )
    assert r.status_code == 400
    assert Household.objects.count() == count and audit_count() == before


def test_region_lookup_is_scoped(city, admin_a, client_for):
    body = (
        client_for(admin_a)
        .get(reverse("regions:lookup"), {"q": "370202", "level": "entrance"})
        .content.decode()
    )
    assert "370202001001001001001" in body and "370202002001" not in body


def test_household_list_constant_queries(city, admin_a, client_for, django_assert_max_num_queries):
    c = client_for(admin_a)
    entrance = city.households[0].entrance
    c.get(reverse("regions:households"))
    with django_assert_max_num_queries(12) as small:
        c.get(reverse("regions:households"))
    Household.objects.bulk_create(
        [Household(entrance=entrance, room=f"R{i}", head_name="测试", name_initials="cs") for i in range(30)]
    )
    with django_assert_max_num_queries(len(small.captured_queries)):
        r = c.get(reverse("regions:households"))
    assert len(r.context["object_list"]) == 25


def test_household_name_search_needs_personal_view(city, make_user, client_for):
    handler = make_user("dept", "department_handler", city.communities[0])  # regions.view, no personal.view
    c = client_for(handler)
    assert len(c.get(reverse("regions:households")).context["object_list"]) == 2
    assert list(c.get(reverse("regions:households"), {"q": "thz"}).context["object_list"]) == []
    worker = make_user("gw", "grid_worker", city.communities[0])  # has personal.view
    assert (
        len(client_for(worker).get(reverse("regions:households"), {"q": "thz"}).context["object_list"]) == 2
    )
