import datetime

import pytest
from django.db.models import Q
from django.utils import timezone

from grassroots.core.errors import PermissionDenied, ServiceError
from grassroots.core.models import AuditEvent
from grassroots.emergency import services
from grassroots.emergency.models import (
    Callup,
    DailyReport,
    Emergency,
    EmergencyNeed,
    ServiceRecord,
    SweepTask,
)
from grassroots.regions.models import Household

from .conftest import declare_flood

pytestmark = pytest.mark.django_db


def _tagged(street, tags):
    q = Q()
    for t in tags:
        q |= Q(tags__contains=f",{t},")
    return set(
        Household.objects.filter(q, entrance__path__startswith=street.path).values_list("pk", flat=True)
    )


def test_declaring_over_a_street_creates_a_task_for_every_tagged_household(em):
    e = declare_flood(em)
    expected = _tagged(em.streets[0], ["elderly_alone", "disabled"])
    assert len(expected) == 4  # households[0], [2] (one per community) + two tagged extra households
    tasks = SweepTask.objects.filter(emergency=e)
    assert set(tasks.values_list("household_id", flat=True)) == expected
    assert not tasks.filter(household__entrance__path__startswith=em.streets[1].path).exists()
    # every task sits in its household's grid and community
    for t in tasks.select_related("household", "community"):
        assert t.grid_id == t.household.grid_id
        assert t.household.entrance.path.startswith(t.community.path)
    assert e.state == "declared" and e.tag_list == ["disabled", "elderly_alone"]


def test_no_tags_sweeps_every_household_of_the_area(em):
    e = declare_flood(em, tags=())
    n = Household.objects.filter(entrance__path__startswith=em.streets[0].path).count()
    assert SweepTask.objects.filter(emergency=e).count() == n


def test_mobilisation_calls_up_workers_members_volunteers_and_units(em):
    e = declare_flood(em)
    rows = {(c.kind, c.name): c for c in Callup.objects.filter(emergency=e)}
    assert ("worker", em.workers[0].name) in rows and ("worker", em.workers[1].name) in rows
    assert ("worker", em.workers[2].name) not in rows  # street 1
    member = rows[("member", em.members[0].name)]
    assert member.user == em.member_user and member.grid == em.grids[1]  # community's first grid
    vol = rows[("volunteer", "志愿者小王")]
    assert vol.user == em.vol_user and vol.grid == em.grids[0]
    assert rows[("unit", em.units[0].name)].user is None
    assert rows[("worker", em.workers[0].name)].grid == em.grids[0]
    assert len(rows) == 5
    # everyone with an account is told, with a link to their tasks
    from grassroots.notifications.models import Notification

    told = set(Notification.objects.filter(kind="emergency.callup").values_list("user_id", flat=True))
    assert told == {em.workers[0].user_id, em.workers[1].user_id, em.member_user.pk, em.vol_user.pk}


def test_only_an_authorised_level_may_declare(em):
    with pytest.raises(PermissionDenied):
        declare_flood(em, street=0, user=em.street_admin_b)
    with pytest.raises(PermissionDenied):
        declare_flood(em, street=0, user=em.community_admin)
    with pytest.raises(ServiceError, match="市、区或街道"):
        services.declare(
            em.city_admin,
            region=em.communities[0],
            title="社区火灾",
            kind="fire",
            severity="4",
            instructions="疏散居民并摸排",
        )
    with pytest.raises(ServiceError, match="未知的住户标签"):
        declare_flood(em, tags=("nobody",))
    assert not Emergency.objects.exists() and not SweepTask.objects.exists() and not Callup.objects.exists()
    declare_flood(em)
    with pytest.raises(ServiceError, match="请勿重复宣布"):
        declare_flood(em, user=em.city_admin)  # the same kind over the same area
    assert Emergency.objects.count() == 1


def test_scope_a_street_admin_cannot_see_another_streets_emergency(em, client_for):
    e = declare_flood(em)
    assert list(Emergency.objects.visible_to(em.street_admin_b)) == []
    assert list(Emergency.objects.visible_to(em.community_admin)) == [e]  # inside the area
    assert list(Emergency.objects.visible_to(em.grid_worker)) == [e]
    assert list(Emergency.objects.visible_to(em.member_user)) == [e]  # called up
    assert client_for(em.street_admin_b).get(f"/emergency/{e.pk}/").status_code == 404
    assert client_for(em.street_admin_b).get(f"/api/v1/emergency/{e.pk}").status_code == 404
    assert client_for(em.community_admin).get(f"/emergency/{e.pk}/").status_code == 200


def test_confirm_on_the_phone_and_refusals(em):
    e = declare_flood(em)
    mine = Callup.objects.get(emergency=e, user=em.member_user)
    other = Callup.objects.get(emergency=e, user=em.vol_user)
    with pytest.raises(PermissionDenied):
        services.respond(em.member_user, other, "confirm")
    with pytest.raises(ServiceError, match="原因"):
        services.respond(em.member_user, mine, "decline")
    services.respond(em.member_user, mine, "confirm")
    mine.refresh_from_db()
    assert mine.state == "confirmed" and mine.confirmed_at is not None
    with pytest.raises(ServiceError):
        services.respond(em.member_user, mine, "decline")  # confirmed can't be declined
    unit = Callup.objects.get(emergency=e, kind="unit")
    services.respond(em.community_admin, unit, "confirm")  # the community answers for a unit
    with pytest.raises(PermissionDenied):
        services.assign_grid(em.community_admin, mine, em.grids[0])
    services.assign_grid(em.street_admin, mine, em.grids[0])
    assert Callup.objects.get(pk=mine.pk).grid == em.grids[0]
    with pytest.raises(ServiceError, match="应急区域内"):
        services.assign_grid(em.street_admin, mine, em.grids[2])


def test_sweep_by_worker_and_by_a_confirmed_member_of_the_grid(em):
    e = declare_flood(em)
    task = SweepTask.objects.filter(emergency=e, grid=em.grids[1]).first()
    member_callup = Callup.objects.get(emergency=e, user=em.member_user)
    with pytest.raises(PermissionDenied):
        services.record_sweep(em.member_user, task, "safe")  # not confirmed yet
    services.respond(em.member_user, member_callup, "confirm")
    services.record_sweep(em.member_user, task, "needs_help", note="独居老人需送药")
    task.refresh_from_db()
    assert (task.state, task.result, task.checked_by) == ("done", "needs_help", em.member_user)
    assert task.checked_at is not None and task.checked_by_name
    other = SweepTask.objects.filter(emergency=e, grid=em.grids[0]).first()
    with pytest.raises(PermissionDenied):
        services.record_sweep(em.member_user, other, "safe")  # another grid
    with pytest.raises(PermissionDenied):
        services.record_sweep(em.workers[1].user, other, "safe")  # grid worker of another community
    before = AuditEvent.objects.count()
    with pytest.raises(ServiceError, match="摸排结果"):
        services.record_sweep(em.grid_worker, other, "fine")
    other.refresh_from_db()
    assert other.result == "" and AuditEvent.objects.count() == before
    services.record_sweep(em.grid_worker, other, "safe")
    p = services.progress(e)
    assert p["total"]["done"] == 2 and p["total"]["needs_help"] == 1
    by_grid = {g["code"]: g for g in p["grids"]}
    assert by_grid[em.grids[0].code]["done"] == 1


def test_needs_match_deliver_and_refusals(em):
    e = declare_flood(em)
    callup = Callup.objects.get(emergency=e, user=em.vol_user)
    need = services.raise_need(
        em.grid_worker, e, category="medicine", description="降压药两盒", household=em.households[0]
    )
    assert need.community == em.communities[0] and need.grid == em.grids[0] and need.state == "raised"
    with pytest.raises(ServiceError, match="已到岗"):
        services.match_need(em.grid_worker, need, callup=callup)  # not confirmed yet
    services.respond(em.vol_user, callup, "confirm")
    people, _resources = services.match_candidates(e, need)
    assert callup in people
    services.match_need(em.grid_worker, need, callup=callup)
    with pytest.raises(PermissionDenied):
        services.deliver_need(em.member_user, need)  # not theirs
    services.deliver_need(em.vol_user, need, note="已送到家")
    need.refresh_from_db()
    assert need.state == "delivered" and need.delivered_at is not None
    with pytest.raises(ServiceError):
        services.cancel_need(em.grid_worker, need, note="重复")
    with pytest.raises(ServiceError, match="不在应急区域"):
        services.raise_need(
            em.city_admin, e, category="supplies", description="饮用水", household=em.households[4]
        )
    with pytest.raises(PermissionDenied):
        services.raise_need(
            em.workers[1].user, e, category="supplies", description="饮用水", household=em.households[0]
        )


def test_stand_down_keeps_every_record(em, client_for):
    e = declare_flood(em)
    services.transition(em.street_admin, e, "activate")
    member_callup = Callup.objects.get(emergency=e, user=em.member_user)
    services.respond(em.member_user, member_callup, "confirm")
    vol = Callup.objects.get(emergency=e, user=em.vol_user)
    services.respond(em.vol_user, vol, "confirm")
    tasks = list(SweepTask.objects.filter(emergency=e, grid=em.grids[1]))
    for t in tasks:
        services.record_sweep(em.member_user, t, "safe")
    delivered = services.raise_need(
        em.grid_worker, e, category="supplies", description="饮用水", household=em.households[0]
    )
    services.match_need(em.grid_worker, delivered, callup=vol)
    services.deliver_need(em.vol_user, delivered)
    open_need = services.raise_need(
        em.grid_worker, e, category="transport", description="转运就医", household=em.households[0]
    )
    counts = (Callup.objects.count(), SweepTask.objects.count(), EmergencyNeed.objects.count())

    with pytest.raises(ServiceError, match="解除说明"):
        services.transition(em.street_admin, e, "stand_down")
    with pytest.raises(PermissionDenied):
        services.transition(em.community_admin, e, "stand_down", note="汛情结束")
    services.transition(em.street_admin, e, "stand_down", note="汛情结束，转入平时")
    e.refresh_from_db()
    assert e.state == "standing_down" and e.stood_down_at and e.stood_down_by == em.street_admin
    assert (Callup.objects.count(), SweepTask.objects.count(), EmergencyNeed.objects.count()) == counts
    assert not Callup.objects.filter(emergency=e, state__in=("called", "confirmed")).exists()
    assert not SweepTask.objects.filter(emergency=e).exclude(state="closed").exists()
    assert SweepTask.objects.filter(emergency=e, result="safe").count() == len(tasks)  # results kept
    open_need.refresh_from_db()
    assert open_need.state == "closed" and open_need.closed_at == e.stood_down_at
    assert EmergencyNeed.objects.get(pk=delivered.pk).state == "delivered"
    # 战时档案
    rec = ServiceRecord.objects.get(emergency=e, user=em.member_user)
    assert (
        rec.confirmed
        and rec.days_on_duty == 1
        and rec.tasks_done == len(tasks)
        and rec.member == em.members[0]
    )
    assert ServiceRecord.objects.get(emergency=e, user=em.vol_user).needs_delivered == 1
    assert not ServiceRecord.objects.get(emergency=e, worker=em.workers[0]).confirmed
    assert ServiceRecord.objects.filter(emergency=e).count() == Callup.objects.filter(emergency=e).count()
    # nothing more happens in it; the record stays readable
    with pytest.raises(ServiceError):
        services.record_sweep(em.grid_worker, SweepTask.objects.filter(emergency=e).first(), "safe")
    with pytest.raises(ServiceError):
        services.raise_need(
            em.grid_worker, e, category="supplies", description="饮用水", household=em.households[0]
        )
    services.transition(em.street_admin, e, "close")
    for url in ("", "live/", "callups/", "needs/", "reports/"):
        r = client_for(em.street_admin).get(f"/emergency/{e.pk}/{url}")
        assert r.status_code == 200, url
    assert client_for(em.member_user).get("/emergency/records/").content.decode().count(e.title) == 1
    assert (Callup.objects.count(), SweepTask.objects.count(), EmergencyNeed.objects.count()) == counts


def test_daily_reports_per_level(em):
    from grassroots.emergency.tasks import daily_reports

    e = declare_flood(em)
    t = SweepTask.objects.filter(emergency=e, grid=em.grids[0]).first()
    services.record_sweep(em.grid_worker, t, "no_answer")
    n = daily_reports.call()
    assert n == 3  # the street and its two communities
    today = timezone.localdate()
    street = DailyReport.objects.get(emergency=e, region=em.streets[0], date=today)
    c0 = DailyReport.objects.get(emergency=e, region=em.communities[0], date=today)
    c1 = DailyReport.objects.get(emergency=e, region=em.communities[1], date=today)
    assert street.data["tasks"]["total"] == c0.data["tasks"]["total"] + c1.data["tasks"]["total"] == 4
    assert street.data["tasks"]["done"] == 1 and street.data["swept_today"] == 1
    assert c0.data["tasks"]["no_answer"] == 1 and c1.data["tasks"]["done"] == 0
    assert street.data["callups"]["called"] == 5
    daily_reports.call()  # idempotent
    assert DailyReport.objects.filter(emergency=e).count() == 3
    assert DailyReport.objects.visible_to(em.community_admin).filter(emergency=e).count() == 1


def test_api_declare_sweep_and_records(em, client_for):
    api = client_for(em.street_admin)
    r = api.post(
        "/api/v1/emergency/",
        {
            "region": em.streets[0].code,
            "title": "暴雨红色预警",
            "kind": "flood",
            "severity": "2",
            "instructions": "全面摸排独居老人",
            "sweep_tags": ["elderly_alone"],
        },
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["sweep"]["total"] == 3 and body["actions"] == ["activate", "stand_down"]
    task = SweepTask.objects.filter(emergency_id=body["id"], grid=em.grids[0]).first()
    r = client_for(em.grid_worker).post(
        f"/api/v1/emergency/tasks/{task.pk}/sweep", {"result": "relocated"}, content_type="application/json"
    )
    assert r.status_code == 200 and r.json()["result"] == "relocated"
    r = client_for(em.grid_worker).post(
        f"/api/v1/emergency/tasks/{task.pk}/sweep", {"result": "bad"}, content_type="application/json"
    )
    assert r.status_code in (400, 422)
    r = api.post(
        f"/api/v1/emergency/{body['id']}/transition",
        {"verb": "close"},
        content_type="application/json",
    )
    assert r.status_code == 409 and "不能" in r.json()["detail"]
    r = api.post(
        f"/api/v1/emergency/{body['id']}/transition",
        {"verb": "stand_down", "note": "预警解除"},
        content_type="application/json",
    )
    assert r.status_code == 200 and r.json()["state"] == "standing_down"
    r = api.get("/api/v1/emergency/records", {"worker_id": em.workers[0].pk})
    assert r.status_code == 200
    items = r.json()["items"]
    assert len(items) == 1 and items[0]["tasks_done"] == 1 and items[0]["emergency_title"] == "暴雨红色预警"
    assert client_for(em.street_admin_b).get("/api/v1/emergency/records").json()["items"] == []


def test_service_record_days_span_confirmation_to_stand_down(em):
    e = declare_flood(em)
    c = Callup.objects.get(emergency=e, user=em.member_user)
    services.respond(em.member_user, c, "confirm")
    Callup.objects.filter(pk=c.pk).update(confirmed_at=timezone.now() - datetime.timedelta(days=4))
    services.transition(em.street_admin, e, "stand_down", note="解除")
    assert ServiceRecord.objects.get(callup=c).days_on_duty == 5
