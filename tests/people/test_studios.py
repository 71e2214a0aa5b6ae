"""Deputies' studios: deputy levels (model, form, API, migration of bad rows), the published schedule,
reception logs with matters, a matter turned into a case followed to its close, the yearly report."""

from __future__ import annotations

import datetime
import importlib
import io

import pytest
from django.apps import apps as django_apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from grassroots.cases import services as case_services
from grassroots.cases.models import Case, Category
from grassroots.core.errors import ServiceError
from grassroots.core.models import AuditEvent
from grassroots.people import services, studios
from grassroots.people.models import Deputy, Matter, Reception, ReceptionLog, Studio, nearest_deputy_level

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def deputy(city):
    return Deputy.objects.create(name="王代表", kind="npc", level="district", region=city.communities[0])


@pytest.fixture
def studio(city, c0_admin, deputy):
    return studios.add_studio(
        c0_admin,
        name="团岛社区代表委员工作室",
        region=city.communities[0],
        address="团岛社区党群服务中心",
        deputies=[deputy],
    )


# ---- deputy levels -------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["npc", "party_congress", "cppcc"])
def test_street_level_deputy_refused_city_and_district_allowed(city, c0_admin, kind):
    c0 = city.communities[0]
    with pytest.raises(ServiceError) as exc:
        services.add_deputy(c0_admin, name="张三", kind=kind, level="street", region=c0)
    assert "没有相应的代表大会或委员会" in exc.value.message and "level" in exc.value.errors
    assert not Deputy.objects.filter(name="张三").exists()
    for level in ("city", "district"):
        assert services.add_deputy(c0_admin, name=f"李{level}", kind=kind, level=level, region=c0).pk


def test_deputy_form_refuses_street_level(city, c0_admin, client):
    client.force_login(c0_admin)
    r = client.post(
        reverse("people:deputy_add"),
        {"name": "张三", "kind": "npc", "level": "street", "region": city.communities[0].code},
    )
    assert r.status_code == 400
    assert "人大代表只设在市、区(县、旗)两级" in r.content.decode()
    assert not Deputy.objects.filter(name="张三").exists()


def test_deputy_api_refuses_street_level(city, c0_admin, client):
    client.force_login(c0_admin)
    body = {
        "name": "张三",
        "kind": "party_congress",
        "level": "street",
        "region_code": city.communities[0].code,
    }
    r = client.post("/api/v1/people/deputies/", body, content_type="application/json")
    assert r.status_code == 400
    assert "党代表只设在" in r.json()["detail"]
    body["level"] = "city"
    assert client.post("/api/v1/people/deputies/", body, content_type="application/json").status_code == 201


def test_migration_moves_street_deputies_to_the_district_and_says_so(city, capsys):
    d = Deputy.objects.create(name="旧数据", kind="cppcc", level="district", region=city.communities[0])
    Deputy.objects.filter(pk=d.pk).update(level="street")  # a row written before the rule
    ok = Deputy.objects.create(name="市代表", kind="npc", level="city", region=city.communities[0])
    module = importlib.import_module("grassroots.people.migrations.0003_deputy_levels")
    module.move_levels(django_apps, None)
    d.refresh_from_db()
    ok.refresh_from_db()
    assert d.level == "district" and ok.level == "city"
    event = AuditEvent.objects.get(model="people.deputy", object_id=str(d.pk))
    assert event.changes == {"level": ["street", "district"]} and "没有相应的代表大会" in event.purpose
    assert "1 人的层级设在街道" in capsys.readouterr().out
    assert nearest_deputy_level("npc", "street") == "district"


# ---- schedule, logs, matters, cases --------------------------------------------------------------


def test_schedule_publish_and_residents_see_it(city, c0_admin, deputy, studio, client):
    day = TODAY + datetime.timedelta(days=7)
    r = studios.schedule_reception(
        c0_admin, studio, date=day, starts_at=datetime.time(9), ends_at=datetime.time(11), deputies=[deputy]
    )
    public = reverse("people:public_receptions")
    assert (
        f'data-reception="{r.pk}"'
        not in client.get(public, {"community": city.communities[0].pk}).content.decode()
    )
    studios.publish_reception(c0_admin, r)
    page = client.get(public, {"community": city.communities[0].pk}).content.decode()
    assert f'data-reception="{r.pk}"' in page and "王代表" in page
    # another street's community does not list it
    assert (
        f'data-reception="{r.pk}"'
        not in client.get(public, {"community": city.communities[2].pk}).content.decode()
    )
    with pytest.raises(ServiceError, match="已发布"):
        studios.publish_reception(c0_admin, r)
    with pytest.raises(ServiceError, match="结束时间应晚于开始时间"):
        studios.schedule_reception(
            c0_admin,
            studio,
            date=day,
            starts_at=datetime.time(11),
            ends_at=datetime.time(9),
            deputies=[deputy],
        )
    with pytest.raises(ServiceError, match="请选择值班"):
        studios.schedule_reception(
            c0_admin, studio, date=day, starts_at=datetime.time(9), ends_at=datetime.time(11)
        )


def test_studio_in_another_street_is_out_of_scope(city, c0_admin, make_user):
    other_admin = make_user("c2admin", "community_admin", city.communities[2])
    other = Deputy.objects.create(name="外街代表", kind="npc", level="city", region=city.communities[2])
    s = studios.add_studio(
        other_admin, name="外街工作室", region=city.communities[2], address="某地", deputies=[other]
    )
    assert not Studio.objects.visible_to(c0_admin).filter(pk=s.pk).exists()
    with pytest.raises(ServiceError):
        studios.log_reception(c0_admin, s, held_on=TODAY, residents=3, deputies=[other])
    with pytest.raises(ServiceError):  # a deputy outside the user's scope can't staff a studio
        studios.add_studio(c0_admin, name="x", region=city.communities[0], address="y", deputies=[other])


def test_matter_becomes_a_case_and_its_close_shows_on_the_log_and_report(
    city, c0_admin, deputy, studio, client, make_user
):
    log = studios.log_reception(
        c0_admin,
        studio,
        held_on=TODAY,
        residents=6,
        deputies=[deputy],
        summary="接待居民六人",
        matters=["小区东门路灯损坏，夜间出行不便", "邻居私人财产纠纷，希望调解"],
    )
    m1, m2 = Matter.objects.filter(log=log).order_by("id")
    case = studios.matter_to_case(c0_admin, m2)
    m2.refresh_from_db()
    assert m2.case_id == case.pk and case.region_id == city.communities[0].pk and case.channel == "walk_in"
    assert "邻居私人财产纠纷" in case.description and studio.name in case.description
    with pytest.raises(ServiceError, match="已转为诉求"):
        studios.matter_to_case(c0_admin, m2)
    client.force_login(c0_admin)
    page = client.get(reverse("people:log_detail", args=[log.pk])).content.decode()
    assert case.number in page and 'data-case-state="submitted"' in page

    dispatcher = make_user("street_disp", "street_admin", city.streets[0])
    case_services.triage(dispatcher, case, category=Category.objects.get(code="2302"), tier="private")
    case_services.close(dispatcher, Case.objects.get(pk=case.pk), note="已告知居民可申请人民调解")
    page = client.get(reverse("people:log_detail", args=[log.pk])).content.decode()
    assert 'data-case-state="closed"' in page

    (row,) = studios.deputy_reports([deputy], TODAY.year)
    assert (row.receptions, row.residents, row.matters, row.cases, row.closed) == (1, 6, 2, 1, 1)
    r = client.get(reverse("people:deputy_reports"), {"year": TODAY.year, "export": "xlsx"})
    ws = load_workbook(io.BytesIO(r.content)).active
    values = [[c.value for c in row] for row in ws.iter_rows()]
    header = next(v for v in values if "姓名" in v)
    data = next(v for v in values if "王代表" in v)
    assert data[header.index("已办结")] == 1 and data[header.index("反映事项")] == 2


def test_matter_case_view_and_log_form(city, c0_admin, deputy, studio, client):
    client.force_login(c0_admin)
    r = client.post(
        reverse("people:log_add", args=[studio.pk]),
        {"held_on": TODAY, "residents": 0, "deputies": [deputy.pk], "matters": "路面破损"},
    )
    assert r.status_code == 400 and "接待群众人数不能为 0" in r.content.decode()
    assert not ReceptionLog.objects.exists()
    r = client.post(
        reverse("people:log_add", args=[studio.pk]),
        {"held_on": TODAY, "residents": 3, "deputies": [deputy.pk], "matters": "路面破损\n\n噪声扰民"},
    )
    log = ReceptionLog.objects.get()
    assert r.status_code == 302 and r.url == reverse("people:log_detail", args=[log.pk])
    assert list(log.matters.values_list("text", flat=True)) == ["路面破损", "噪声扰民"]
    m = log.matters.first()
    r = client.post(reverse("people:matter_case", args=[m.pk]), {"description": "背街小巷路面破损，雨天积水"})
    m.refresh_from_db()
    assert r.status_code == 302 and m.case is not None and "雨天积水" in m.case.description


def test_street_studio_asks_for_the_community(city, c0_admin, make_user, deputy):
    street_admin = make_user("s0admin", "street_admin", city.streets[0])
    s = studios.add_studio(
        street_admin,
        name="八大峡街道人大代表联络站",
        region=city.streets[0],
        address="街道二楼",
        deputies=[deputy],
    )
    log = studios.log_reception(
        street_admin, s, held_on=TODAY, residents=2, deputies=[deputy], matters=["停车难"]
    )
    m = log.matters.get()
    with pytest.raises(ServiceError, match="请选择问题所在社区"):
        studios.matter_to_case(street_admin, m)
    with pytest.raises(ServiceError, match="须在工作室所在街道内"):
        studios.matter_to_case(street_admin, m, region=city.communities[2])
    case = studios.matter_to_case(street_admin, m, region=city.communities[1])
    assert case.region_id == city.communities[1].pk


def test_studio_list_and_detail_queries_do_not_grow(city, c0_admin, deputy, studio, client):
    client.force_login(c0_admin)
    urls = [
        reverse("people:studios"),
        reverse("people:studio_detail", args=[studio.pk]),
        reverse("people:deputy_reports"),
    ]

    def counts():
        out = []
        for u in urls:
            with CaptureQueriesContext(connection) as q:
                assert client.get(u).status_code == 200
            out.append(len(q))
        return out

    def add(k):
        d = Deputy.objects.create(name=f"代表{k}", kind="cppcc", level="city", region=city.communities[0])
        studio.deputies.add(d)
        studios.log_reception(
            c0_admin,
            studio,
            held_on=TODAY - datetime.timedelta(days=k),
            residents=2,
            deputies=[d],
            matters=["事项"],
        )
        Studio.objects.create(name=f"工作室{k}", region=city.communities[0], address="x")
        Reception.objects.create(
            studio=studio,
            date=TODAY + datetime.timedelta(days=k + 1),
            starts_at=datetime.time(9),
            ends_at=datetime.time(10),
        )

    add(0)
    counts()
    before = counts()
    for k in range(1, 5):
        add(k)
    assert counts() == before
