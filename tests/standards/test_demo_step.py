"""The standards demo step on the tiny demo city: evaluations at every step, funding, sites, a health run."""

from __future__ import annotations

import pytest

from grassroots.demo.context import DemoContext
from grassroots.demo.generator import generate
from grassroots.demo.presets import get_preset
from grassroots.regions.models import Region
from grassroots.standards import demo
from grassroots.standards.models import (
    BranchHealth,
    EvalState,
    Evaluation,
    FundingRecord,
    HealthRun,
    Honour,
    RunState,
)

pytestmark = pytest.mark.django_db


def test_demo_step_builds_consistent_standards_data():
    ctx = DemoContext(preset="tiny", seed=3, scale=get_preset("tiny"), show_progress=False)
    generate(ctx, app_steps=False)
    demo.generate(ctx)
    year = ctx.today.year - 1
    regions = Region.objects.filter(level__in=["street", "community"]).count()
    assert Evaluation.objects.filter(period=year).count() == regions
    for ev in Evaluation.objects.prefetch_related("scores", "steps"):
        scores = list(ev.scores.all())
        assert ev.total == sum(s.score or 0 for s in scores)
        assert (ev.state == EvalState.CONFIRMED) == bool(ev.grade)
        assert len(ev.steps.all()) == {"self": 0, "review": 1, "confirm": 2, "confirmed": 3}[ev.state]
    communities = Region.objects.filter(level="community").count()
    assert (
        FundingRecord.objects.filter(direction="received").values("community").distinct().count()
        == communities
    )
    assert Honour.objects.count() == min(41, communities)
    run = HealthRun.objects.get()
    assert run.state == RunState.DONE and run.total == BranchHealth.objects.filter(run=run).count() > 0
    assert run.red + run.yellow + run.green == run.total
    # every street has its duty list and delegated powers, some checked
    from grassroots.standards.models import StreetDuty

    streets = Region.objects.filter(level="street")
    for kind in ("duty", "power"):
        assert StreetDuty.objects.filter(kind=kind).values("street").distinct().count() == streets.count()
    assert (
        StreetDuty.objects.filter(status="ok").exists()
        and StreetDuty.objects.filter(status="pending").exists()
    )


def test_demo_city_health_is_believable_and_grid_branches_have_members():
    """Issue 16: most branches green, at most 15 % red, each red branch with the facts behind it, and no
    grid with an empty branch counted as covered (grid branches get resident members or are not kept)."""
    from grassroots.grids import demo as grids_demo
    from grassroots.grids.models import Grid
    from grassroots.grids.stats import org_full_members_expr
    from grassroots.orglife import demo as orglife_demo
    from grassroots.standards import indicators

    ctx = DemoContext(preset="tiny", seed=5, scale=get_preset("tiny"), show_progress=False)
    generate(ctx, app_steps=False)
    grids_demo.generate(ctx)
    orglife_demo.generate(ctx)
    demo.generate(ctx)
    run = HealthRun.objects.get()
    assert run.total > 0 and run.green > run.total / 2 and run.red <= 0.15 * run.total
    for bh in BranchHealth.objects.filter(run=run, light="red"):
        assert bh.findings and all(f["message"] for f in bh.findings)
    grids = list(Grid.objects.annotate(org_full=org_full_members_expr()).values("party_org_id", "org_full"))
    assert any(g["party_org_id"] for g in grids)
    assert all(g["org_full"] >= 3 for g in grids if g["party_org_id"])
    city = Region.objects.get(level="city")
    with_org = sum(1 for g in grids if g["party_org_id"])
    assert indicators.measure("grid_party", city).value == pytest.approx(100 * with_org / len(grids), abs=0.1)
