import pytest
from django.urls import reverse

from grassroots.people.models import Deputy, Steward, Worker
from grassroots.regions.models import Region
from grassroots.units.models import Instructor, Unit

from .helpers import audit_count, column, xlsx_rows

pytestmark = pytest.mark.django_db


def test_unit_list_scope_filters_export(city, admin_a, street_admin, client_for):
    c = client_for(street_admin)
    r = c.get(reverse("units:list"))
    assert {u.pk for u in r.context["object_list"]} == {u.pk for u in city.units[:2]}
    Unit.objects.filter(pk=city.units[0].pk).update(party_work="own_org", party_org=city.community_orgs[0])
    assert [u.pk for u in c.get(reverse("units:list"), {"covered": "true"}).context["object_list"]] == [
        city.units[0].pk
    ]
    assert [u.pk for u in c.get(reverse("units:list"), {"covered": "false"}).context["object_list"]] == [
        city.units[1].pk
    ]
    assert len(c.get(reverse("units:list"), {"type": "soe"}).context["object_list"]) == 0
    r = c.get(reverse("units:list"), {"q": "ynl"})  # 云南路社区物业公司
    assert [u.pk for u in r.context["object_list"]] == [city.units[1].pk]
    rows = xlsx_rows(client_for(admin_a).get(reverse("units:list"), {"export": "xlsx"}))
    assert column(rows, "名称") == [city.units[0].name]


def test_unit_detail_scope(city, admin_a, admin_b, client_for, make_user):
    url = reverse("units:detail", args=[city.units[0].pk])
    r = client_for(admin_a).get(url)
    assert r.status_code == 200 and "尚未实现党的组织覆盖" in r.content.decode()
    assert client_for(admin_b).get(url).status_code == 404
    assert (
        client_for(make_user("dept", "department_handler", city.communities[0])).get(url).status_code == 404
    )


def test_unit_create_and_edit(city, admin_a, client_for):
    c = client_for(admin_a)
    base = {
        "code": "U-NEW",
        "name": "团岛便利店",
        "type": "private",
        "employees": "8",
        "region": "370202001001",
        "party_work": "none",
    }
    count, before = Unit.objects.count(), audit_count()
    r = c.post(reverse("units:add"), {**base, "party_work": "own_org"})
    assert r.status_code == 400 and "请指定覆盖该单位的党组织" in r.content.decode()
    r = c.post(reverse("units:add"), {**base, "region": "370202002001"})
    assert r.status_code == 400
    assert Unit.objects.count() == count and audit_count() == before
    assert c.post(reverse("units:add"), base).status_code == 302
    unit = Unit.objects.get(code="U-NEW")
    assert audit_count() == before + 1
    r = c.post(
        reverse("units:edit", args=[unit.pk]), {**base, "party_work": "joint_org", "party_org": "QD-SN-1-1-1"}
    )
    assert r.status_code == 302
    unit.refresh_from_db()
    assert unit.party_org.code == "QD-SN-1-1-1" and audit_count() == before + 2


def test_instructor_pages(city, admin_a, admin_b, client_for):
    c = client_for(admin_a)
    before = audit_count()
    r = c.post(
        reverse("units:instructor_add"), {"name": "赵指导", "phone": "13700000000", "region": "370202001001"}
    )
    assert r.status_code == 302
    ins = Instructor.objects.get(name="赵指导")
    assert audit_count() == before + 1
    body = c.get(reverse("units:instructors")).content.decode()
    assert "赵指导" in body and "13700000000" not in body
    assert client_for(admin_b).get(reverse("units:instructor_detail", args=[ins.pk])).status_code == 404
    assert "赵指导" not in client_for(admin_b).get(reverse("units:instructors")).content.decode()
    r = c.post(
        reverse("units:instructor_edit", args=[ins.pk]),
        {"name": "赵指导员", "phone": "", "region": "370202001001"},
    )
    assert r.status_code == 302
    ins.refresh_from_db()
    assert ins.name == "赵指导员" and ins.phone == "13700000000"


def test_worker_list_filters_export_and_scope(city, admin_a, viewer, client_for, make_user):
    c = client_for(admin_a)
    r = c.get(reverse("people:workers"))
    assert [w.pk for w in r.context["object_list"]] == [city.workers[0].pk]
    assert len(c.get(reverse("people:workers"), {"grade": "15", "post": "staff"}).context["object_list"]) == 1
    assert len(c.get(reverse("people:workers"), {"role": "grid_head"}).context["object_list"]) == 0
    assert len(c.get(reverse("people:workers"), {"grade": "x"}).context["object_list"]) == 0
    rows = xlsx_rows(client_for(viewer).get(reverse("people:workers"), {"export": "xlsx"}))
    assert column(rows, "姓名") == [city.workers[0].name]
    assert "*" in column(rows, "手机号")[0]
    assert (
        client_for(make_user("dept", "department_handler", city.communities[0]))
        .get(reverse("people:workers"))
        .status_code
        == 404
    )


def test_worker_detail_create_edit(city, admin_a, admin_b, client_for):
    c = client_for(admin_a)
    w = city.workers[0]
    assert c.get(reverse("people:worker_detail", args=[w.pk])).status_code == 200
    assert client_for(admin_b).get(reverse("people:worker_detail", args=[w.pk])).status_code == 404
    base = {
        "code": "W-NEW",
        "name": "钱社工",
        "gender": "female",
        "phone": "13600000000",
        "region": "370202001001",
        "post": "staff",
        "grade": "19",
        "role": "grid_worker",
    }
    count, before = Worker.objects.count(), audit_count()
    r = c.post(reverse("people:worker_add"), base)
    assert r.status_code == 400 and "18" in r.content.decode()
    r = c.post(
        reverse("people:worker_add"), {**base, "grade": "10", "region": "370202001001001"}
    )  # a neighborhood
    assert r.status_code == 400 and "层级不符合要求" in r.content.decode()
    assert Worker.objects.count() == count and audit_count() == before
    assert c.post(reverse("people:worker_add"), {**base, "grade": "10"}).status_code == 302
    nw = Worker.objects.get(code="W-NEW")
    assert audit_count() == before + 1
    r = c.post(reverse("people:worker_edit", args=[nw.pk]), {**base, "grade": "9", "phone": ""})
    assert r.status_code == 302
    nw.refresh_from_db()
    assert nw.grade == 9 and nw.phone == "13600000000" and audit_count() == before + 2


def test_steward_pages(city, admin_a, admin_b, client_for):
    c = client_for(admin_a)
    hood = Region.objects.get(code="370202001001001")
    before = audit_count()
    r = c.post(reverse("people:steward_add"), {"name": "孙楼长", "role": "building", "region": hood.code})
    assert r.status_code == 400 and "楼长负责的区域须是楼栋" in r.content.decode()
    assert not Steward.objects.exists() and audit_count() == before
    r = c.post(
        reverse("people:steward_add"), {"name": "孙楼长", "role": "building", "region": "370202001001001001"}
    )
    assert r.status_code == 302
    s = Steward.objects.get()
    assert audit_count() == before + 1
    r = c.get(reverse("people:stewards"), {"role": "building"})
    assert [x.pk for x in r.context["object_list"]] == [s.pk]
    assert client_for(admin_b).get(reverse("people:steward_detail", args=[s.pk])).status_code == 404
    assert list(client_for(admin_b).get(reverse("people:stewards")).context["object_list"]) == []
    r = c.post(
        reverse("people:steward_edit", args=[s.pk]),
        {"name": "孙楼长", "role": "building", "region": "370202001001001001", "phone": "13500000000"},
    )
    assert r.status_code == 302 and Steward.objects.get().phone == "13500000000"


def test_deputy_pages(city, admin_a, admin_b, client_for):
    c = client_for(admin_a)
    before = audit_count()
    r = c.post(
        reverse("people:deputy_add"),
        {
            "name": "周代表",
            "kind": "npc",
            "level": "district",
            "region": "370202001001",
            "unit_name": "某医院",
        },
    )
    assert r.status_code == 302
    d = Deputy.objects.get()
    assert audit_count() == before + 1
    rows = xlsx_rows(c.get(reverse("people:deputies"), {"export": "xlsx", "kind": "npc"}))
    assert column(rows, "姓名") == ["周代表"]
    rows = xlsx_rows(client_for(admin_b).get(reverse("people:deputies"), {"export": "xlsx"}))
    assert len(rows) == 1  # header only: nothing from another community
    assert client_for(admin_b).get(reverse("people:deputy_detail", args=[d.pk])).status_code == 404
    r = c.post(
        reverse("people:deputy_add"),
        {"name": "吴委员", "kind": "cppcc", "level": "district", "region": "370202001000"},
    )  # a street, not a community
    assert r.status_code == 400 and Deputy.objects.count() == 1


def test_empty_lists_show_hint_and_create_button(city, admin_a, client_for, make_user):
    body = client_for(admin_a).get(reverse("people:deputies")).content.decode()
    assert "暂无两代表一委员" in body and reverse("people:deputy_add") in body
    auditor = make_user("aud", "grid_worker", city.communities[0])  # no people.change
    body = client_for(auditor).get(reverse("people:deputies")).content.decode()
    assert "暂无两代表一委员" in body and reverse("people:deputy_add") not in body
