"""Whistle services: deadlines from GOV-3, allowed and refused transitions, scope, audit, notices."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from grassroots.core.errors import Conflict, NotFound, PermissionDenied, ServiceError
from grassroots.core.models import AuditEvent
from grassroots.notifications.models import Notification
from grassroots.standards.models import Rule
from grassroots.whistle import services
from grassroots.whistle.models import Summons, Target, WhistleEvent

pytestmark = pytest.mark.django_db


def _target(summons, handler):
    return Target.objects.select_related("handler").get(summons=summons, handler=handler)


def test_summon_sets_gov3_deadlines_targets_notices_and_audit(wh, summons_for):
    before = timezone.now()
    s = summons_for()
    assert s.number.startswith("CS") and s.state == "open" and s.level == "street"
    targets = list(s.targets.order_by("handler__name"))
    assert {t.handler_id for t in targets} == {wh.dept.pk, wh.dept2.pk}
    for t in targets:
        assert t.state == "summoned" and t.level == "street"
        hours = (t.due_at - t.summoned_at).total_seconds() / 3600
        assert hours == pytest.approx(24) and t.summoned_at >= before
    # every member of the summoned departments is told, nobody else
    told = set(Notification.objects.filter(kind="whistle.summoned").values_list("user__username", flat=True))
    assert told == {"wh_dept_a", "wh_dept_b", "wh_dept_other"}
    assert (
        AuditEvent.objects.filter(model="whistle.summons", object_id=str(s.pk), action="create").count() == 1
    )
    assert AuditEvent.objects.filter(model="whistle.target", action="create").count() == 2
    # the audit rows of targets carry the place's region path (scoped audit)
    assert AuditEvent.objects.filter(model="whistle.target", region_path=wh.street.path).count() == 2
    assert WhistleEvent.objects.filter(summons=s, step="summon").count() == 1


def test_urgent_deadline_and_rule_parameters_are_data(wh, summons_for):
    s = summons_for(urgency="urgent")
    t = s.targets.first()
    assert (t.due_at - t.summoned_at) == datetime.timedelta(hours=2)
    Rule.objects.filter(code="GOV-3").update(params={"checkin_hours": 12, "urgent_checkin_hours": 1})
    s2 = summons_for(subject="另一件事情")
    t2 = s2.targets.first()
    assert (t2.due_at - t2.summoned_at) == datetime.timedelta(hours=12)


@pytest.mark.parametrize(
    "kw, message",
    [
        ({"handlers": []}, "至少选择一个"),
        ({"subject": "x"}, "事由"),
        ({"description": "短"}, "情况说明"),
        ({"urgency": "panic"}, "紧急程度"),
        ({"lng": 500, "lat": 10}, "超出范围"),
    ],
)
def test_bad_summons_input_is_refused_and_changes_nothing(wh, summons_for, kw, message):
    n = (
        Summons.objects.count(),
        Target.objects.count(),
        AuditEvent.objects.count(),
        Notification.objects.count(),
    )
    with pytest.raises(ServiceError) as exc:
        summons_for(**kw)
    assert message in exc.value.message
    assert (
        Summons.objects.count(),
        Target.objects.count(),
        AuditEvent.objects.count(),
        Notification.objects.count(),
    ) == n


def test_only_departments_only_in_scope_only_streets_and_communities(wh, summons_for):
    with pytest.raises(ServiceError, match="不是启用中的职能部门"):
        summons_for(handlers=[wh.community_handler])
    with pytest.raises(ServiceError) as exc:  # street 1 is outside the street-0 admin's scope
        summons_for(region=wh.c2)
    assert exc.value.status == 404
    with pytest.raises(ServiceError, match="街道或社区"):
        summons_for(user=wh.district_admin, region=wh.district)
    with pytest.raises(PermissionDenied):  # departments see regions but may not summon
        summons_for(user=wh.member_a, region=wh.c0)
    s = summons_for(user=wh.community_admin, region=wh.c0)
    assert s.level == "community"
    assert Summons.objects.count() == 1


def test_check_in_and_report_flow_notifies_the_summoner(wh, summons_for):
    s = summons_for()
    t = _target(s, wh.dept)
    with pytest.raises(Conflict, match="不能反馈"):
        services.report(wh.member_a, s, t, text="已经清理完毕")
    with pytest.raises(ServiceError, match="当前位置"):
        services.check_in(wh.member_a, s, t, mode="onsite")
    services.check_in(wh.member_a, s, t, mode="onsite", lng=120.31, lat=36.06, note="两名队员到场")
    t.refresh_from_db()
    assert t.state == "checked_in" and t.checkin_mode == "onsite" and t.checked_in_by == wh.member_a
    assert t.on_time and not t.checked_in_late and t.checkin_lng == pytest.approx(120.31)
    with pytest.raises(Conflict):
        services.check_in(wh.member_b, s, t, mode="online")
    services.report(wh.member_b, s, t, text="早市已规范到指定区域经营")
    t.refresh_from_db()
    assert t.state == "reported" and t.report.startswith("早市") and t.reported_by == wh.member_b
    notes = Notification.objects.filter(user=wh.street_admin).values_list("kind", flat=True)
    assert sorted(notes) == ["whistle.checked_in", "whistle.reported"]
    transitions = AuditEvent.objects.filter(model="whistle.target", object_id=str(t.pk), action="transition")
    assert [e.changes["state"] for e in transitions.order_by("id")] == [
        ["summoned", "checked_in"],
        ["checked_in", "reported"],
    ]


def test_only_members_of_the_department_respond(wh, summons_for):
    s = summons_for()
    t = _target(s, wh.dept)
    with pytest.raises(PermissionDenied):  # the summoner sees it but can't check in for a department
        services.check_in(wh.street_admin, s, t, mode="online")
    with pytest.raises(NotFound):  # another street's admin doesn't even see the summons
        services.get_summons(wh.street2_admin, s.pk)
    with pytest.raises(PermissionDenied):  # housing's member sees the summons, not city management's row
        services.check_in(wh.member_other, s, t, mode="online")
    assert _target(s, wh.dept).state == "summoned"


def test_requested_on_site_refuses_online(wh, summons_for):
    s = summons_for(requested_mode="onsite")
    t = _target(s, wh.dept)
    with pytest.raises(ServiceError, match="现场报到"):
        services.check_in(wh.member_a, s, t, mode="online")
    assert _target(s, wh.dept).state == "summoned"


def test_overdue_and_late_are_derived_from_timestamps(wh, summons_for):
    s = summons_for()
    t = _target(s, wh.dept)
    assert not t.is_overdue and Target.objects.overdue().count() == 0
    Target.objects.filter(pk=t.pk).update(due_at=timezone.now() - datetime.timedelta(minutes=1))
    t.refresh_from_db()
    assert t.is_overdue and t.punctuality_display() == "超时未报到"
    assert list(Target.objects.overdue()) == [t]
    services.check_in(wh.member_a, s, t, mode="online")
    t.refresh_from_db()
    assert t.checked_in_late and not t.is_overdue and t.punctuality_display() == "迟到"


def test_close_needs_every_report_and_freezes_responses(wh, summons_for):
    s = summons_for(handlers=[wh.dept])
    t = _target(s, wh.dept)
    with pytest.raises(Conflict, match="尚有部门未反馈"):
        services.close(wh.street_admin, s, conclusion="已经处理完毕")
    services.check_in(wh.member_a, s, t, mode="online")
    services.report(wh.member_a, s, t, text="已处理完毕，现场恢复")
    with pytest.raises(PermissionDenied):
        services.close(wh.member_a, s, conclusion="已经处理完毕")
    services.close(wh.street_admin, s, conclusion="部门均已反馈，事项办结")
    s.refresh_from_db()
    assert s.state == "closed" and s.closed_at is not None
    with pytest.raises(Conflict):
        services.close(wh.street_admin, s, conclusion="再次办结试试")
    with pytest.raises(Conflict):
        services.escalate(wh.street_admin, s, reason="办结后不能上报")
    with pytest.raises(Conflict):
        services.cancel(wh.street_admin, s, reason="办结后不能撤销")


def test_escalation_street_to_district_and_answer(wh, summons_for):
    s = summons_for(handlers=[wh.dept])
    with pytest.raises(ServiceError, match="上报理由"):
        services.escalate(wh.street_admin, s, reason="")
    services.escalate(wh.street_admin, s, reason="涉及多个部门职责，街道难以协调")
    s.refresh_from_db()
    assert s.state == "escalated" and s.escalated_by == wh.street_admin
    assert Notification.objects.filter(user=wh.district_admin, kind="whistle.escalated").count() == 1
    with pytest.raises(Conflict):
        services.escalate(wh.street_admin, s, reason="重复上报理由说明")
    with pytest.raises(PermissionDenied, match="区级"):
        services.answer(wh.street_admin, s, handlers=[wh.dept2])
    with pytest.raises(ServiceError, match="尚未召集"):
        services.answer(wh.district_admin, s, handlers=[wh.dept])
    targets = services.answer(wh.district_admin, s, handlers=[wh.dept2, wh.dept3], note="区里统筹")
    s.refresh_from_db()
    assert s.state == "open" and s.answered_at is not None
    assert {t.level for t in targets} == {"district"} and s.targets.count() == 3
    assert Notification.objects.filter(user=wh.street_admin, kind="whistle.answered").count() == 1
    with pytest.raises(Conflict):
        services.answer(wh.district_admin, s, handlers=[wh.dept3])


def test_community_summons_cannot_escalate_and_cancel(wh, summons_for):
    s = summons_for(user=wh.community_admin, region=wh.c0)
    with pytest.raises(ServiceError, match="只有街道"):
        services.escalate(wh.community_admin, s, reason="社区处理不了的问题")
    services.cancel(wh.community_admin, s, reason="居民已自行协商解决")
    s.refresh_from_db()
    assert s.state == "cancelled"
    t = _target(s, wh.dept)
    with pytest.raises(Conflict, match="已撤销"):
        services.check_in(wh.member_a, s, t, mode="online")


def test_add_targets(wh, summons_for):
    s = summons_for(handlers=[wh.dept])
    with pytest.raises(ServiceError, match="尚未召集"):
        services.add_targets(wh.street_admin, s, handlers=[wh.dept])
    services.add_targets(wh.street_admin, s, handlers=[wh.dept3])
    assert set(s.targets.values_list("handler_id", flat=True)) == {wh.dept.pk, wh.dept3.pk}


def test_reminders_go_once_after_three_quarters_of_the_window(wh, summons_for):
    s = summons_for(handlers=[wh.dept])
    t = _target(s, wh.dept)
    assert services.send_reminders() == 0
    later = t.summoned_at + datetime.timedelta(hours=19)  # 79% of 24 h
    assert services.send_reminders(now=later) == 1
    assert services.send_reminders(now=later) == 0
    assert Notification.objects.filter(kind="whistle.remind").count() == 2  # both members
    services.check_in(wh.member_a, s, t, mode="online")
    assert services.send_reminders(now=later + datetime.timedelta(hours=1)) == 0


def test_departments_see_only_what_is_addressed_to_them(wh, summons_for):
    s1 = summons_for(handlers=[wh.dept])
    s2 = summons_for(handlers=[wh.dept2], subject="另一件事情")
    assert list(Summons.objects.visible_to(wh.member_a)) == [s1]
    assert list(Summons.objects.visible_to(wh.member_other)) == [s2]
    assert set(Summons.objects.visible_to(wh.street_admin)) == {s1, s2}
    assert list(Summons.objects.visible_to(wh.street2_admin)) == []
    assert Summons.objects.visible_to(wh.district_admin).count() == 2
    with pytest.raises(NotFound):
        services.get_summons(wh.member_a, s2.pk)


def test_a_bad_photo_refuses_the_report_and_changes_nothing(wh, summons_for):
    from django.core.files.uploadedfile import SimpleUploadedFile

    s = summons_for(handlers=[wh.dept])
    t = _target(s, wh.dept)
    services.check_in(wh.member_a, s, t, mode="online")
    bad = SimpleUploadedFile("x.png", b"not an image", content_type="image/png")
    with pytest.raises(ServiceError):
        services.report(wh.member_a, s, t, text="已处理完毕，现场恢复", photos=[bad])
    t = _target(s, wh.dept)
    assert t.state == "checked_in" and t.report == ""
    assert not WhistleEvent.objects.filter(summons=s, step="report").exists()


def test_reminder_task_sends_and_can_renew_itself(wh, summons_for):
    from django_tasks_db.models import DBTaskResult

    from grassroots.whistle.tasks import remind_checkins

    s = summons_for(handlers=[wh.dept])
    now = timezone.now()
    Target.objects.filter(summons=s).update(
        summoned_at=now - datetime.timedelta(hours=20), due_at=now + datetime.timedelta(hours=4)
    )
    assert remind_checkins.call(0) == 1
    assert DBTaskResult.objects.count() == 0
    assert remind_checkins.call(10) == 0  # already reminded; queues the next run
    assert DBTaskResult.objects.count() == 1
