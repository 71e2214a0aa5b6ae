"""The points ledger (append-only, derived balances, revoke once), 爱心超市 and volunteer activities."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import DatabaseError, transaction
from django.utils import timezone

from grassroots.core.errors import Conflict, NotFound, PermissionDenied, ServiceError
from grassroots.core.models import AuditEvent
from grassroots.orglife.models import Activity, Signup
from grassroots.volunteers import services
from grassroots.volunteers.models import CatalogItem, PointEntry, Redemption, Volunteer

pytestmark = pytest.mark.django_db


@pytest.fixture
def vol(vw):
    return services.ensure_volunteer(vw.resident, vw.c0)


def test_grant_needs_reason_and_scope(vw, vol):
    with pytest.raises(ServiceError) as exc:
        services.grant_points(vw.admin0, vol, amount=10, reason="")
    assert exc.value.field == "reason"
    with pytest.raises(ServiceError):
        services.grant_points(vw.admin0, vol, amount=0, reason="参加社区清洁")
    with pytest.raises(ServiceError):
        services.grant_points(vw.admin0, vol, amount="abc", reason="参加社区清洁")
    with pytest.raises(NotFound):
        services.grant_points(vw.admin1, vol, amount=10, reason="参加社区清洁")
    with pytest.raises(NotFound):
        services.grant_points(vw.member, vol, amount=10, reason="参加社区清洁")
    assert PointEntry.objects.count() == 0
    entry = services.grant_points(vw.admin0, vol, amount=30, reason="参加社区清洁")
    assert entry.created_by == vw.admin0 and entry.source_type == "manual"
    assert services.balance(vw.resident) == 30
    with pytest.raises(Conflict):
        services.grant_points(vw.admin0, vol, amount=-31, reason="扣减测试扣减")
    services.grant_points(vw.admin0, vol, amount=-10, reason="重复发放更正")
    assert services.balance(vw.resident) == 20
    assert AuditEvent.objects.filter(model="volunteers.pointentry", action="create").count() == 2


def test_ledger_is_append_only(vw, vol):
    entry = services.grant_points(vw.admin0, vol, amount=5, reason="参加社区清洁")
    with pytest.raises(TypeError):
        entry.save()
    with pytest.raises(TypeError):
        entry.delete()
    with pytest.raises(TypeError):
        PointEntry.objects.filter(pk=entry.pk).update(amount=500)
    # even raw SQL is refused by the database trigger
    from django.db import connection

    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE volunteers_pointentry SET amount = 500 WHERE id = %s", [entry.pk])
    assert PointEntry.objects.get(pk=entry.pk).amount == 5


def test_revoke_once_and_never_below_zero(vw, vol):
    a = services.grant_points(vw.admin0, vol, amount=20, reason="参加社区清洁")
    b = services.grant_points(vw.admin0, vol, amount=10, reason="参加敬老活动")
    rev = services.revoke_entry(vw.admin0, a, reason="重复发放撤销")
    assert rev.amount == -20 and rev.revokes == a and rev.source_type == "revoke"
    assert services.balance(vw.resident) == 10
    with pytest.raises(Conflict):
        services.revoke_entry(vw.admin0, a, reason="再撤销一次")
    with pytest.raises(Conflict):
        services.revoke_entry(vw.admin0, rev, reason="撤销的撤销")
    with pytest.raises(NotFound):
        services.revoke_entry(vw.admin1, b, reason="越权撤销")
    # spend b's points, then its revoke would make the balance negative
    item = services.add_item(vw.admin0, region=vw.c0, name="毛巾", price=10, stock=3)
    services.redeem(vw.resident, item)
    with pytest.raises(Conflict):
        services.revoke_entry(vw.admin0, b, reason="积分已用完")
    assert services.balance(vw.resident) == 0


def test_redeem_and_cancel_restores_stock_and_points(vw, vol):
    services.grant_points(vw.admin0, vol, amount=25, reason="参加社区清洁")
    item = services.add_item(vw.admin0, region=vw.c0, name="洗衣液", price=10, stock=2)
    with pytest.raises(ServiceError):
        services.add_item(vw.admin0, region=vw.c0, name="洗衣液", price=10, stock=2)
    with pytest.raises(ServiceError):
        services.add_item(vw.admin0, region=vw.c0, name="肥皂", price=0, stock=2)
    red = services.redeem(vw.resident, item, quantity=2)
    item.refresh_from_db()
    assert item.stock == 0 and services.balance(vw.resident) == 5 and red.points == 20
    with pytest.raises(Conflict):
        services.redeem(vw.resident, item)  # no stock (and no points)
    with pytest.raises(PermissionDenied):
        services.redeem(vw.admin0, item)
    services.cancel_redemption(vw.resident, red)
    item.refresh_from_db()
    red.refresh_from_db()
    assert item.stock == 2 and services.balance(vw.resident) == 25 and red.state == "cancelled"
    assert red.refund.amount == 20
    with pytest.raises(Conflict):
        services.cancel_redemption(vw.resident, red)
    red2 = services.redeem(vw.resident, item)
    services.deliver_redemption(vw.admin0, red2)
    with pytest.raises(Conflict):
        services.cancel_redemption(vw.admin0, red2)
    with pytest.raises(NotFound):
        services.deliver_redemption(vw.admin1, red2)


def test_redeem_without_points(vw):
    item = services.add_item(vw.admin0, region=vw.c0, name="雨伞", price=10, stock=2)
    with pytest.raises(Conflict) as exc:
        services.redeem(vw.member, item)
    assert "积分" in exc.value.message
    services.ensure_volunteer(vw.member, vw.c0)
    with pytest.raises(Conflict):
        services.redeem(vw.member, item)
    assert not Redemption.objects.exists() and CatalogItem.objects.get(pk=item.pk).stock == 2


def test_adjust_stock_never_negative(vw):
    item = services.add_item(vw.admin0, region=vw.c0, name="雨伞", price=10, stock=2)
    services.adjust_stock(vw.admin0, item, delta=5, reason="捐赠入库")
    assert item.stock == 7
    with pytest.raises(Conflict):
        services.adjust_stock(vw.admin0, item, delta=-8)
    with pytest.raises(NotFound):
        services.adjust_stock(vw.admin1, item, delta=1)
    assert CatalogItem.objects.get(pk=item.pk).stock == 7


# ---------------------------------------------------------------- activities


@pytest.fixture
def activity(vw):
    start = timezone.now() + dt.timedelta(minutes=30)
    team = services.create_team(vw.admin0, region=vw.c0, name="红马甲服务队", service_area="环境卫生")
    return services.create_activity(
        vw.admin0,
        region=vw.c0,
        team=team,
        title="社区环境清洁",
        place="团岛社区广场",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=2),
        capacity=2,
        points_per_hour=10,
    )


def test_create_activity_validates(vw):
    now = timezone.now()
    common = dict(region=vw.c0, title="社区环境清洁", place="广场", capacity=5)
    with pytest.raises(ServiceError):
        services.create_activity(vw.admin0, starts_at=now, ends_at=now - dt.timedelta(hours=1), **common)
    with pytest.raises(ServiceError):
        services.create_activity(
            vw.admin0, starts_at=now, ends_at=now + dt.timedelta(hours=1), **{**common, "capacity": 0}
        )
    with pytest.raises(PermissionDenied):
        services.create_activity(vw.admin1, starts_at=now, ends_at=now + dt.timedelta(hours=1), **common)
    assert not Activity.objects.exists()


def test_signup_capacity_checkin_checkout_hours_and_points(vw, activity):
    act = activity.activity
    assert act.kind == "volunteer" and act.status == "published"
    s1 = services.sign_up(vw.resident, activity)
    with pytest.raises(Conflict):
        services.sign_up(vw.resident, activity)
    services.sign_up(vw.member, activity)
    with pytest.raises(Conflict) as exc:
        services.sign_up(vw.member2, activity)
    assert "已满" in exc.value.message
    services.cancel_signup(vw.member, Signup.objects.get(activity=act, user=vw.member))
    services.sign_up(vw.member2, activity)
    act.refresh_from_db()
    assert act.signed_up_count == 2
    # check in 10 minutes before the start, check out 3 hours later: capped at the 2-hour duration
    with pytest.raises(Conflict):
        services.check_in(vw.resident, activity, now=act.starts_at - dt.timedelta(hours=2))
    with pytest.raises(Conflict):
        services.check_out(vw.resident, activity, now=act.starts_at)
    services.check_in(vw.resident, activity, now=act.starts_at - dt.timedelta(minutes=10))
    with pytest.raises(Conflict):
        services.check_in(vw.resident, activity, now=act.starts_at)
    out = services.check_out(vw.resident, activity, now=act.starts_at + dt.timedelta(hours=3))
    s1.refresh_from_db()
    assert str(s1.hours) == "2.00" and s1.status == "attended" and out.checked_out_at is not None
    assert services.balance(vw.resident) == 20
    with pytest.raises(Conflict):
        services.check_out(vw.resident, activity, now=act.starts_at + dt.timedelta(hours=3))
    # a partial stay: 45 minutes -> 0.75 h -> 7 points
    services.check_in(vw.member2, activity, now=act.starts_at + dt.timedelta(minutes=30))
    services.check_out(vw.member2, activity, now=act.starts_at + dt.timedelta(minutes=75))
    assert str(Signup.objects.get(activity=act, user=vw.member2).hours) == "0.75"
    assert services.balance(vw.member2) == 7
    assert Volunteer.objects.filter(user__in=[vw.resident, vw.member2]).count() == 2
    # points of an activity are paid once per person
    entries = PointEntry.objects.filter(source_type="activity", source_id=act.pk)
    assert sorted(entries.values_list("amount", flat=True)) == [7, 20]


def test_qr_token_round_trip_and_expiry(vw, activity):
    token = services.checkin_token(activity, "out")
    va, kind = services.read_checkin_token(token)
    assert va == activity and kind == "out"
    with pytest.raises(NotFound):
        services.read_checkin_token(token[:-3] + "abc")
    from unittest import mock

    later = timezone.now().timestamp() + services.CHECKIN_TOKEN_AGE + 5
    with mock.patch("time.time", return_value=later), pytest.raises(ServiceError) as exc:
        services.read_checkin_token(token)
    assert exc.value.status == 410


def test_cancel_activity_notifies_and_blocks_signup(vw, activity):
    from grassroots.notifications.models import Notification

    services.sign_up(vw.resident, activity)
    with pytest.raises(ServiceError):
        services.cancel_activity(vw.admin0, activity, reason="")
    services.cancel_activity(vw.admin0, activity, reason="暴雨预警")
    assert Notification.objects.filter(user=vw.resident, kind="volunteers.activity_cancelled").exists()
    activity.activity.refresh_from_db()
    with pytest.raises(Conflict):
        services.sign_up(vw.member, activity)
    with pytest.raises(Conflict):
        services.cancel_activity(vw.admin0, activity, reason="再次取消")
