"""Property test of an initiative's life: random actions by random people with valid or invalid input.
Only what TRANSITIONS allows in the current state (by a manager in scope, with valid input) succeeds and
lands in the table's state with one audit row; every refusal raises a Chinese ServiceError and leaves
the row and the audit log unchanged."""

import datetime
import re

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, rule, run_state_machine_as_test

from grassroots.core.errors import ServiceError
from grassroots.core.models import AuditEvent
from grassroots.proactive import services
from grassroots.proactive.models import Initiative
from tests.examples import examples

pytestmark = pytest.mark.django_db
CHINESE = re.compile(r"[\u4e00-\u9fff]")
ACTIONS = list(services.ACTION_LABELS)
ACTORS = ["manager", "viewer", "other", "city_admin"]
MANAGERS = {"manager", "city_admin"}


def snapshot(i):
    return Initiative.objects.filter(pk=i.pk).values().get(), AuditEvent.objects.count()


def make_machine(pro, make_initiative):
    class InitiativeMachine(RuleBasedStateMachine):
        @initialize(kind=st.sampled_from(["task", "theme"]))
        def new(self, kind):
            Initiative.objects.filter(kind="theme").update(state="cancelled")
            self.i = make_initiative(kind)
            assert self.i.state == "draft"

        def call(self, action, user, valid):
            i = self.i
            text = "说明" if valid else "  "
            if action == "edit":
                due = timezone.localdate() + datetime.timedelta(days=5) if valid else None
                return services.update_initiative(
                    user, i, title="新名称", owner_name="张三", plan="方案", measures="措施", due_date=due
                )
            if action == "start":
                return services.start(user, i)
            if action == "finish":
                return services.finish(user, i, note=text)
            if action == "evaluate":
                return services.evaluate(user, i, evaluation=text)
            return services.cancel(user, i, reason=text)

        @rule(action=st.sampled_from(ACTIONS), actor=st.sampled_from(ACTORS), valid=st.booleans())
        def act(self, action, actor, valid):
            before_state = self.i.state
            before = snapshot(self.i)
            allowed = TRANSITIONS_OK(before_state, action)
            needs_input = action in ("edit", "finish", "evaluate", "cancel")
            ok = allowed and actor in MANAGERS and (valid or not needs_input)
            try:
                self.call(action, getattr(pro, actor), valid)
            except ServiceError as exc:
                assert not ok, (before_state, action, actor, valid, exc.message)
                assert CHINESE.search(exc.message)
                self.i.refresh_from_db()
                assert snapshot(self.i) == before
            else:
                assert ok, (before_state, action, actor, valid)
                self.i.refresh_from_db()
                target = services.TRANSITIONS[before_state][action]
                assert self.i.state == (target or before_state)
                assert AuditEvent.objects.count() == before[1] + 1
                if target == "in_progress":
                    assert self.i.started_at is not None

    return InitiativeMachine


def TRANSITIONS_OK(state, action):  # noqa: N802
    return action in services.TRANSITIONS[state]


def test_initiative_state_machine(pro, make_initiative):
    machine = make_machine(pro, make_initiative)
    run_state_machine_as_test(
        machine,
        settings=settings(
            max_examples=examples(15),
            stateful_step_count=6,
            deadline=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        ),
    )


def test_every_state_is_reachable_and_terminal_states_refuse_everything(pro, make_initiative):
    i = make_initiative()
    services.start(pro.manager, i)
    services.finish(pro.manager, i, note="完成")
    services.evaluate(pro.manager, i, evaluation="好")
    for action in ACTIONS:
        assert action not in services.TRANSITIONS[i.state]
    with pytest.raises(ServiceError, match="已评估"):
        services.cancel(pro.manager, i, reason="x")
    j = make_initiative(title="另一个")
    services.cancel(pro.manager, j, reason="重复")
    assert services.TRANSITIONS[j.state] == {}
    events = AuditEvent.objects.filter(object_id=str(i.pk)).count()
    assert events >= 4  # created, started, finished, evaluated
