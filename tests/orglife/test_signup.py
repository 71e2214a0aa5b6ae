"""Sign-up, capacity under concurrency, QR check-in, manual attendance, minutes and photos."""

from __future__ import annotations

import datetime
import threading

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import timezone

from grassroots.accounts.models import Role, RoleAssignment, User
from grassroots.core.attachments import attachments_of
from grassroots.core.errors import NotFound, ServiceError
from grassroots.core.models import AuditEvent
from grassroots.core.scoping import reset_grants
from grassroots.orglife import services
from grassroots.orglife.models import Activity, ActivityStatus, Signup, SignupStatus
from tests.factories import png_bytes

pytestmark = pytest.mark.django_db


def _member_user(username, member):
    user = User.objects.create_user(username=username, password="Secret-Pass-123")
    RoleAssignment.objects.create(user=user, role=Role.objects.get(code="party_member"))
    reset_grants(user)
    member.user = user
    member.save()
    return user


def test_sign_up_cancel_and_sign_up_again(member_user, make_activity):
    a = make_activity(status=ActivityStatus.PUBLISHED, capacity=2)
    s = services.sign_up(member_user, a)
    assert s.status == SignupStatus.SIGNED_UP and s.member is not None and s.name == s.member.name
    with pytest.raises(ServiceError) as exc:
        services.sign_up(member_user, a)
    assert exc.value.status == 409 and exc.value.message == "您已报名该活动"
    services.cancel_signup(member_user, a)
    a.refresh_from_db()
    assert a.signed_up_count == 0
    services.sign_up(member_user, a)
    a.refresh_from_db()
    assert a.signed_up_count == 1 and Signup.objects.filter(activity=a).count() == 1
    assert AuditEvent.objects.filter(model="orglife.signup").count() == 3


def test_sign_up_refused_when_not_open(member_user, make_activity):
    plan = make_activity()
    with pytest.raises(NotFound):  # a plan is not visible to members
        services.sign_up(member_user, plan)
    late = make_activity(
        status=ActivityStatus.PUBLISHED, signup_deadline=timezone.now() - datetime.timedelta(hours=1)
    )
    with pytest.raises(ServiceError) as exc:
        services.sign_up(member_user, late)
    assert exc.value.message == "报名已截止"
    assert not Signup.objects.exists()


def test_out_of_branch_member_cannot_see_or_sign_up(city, make_activity):
    outsider = _member_user("outsider", city.members[-1])  # a member of another community's branch
    a = make_activity(status=ActivityStatus.PUBLISHED)
    assert not Activity.objects.visible_to(outsider).filter(pk=a.pk).exists()
    with pytest.raises(NotFound):
        services.sign_up(outsider, a)


def test_capacity_full(city, member_user, make_activity):
    a = make_activity(status=ActivityStatus.PUBLISHED, capacity=1)
    services.sign_up(member_user, a)
    second = _member_user("second", city.members[1])
    with pytest.raises(ServiceError) as exc:
        services.sign_up(second, a)
    assert exc.value.message == "名额已满"
    a.refresh_from_db()
    assert a.signed_up_count == 1


@pytest.mark.django_db(transaction=True)
def test_last_places_under_concurrency(city, make_activity):
    """Eight people race for three places: exactly three get one (real threads, real transactions)."""
    from tests.factories import add_member

    branch = city.branches[0]
    a = make_activity(status=ActivityStatus.PUBLISHED, capacity=3)
    users = [_member_user(f"racer{i}", add_member(branch, f"抢报{i}")) for i in range(8)]
    barrier = threading.Barrier(len(users))
    results: list[str] = []
    lock = threading.Lock()

    def run(u):
        try:
            barrier.wait(timeout=10)
            services.sign_up(u, Activity(pk=a.pk))
            outcome = "ok"
        except ServiceError as exc:
            outcome = exc.message
        finally:
            connection.close()
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=run, args=(u,)) for u in users]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    a.refresh_from_db()
    assert results.count("ok") == 3, results
    assert set(results) - {"ok"} == {"名额已满"}
    assert a.signed_up_count == 3
    assert Signup.objects.filter(activity=a, status=SignupStatus.SIGNED_UP).count() == 3


def test_qr_check_in_window_and_walk_in(admin, member_user, make_activity):
    a = make_activity(status=ActivityStatus.PUBLISHED, start=timezone.now() + datetime.timedelta(hours=3))
    token = services.checkin_token(a)
    with pytest.raises(ServiceError) as exc:
        services.check_in(member_user, token)
    assert "尚未开始" in exc.value.message
    Activity.objects.filter(pk=a.pk).update(
        starts_at=timezone.now() - datetime.timedelta(minutes=10),
        ends_at=timezone.now() + datetime.timedelta(hours=1),
    )
    s = services.check_in(member_user, token)  # walk-in: no sign-up before
    assert s.status == SignupStatus.ATTENDED and s.checked_in_at is not None
    again = services.check_in(member_user, token)
    assert again.pk == s.pk and Signup.objects.filter(activity=a).count() == 1
    with pytest.raises(NotFound):
        services.check_in(member_user, token[:-3] + "abc")
    a.refresh_from_db()
    assert a.signed_up_count == 1


def test_check_in_refused_after_end(member_user, make_activity):
    a = make_activity(
        status=ActivityStatus.PUBLISHED, start=timezone.now() - datetime.timedelta(hours=5), hours=2
    )
    with pytest.raises(ServiceError) as exc:
        services.check_in(member_user, services.checkin_token(a))
    assert exc.value.message == "签到已结束"


def test_manual_attendance_covers_members_without_accounts(admin, city, member_user, make_activity):
    a = make_activity(status=ActivityStatus.ONGOING, start=timezone.now() - datetime.timedelta(hours=1))
    m1, m2, m3 = city.members[0:3]
    assert m2.user_id is None
    with pytest.raises(ServiceError) as exc:
        services.record_attendance(admin, a, [city.members[-1].pk])
    assert exc.value.message == "所选党员不属于本组织"
    counts = services.record_attendance(admin, a, [m1.pk, m2.pk])
    assert counts == {"attended": 2, "absent": 1}
    rows = {s.member_id: s for s in Signup.objects.filter(activity=a)}
    assert rows[m1.pk].status == SignupStatus.ATTENDED and rows[m1.pk].user_id == member_user.pk
    assert rows[m2.pk].status == SignupStatus.ATTENDED and rows[m2.pk].user_id is None
    assert rows[m3.pk].status == SignupStatus.ABSENT
    counts = services.record_attendance(admin, a, [m3.pk])  # corrected: rows updated, not duplicated
    assert counts == {"attended": 1, "absent": 2}
    assert Signup.objects.filter(activity=a).count() == 3
    assert Signup.objects.get(activity=a, member=m3).status == SignupStatus.ATTENDED


def test_attendance_refused_before_start(admin, city, make_activity):
    a = make_activity(status=ActivityStatus.PUBLISHED)
    with pytest.raises(ServiceError) as exc:
        services.record_attendance(admin, a, [city.members[0].pk])
    assert "尚未开始" in exc.value.message
    assert not Signup.objects.exists()


def test_minutes_and_photos(admin, make_activity):
    a = make_activity(status=ActivityStatus.ONGOING, start=timezone.now() - datetime.timedelta(hours=1))
    with pytest.raises(ServiceError) as exc:
        services.record_minutes(admin, a, "   ")
    assert exc.value.errors == {"minutes": ["请填写会议记录"]}
    bad = SimpleUploadedFile("x.png", b"not an image", content_type="image/png")
    with pytest.raises(ServiceError):
        services.record_minutes(admin, a, "会议记录正文", photos=[bad])
    a.refresh_from_db()
    assert a.minutes == ""  # nothing changed
    photo = SimpleUploadedFile("p.png", png_bytes(), content_type="image/png")
    services.record_minutes(admin, a, "会议记录正文", photos=[photo])
    a.refresh_from_db()
    assert a.minutes == "会议记录正文"
    assert attachments_of(a, "photo").count() == 1
    ev = AuditEvent.objects.filter(model="orglife.activity", object_id=str(a.pk), action="update").last()
    assert ev.changes["attachments"] == [None, 1]
