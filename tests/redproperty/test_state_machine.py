"""Property test of an owners' committee election: random actions with valid or invalid input by the
community (manages it) or a community of another street (does not see it). Only what
ELECTION_TRANSITIONS allows in the current state, by the community, with valid input, succeeds and lands
in the table's state (one audit row); every refusal raises a Chinese ServiceError and changes nothing."""

import datetime
import re

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, rule, run_state_machine_as_test

from grassroots.core.errors import ServiceError
from grassroots.core.models import AuditEvent
from grassroots.redproperty import services
from grassroots.redproperty.models import Election, OwnersCommittee
from tests.examples import examples

pytestmark = pytest.mark.django_db
CHINESE = re.compile(r"[\u4e00-\u9fff]")
ACTIONS = list(services.ELECTION_ACTIONS)


def snapshot(election):
    return (
        Election.objects.filter(pk=election.pk).values().get(),
        OwnersCommittee.objects.filter(pk=election.committee_id).values().get(),
        AuditEvent.objects.count(),
    )


def make_machine(rp, committee):
    today = timezone.localdate()

    class ElectionMachine(RuleBasedStateMachine):
        @initialize()
        def new_election(self):
            Election.objects.filter(committee=committee, state__in=["planned", "nominated"]).update(
                state="failed"
            )
            self.election = services.plan_election(rp.admin, committee, planned_on=today, term_years=3)

        @rule(
            action=st.sampled_from(ACTIONS),
            actor=st.sampled_from(["admin", "admin2"]),
            valid=st.booleans(),
        )
        def act(self, action, actor, valid):
            election = Election.objects.get(pk=self.election.pk)
            user = getattr(rp, actor)
            before = snapshot(election)
            allowed = services.ELECTION_TRANSITIONS[election.state].get(action)
            try:
                if action == "nominate":
                    services.nominate(user, election, nominees="张三、李四" if valid else "  ")
                elif action == "elect":
                    day = today if valid else today + datetime.timedelta(days=3)
                    services.elect(user, election, held_on=day, note="")
                else:
                    services.fail(user, election, note="未达法定人数" if valid else "")
            except ServiceError as exc:
                assert CHINESE.search(exc.message), exc.message
                assert snapshot(election) == before, "a refused step changed something"
                assert not (allowed and valid and actor == "admin"), f"{action} refused: {exc.message}"
                return
            assert allowed and valid and actor == "admin", f"{action} by {actor} (valid={valid}) accepted"
            election.refresh_from_db()
            assert election.state == allowed
            after = snapshot(election)
            audit_rows = after[2] - before[2]
            # elect also renews the committee's term: one more audit row, unless an earlier example
            # (they share the committee) already renewed it to the same dates
            renewed = action == "elect" and (before[1]["term_start"], before[1]["term_end"]) != (
                after[1]["term_start"],
                after[1]["term_end"],
            )
            assert audit_rows == (2 if renewed else 1)
            if action == "elect":
                committee.refresh_from_db()
                assert committee.term_start == today
                assert committee.term_end == today.replace(year=today.year + 3) - datetime.timedelta(days=1)

    return ElectionMachine


def test_election_state_machine(rp):
    committee = services.register_committee(rp.admin, neighborhood=rp.hoods[0])
    machine = make_machine(rp, committee)
    run_state_machine_as_test(
        machine,
        settings=settings(
            max_examples=examples(25),
            stateful_step_count=6,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        ),
    )


def test_every_refused_transition_is_named():
    """The table: planned → nominated → elected / failed, and nothing leaves a final state."""
    t = services.ELECTION_TRANSITIONS
    assert t["planned"] == {"nominate": "nominated"}
    assert t["nominated"] == {"elect": "elected", "fail": "failed"}
    assert t["elected"] == {} and t["failed"] == {}
