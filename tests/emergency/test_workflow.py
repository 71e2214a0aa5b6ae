"""The emergency, call-up and need state machines with hypothesis: every allowed transition moves the
state as the table says; every refused one raises and changes nothing (row and audit log)."""

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

from grassroots.core.errors import ServiceError
from grassroots.core.models import AuditEvent
from grassroots.emergency import services
from grassroots.emergency.models import Callup, Emergency, EmergencyNeed, SweepTask
from grassroots.emergency.workflow import (
    CALLUP_TRANSITIONS,
    EMERGENCY_TRANSITIONS,
    NEED_TRANSITIONS,
    OPEN_STATES,
)
from tests.examples import examples

from .conftest import declare_flood

pytestmark = pytest.mark.django_db

SETTINGS = settings(
    max_examples=examples(12),
    stateful_step_count=8,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    database=None,
)


def _snapshot(obj):
    obj.refresh_from_db()
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}


def test_emergency_state_machine(em):
    class Machine(RuleBasedStateMachine):
        @initialize()
        def declare(self):
            Emergency.objects.update(state="closed")  # earlier examples' emergencies are over
            self.e = declare_flood(em)
            self.state = "declared"

        @rule(verb=st.sampled_from(sorted(EMERGENCY_TRANSITIONS)), by_commander=st.booleans())
        def act(self, verb, by_commander):
            user = em.street_admin if by_commander else em.community_admin
            sources, target = EMERGENCY_TRANSITIONS[verb]
            allowed = by_commander and self.state in sources
            before, audits = _snapshot(self.e), AuditEvent.objects.count()
            self.e.refresh_from_db()
            if allowed:
                services.transition(user, self.e, verb, note="处置完毕")
                self.state = target
                assert AuditEvent.objects.count() > audits
            else:
                with pytest.raises(ServiceError):
                    services.transition(user, self.e, verb, note="处置完毕")
                assert _snapshot(self.e) == before and AuditEvent.objects.count() == audits

        @rule(result=st.sampled_from(["safe", "needs_help", "no_answer", "relocated"]))
        def sweep(self, result):
            task = SweepTask.objects.filter(emergency=self.e, grid=em.grids[0]).first()
            if self.state in OPEN_STATES:
                services.record_sweep(em.grid_worker, task, result)
                task.refresh_from_db()
                assert task.result == result
            else:
                before = _snapshot(task)
                with pytest.raises(ServiceError):
                    services.record_sweep(em.grid_worker, task, result)
                assert _snapshot(task) == before

        @invariant()
        def matches(self):
            self.e.refresh_from_db()
            assert self.e.state == self.state
            if self.state not in OPEN_STATES:
                assert not Callup.objects.filter(emergency=self.e, state__in=("called", "confirmed")).exists()
                assert not SweepTask.objects.filter(emergency=self.e).exclude(state="closed").exists()

    run_state_machine_as_test(Machine, settings=SETTINGS)


def test_callup_and_need_state_machines(em):
    class Machine(RuleBasedStateMachine):
        @initialize()
        def declare(self):
            Emergency.objects.update(state="closed")
            self.e = declare_flood(em)
            self.callup = Callup.objects.get(emergency=self.e, user=em.vol_user)
            self.helper = Callup.objects.get(emergency=self.e, user=em.member_user)
            services.respond(em.member_user, self.helper, "confirm")
            self.need = services.raise_need(
                em.grid_worker,
                self.e,
                category="supplies",
                description="饮用水一箱",
                household=em.households[0],
            )
            self.c_state, self.n_state = "called", "raised"

        @rule(verb=st.sampled_from(sorted(CALLUP_TRANSITIONS)))
        def respond(self, verb):
            sources, target = CALLUP_TRANSITIONS[verb]
            before = _snapshot(self.callup)
            if self.c_state in sources:
                services.respond(em.vol_user, self.callup, verb, note="家中有事")
                self.c_state = target
            else:
                with pytest.raises(ServiceError):
                    services.respond(em.vol_user, self.callup, verb, note="家中有事")
                assert _snapshot(self.callup) == before

        @rule(verb=st.sampled_from(sorted(NEED_TRANSITIONS)))
        def need(self, verb):
            sources, target = NEED_TRANSITIONS[verb]
            self.need.refresh_from_db()
            before, audits = _snapshot(self.need), AuditEvent.objects.count()
            call = {
                "match": lambda: services.match_need(em.grid_worker, self.need, callup=self.helper),
                "deliver": lambda: services.deliver_need(em.member_user, self.need),
                "cancel": lambda: services.cancel_need(em.grid_worker, self.need, note="家属已送到"),
            }[verb]
            if self.n_state in sources:
                call()
                self.n_state = target
            else:
                with pytest.raises(ServiceError):
                    call()
                assert _snapshot(self.need) == before and AuditEvent.objects.count() == audits

        @invariant()
        def matches(self):
            assert Callup.objects.get(pk=self.callup.pk).state == self.c_state
            assert EmergencyNeed.objects.get(pk=self.need.pk).state == self.n_state

    run_state_machine_as_test(Machine, settings=SETTINGS)
