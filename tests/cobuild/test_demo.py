"""The co-building demo step fills every community (tiny preset)."""

from __future__ import annotations

import pytest

from grassroots.cobuild import demo, stats
from grassroots.cobuild.models import (
    Committee,
    Meeting,
    Need,
    Project,
    Registration,
    Resolution,
    Resource,
    ServicePost,
)
from grassroots.regions.models import Region

pytestmark = pytest.mark.django_db


def test_demo_step_fills_every_community():
    from grassroots.demo.context import DemoContext
    from grassroots.demo.generator import generate
    from grassroots.demo.presets import get_preset
    from grassroots.party.models import Member
    from grassroots.units.models import Unit

    ctx = DemoContext(preset="tiny", seed=7, scale=get_preset("tiny"), show_progress=False)
    generate(ctx, app_steps=False)
    demo.generate(ctx)
    communities = Region.objects.filter(level="community")
    n = communities.count()
    assert n and ServicePost.objects.values("community").distinct().count() == n
    assert Need.objects.values("community").distinct().count() == n
    units = Unit.objects.count()
    unit_regs = Registration.objects.filter(kind="unit").count()
    assert units and unit_regs >= units * 0.6
    in_service = Member.objects.filter(in_service=True, residence__isnull=False).count()
    if in_service:
        assert Registration.objects.filter(kind="member").count() >= in_service * 0.6
    assert Resource.objects.exists() and Need.objects.filter(state__in=["claimed", "done"]).exists()
    assert Project.objects.exists() and not Project.objects.filter(units=None).exists()
    from grassroots.cobuild.models import ProjectOutput

    done = Project.objects.filter(state="done")
    assert ProjectOutput.objects.filter(project__in=done).values("project").distinct().count() == done.count()
    assert Committee.objects.filter(kind="coordination").count() == n
    assert Meeting.objects.filter(committee__kind="coordination").count() == 12 * n
    assert (
        Meeting.objects.filter(state="held").exists()
        and Resolution.objects.filter(done_on__isnull=False).exists()
    )
    # every need points at its community's party org (liaisons of the community committee see it)
    assert not Need.objects.filter(org=None).exists()
    from django.contrib.auth import get_user_model

    from grassroots.core import tallies

    tallies.refresh_all()  # what the demo's last step (the rollup) does for the home figures
    root = get_user_model().objects.create_superuser("cb_root", password="x")
    figures = {f["label"]: f["value"] for f in stats.home_figures(root)}
    assert figures["召开联席会议"] == Meeting.objects.filter(state="held").count()
    # a second run adds nothing
    before = Need.objects.count()
    demo.generate(ctx)
    assert Need.objects.count() == before
