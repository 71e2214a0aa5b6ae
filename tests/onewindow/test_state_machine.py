"""Property test of an application's life: random steps by random people with valid or invalid input.
Only what TRANSITIONS allows in the current state, by the side that owns the step (the community, the
department it was forwarded to, the applicant), with valid input, succeeds and lands in the table's
state with one audit row; every refusal raises a Chinese ServiceError and leaves every row unchanged."""

import re

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, rule, run_state_machine_as_test

from grassroots.core.errors import ServiceError
from grassroots.core.models import AuditEvent
from grassroots.onewindow import services
from grassroots.onewindow.models import Application
from tests.examples import examples

from .conftest import MATERIALS

pytestmark = pytest.mark.django_db
CHINESE = re.compile(r"[\u4e00-\u9fff]")
ACTIONS = list(services.ACTION_LABELS)
ACTORS = ["admin", "admin2", "dept_user", "dept2_user", "resident", "other_resident"]


def snapshot(app):
    return Application.objects.filter(pk=app.pk).values().get(), AuditEvent.objects.count()


def make_machine(ow):
    class ApplicationMachine(RuleBasedStateMachine):
        @initialize(complete=st.booleans())
        def new_application(self, complete):
            self.app = ow.make_app(complete=complete, household=ow.h0, applicant_phone="")

        def call(self, action, user, valid):
            a = self.app
            if action == "materials":
                return services.check_materials(user, a, received=MATERIALS if valid else ["护照"])
            if action == "forward":
                return services.forward(user, a)
            if action == "withdraw":
                return services.withdraw(user, a, reason="居民撤回" if valid else "")
            if action == "accept":
                return services.accept(user, a)
            if action == "complete":
                return services.complete(user, a, result="已办结" if valid else "")
            if action == "refuse":
                return services.refuse(user, a, reason="不符合条件" if valid else "")
            if action == "evaluate":
                return services.evaluate(user, a, rating=5 if valid else 9)
            raise AssertionError(action)

        def expected(self, action, actor, valid) -> bool:
            a = self.app
            if action not in services.TRANSITIONS[a.state] or not valid:
                return False
            if action in services.COMMUNITY_ACTIONS:
                return actor == "admin" and not (action == "forward" and a.missing_materials)
            if action in services.DEPARTMENT_ACTIONS:
                return actor == "dept_user"
            if action == "evaluate":
                return actor in ("resident", "admin") and a.rating is None
            raise AssertionError(action)

        @rule(action=st.sampled_from(ACTIONS), actor=st.sampled_from(ACTORS), valid=st.booleans())
        def step(self, action, actor, valid):
            if action in ("forward", "accept"):
                valid = True  # no input to get wrong
            self.attempt(action, actor, valid)

        @rule(data=st.data())
        def guided(self, data):
            """The right side with valid input, an action the state allows: drives applications on."""
            allowed = [a for a in ACTIONS if a in services.TRANSITIONS[self.app.state]]
            if not allowed:
                return
            action = data.draw(st.sampled_from(allowed))
            if action in services.COMMUNITY_ACTIONS:
                actor = "admin"
            elif action in services.DEPARTMENT_ACTIONS:
                actor = "dept_user"
            else:
                actor = "resident"
            self.attempt(action, actor, True)

        def attempt(self, action, actor, valid):
            self.app.refresh_from_db()
            before_state = self.app.state
            ok = self.expected(action, actor, valid)
            before = snapshot(self.app)
            try:
                self.call(action, getattr(ow, actor), valid)
            except ServiceError as exc:
                assert not ok, f"{action} by {actor} refused in {before_state}: {exc.message}"
                assert CHINESE.search(exc.message), exc.message
                assert snapshot(self.app) == before, f"refused {action} changed rows"
                return
            assert ok, f"{action} by {actor} (valid={valid}) was allowed in {before_state}"
            self.app.refresh_from_db()
            target = services.TRANSITIONS[before_state][action]
            if action == "materials":
                target = "received"  # valid input = the whole checklist
            assert self.app.state == (target or before_state)
            assert AuditEvent.objects.count() > before[1], f"{action} wrote no audit row"

    return ApplicationMachine


def test_application_state_machine(ow):
    machine = make_machine(ow)
    run_state_machine_as_test(
        machine,
        settings=settings(
            max_examples=examples(20),
            stateful_step_count=20,
            deadline=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        ),
    )
