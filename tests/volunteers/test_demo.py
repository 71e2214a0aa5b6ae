"""The demo step fills every community with volunteers data and a consistent ledger."""

from __future__ import annotations

import pytest
from django.db.models import Count, Sum

from grassroots.demo.context import DemoContext
from grassroots.demo.generator import generate as generate_city
from grassroots.demo.presets import get_preset
from grassroots.orglife.models import Signup
from grassroots.regions.models import Region
from grassroots.volunteers import demo
from grassroots.volunteers.models import (
    CatalogItem,
    PointEntry,
    Redemption,
    Volunteer,
    VolunteerTeam,
    Wish,
    WishState,
)

pytestmark = pytest.mark.django_db


def test_demo_step_fills_every_community_consistently():
    ctx = DemoContext(preset="tiny", seed=3, scale=get_preset("tiny"), show_progress=False)
    generate_city(ctx, app_steps=False)
    demo.generate(ctx)
    communities = Region.objects.filter(level="community")
    n = communities.count()
    assert n > 0
    assert Volunteer.objects.values("region").distinct().count() == n
    assert VolunteerTeam.objects.values("region").distinct().count() == n
    per_state = dict(Wish.objects.values_list("state").annotate(c=Count("pk")))
    assert set(per_state) == set(WishState.values)
    assert Signup.objects.filter(activity__kind="volunteer", checked_out_at__isnull=False).exists()
    assert Redemption.objects.exists() and CatalogItem.objects.filter(region__in=communities).count() == 5 * n
    balances = PointEntry.objects.values("account").annotate(b=Sum("amount"))
    assert balances and all(row["b"] >= 0 for row in balances)
    assert not CatalogItem.objects.filter(stock__lt=0).exists()
    # every redemption has its ledger entry of the same points
    for r in Redemption.objects.select_related("entry")[:20]:
        assert r.entry.amount == -r.points and r.entry.account_id == r.account_id
    # running it again adds nothing (communities that have volunteers are skipped)
    before = Volunteer.objects.count()
    demo.generate(ctx)
    assert Volunteer.objects.count() == before
