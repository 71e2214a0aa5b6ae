"""The grids demo step on the test city (communities given polygons and grid workers)."""

from __future__ import annotations

from shapely.geometry import mapping

from grassroots.demo.context import DemoContext
from grassroots.grids import demo
from grassroots.grids import geometry as geo
from grassroots.grids.duties import chain_for_grid
from grassroots.grids.models import Duty, Grid, GridAssignment
from grassroots.party.models import PartyOrg
from grassroots.people.models import Worker
from grassroots.regions.models import Household, Region

from .conftest import X0, Y0, H, W, community_box


def test_demo_step_tiles_communities_and_places_households(city):
    for k, c in enumerate(city.communities):
        c.polygon = mapping(community_box(k))
        c.save()
        for n in range(8):
            Worker.objects.create(
                code=f"G{c.code}{n}", name=f"网格员{n}", region=c, post="staff", grade=15, role="grid_worker"
            )
        b = Region.objects.get(path__startswith=c.path, level="building")
        b.lng, b.lat = X0 + k * W + 0.3 * W, Y0 + 0.6 * H
        b.save()
    ctx = DemoContext(preset="tiny", seed=3, show_progress=False)
    demo.generate(ctx)
    for c in city.communities:
        grids = list(Grid.objects.filter(region=c))
        assert len(grids) == 8 and all(g.code.startswith(c.code) and len(g.code) == 15 for g in grids)
        problems = geo.validate_tiling(
            [(g.code, geo.from_stored(g.polygon)) for g in grids], geo.from_stored(c.polygon), c.name
        )
        assert problems == []
        assert GridAssignment.objects.filter(grid__region=c, role="grid_worker").count() == 8
        assert Duty.objects.filter(grid__region=c, level="grid").count() == 8
        chain = {d.level for d in chain_for_grid(grids[0])}
        assert chain == {"province", "city", "district", "street", "community", "grid"}
        hh = Household.objects.filter(entrance__path__startswith=c.path)
        assert hh.exists() and all(h.grid_id and h.grid.region_id == c.id for h in hh)
    # Grid branches are staffed with resident members moved from the community branches (which keep their
    # 3 full members here), so none is kept: no empty grid branch exists or counts as coverage (GOV-4).
    from grassroots.grids.stats import org_full_members_expr

    with_org = list(Grid.objects.filter(party_org__isnull=False).annotate(n=org_full_members_expr()))
    assert len(with_org) <= 32 and all(g.n >= 3 for g in with_org)
    assert PartyOrg.objects.filter(code__startswith="G").count() == len(with_org)
    # treebeard paths stay consistent: every grid org is a child of its community org
    for g in Grid.objects.filter(party_org__isnull=False).select_related("party_org"):
        parent = PartyOrg.objects.get(path=g.party_org.path[: -PartyOrg.steplen])
        assert (
            parent.region_id == g.region_id
            and parent.numchild
            == PartyOrg.objects.filter(path__startswith=parent.path, depth=parent.depth + 1).count()
        )
    # the grid branches that were not kept left no trace in the tree counts
    for o in PartyOrg.objects.all():
        assert o.numchild == PartyOrg.objects.filter(path__startswith=o.path, depth=o.depth + 1).count()
