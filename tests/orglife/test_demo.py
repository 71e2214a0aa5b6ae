"""The demo step on the factory city: 三会一课 for every branch, joint and volunteer activities."""

from __future__ import annotations

import pytest

from grassroots.demo.context import DemoContext
from grassroots.demo.presets import get_preset
from grassroots.orglife import demo, stats
from grassroots.orglife.models import Activity, ActivityKind, ActivityStatus, Signup

pytestmark = pytest.mark.django_db


def test_generate(city):
    for b in city.branches:
        b.committee_size = 3
        b.save()
    ctx = DemoContext(preset="tiny", seed=7, scale=get_preset("tiny"), show_progress=False)
    demo.generate(ctx)
    kinds = set(Activity.objects.values_list("kind", flat=True))
    assert {
        ActivityKind.THEME_DAY,
        ActivityKind.COMMITTEE_MEETING,
        ActivityKind.JOINT,
        ActivityKind.VOLUNTEER,
    } <= kinds
    assert Activity.objects.filter(status=ActivityStatus.PUBLISHED).exists()
    counted = stats.counted_activities()
    assert counted.count() > 4 * 12
    assert Signup.objects.filter(activity__kind=ActivityKind.VOLUNTEER).exists()
    # Sign-up counts match the attendance rows written.
    a = Activity.objects.filter(kind=ActivityKind.THEME_DAY, status=ActivityStatus.DONE).first()
    assert a.signed_up_count == Signup.objects.filter(activity=a).count() > 0
    result = stats.life_compliance(city.city, stats.period_of(ctx.today, "month").previous(), today=ctx.today)
    assert result["branches"] == 4 and result["judged_branches"] == 4
