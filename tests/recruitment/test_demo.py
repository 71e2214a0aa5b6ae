"""The demo step `recruitment`: files at every stage and step, some overdue, coherent with the rules."""

from __future__ import annotations

import pytest
from django.utils import timezone

from grassroots.demo.context import DemoContext
from grassroots.demo.generator import generate
from grassroots.demo.presets import get_preset
from grassroots.party.models import Member
from grassroots.recruitment import demo, rules, stats
from grassroots.recruitment.models import Candidate, StepRecord
from grassroots.recruitment.steps import allowed_next

pytestmark = pytest.mark.django_db


def test_demo_files_cover_every_stage_and_are_valid():
    ctx = DemoContext(preset="tiny", seed=3, scale=get_preset("tiny"), show_progress=False)
    generate(ctx, app_steps=False)
    demo.generate(ctx)
    cands = list(Candidate.objects.select_related("party_org", "member"))
    assert len(cands) >= 25
    assert {c.stage for c in cands} >= {"applicant", "activist", "prospect", "probationary", "full"}
    assert {c.last_step for c in cands} == set(range(1, 26))
    today = timezone.localdate()
    p = rules.params()
    for c in cands:
        assert not c.party_org.is_functional and c.party_org.kind == "branch"
        records = list(StepRecord.objects.filter(candidate=c).order_by("on", "step", "id"))
        # the log replays in an allowed order, never in the future
        last = 0
        for r in records:
            assert r.step in allowed_next(last), (c.pk, last, r.step)
            assert r.on <= today
            last = r.step
        assert last == c.last_step
        if c.last_step >= 7:
            assert (c.step_date(7) - c.step_date(3)).days >= p["min_cultivation_days"]
            assert c.reviews >= p["min_reviews"]
        if c.last_step >= 17:
            assert c.member.joined_on == c.step_date(15)
            assert c.member.status == ("full" if c.last_step >= 24 else "probationary")
        if c.last_step >= 13:
            assert c.step_date(13) >= rules.add_working_days(c.step_date(12), p["publicity_working_days"])
    overdue = [d for d in stats.due_items(stats.active_candidates(Candidate.objects.all()), p) if d.overdue]
    assert overdue and len(overdue) < len(cands) / 2
    assert Member.objects.filter(recruitment__isnull=False).count() == sum(1 for c in cands if c.member_id)
