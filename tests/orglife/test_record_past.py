"""直接记录: a meeting that took place without being published is recorded in one step."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from grassroots.core.errors import ServiceError
from grassroots.core.models import AuditEvent
from grassroots.orglife import services
from grassroots.orglife.models import ActivityKind, ActivityStatus, Signup, SignupStatus

pytestmark = pytest.mark.django_db


def test_record_a_past_meeting_with_minutes_and_attendance(admin, make_activity, client_for):
    a = make_activity(ActivityKind.MEMBERS_MEETING, start=timezone.now() - datetime.timedelta(days=3))
    members = list(services.branch_members(a))
    assert len(members) >= 2
    page = client_for(admin).get(f"/orglife/{a.pk}/")
    assert "data-record-directly" in page.content.decode()
    r = client_for(admin).post(
        f"/orglife/{a.pk}/record/", {"minutes": "传达学习会议精神", "members": [members[0].pk]}
    )
    assert r.status_code == 302
    a.refresh_from_db()
    assert a.status == ActivityStatus.DONE and a.minutes == "传达学习会议精神" and a.done_at
    rows = {s.member_id: s for s in Signup.objects.filter(activity=a)}
    assert rows[members[0].pk].status == SignupStatus.ATTENDED and rows[members[0].pk].hours == 2
    assert all(rows[m.pk].status == SignupStatus.ABSENT for m in members[1:])
    events = AuditEvent.objects.filter(model="orglife.activity", object_id=str(a.pk))
    actions = list(events.values_list("action", flat=True))
    assert actions.count("transition") == 1 and actions.count("update") == 2


def test_record_refused_before_the_end_or_without_minutes(admin, make_activity, client_for):
    future = make_activity()
    with pytest.raises(ServiceError) as exc:
        services.record_past_activity(admin, future, minutes="记录")
    assert "尚未结束" in exc.value.message
    assert client_for(admin).get(f"/orglife/{future.pk}/record/").status_code == 404
    past = make_activity(start=timezone.now() - datetime.timedelta(days=1))
    with pytest.raises(ServiceError):
        services.record_past_activity(admin, past, minutes="  ")
    past.refresh_from_db()
    assert past.status == ActivityStatus.PLAN and not Signup.objects.filter(activity=past).exists()
    r = client_for(admin).post(f"/orglife/{past.pk}/record/", {"minutes": ""})
    assert r.status_code == 400


def test_other_scope_cannot_record(other_admin, make_activity):
    from grassroots.core.errors import NotFound, PermissionDenied

    past = make_activity(start=timezone.now() - datetime.timedelta(days=1))
    with pytest.raises((NotFound, PermissionDenied)):
        services.record_past_activity(other_admin, past, minutes="记录")
