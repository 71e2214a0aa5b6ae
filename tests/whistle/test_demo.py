"""The whistle demo step on the test city: every street, 12 months, mostly on time, a few escalated."""

from __future__ import annotations

import datetime

import pytest
from django.db.models import F
from django.utils import timezone

from grassroots.demo.context import DemoContext
from grassroots.whistle import demo, stats
from grassroots.whistle.models import Assessment, Summons, Target

pytestmark = pytest.mark.django_db


def test_demo_step(city):
    ctx = DemoContext(preset="tiny", seed=5, show_progress=False)
    demo.generate(ctx)
    streets = {s.path for s in city.streets}
    summonses = Summons.objects.select_related("region")
    assert summonses.count() >= 2 * 12
    assert {next(p for p in streets if s.region.path.startswith(p)) for s in summonses} == streets
    oldest = summonses.order_by("created_at").first().created_at
    assert oldest < timezone.now() - datetime.timedelta(days=300)
    targets = Target.objects.all()
    on_time = targets.filter(checked_in_at__lte=F("due_at")).count()
    late = targets.filter(checked_in_at__gt=F("due_at")).count()
    assert on_time > late > 0 and on_time / targets.count() > 0.6
    # targets of one summons never share a department; states agree with timestamps
    assert not targets.filter(state="summoned", checked_in_at__isnull=False).exists()
    assert not targets.filter(state="reported", reported_at__isnull=True).exists()
    for s in summonses.filter(state="closed"):
        assert not s.targets.exclude(state="reported").exists()
    year_ago = timezone.localdate() - datetime.timedelta(days=366)
    rate = stats.checkin_rate(city.city, year_ago, timezone.localdate() + datetime.timedelta(days=1))
    assert 60 < rate < 100
    assert Assessment.objects.count() == 2 * 8  # two streets × the district's eight departments


def test_demo_respects_the_requested_check_in_mode(city):
    demo.generate(DemoContext(preset="tiny", seed=7, show_progress=False))
    wrong = Target.objects.filter(summons__requested_mode="onsite", checkin_mode="online")
    assert Target.objects.filter(summons__requested_mode="onsite", checkin_mode="onsite").exists()
    assert not wrong.exists()
