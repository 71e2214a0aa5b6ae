"""The closed loop through the services: the happy path, every refusal (Chinese, nothing changed),
GOV-1 / GOV-2 / GOV-6, and scope."""

from __future__ import annotations

import re

import pytest

from grassroots.cases import services
from grassroots.cases.models import AdmissionItem, Case, CaseEvent, Evaluation, Handler
from grassroots.core.errors import Conflict, NotFound, PermissionDenied, ServiceError
from grassroots.core.models import AuditEvent

pytestmark = pytest.mark.django_db
NO_PHOTO = "现场为夜间作业，无法拍照"
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def snapshot(case):
    row = Case.objects.filter(pk=case.pk).values().get()
    return (
        row,
        list(CaseEvent.objects.filter(case=case).values_list("pk", flat=True)),
        list(Evaluation.objects.filter(case=case).values_list("pk", "result")),
        AuditEvent.objects.count(),
    )


def refused(exc_type, fn, case, *args, match=None, **kwargs):
    before = snapshot(case)
    with pytest.raises(exc_type) as info:
        fn(*args, **kwargs)
    assert CHINESE.search(info.value.message), info.value.message
    if match:
        assert match in info.value.message
    assert snapshot(case) == before
    return info.value


def test_full_loop_with_evaluation_and_score(loop, new_case):
    case = new_case(loop.cat_manhole)
    assert case.state == "submitted" and re.fullmatch(r"\d{14}", case.number)
    services.triage(loop.dispatcher, case, category=loop.cat_manhole)
    assert case.tier == "major"  # the category's default tier
    services.dispatch(loop.dispatcher, case)
    assert case.handler == loop.h_dept and case.state == "dispatched"
    assert case.due_at is not None and case.due_soon_at < case.due_at
    assert (case.due_at - case.dispatched_at).total_seconds() == 24 * 3600  # 井盖: 24 hours
    services.accept(loop.dept_a, case)
    services.log_work(loop.dept_a, case, note="已到现场设置警示标志")
    assert case.state == "in_progress"
    services.resolve(loop.dept_a, case, resolution="已更换新井盖并恢复路面", no_photo_reason=NO_PHOTO)
    token = services.issue_evaluation_link(case)
    case = services.evaluate_with_link(token, result="satisfied", comment="很及时")
    assert case.state == "evaluated"
    services.close(loop.dispatcher, case)
    case.refresh_from_db()
    assert case.state == "closed" and case.score == 100 and case.closed_at
    steps = list(case.events.values_list("step", flat=True))
    assert steps == ["submit", "triage", "dispatch", "accept", "log_work", "resolve", "evaluate", "close"]
    transitions = AuditEvent.objects.filter(model="cases.case", object_id=str(case.pk), action="transition")
    assert transitions.count() == 7


def test_unsatisfied_reopens_once_then_closes_unresolved_against_the_handler(loop, dispatched):
    case = dispatched()
    services.accept(loop.dept_a, case)
    services.resolve(loop.dept_a, case, resolution="已处理完毕", no_photo_reason=NO_PHOTO)
    case = services.evaluate_with_link(
        services.issue_evaluation_link(case), result="unsatisfied", comment="没修好"
    )
    assert case.state == "dispatched" and case.reopen_count == 1 and case.handler == loop.h_dept
    assert case.resolved_at is None and case.due_at > case.dispatched_at
    services.accept(loop.dept_b, case)
    services.resolve(loop.dept_b, case, resolution="再次处理完毕", no_photo_reason=NO_PHOTO)
    refused(
        ServiceError,
        services.reopen,
        case,
        loop.dispatcher,
        case,
        reason="居民电话反映仍未解决",
        match="重办",
    )
    case = services.evaluate_with_link(
        services.issue_evaluation_link(case), result="unsatisfied", comment="还是没修好"
    )
    assert case.state == "closed_unresolved" and case.score == 0
    evals = list(Evaluation.objects.filter(case=case).values_list("round", "result", "handler"))
    assert evals == [(1, "unsatisfied", loop.h_dept.pk), (2, "unsatisfied", loop.h_dept.pk)]
    refused(Conflict, services.close, case, loop.dispatcher, case, note="再次结案说明")


def test_return_requires_reason_and_right_handler_and_goes_back_to_dispatcher(loop, dispatched):
    case = dispatched()
    refused(
        ServiceError, services.return_case, case, loop.dept_a, case, reason="", suggested_handler=loop.h_dept2
    )
    refused(
        ServiceError,
        services.return_case,
        case,
        loop.dept_a,
        case,
        reason="不属于本部门职责",
        suggested_handler=None,
    )
    refused(
        ServiceError,
        services.return_case,
        case,
        loop.dept_a,
        case,
        reason="不属于本部门职责",
        suggested_handler=loop.h_dept,
    )
    services.return_case(loop.dept_a, case, reason="属于住建部门管理的设施", suggested_handler=loop.h_dept2)
    case.refresh_from_db()
    assert case.state == "returned" and case.handler is None and case.suggested_handler == loop.h_dept2
    assert case.return_count == 1 and case.due_at is None
    # The returning department no longer sees it; the dispatcher re-dispatches to the named handler.
    assert not Case.objects.visible_to(loop.dept_a).filter(pk=case.pk).exists()
    services.dispatch(loop.dispatcher, case, handler=loop.h_dept2)
    services.accept(loop.dept_other, case)
    assert case.state == "accepted"


def test_admission_list_refuses_delegation_to_a_community_with_the_reason(loop, new_case):
    case = new_case(loop.cat_garbage)  # 暴露垃圾: not on the community admission list
    services.triage(loop.dispatcher, case, category=loop.cat_garbage)
    exc = refused(ServiceError, services.dispatch, case, loop.dispatcher, case, handler=loop.h_c0)
    assert "准入清单" in exc.message and "暴露垃圾" in exc.message
    AdmissionItem.objects.create(category=loop.cat_garbage.parent, region=loop.street, basis="街道下放")
    services.dispatch(loop.dispatcher, case, handler=loop.h_c0)
    assert case.handler == loop.h_c0


def test_routing_without_rule_uses_the_place(loop, new_case):
    case = new_case(loop.cat_noise)  # community handler kind, on the admission list
    services.triage(loop.dispatcher, case, category=loop.cat_noise)
    services.dispatch(loop.dispatcher, case)
    assert case.handler == loop.h_c0
    services.accept(loop.admin_c0, case)  # a community admin acts for their community's handler
    garbage = new_case(loop.cat_garbage)
    services.triage(loop.dispatcher, garbage, category=loop.cat_garbage)
    services.dispatch(loop.dispatcher, garbage)
    assert garbage.handler == loop.h_street


def test_gov1_private_matters_are_not_dispatched_but_closed_with_advice(loop, new_case):
    case = new_case(loop.cat_private)
    services.triage(loop.dispatcher, case, category=loop.cat_private)
    assert case.tier == "private"
    refused(ServiceError, services.dispatch, case, loop.dispatcher, case, handler=loop.h_c0, match="私事")
    refused(ServiceError, services.close, case, loop.dispatcher, case, note="")
    services.close(loop.dispatcher, case, note="建议通过人民调解或诉讼解决")
    assert case.state == "closed" and case.score is None


def test_major_matters_cannot_go_to_a_community(loop, new_case):
    case = new_case(loop.cat_noise)
    services.triage(loop.dispatcher, case, category=loop.cat_noise, tier="major")
    refused(ServiceError, services.dispatch, case, loop.dispatcher, case, handler=loop.h_c0, match="大事")


def test_wrong_state_and_wrong_actor_refusals(loop, dispatched, new_case):
    case = dispatched()
    refused(Conflict, services.resolve, case, loop.dept_a, case, resolution="已处理完毕")
    refused(Conflict, services.triage, case, loop.dispatcher, case, category=loop.cat_manhole)
    refused(PermissionDenied, services.accept, case, loop.dispatcher, case)  # visible, but not the handler
    refused(NotFound, services.accept, case, loop.dept_other, case)  # another department: not visible at all
    refused(NotFound, services.dispatch, case, loop.admin_c1, case)
    services.accept(loop.dept_a, case)
    refused(ServiceError, services.resolve, case, loop.dept_a, case, resolution="")
    refused(ServiceError, services.log_work, case, loop.dept_a, case, note="")
    fresh = new_case(loop.cat_manhole)
    refused(PermissionDenied, services.evaluate, fresh, loop.dispatcher, fresh, result="satisfied")


def test_stale_objects_conflict_instead_of_overwriting(loop, dispatched):
    case = dispatched()
    stale = Case.objects.get(pk=case.pk)
    services.accept(loop.dept_a, case)
    refused(
        Conflict,
        services.return_case,
        stale,
        loop.dept_b,
        stale,
        reason="不属于本部门职责",
        suggested_handler=loop.h_dept2,
    )


def test_merge_duplicates(loop, new_case):
    a, b = new_case(loop.cat_manhole), new_case(loop.cat_manhole)
    refused(ServiceError, services.merge, b, loop.dispatcher, b, into=b)
    services.merge(loop.dispatcher, b, into=a, note="同一井盖")
    assert b.state == "merged" and b.merged_into == a
    c = new_case(loop.cat_manhole)
    refused(ServiceError, services.merge, c, loop.dispatcher, c, into=b, match="已被合并")


def test_intake_validation(loop):
    base = dict(channel="h5", region=loop.c0, description="路灯不亮已经一周了", category=loop.cat_manhole)
    for bad, msg in [
        ({"description": "坏"}, "问题描述"),
        ({"region": loop.street}, "社区"),
        ({"lng": 500, "lat": 36}, "坐标"),
        ({"reporter_phone": "12345"}, "联系电话"),
        ({}, "位置"),  # 井盖 requires a location
        ({"channel": "hotline", "lng": 120.3, "lat": 36.0}, "权限"),  # residents can't enter on behalf
    ]:
        count = Case.objects.count()
        with pytest.raises(ServiceError) as info:
            services.submit(loop.resident, **{**base, **bad})
        assert msg in info.value.message and CHINESE.search(info.value.message)
        assert Case.objects.count() == count
    case = services.submit(loop.admin_c0, **{**base, "channel": "walk_in", "lng": 120.3, "lat": 36.0})
    assert case.created_by == loop.admin_c0 and case.reporter_user is None


def test_scope_department_sees_only_cases_dispatched_to_it(loop, dispatched, new_case):
    mine = dispatched()
    other = new_case(loop.cat_noise)
    assert list(Case.objects.visible_to(loop.dept_a)) == [mine]
    assert list(Case.objects.visible_to(loop.dept_other)) == []
    assert set(Case.objects.visible_to(loop.dispatcher)) == {mine, other}
    assert set(Case.objects.visible_to(loop.resident)) == {mine, other}  # their own reports
    b_case = new_case(loop.cat_noise, region=loop.c1)
    assert b_case not in Case.objects.visible_to(loop.admin_c0)
    with pytest.raises(NotFound):
        services.get_case(loop.admin_c0, b_case.pk)
    assert services.get_case(loop.admin_c1, b_case.pk) == b_case
    # membership composes with region grants without duplicating rows
    Handler.objects.get(pk=loop.h_dept.pk).members.add(loop.dispatcher, loop.admin_c1)
    loop.dispatcher._grassroots_case_handlers = loop.admin_c1._grassroots_case_handlers = None
    assert Case.objects.visible_to(loop.dispatcher).count() == 3
    assert set(Case.objects.visible_to(loop.admin_c1)) == {b_case, mine}


def test_available_actions_follow_the_table(loop, dispatched):
    case = dispatched()
    assert services.available_actions(loop.dept_a, case) == ["accept", "return"]
    assert services.available_actions(loop.dispatcher, case) == []
    services.accept(loop.dept_a, case)
    assert services.available_actions(loop.dept_a, case) == ["return", "log_work", "resolve"]
