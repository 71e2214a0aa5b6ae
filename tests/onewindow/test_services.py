"""一窗受理 services: the catalog, taking and checking an application, forwarding with a working-day
deadline, the department's steps, the resident's view and evaluation, SMS, audit, proactive offers."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import timezone

from grassroots.accounts.models import SmsOutbox
from grassroots.cases.models import Holiday
from grassroots.core.attachments import attachments_of
from grassroots.core.errors import NotFound, PermissionDenied, ServiceError
from grassroots.core.models import AuditEvent
from grassroots.notifications.models import Notification
from grassroots.onewindow import services
from grassroots.onewindow.models import Application, OfferState, ServiceItem
from tests.factories import png_bytes

from .conftest import MATERIALS

pytestmark = pytest.mark.django_db


# ---------------------------------------------------------------- catalog
def test_catalog_is_managed_by_street_and_district_and_read_by_communities(ow):
    assert ServiceItem.objects.visible_to(ow.admin).filter(pk=ow.item.pk).exists()  # street 0's item
    assert not ServiceItem.objects.visible_to(ow.admin).filter(pk=ow.item_b.pk).exists()  # street 1's
    assert set(ServiceItem.objects.visible_to(ow.district)) == {ow.item, ow.item_b}
    with pytest.raises(PermissionDenied):
        services.create_item(
            ow.admin,
            region=ow.city.streets[0],
            name="x",
            department=ow.dept,
            materials="a",
            time_limit_days=3,
        )
    with pytest.raises(PermissionDenied):  # street 0's admin cannot edit street 1's catalog
        services.create_item(
            ow.street,
            region=ow.city.streets[1],
            name="x",
            department=ow.dept,
            materials="a",
            time_limit_days=3,
        )


@pytest.mark.parametrize(
    "kw, field",
    [
        ({"name": ""}, "name"),
        ({"materials": "\n \n"}, "materials"),
        ({"time_limit_days": 0}, "time_limit_days"),
        ({"time_limit_days": 400}, "time_limit_days"),
        ({"department": None}, "department"),
        ({"name": "高龄津贴申领"}, "name"),  # same name in the same street
    ],
)
def test_catalog_input_is_checked(ow, kw, field):
    data = {
        "region": ow.city.streets[0],
        "name": "低保申请",
        "department": ow.dept,
        "materials": "身份证\n收入证明",
        "time_limit_days": 20,
        **kw,
    }
    before = ServiceItem.objects.count()
    with pytest.raises(ServiceError) as exc:
        services.create_item(ow.street, **data)
    assert exc.value.field == field and ServiceItem.objects.count() == before


def test_materials_text_is_one_per_line_and_deduplicated(ow):
    item = services.create_item(
        ow.district,
        region=ow.city.district,
        name="残疾人两项补贴",
        department=ow.dept,
        materials="身份证\n 残疾证 \n身份证\n",
        time_limit_days=15,
    )
    assert item.materials == ["身份证", "残疾证"]
    assert item in services.items_for(ow.c0) and item in services.items_for(ow.c2)
    assert ow.item not in services.items_for(ow.c2)
    services.update_item(
        ow.district,
        item,
        name=item.name,
        department=ow.dept2,
        materials=["身份证"],
        time_limit_days=10,
        door_to_door=True,
        is_active=False,
    )
    assert item not in services.items_for(ow.c0)
    assert AuditEvent.objects.filter(object_id=str(item.pk), action="update").exists()


# ---------------------------------------------------------------- taking, materials, forwarding
def test_incomplete_materials_wait_then_forward_with_deadline(ow):
    app = ow.make_app(complete=False)
    assert app.state == "incomplete" and app.missing_materials == MATERIALS[1:]
    assert app.applicant_name == "张桂兰"
    with connection.cursor() as cur:
        cur.execute("SELECT applicant_name FROM onewindow_application WHERE id = %s", [app.pk])
        assert "张" not in cur.fetchone()[0]  # encrypted at rest
    with pytest.raises(ServiceError, match="不能转交部门办理"):
        services.forward(ow.admin, app)
    services.check_materials(
        ow.admin,
        app,
        received=MATERIALS,
        scans=[SimpleUploadedFile("hukou.png", png_bytes(), content_type="image/png")],
    )
    app.refresh_from_db()
    assert app.state == "received" and not app.missing_materials
    assert len(attachments_of(app, "scan")) == 1
    services.forward(ow.admin, app)
    app.refresh_from_db()
    assert app.state == "forwarded" and app.forwarded_at and app.due_at > app.forwarded_at


def test_deadline_counts_working_days_of_the_official_calendar(ow, monkeypatch):
    # Friday 2026-09-25 10:00 local; 5 working days with 国庆 1–7 October off and Sat 10-10 a working day.
    tz = timezone.get_current_timezone()
    start = dt.datetime(2026, 9, 25, 10, 0, tzinfo=tz)
    Holiday.objects.filter(date__range=(dt.date(2026, 9, 20), dt.date(2026, 10, 20))).delete()  # seeded
    for d in range(1, 8):
        Holiday.objects.create(date=dt.date(2026, 10, d), is_workday=False, name="国庆节")
    Holiday.objects.create(date=dt.date(2026, 9, 27), is_workday=True, name="国庆节")  # Sunday worked
    Holiday.objects.create(date=dt.date(2026, 10, 10), is_workday=True, name="国庆节")
    app = ow.make_app()
    monkeypatch.setattr(timezone, "now", lambda: start)
    services.forward(ow.admin, app)
    app.refresh_from_db()
    # Working days after the 25th: 27 (Sun, worked), 28, 29, 30 September, 8 October.
    assert timezone.localtime(app.due_at) == dt.datetime(2026, 10, 8, 10, 0, tzinfo=tz)


def test_out_of_scope_and_wrong_role_are_refused(ow):
    app = ow.make_app()
    with pytest.raises(NotFound):
        services.forward(ow.admin2, app)  # another street's community
    with pytest.raises(NotFound):
        services.accept(ow.dept_user, app)  # not forwarded yet: the department does not see it
    with pytest.raises(ServiceError):
        services.take_application(
            ow.admin, community=ow.c0, item=ow.item_b, applicant_name="李四", materials_received=[]
        )  # street 1's item in a community of street 0
    with pytest.raises(PermissionDenied):
        services.take_application(
            ow.admin, community=ow.c2, item=ow.item_b, applicant_name="李四", materials_received=[]
        )
    with pytest.raises(ServiceError, match="不在材料清单"):
        services.take_application(
            ow.admin, community=ow.c0, item=ow.item, applicant_name="李四", materials_received=["护照"]
        )


def test_department_sees_and_acts_only_on_what_was_forwarded_to_it(ow):
    app = ow.make_app(forwarded=True)
    assert Application.objects.visible_to(ow.dept_user).filter(pk=app.pk).exists()
    assert not Application.objects.visible_to(ow.dept2_user).filter(pk=app.pk).exists()
    with pytest.raises(NotFound):
        services.accept(ow.dept2_user, app)
    with pytest.raises(PermissionDenied):
        services.accept(ow.admin, app)  # the community forwards, the department decides
    services.accept(ow.dept_user, app)
    with pytest.raises(ServiceError, match="办理结果"):
        services.complete(ow.dept_user, app, result=" ")
    services.complete(ow.dept_user, app, result="已核发高龄津贴，每月 200 元")
    app.refresh_from_db()
    assert app.state == "done" and app.on_time is True
    transitions = AuditEvent.objects.filter(object_id=str(app.pk), action="transition")
    assert transitions.count() == 3  # forwarded, accepted, done


def test_refuse_needs_a_reason_and_tells_the_resident(ow):
    app = ow.make_app(forwarded=True)
    with pytest.raises(ServiceError):
        services.refuse(ow.dept_user, app, reason="")
    services.refuse(ow.dept_user, app, reason="年龄未满 80 周岁")
    app.refresh_from_db()
    assert app.state == "refused" and app.refuse_reason == "年龄未满 80 周岁"
    assert Notification.objects.filter(user=ow.resident, title__contains="未予办理").exists()


def test_sms_at_forwarding_and_completion(ow, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        app = ow.make_app()
    assert not SmsOutbox.objects.exists()  # taking it is told in the inbox only
    with django_capture_on_commit_callbacks(execute=True):
        services.forward(ow.admin, app)
    sms = SmsOutbox.objects.get()
    assert sms.phone == "13912345678" and "区民政局" in sms.body and app.number in sms.body
    services.accept(ow.dept_user, app)
    with django_capture_on_commit_callbacks(execute=True):
        services.complete(ow.dept_user, app, result="已核发")
    assert SmsOutbox.objects.count() == 2
    assert "已办结" in SmsOutbox.objects.latest("id").body
    # The department's members hear of the forwarding in their inbox.
    assert Notification.objects.filter(user=ow.dept_user, kind="onewindow.forwarded").count() == 1


def test_resident_sees_own_applications_and_evaluates_once(ow):
    mine = ow.make_app(household=ow.h0, applicant_phone="")
    by_phone = ow.make_app(applicant_phone="13912345678")
    other = ow.make_app(applicant_phone="13700000000")
    visible = set(Application.objects.visible_to(ow.resident))
    assert visible == {mine, by_phone}
    assert not Application.objects.visible_to(ow.other_resident).exists()
    services.forward(ow.admin, mine)
    services.accept(ow.dept_user, mine)
    with pytest.raises(ServiceError, match="不能评价"):
        services.evaluate(ow.resident, by_phone, rating=5)
    services.complete(ow.dept_user, mine, result="已核发")
    with pytest.raises(NotFound):
        services.evaluate(ow.other_resident, mine, rating=5)
    for bad in (0, 6, "x", None):
        with pytest.raises(ServiceError):
            services.evaluate(ow.resident, mine, rating=bad)
    services.evaluate(ow.resident, mine, rating=4, comment="社区上门，很方便")
    mine.refresh_from_db()
    assert mine.rating == 4 and mine.rated_at
    with pytest.raises(ServiceError, match="已评价"):
        services.evaluate(ow.resident, mine, rating=5)
    assert other not in visible


def test_withdraw(ow):
    app = ow.make_app(forwarded=True)
    with pytest.raises(ServiceError):
        services.withdraw(ow.admin, app, reason="")
    services.withdraw(ow.admin, app, reason="居民已自行办理")
    app.refresh_from_db()
    assert app.state == "withdrawn"
    assert not Application.objects.visible_to(ow.dept_user).filter(pk=app.pk).exists()


# ---------------------------------------------------------------- proactive 上门代办
def test_proactive_households_offer_and_accept(ow):
    ow.h0.set_tags(["elderly_alone"])
    ow.h0.save()
    other = next(h for h in ow.city.households if h.entrance.path.startswith(ow.c0.path) and h != ow.h0)
    other.set_tags(["renter"])
    other.save()
    assert list(services.proactive_households(ow.admin)) == [ow.h0]
    assert list(services.proactive_households(ow.admin2)) == []  # another community's staff
    with pytest.raises(ServiceError):
        services.offer(ow.admin, ow.h0, offered_on=timezone.localdate() + dt.timedelta(days=1))
    offer = services.offer(ow.admin, ow.h0, note="独居，腿脚不便")
    assert list(services.proactive_households(ow.admin)) == []  # offered recently
    with pytest.raises(NotFound):
        services.decline_offer(ow.admin2, offer)
    app = services.accept_offer(ow.admin, offer, item=ow.item)
    offer.refresh_from_db()
    assert offer.state == OfferState.ACCEPTED and offer.application == app
    assert app.channel == "door" and app.household == ow.h0 and app.applicant_name == ow.h0.head_name
    assert app.state == "incomplete"  # the materials are checked at the door next
    with pytest.raises(ServiceError, match="已答复"):
        services.decline_offer(ow.admin, offer)


def test_offer_of_an_item_without_door_service_changes_nothing(ow):
    offer = services.offer(ow.admin, ow.h0)
    window_only = services.create_item(
        ow.street,
        region=ow.city.streets[0],
        name="窗口事项",
        department=ow.dept,
        materials="身份证",
        time_limit_days=3,
    )
    with pytest.raises(ServiceError, match="不提供上门代办"):
        services.accept_offer(ow.admin, offer, item=window_only)
    offer.refresh_from_db()
    assert offer.state == OfferState.OFFERED and not Application.objects.exists()


def test_proactive_rule_parameters_are_data(ow):
    from grassroots.standards.models import Rule

    ow.h0.set_tags(["veteran"])
    ow.h0.save()
    assert list(services.proactive_households(ow.admin)) == []
    rule = Rule.objects.get(code="SVC-1")
    rule.params = {**rule.params, "tags": ["veteran"]}
    rule.save()
    assert list(services.proactive_households(ow.admin)) == [ow.h0]
