"""Property test of a topic's life: random actions by random people with valid or invalid input. Only
what TRANSITIONS allows in the current state (by the community, with valid input) succeeds and lands in
the table's state; every refusal raises a Chinese ServiceError and leaves every row unchanged."""

import datetime
import re

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, rule, run_state_machine_as_test

from grassroots.core.errors import ServiceError
from grassroots.core.models import AuditEvent
from grassroots.deliberation import services
from grassroots.deliberation.models import Option, Topic, Vote
from tests.examples import examples

pytestmark = pytest.mark.django_db
CHINESE = re.compile(r"[\u4e00-\u9fff]")
ACTIONS = [a for a in services.ACTION_LABELS if a != "vote"] + ["vote"]
ACTORS = ["admin", "admin1", "resident", "resident2", "other"]


def snapshot(topic):
    return (
        Topic.objects.filter(pk=topic.pk).values().get(),
        list(Option.objects.filter(topic=topic).values_list("pk", "label")),
        list(Vote.objects.filter(topic=topic).values_list("voter_id", "option_id")),
        AuditEvent.objects.count(),
    )


def make_machine(delib):
    class TopicMachine(RuleBasedStateMachine):
        @initialize()
        def new_topic(self):
            # Examples share the database: earlier examples' pending topics would hit the proposal cap.
            Topic.objects.filter(proposer=delib.resident, state="proposed").update(state="rejected")
            self.topic = services.propose(delib.resident, community=delib.c0, title="议题", content="说明")
            self.voted: set[str] = set()
            self.n = 0

        def call(self, action, user, valid):
            t = self.topic
            self.n += 1
            if action in ("accept", "reject"):
                return services.screen(user, t, accept=action == "accept", note="理由" if valid else "")
            if action == "schedule":
                when = timezone.now() + datetime.timedelta(days=1) if valid else None
                return services.schedule(user, t, meeting_at=when, place="议事厅", theme="主题")
            if action == "add_option":
                return services.add_option(user, t, label=f"方案{self.n}" if valid else "")
            if action == "remove_option":
                first = t.options.first()
                return services.remove_option(user, t, first.pk if (first and valid) else 0)
            if action == "open_voting":
                return services.open_voting(user, t)
            if action == "vote":
                first = t.options.first()
                return services.vote(user, t, first.pk if (first and valid) else 0)
            if action == "close_voting":
                return services.close_voting(user, t, resolution="决议" if valid else "")
            if action == "start_project":
                due = timezone.localdate() + datetime.timedelta(days=10)
                return services.start_project(user, t, title="项目", owner="主任", due=due if valid else None)
            if action == "finish":
                return services.finish(user, t, note="已办结" if valid else "")
            raise AssertionError(action)

        def expected(self, action, actor, valid) -> bool:
            t = self.topic
            if action not in services.TRANSITIONS[t.state] or not valid:
                return False
            if action == "vote":
                return actor in ("resident", "resident2") and actor not in self.voted
            if actor != "admin":
                return False
            if action == "open_voting":
                return bool(t.meeting_at) and t.options.count() >= 2
            if action == "close_voting":
                return t.votes.exists() and len({n for _o, n in services.tally(t)[:2]}) == 2
            if action == "add_option":
                return t.options.count() < services.MAX_OPTIONS
            if action == "remove_option":
                return t.options.exists()
            return True

        @rule(action=st.sampled_from(ACTIONS), actor=st.sampled_from(ACTORS), valid=st.booleans())
        def step(self, action, actor, valid):
            if action in ("accept", "open_voting"):
                valid = True  # no input to get wrong
            self.attempt(action, actor, valid)

        @rule(data=st.data())
        def guided(self, data):
            """The community with valid input, an action the state allows: drives topics to the end."""
            allowed = [a for a in ACTIONS if a in services.TRANSITIONS[self.topic.state]]
            if not allowed:
                return
            action = data.draw(st.sampled_from(allowed))
            actor = data.draw(st.sampled_from(["resident", "resident2"])) if action == "vote" else "admin"
            self.attempt(action, actor, True)

        def attempt(self, action, actor, valid):
            self.topic.refresh_from_db()
            before_state = self.topic.state
            ok = self.expected(action, actor, valid)
            before = snapshot(self.topic)
            try:
                self.call(action, getattr(delib, actor), valid)
            except ServiceError as exc:
                assert not ok, f"{action} by {actor} refused in {before_state}: {exc.message}"
                assert CHINESE.search(exc.message), exc.message
                assert snapshot(self.topic) == before, f"refused {action} changed rows"
                return
            assert ok, f"{action} by {actor} (valid={valid}) was allowed in {before_state}"
            self.topic.refresh_from_db()
            target = services.TRANSITIONS[before_state][action]
            assert self.topic.state == (target or before_state)
            if action == "vote":
                self.voted.add(actor)

    return TopicMachine


def test_topic_state_machine(delib):
    machine = make_machine(delib)
    run_state_machine_as_test(
        machine,
        settings=settings(
            max_examples=examples(25),
            stateful_step_count=25,
            deadline=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        ),
    )
