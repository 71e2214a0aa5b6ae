"""The cases demo step on the test city: a year of cases in every community, consistent numbering,
every channel and the notable states, evaluations, visits and repeated places."""

from __future__ import annotations

from collections import Counter

import pytest
from django.utils import timezone

from grassroots.cases import demo
from grassroots.cases.models import Case, CaseEvent, CaseFollower, Channel, Evaluation, Handler, Visit
from grassroots.demo.context import DemoContext

pytestmark = pytest.mark.django_db


def test_demo_cases_cover_channels_states_and_history(city, monkeypatch):
    monkeypatch.setitem(demo.PER_COMMUNITY, "tiny", 150)
    ctx = DemoContext(preset="tiny", seed=7, show_progress=False)
    demo.generate(ctx)
    cases = list(Case.objects.select_related("region"))
    assert len(cases) == 150 * len(city.communities)
    assert Counter(c.region_id for c in cases) == {r.pk: 150 for r in city.communities}
    for c in cases[:200]:
        assert c.number == f"{timezone.localtime(c.submitted_at):%Y%m%d}{c.pk:06d}"
    assert {c.channel for c in cases} == set(Channel.values)
    states = Counter(c.state for c in cases)
    for s in ("submitted", "dispatched", "in_progress", "resolved", "closed", "closed_unresolved", "merged"):
        assert states[s] > 0, s
    assert max(c.return_count for c in cases) == 2 and any(c.reopen_count == 1 for c in cases)
    now = timezone.now()
    assert any(c.due_at and c.resolved_at and c.resolved_at > c.due_at for c in cases)  # resolved late
    assert any(
        c.state in ("dispatched", "accepted", "in_progress") and c.due_at and c.due_at < now for c in cases
    )
    # every case has its submit event, handled ones their dispatch, and events follow the clock
    assert CaseEvent.objects.filter(step="submit").count() == len(cases)
    for c in cases[:100]:
        times = list(c.events.values_list("created_at", flat=True))
        assert times == sorted(times) and all(t <= now for t in times)
    assert Evaluation.objects.filter(result="unsatisfied").exists()
    assert Handler.objects.filter(kind="department").count() == len(demo.DEPARTMENTS)
    merged = Case.objects.filter(state="merged")
    assert all(m.merged_into_id for m in merged)
    assert CaseFollower.objects.count() == merged.count()
    assert Visit.objects.filter(kind="night").exists() and Case.objects.filter(visit__isnull=False).exists()
    # running again adds nothing
    demo.generate(ctx)
    assert Case.objects.count() == len(cases)
