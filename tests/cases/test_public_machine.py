"""Property test of 身边诉求's writes: random follows, unfollows and 补充说明 by random people while the
case moves through its states. A follow succeeds only for a resident who is not the reporter, does not
already follow and the case is not merged; an update only by the reporter, on a case not closed or
merged, within the daily cap. Every refusal is a Chinese ServiceError and changes no row."""

import re

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

from grassroots.cases import public
from grassroots.cases.models import Case, CaseEvent, CaseFollower
from grassroots.cases.workflow import CaseState
from grassroots.core.errors import ServiceError
from grassroots.core.models import AuditEvent
from tests.examples import examples

pytestmark = pytest.mark.django_db
CHINESE = re.compile(r"[\u4e00-\u9fff]")
ACTORS = ["reporter", "neighbour", "neighbour2", "staff"]


def snapshot(case):
    return (
        sorted(CaseFollower.objects.filter(case=case).values_list("user_id", flat=True)),
        CaseEvent.objects.filter(case=case).count(),
        AuditEvent.objects.count(),
    )


def make_machine(loop, new_case, people):
    class PublicMachine(RuleBasedStateMachine):
        @initialize()
        def new(self):
            self.case = new_case(loop.cat_garbage)
            self.following: set[str] = set()
            self.updates = 0

        def expected(self, action, actor, text_ok) -> bool:
            state = self.case.state
            if action == "follow":
                return actor.startswith("neighbour") and actor not in self.following and state != "merged"
            if action == "unfollow":
                return actor.startswith("neighbour") and actor in self.following
            return (
                actor == "reporter"
                and text_ok
                and state not in public.UPDATE_CLOSED_STATES
                and self.updates < public.UPDATES_PER_DAY
            )

        @rule(
            action=st.sampled_from(["follow", "unfollow", "update"]),
            actor=st.sampled_from(ACTORS),
            text_ok=st.booleans(),
        )
        def act(self, action, actor, text_ok):
            self.case.refresh_from_db()
            ok = self.expected(action, actor, text_ok)
            before = snapshot(self.case)
            user = people[actor]
            try:
                if action == "follow":
                    public.follow(user, self.case)
                elif action == "unfollow":
                    public.unfollow(user, self.case)
                else:
                    public.add_update(user, self.case, "问题仍在" if text_ok else " ")
            except ServiceError as exc:
                assert not ok, f"{action} by {actor} refused in {self.case.state}: {exc.message}"
                assert CHINESE.search(exc.message)
                assert snapshot(self.case) == before
                return
            assert ok, f"{action} by {actor} allowed in {self.case.state}"
            if action == "follow":
                self.following.add(actor)
            elif action == "unfollow":
                self.following.discard(actor)
            else:
                self.updates += 1
            assert snapshot(self.case)[2] == before[2] + 1  # one audit row per write

        # Every state but "dispatched", which the database allows only with a handler.
        @rule(state=st.sampled_from([s for s in CaseState.values if s != CaseState.DISPATCHED]))
        def move(self, state):
            # The workflow itself is property-tested in test_state_machine.py; here only its states matter.
            Case.objects.filter(pk=self.case.pk).update(state=state)

        @invariant()
        def rows_match(self):
            if not hasattr(self, "case"):
                return
            users = set(
                CaseFollower.objects.filter(case=self.case, source__isnull=True).values_list(
                    "user_id", flat=True
                )
            )
            assert users == {people[a].pk for a in self.following}
            assert CaseEvent.objects.filter(case=self.case, step="resident_update").count() == self.updates

    return PublicMachine


def test_public_follow_and_update_machine(loop, new_case, make_user):
    people = {
        "reporter": loop.resident,
        "neighbour": make_user("nb1", "resident"),
        "neighbour2": make_user("nb2", "party_member"),
        "staff": loop.dispatcher,
    }
    run_state_machine_as_test(
        make_machine(loop, new_case, people),
        settings=settings(
            max_examples=examples(20),
            stateful_step_count=20,
            deadline=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        ),
    )
