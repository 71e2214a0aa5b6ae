"""Pages: no N+1 (the query count of each list doesn't grow with its rows), the declare form refuses bad
input in Chinese with nothing created, and the emergency's pages render for the phone and the desk."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from grassroots.emergency import services
from grassroots.emergency.models import Callup, Emergency, EmergencyNeed, SweepTask
from grassroots.regions.models import Household

from .conftest import declare_flood

pytestmark = pytest.mark.django_db


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        r = client.get(url)
    assert r.status_code == 200, url
    return len(ctx.captured_queries)


def _grow(em, e, n=12):
    entrance = em.extra_households[0].entrance
    hs = [
        Household.objects.create(entrance=entrance, room=f"8{k:02d}", head_name=f"新户{k}", grid=em.grids[0])
        for k in range(n)
    ]
    SweepTask.objects.bulk_create(
        SweepTask(emergency=e, household=h, community=em.communities[0], grid=em.grids[0]) for h in hs
    )
    Callup.objects.bulk_create(
        Callup(emergency=e, kind="unit", name=f"单位{k}", community=em.communities[0], grid=em.grids[0])
        for k in range(n)
    )
    for k, h in enumerate(hs):
        services.raise_need(em.grid_worker, e, category="supplies", description=f"饮用水{k}", household=h)


def test_lists_have_no_n_plus_one(em, client_for):
    e = declare_flood(em)
    services.raise_need(
        em.grid_worker, e, category="supplies", description="饮用水", household=em.households[0]
    )
    staff = client_for(em.street_admin)
    urls = [
        "/emergency/",
        f"/emergency/{e.pk}/callups/",
        f"/emergency/{e.pk}/needs/",
        f"/emergency/{e.pk}/sweep/?show=all",
        f"/emergency/{e.pk}/live/",
        "/emergency/records/",
    ]
    services.compute_service_records(e)
    for u in urls:  # warm-up: one-off per-session queries
        _queries(staff, u)
    before = {u: _queries(staff, u) for u in urls}
    _grow(em, e)
    services.compute_service_records(e)
    after = {u: _queries(staff, u) for u in urls}
    assert {u: after[u] - before[u] for u in urls} == {u: 0 for u in urls}


def test_declare_form_refuses_bad_input_and_creates_nothing(em, client_for):
    c = client_for(em.street_admin)
    r = c.post(
        "/emergency/declare/",
        {
            "region": em.streets[0].code,
            "title": "汛",
            "kind": "flood",
            "severity": "4",
            "instructions": "摸排",
        },
    )
    assert r.status_code == 400 and "事件名称" in r.content.decode()
    r = c.post(
        "/emergency/declare/",
        {
            "region": em.streets[1].code,
            "title": "强降雨防汛",
            "kind": "flood",
            "severity": "4",
            "instructions": "全面摸排独居老人",
        },
    )
    assert r.status_code == 400 and not Emergency.objects.exists()
    r = c.post(
        "/emergency/declare/",
        {
            "region": em.streets[0].code,
            "title": "强降雨防汛",
            "kind": "flood",
            "severity": "4",
            "instructions": "全面摸排独居老人",
            "sweep_tags": ["elderly_alone"],
        },
    )
    assert r.status_code == 302
    e = Emergency.objects.get()
    assert SweepTask.objects.filter(emergency=e).count() == 3 and EmergencyNeed.objects.count() == 0


def test_member_confirms_on_the_phone_and_sweeps_their_grid(em, client_for):
    e = declare_flood(em)
    member = client_for(em.member_user)
    page = member.get("/emergency/mine/").content.decode()
    assert e.title in page and "确认到岗" in page
    callup = Callup.objects.get(emergency=e, user=em.member_user)
    r = member.post(f"/emergency/callups/{callup.pk}/confirm/")
    assert r.status_code == 302 and Callup.objects.get(pk=callup.pk).state == "confirmed"
    page = member.get(f"/emergency/{e.pk}/sweep/").content.decode()
    task = SweepTask.objects.get(emergency=e, grid=em.grids[1])
    assert page.count("data-task=") == 1 and f'data-task="{task.pk}"' in page
    r = member.post(f"/emergency/tasks/{task.pk}/record/", {"result": "safe"})
    assert r.status_code == 302 and SweepTask.objects.get(pk=task.pk).result == "safe"
    other = SweepTask.objects.filter(emergency=e, grid=em.grids[0]).first()
    assert member.post(f"/emergency/tasks/{other.pk}/record/", {"result": "safe"}).status_code == 404
    assert SweepTask.objects.get(pk=other.pk).result == ""
