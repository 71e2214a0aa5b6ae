"""Cross-level tasks: issue, supervise, pass down, escalate; the assignment state machine."""

import datetime

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from grassroots.core.errors import ServiceError
from grassroots.core.models import AuditEvent
from grassroots.linkage import services, workflow
from grassroots.linkage.models import TaskAssignment, TaskEvent
from grassroots.notifications.models import Notification
from tests.examples import examples

pytestmark = pytest.mark.django_db


def _client(user):
    c = Client()
    c.force_login(user)
    return c


def _issue(lk, **kw):
    data = {
        "issuer_region": lk.district,
        "title": "冬季消防安全隐患排查",
        "content": "对辖区老旧小区开展消防安全隐患排查，建立问题清单",
        "deadline": lk.today + datetime.timedelta(days=10),
    }
    return services.issue_task(lk.district_admin, **(data | kw))


def test_district_task_to_all_streets_supervised_and_the_overdue_one_escalated(lk):
    task = _issue(lk)
    rows = {a.region_id: a for a in TaskAssignment.objects.filter(task=task)}
    assert set(rows) == {s.pk for s in lk.streets}
    s0, s1 = rows[lk.streets[0].pk], rows[lk.streets[1].pk]
    # Each street's admins hear about it.
    assert Notification.objects.filter(user=lk.street0, kind="linkage.issued").count() == 1
    services.act(lk.street0, s0, "receive")
    services.act(lk.street0, s0, "progress", progress=60, note="已完成 3 个小区排查")
    services.act(lk.street0, s0, "complete", note="排查完毕，问题清单已整改")
    # Street 1 lets the deadline pass.
    TaskAssignment.objects.filter(pk=s1.pk).update(deadline=lk.today - datetime.timedelta(days=2))
    assert services.escalate_overdue() == 1
    assert services.escalate_overdue() == 0  # idempotent
    s1.refresh_from_db()
    assert s1.escalated_at is not None and s1.state == "issued"
    assert TaskEvent.objects.filter(assignment=s1, verb="escalate").count() == 1
    assert Notification.objects.filter(user=lk.street1, kind="linkage.escalated").exists()
    assert Notification.objects.filter(user=lk.district_admin, kind="linkage.escalated").exists()
    assert not Notification.objects.filter(user=lk.street0, kind="linkage.escalated").exists()
    page = _client(lk.district_admin).get(f"/linkage/tasks/{task.pk}/").content.decode()
    row0 = page.split(f'data-region="{lk.streets[0].name}"')[1].split("</tr>")[0]
    row1 = page.split(f'data-region="{lk.streets[1].name}"')[1].split("</tr>")[0]
    assert 'data-state="done"' in row0 and "data-overdue" not in row0
    assert 'data-state="issued"' in row1 and "data-overdue" in row1 and "data-escalated" in row1
    assert 'data-stat="overdue">1<' in page and 'data-stat="escalated">1<' in page
    # Filter and export.
    filtered = _client(lk.district_admin).get(f"/linkage/tasks/{task.pk}/?flag=escalated").content.decode()
    assert lk.streets[1].name in filtered and f'data-region="{lk.streets[0].name}"' not in filtered
    export = _client(lk.district_admin).get(f"/linkage/tasks/{task.pk}/?export=xlsx")
    assert export.status_code == 200 and export["Content-Type"].startswith("application/vnd.openxml")


def test_receivers_see_only_their_own_assignment(lk):
    task = _issue(lk)
    s0 = TaskAssignment.objects.get(task=task, region=lk.streets[0])
    s1 = TaskAssignment.objects.get(task=task, region=lk.streets[1])
    c = _client(lk.street0)
    assert c.get(f"/linkage/assignments/{s0.pk}/").status_code == 200
    assert c.get(f"/linkage/assignments/{s1.pk}/").status_code == 404
    assert c.get(f"/linkage/tasks/{task.pk}/").status_code == 404  # the district's supervision page
    listing = c.get("/linkage/assignments/").content.decode()
    assert lk.streets[0].name in listing and lk.streets[1].name not in listing
    with pytest.raises(ServiceError):
        services.act(lk.street0, s1, "receive")
    s1.refresh_from_db()
    assert s1.state == "issued"


def test_street_passes_down_and_completion_waits_for_its_communities(lk):
    task = _issue(lk)
    s0 = TaskAssignment.objects.get(task=task, region=lk.streets[0])
    services.act(lk.street0, s0, "receive")
    with pytest.raises(ServiceError, match="不能晚于街道"):
        services.act(lk.street0, s0, "pass_down", deadline=s0.deadline + datetime.timedelta(days=1))
    services.act(lk.street0, s0, "pass_down", deadline=s0.deadline - datetime.timedelta(days=2))
    kids = list(TaskAssignment.objects.filter(parent=s0).order_by("region__path"))
    assert [k.region_id for k in kids] == [lk.communities[0].pk, lk.communities[1].pk]
    assert Notification.objects.filter(user=lk.community0, kind="linkage.issued").count() == 1
    with pytest.raises(ServiceError, match="下级社区尚未完成"):
        services.act(lk.street0, s0, "complete", note="已完成")
    # The community does its part; the street (its issuer) accepts it.
    services.act(lk.community0, kids[0], "receive")
    services.act(lk.community0, kids[0], "complete", note="已排查 12 栋楼")
    with pytest.raises(ServiceError):
        services.act(lk.community0, kids[0], "accept")  # a receiver can't accept its own work
    services.act(lk.street0, kids[0], "accept")
    # One community still open: completing needs an explicit reason.
    services.act(lk.street0, s0, "complete", note="主体工作已完成", override="另一社区整改需待供暖季后")
    s0.refresh_from_db()
    assert s0.state == "done" and s0.override_reason
    # The district returns it for rework; the street's admins are told.
    services.act(lk.district_admin, s0, "return", note="缺少整改照片")
    s0.refresh_from_db()
    assert s0.state == "returned"
    assert Notification.objects.filter(user=lk.street0, kind="linkage.returned").exists()


def test_issue_validation_in_chinese_changes_nothing(lk):
    with pytest.raises(ServiceError, match="完成时限不能早于今天"):
        _issue(lk, deadline=lk.today - datetime.timedelta(days=1))
    with pytest.raises(ServiceError, match="承办单位只能是本级所辖的街道"):
        _issue(lk, targets=[lk.communities[0]])
    with pytest.raises(ServiceError, match="请填写任务名称"):
        _issue(lk, title=" ")
    from grassroots.core.errors import PermissionDenied

    with pytest.raises((PermissionDenied, ServiceError)):
        services.issue_task(
            lk.community0, issuer_region=lk.streets[0], title="x", content="y", deadline=lk.today
        )
    assert not TaskAssignment.objects.exists()


VERBS = list(workflow.VERBS)


@settings(
    max_examples=examples(30), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(steps=st.lists(st.tuples(st.sampled_from(VERBS), st.sampled_from(["street", "district"])), max_size=8))
def test_state_machine_allowed_moves_follow_the_table_and_refusals_change_nothing(lk, steps):
    task = _issue(lk, title="状态机")
    a = TaskAssignment.objects.get(task=task, region=lk.streets[0])
    actors = {"street": lk.street0, "district": lk.district_admin}
    for verb, who in steps:
        a.refresh_from_db()
        before_state = a.state
        before_events = TaskEvent.objects.filter(assignment=a).count()
        before_audit = AuditEvent.objects.count()
        side = workflow.VERBS[verb][2]
        may = workflow.allowed(verb, before_state) and (side == workflow.RECEIVER) == (who == "street")
        kwargs = {"note": "说明", "progress": 50, "override": "理由"}
        try:
            services.act(actors[who], a, verb, **kwargs)
        except ServiceError:
            a.refresh_from_db()
            assert not may or verb == "pass_down" and TaskAssignment.objects.filter(parent=a).exists()
            assert a.state == before_state
            assert TaskEvent.objects.filter(assignment=a).count() == before_events
            assert AuditEvent.objects.count() == before_audit
        else:
            assert may
            a.refresh_from_db()
            assert a.state == workflow.target(verb, before_state)
            assert TaskEvent.objects.filter(assignment=a).count() == before_events + 1
    TaskAssignment.objects.filter(task=task).delete()
    task.delete()
