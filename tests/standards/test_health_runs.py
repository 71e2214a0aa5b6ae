"""Branch health check (智能体检): per-rule results on hand-built branches, runs with progress, one run at
a time, data changes reflected by the next run, rectification tasks."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from grassroots.core.errors import Conflict, PermissionDenied, ServiceError
from grassroots.core.models import AuditEvent
from grassroots.party.models import DuesPayment
from grassroots.standards import health
from grassroots.standards.checks import month_start
from grassroots.standards.models import BranchHealth, HealthRun, Light, RectState, Rule, RunState
from tests.factories import add_member, add_org

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 6, 15)
DAY = datetime.timedelta(days=1)


def pay_all(members, today=TODAY, months=6):
    rows = []
    for m in members:
        for back in range(1, months + 1):
            month = month_start(today, back)
            rows.append(DuesPayment(member=m, month=month, amount_fen=1000, paid_on=month))
    DuesPayment.objects.bulk_create(rows)


def run_now(today=TODAY) -> HealthRun:
    run = health.start_run(None, trigger="manual", enqueue=False)
    return health.execute_run(run.pk, today=today)


def result(run, org) -> BranchHealth:
    return BranchHealth.objects.get(run=run, org=org)


@pytest.fixture
def paid_city(city):
    """Every member of the tiny city has paid dues for the last 6 months, and the LIFE-* rules (whose
    checks orglife registers) are off: a clean baseline for the ORG-* rules."""
    pay_all(city.members)
    Rule.objects.filter(category="life").update(enabled=False)
    return city


def test_clean_branch_is_green_with_full_score(paid_city):
    run = run_now()
    assert run.state == RunState.DONE and run.total == len(paid_city.branches) and run.done == run.total
    r = result(run, paid_city.branches[0])
    assert (r.score, r.light, r.findings) == (100, Light.GREEN, [])
    assert run.green == len(paid_city.branches) and run.red == run.yellow == 0


def test_dues_unpaid_members_are_warnings_of_their_branch(paid_city):
    branch = paid_city.branches[0]
    late = add_member(branch, "欠费党员", joined_on=datetime.date(2015, 1, 1))
    run = run_now()
    r = result(run, branch)
    assert r.warnings == 1 and r.violations == 0
    assert r.score == 90 and r.light == Light.GREEN  # 100 - 10 warning points, green at >= 90
    assert [f["rule"] for f in r.findings] == ["ORG-9"] and r.findings[0]["object"] == late.name
    # The other branches are untouched.
    assert result(run, paid_city.branches[1]).score == 100


def test_edge_member_joined_inside_the_window_is_not_flagged(paid_city):
    """ORG-9 counts only members who joined before the 6-month window."""
    add_member(paid_city.branches[0], "新党员", joined_on=TODAY - datetime.timedelta(days=30))
    assert result(run_now(), paid_city.branches[0]).findings == []


def test_expired_term_is_a_violation_and_turns_the_branch_red(paid_city, set_params):
    branch = paid_city.branches[0]
    branch.term_end = TODAY - datetime.timedelta(days=1)
    branch.save()
    for k in range(3):
        add_member(branch, f"欠费{k}", joined_on=datetime.date(2015, 1, 1))
    r = result(run_now(), branch)
    assert r.violations == 1 and r.warnings == 3
    assert r.score == 100 - 20 - 30 and r.light == Light.RED  # 50 < yellow_min 60
    set_params("STD-1", yellow_min=50)
    assert result(run_now(), branch).light == Light.YELLOW


def test_term_ending_within_warn_days_is_a_warning_and_on_the_day_after_none(paid_city):
    branch = paid_city.branches[0]
    branch.term_end = TODAY + datetime.timedelta(days=90)
    branch.save()
    r = result(run_now(), branch)
    assert [(f["rule"], f["severity"]) for f in r.findings] == [("ORG-6", "warning")]
    branch.term_end = TODAY + datetime.timedelta(days=91)
    branch.save()
    assert result(run_now(), branch).findings == []


def test_branch_of_seven_without_committee_is_org3_violation(paid_city):
    branch = paid_city.branches[1]
    have = branch.members.count()
    new = [add_member(branch, f"党员{k}") for k in range(7 - have)]
    pay_all(new)
    branch.committee_size = 0
    branch.save()
    r = result(run_now(), branch)
    assert [f["rule"] for f in r.findings] == ["ORG-3"]
    branch.committee_size = 3
    branch.save()
    assert result(run_now(), branch).findings == []


def test_group_findings_count_for_the_branch_above(paid_city):
    branch = paid_city.branches[0]
    group = add_org(branch, branch.code + "-G1", "第一党小组", "group", branch.region)
    add_member(group, "小组欠费党员", joined_on=datetime.date(2015, 1, 1))
    r = result(run_now(), branch)
    assert [f["object"] for f in r.findings] == ["小组欠费党员"]


def test_disabled_rule_is_not_counted(paid_city):
    add_member(paid_city.branches[0], "欠费党员", joined_on=datetime.date(2015, 1, 1))
    Rule.objects.filter(code="ORG-9").update(enabled=False)
    assert result(run_now(), paid_city.branches[0]).findings == []


def test_a_dues_payment_changes_the_result_after_the_next_run(paid_city):
    branch = paid_city.branches[0]
    late = add_member(branch, "欠费党员", joined_on=datetime.date(2015, 1, 1))
    first = run_now()
    assert result(first, branch).warnings == 1
    pay_all([late])
    second = run_now()
    assert result(second, branch).warnings == 0
    # The first run's stored results are kept (history per run).
    assert result(first, branch).warnings == 1


def test_life_checks_registered_by_another_app_are_counted(paid_city, monkeypatch):
    from grassroots.standards import checks

    def fake_life(c, rule):
        for row in c.org_rows:
            if row["code"] == paid_city.branches[0].code:
                yield c._org(rule, checks.Severity.VIOLATION, row, "本季度未召开支部党员大会")

    monkeypatch.setitem(checks.CHECKS, "LIFE-1", fake_life)
    Rule.objects.filter(code="LIFE-1").update(enabled=True)
    r = result(run_now(), paid_city.branches[0])
    assert [(f["rule"], f["message"]) for f in r.findings] == [("LIFE-1", "本季度未召开支部党员大会")]
    assert r.score == 80


def test_second_run_is_refused_while_one_is_queued(city, make_user):
    admin = make_user("sa", "street_admin", city.streets[0])
    run = health.start_run(admin, enqueue=False)
    with pytest.raises(Conflict):
        health.start_run(admin, enqueue=False)
    health.execute_run(run.pk, today=TODAY)
    assert health.start_run(admin, enqueue=False).state == RunState.QUEUED


def test_starting_a_run_needs_the_assess_permission(city, make_user):
    with pytest.raises(PermissionDenied):
        health.start_run(make_user("aud", "auditor", city.city), enqueue=False)
    assert not HealthRun.objects.exists()


def test_task_enqueued_on_commit_runs_the_check(city, make_user, django_capture_on_commit_callbacks):
    from grassroots.standards.tasks import run_health_check

    admin = make_user("sa", "street_admin", city.streets[0])
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        run = health.start_run(admin)
    assert len(callbacks) == 1
    assert run_health_check.call(run.pk) == len(city.branches)
    run.refresh_from_db()
    assert run.state == RunState.DONE and run.progress == 100
    assert AuditEvent.objects.filter(model="standards.healthrun", object_id=str(run.pk)).count() == 2


def test_executing_a_run_twice_does_nothing_the_second_time(city):
    run = health.start_run(None, enqueue=False)
    health.execute_run(run.pk, today=TODAY)
    health.execute_run(run.pk, today=TODAY)
    assert BranchHealth.objects.filter(run=run).count() == len(city.branches)


def test_failed_run_is_marked_failed_and_frees_the_slot(city, monkeypatch):
    run = health.start_run(None, enqueue=False)
    monkeypatch.setattr(health, "evaluate", lambda today: (_ for _ in ()).throw(RuntimeError("boom")))
    with pytest.raises(RuntimeError):
        health.execute_run(run.pk, today=TODAY)
    run.refresh_from_db()
    assert run.state == RunState.FAILED and "boom" in run.error
    assert health.active_run() is None


def test_management_command_runs_now(city, capsys):
    from django.core.management import call_command

    call_command("health_run", "--now")
    assert "体检完成" in capsys.readouterr().out
    assert HealthRun.objects.get().state == RunState.DONE


# --- rectification ------------------------------------------------------------------------------
@pytest.fixture
def street_admin(city, make_user):
    return make_user("street_a", "street_admin", city.streets[0])


def test_rectification_goes_to_closure_and_every_step_is_audited(city, street_admin):
    org = city.branches[0]
    rect = health.create_rectification(
        street_admin,
        org=org,
        problem="3 名党员连续 6 个月未交党费",
        owner_name="王书记",
        deadline=timezone.localdate() + datetime.timedelta(days=10),
        rule="ORG-9",
    )
    assert rect.state == RectState.OPEN and not rect.overdue
    with pytest.raises(ServiceError):
        health.act_rectification(street_admin, rect, "finish", result="")  # open -> done is not allowed
    rect = health.act_rectification(street_admin, rect, "start")
    with pytest.raises(ServiceError) as exc:
        health.act_rectification(street_admin, rect, "finish")
    assert "整改结果" in exc.value.message
    rect = health.act_rectification(street_admin, rect, "finish", result="已补交")
    rect = health.act_rectification(street_admin, rect, "reject", result="缺少凭证")
    assert rect.state == RectState.IN_PROGRESS
    rect = health.act_rectification(street_admin, rect, "finish", result="已补交并上传凭证")
    rect = health.act_rectification(street_admin, rect, "verify")
    assert rect.state == RectState.VERIFIED and rect.closed_at is not None
    with pytest.raises(Conflict):
        health.act_rectification(street_admin, rect, "verify")
    assert AuditEvent.objects.filter(model="standards.rectification", object_id=str(rect.pk)).count() == 6


def test_rectification_validation_and_scope(city, street_admin, make_user):
    org = city.branches[0]
    with pytest.raises(ServiceError) as exc:
        health.create_rectification(
            street_admin,
            org=org,
            problem="",
            owner_name="",
            deadline=timezone.localdate() - datetime.timedelta(days=1),
        )
    assert set(exc.value.errors) == {"problem", "owner_name", "deadline"}
    other_street_org = city.branches[2]
    from grassroots.core.errors import NotFound

    with pytest.raises(NotFound):
        health.create_rectification(
            street_admin, org=other_street_org, problem="x", owner_name="y", deadline=timezone.localdate()
        )
    auditor = make_user("aud", "auditor", city.city)
    with pytest.raises(PermissionDenied):
        health.create_rectification(
            auditor, org=org, problem="x", owner_name="y", deadline=timezone.localdate()
        )


def test_overdue_is_derived(city, street_admin):
    from grassroots.standards.models import Rectification

    rect = health.create_rectification(
        street_admin, org=city.branches[0], problem="p", owner_name="o", deadline=timezone.localdate()
    )
    Rectification.objects.filter(pk=rect.pk).update(
        deadline=timezone.localdate() - datetime.timedelta(days=1)
    )
    rect.refresh_from_db()
    assert rect.overdue
    assert Rectification.objects.filter(health.overdue_q()).count() == 1
    Rectification.objects.filter(pk=rect.pk).update(state=RectState.DONE)
    assert not Rectification.objects.filter(health.overdue_q()).exists()
