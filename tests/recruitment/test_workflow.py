"""The recruitment state machine (issue 17's bar): only the allowed steps, in order, succeed; minimum
intervals are enforced (发展对象 before a year of cultivation is refused, 公示 of 5 working days, the
probation year); every refusal raises a Chinese message and changes nothing."""

from __future__ import annotations

import datetime
import re

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from grassroots.core.errors import ServiceError
from grassroots.core.models import AuditEvent
from grassroots.party.models import Member
from grassroots.recruitment import services
from grassroots.recruitment.models import Candidate, StepRecord
from tests.examples import examples
from tests.factories import add_member, id_number_born

D = datetime.timedelta
CHINESE = re.compile(r"[\u4e00-\u9fff]")

# The regulation's order, written out independently of steps.allowed_next: after step n, which steps.
ORDER = {n: {n + 1} for n in range(0, 25)}
ORDER[6] = {6, 7}
ORDER[21] = {21, 22}


def _snapshot(c: Candidate) -> tuple:
    c = Candidate.objects.get(pk=c.pk)
    member = Member.objects.filter(pk=c.member_id).values().first() if c.member_id else None
    return (
        Candidate.objects.count(),
        StepRecord.objects.count(),
        Member.objects.count(),
        AuditEvent.objects.count(),
        c.stage,
        c.last_step,
        c.last_on,
        dict(c.dates),
        c.reviews,
        c.decision,
        c.member_id,
        member,
        sorted(c.cultivators.values_list("pk", flat=True)),
    )


class Recruitment(RuleBasedStateMachine):
    user = None
    branch = None
    full_members: list = []
    counter = 0

    @initialize()
    def start(self):
        type(self).counter += 1
        self.today = timezone.localdate()
        self.start_on = self.today - D(days=2400)
        birth = datetime.date(1990, 1, 1) + D(days=type(self).counter)
        self.c = services.register_applicant(
            self.user,
            party_org=self.branch,
            name=f"申请人{type(self).counter}",
            gender="male",
            birth_date=birth,
            id_number=id_number_born(birth),
            applied_on=self.start_on,
        )
        self.last, self.last_on = 1, self.start_on
        self.dates = {1: self.start_on}
        self.reviews = 0
        self.decision = ""
        self.extended = False
        self.done = False
        self.expected_stage = "applicant"
        self.records = 1

    # -- the oracle --------------------------------------------------------------------------------
    def allowed(self) -> set[int]:
        if self.done:
            return set()
        if self.last == 24:
            return {21, 22} if self.decision == "extend" else {25}
        if self.last == 25:
            return set()
        return ORDER[self.last]

    def probation_end(self) -> datetime.date:
        member = Member.objects.get(pk=Candidate.objects.get(pk=self.c.pk).member_id)
        return member.probation_extended_to or member.joined_on + D(days=365)

    def earliest(self, n: int) -> datetime.date:
        """The earliest day step n may be recorded under the default rules (computed here, not by
        the code under test)."""
        lo = self.last_on
        if n == 7:
            lo = max(lo, self.dates[3] + D(days=365))
        elif n == 13:
            lo = max(lo, self.dates[12] + D(days=14))  # 5 working days fit in two weeks
        elif n == 22:
            lo = max(lo, self.probation_end() - D(days=30))
        elif n == 23:
            lo = max(lo, self.probation_end())
        return lo

    def too_early(self, n: int) -> datetime.date | None:
        """A day that must be refused for step n as too early (None when n has no minimum interval)."""
        if n == 7:
            return self.dates[3] + D(days=364)
        if n == 13:
            return self.dates[12] + D(days=4)
        if n == 22:
            return self.probation_end() - D(days=31)
        if n == 23:
            return self.probation_end() - D(days=1)
        return None

    def kwargs(self, n: int, decision: str) -> dict:
        kw: dict = {}
        if n == 5 or n == 9:
            kw["people"] = self.full_members[:2]
        if n == 11:
            kw["hours"] = 24
        if n == 23:
            kw["decision"] = decision
            kw["note"] = "" if decision == "convert" else "表现需要继续考察"
            if decision == "extend":
                kw["extend_until"] = self.probation_end() + D(days=180)
        return kw

    def refused(self, n: int, on: datetime.date, **kw) -> None:
        before = _snapshot(self.c)
        with pytest.raises(ServiceError) as exc:
            services.record_step(self.user, self.c, n, on, **kw)
        assert CHINESE.search(exc.value.message), exc.value.message
        assert _snapshot(self.c) == before

    # -- rules ---------------------------------------------------------------------------------------
    @precondition(lambda self: bool(self.allowed()))
    @rule(
        data=st.data(),
        gap=st.integers(0, 3),
        kind=st.sampled_from(["none", "order", "early", "before", "future"]),
    )
    def advance(self, data, gap, kind):
        n = data.draw(st.sampled_from(sorted(self.allowed())), label="step")
        self.probe(kind, n)
        decision = ""
        if n == 23:
            choices = ["convert", "disqualify"] + ([] if self.extended else ["extend"])
            decision = data.draw(st.sampled_from(choices), label="decision")
        on = self.earliest(n) + D(days=gap)
        if n == 7 and self.reviews < 2:
            if on <= self.today:  # a year has passed but not two half-yearly reviews: refused (REC-2)
                self.refused(7, on)
            return
        if on > self.today:
            self.done = True  # the candidate's file would run into the future: stop here
            return
        services.record_step(self.user, self.c, n, on, **self.kwargs(n, decision))
        self.records += 1
        self.last, self.last_on = n, on
        self.dates[n] = on
        if n == 3:
            self.expected_stage, self.reviews = "activist", 0
        elif n == 6:
            self.reviews += 1
        elif n == 7:
            self.expected_stage = "prospect"
        elif n == 17:
            self.expected_stage = "probationary"
        elif n == 23:
            self.decision = decision
        elif n == 24:
            if self.decision == "convert":
                self.expected_stage = "full"
            elif self.decision == "disqualify":
                self.expected_stage = "disqualified"
            else:
                self.extended = True

    def probe(self, kind: str, n: int) -> None:
        """Before a step: one refused attempt of the drawn kind (out of order, too early, before the last
        step, in the future); each must leave everything as it was."""
        if kind == "order":
            wrong = next(k for k in (n + 2, n + 5, 1, 3) if k not in self.allowed() and 1 <= k <= 25)
            self.refused(wrong, max(self.last_on, self.today - D(days=1)), **self.kwargs(wrong, "convert"))
        elif kind == "early":
            on = self.too_early(n)
            if on is not None and on >= self.last_on:
                self.refused(n, on, **self.kwargs(n, "convert"))
        elif kind == "before" and self.last_on > self.start_on:
            self.refused(n, self.last_on - D(days=1), **self.kwargs(n, "convert"))
        elif kind == "future":
            self.refused(n, self.today + D(days=1), **self.kwargs(n, "convert"))

    @precondition(lambda self: not self.allowed())
    @rule(n=st.integers(1, 25))
    def closed_file(self, n):
        """A finished (archived) file, or one that ran into today, takes no step that is not allowed."""
        if n not in self.allowed() and self.last == 25:
            self.refused(n, self.last_on, **self.kwargs(n, "convert"))

    @invariant()
    def file_matches(self):
        if not hasattr(self, "c"):
            return
        c = Candidate.objects.get(pk=self.c.pk)
        assert c.stage == self.expected_stage
        assert c.last_step == self.last
        assert c.records.count() == self.records
        if self.expected_stage in ("probationary", "full"):
            m = Member.objects.get(pk=c.member_id)
            assert m.joined_on == self.dates[15]
            assert m.status == ("full" if self.expected_stage == "full" else "probationary")
            assert m.party_org_id == self.branch.pk
        if self.expected_stage == "disqualified":
            assert c.member_id is None


@pytest.mark.django_db(transaction=False)
def test_recruitment_state_machine(city, admin, branch):
    Recruitment.user = admin
    Recruitment.branch = branch
    Recruitment.full_members = [add_member(branch, f"联系人{k}") for k in range(2)]
    run_state_machine_as_test(
        Recruitment,
        settings=settings(
            max_examples=examples(8),
            stateful_step_count=40,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        ),
    )
    # The machine went the whole way at least once: admission (step 17) and a decision on conversion.
    assert Candidate.objects.filter(last_step__gte=24).exists()
