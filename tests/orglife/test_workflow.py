"""Lifecycle: plan → publish → (ongoing) → done / cancelled; refused transitions change nothing."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from grassroots.core.errors import NotFound, PermissionDenied, ServiceError
from grassroots.core.models import AuditEvent
from grassroots.notifications.models import Notification
from grassroots.orglife import services
from grassroots.orglife.models import Activity, ActivityKind, ActivityStatus

pytestmark = pytest.mark.django_db


def test_create_requires_org_for_party_life_and_valid_times(admin, branch, city):
    start = timezone.now() + datetime.timedelta(days=1)
    with pytest.raises(ServiceError) as exc:
        services.create_activity(
            admin,
            kind=ActivityKind.COMMITTEE_MEETING,
            title="支委会",
            region=city.communities[0],
            starts_at=start,
            ends_at=start + datetime.timedelta(hours=1),
        )
    assert "必须选择党组织" in exc.value.message
    with pytest.raises(ServiceError) as exc:
        services.create_activity(
            admin, kind=ActivityKind.THEME_DAY, title="x", party_org=branch, starts_at=start, ends_at=start
        )
    assert exc.value.errors["ends_at"] == ["结束时间必须晚于开始时间"]
    assert not Activity.objects.exists()
    a = services.create_activity(
        admin,
        kind=ActivityKind.THEME_DAY,
        title="主题党日",
        party_org=branch,
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=2),
    )
    assert a.region == branch.region and a.status == ActivityStatus.PLAN and a.created_by == admin
    assert (
        AuditEvent.objects.filter(model="orglife.activity", object_id=str(a.pk), action="create").count() == 1
    )


def test_out_of_scope_org_is_not_found(other_admin, branch):
    start = timezone.now() + datetime.timedelta(days=1)
    with pytest.raises(NotFound):
        services.create_activity(
            other_admin,
            kind=ActivityKind.THEME_DAY,
            title="x",
            party_org=branch,
            starts_at=start,
            ends_at=start + datetime.timedelta(hours=1),
        )


def test_publish_notifies_branch_members_and_is_audited(admin, member_user, make_activity):
    a = make_activity()
    services.publish_activity(admin, a)
    a.refresh_from_db()
    assert a.status == ActivityStatus.PUBLISHED and a.published_at is not None and a.version == 2
    notes = Notification.objects.filter(kind="orglife.published")
    assert [n.user_id for n in notes] == [member_user.pk]
    ev = AuditEvent.objects.get(model="orglife.activity", object_id=str(a.pk), action="transition")
    assert ev.changes["state"] == ["plan", "published"]


def test_refused_transitions_change_nothing(admin, make_activity):
    a = make_activity()
    for verb in (services.start_activity, services.finish_activity):
        with pytest.raises(ServiceError) as exc:
            verb(admin, a)
        assert exc.value.status == 409 and "计划" in exc.value.message
    services.publish_activity(admin, a)
    with pytest.raises(ServiceError):
        services.publish_activity(admin, a)  # twice
    with pytest.raises(ServiceError) as exc:
        services.finish_activity(admin, a)  # not started yet
    assert "尚未开始" in exc.value.message
    with pytest.raises(ServiceError) as exc:
        services.cancel_activity(admin, a, "")
    assert exc.value.errors == {"reason": ["请填写取消原因"]}
    a.refresh_from_db()
    assert a.status == ActivityStatus.PUBLISHED and a.version == 2
    services.cancel_activity(admin, a, "台风天气")
    a.refresh_from_db()
    assert a.status == ActivityStatus.CANCELLED and a.cancel_reason == "台风天气"
    for verb in (services.publish_activity, services.start_activity, services.finish_activity):
        with pytest.raises(ServiceError):
            verb(admin, a)
    with pytest.raises(ServiceError):
        services.cancel_activity(admin, a, "again")
    with pytest.raises(ServiceError):
        services.update_activity(admin, a, title="改名")


def test_full_lifecycle_done_sets_hours(admin, member_user, make_activity):
    start = timezone.now() - datetime.timedelta(minutes=30)
    a = make_activity(start=start, hours=2)
    a.status = ActivityStatus.PUBLISHED
    a.save()
    services.start_activity(admin, a)
    signup = services.check_in(member_user, services.checkin_token(a))
    services.finish_activity(admin, a)
    a.refresh_from_db()
    signup.refresh_from_db()
    assert a.status == ActivityStatus.DONE and a.done_at is not None
    assert str(signup.hours) == "2.00"
    with pytest.raises(ServiceError):
        services.cancel_activity(admin, a, "晚了")


def test_publish_refused_when_already_over(admin, make_activity):
    a = make_activity(start=timezone.now() - datetime.timedelta(days=3))
    with pytest.raises(ServiceError) as exc:
        services.publish_activity(admin, a)
    assert "已过" in exc.value.message
    a.refresh_from_db()
    assert a.status == ActivityStatus.PLAN


def test_member_cannot_change(member_user, make_activity):
    a = make_activity(status=ActivityStatus.PUBLISHED)
    with pytest.raises(PermissionDenied):
        services.cancel_activity(member_user, a, "x")
    with pytest.raises(PermissionDenied):
        services.update_activity(member_user, a, title="y")


def test_update_checks_version_and_capacity(admin, member_user, make_activity):
    a = make_activity(status=ActivityStatus.PUBLISHED, capacity=5)
    services.sign_up(member_user, a)
    with pytest.raises(ServiceError) as exc:
        services.update_activity(admin, a, version=a.version + 5, title="新标题")
    assert exc.value.status == 409
    with pytest.raises(ServiceError) as exc:
        services.update_activity(admin, a, capacity=0)
    assert exc.value.errors["capacity"]
    services.update_activity(admin, a, title="新标题", version=1)
    a.refresh_from_db()
    assert a.title == "新标题" and a.version == 2
