"""Fixtures for 联户 and 民情日志: a community with hubs, households in several buildings, a grid."""

from __future__ import annotations

import datetime
from types import SimpleNamespace

import pytest
from django.utils import timezone

from grassroots.grids.models import Grid
from grassroots.outreach.models import HubLink, LinkState
from grassroots.regions.models import Household
from tests.factories import add_region, phone


def _square(x, y, d=0.01):
    return {"type": "Polygon", "coordinates": [[[x, y], [x + d, y], [x + d, y + d], [x, y + d], [x, y]]]}


@pytest.fixture
def hubs(city, make_user):
    """Community 0 (团岛社区): hood 1 with building 1 (the hub's, 2 households besides the hub's own room)
    and building 2 (~100 m away), hood 2 with building 3 (~150 m) and building 4 (~2 km, too far).
    Everything lies in one grid. The hub member is members[0] (room 101 of building 1, entrance 1)."""
    c0 = city.communities[0]
    ns = SimpleNamespace(city=city, community=c0, other=city.communities[2])
    from grassroots.regions.models import Region

    hood1 = Region.objects.get(code=c0.code + "001")
    b1 = Region.objects.get(code=c0.code + "001001")
    e1 = Region.objects.get(code=c0.code + "001001001")
    x, y = 120.30, 36.06
    Region.objects.filter(pk=b1.pk).update(lng=x, lat=y)
    b2 = add_region(hood1, c0.code + "001002", "2号楼", "building", lng=x + 0.001, lat=y)
    e2 = add_region(b2, c0.code + "001002001", "1单元", "entrance")
    hood2 = add_region(c0, c0.code + "002", "东苑小区", "neighborhood")
    b3 = add_region(hood2, c0.code + "002001", "3号楼", "building", lng=x + 0.0015, lat=y + 0.0005)
    e3 = add_region(b3, c0.code + "002001001", "1单元", "entrance")
    b4 = add_region(hood2, c0.code + "002002", "4号楼", "building", lng=x + 0.02, lat=y + 0.01)
    e4 = add_region(b4, c0.code + "002002001", "1单元", "entrance")
    ns.grid = Grid.objects.create(
        region=c0,
        code=f"{c0.code}001",
        name="团岛第1网格",
        polygon=_square(x - 0.005, y - 0.005, 0.04),
        area_m2=1.0,
        lng=x,
        lat=y,
    )

    def hh(entrance, room, name):
        return Household.objects.create(
            entrance=entrance, room=room, head_name=name, phone=phone(), size=2, grid=ns.grid
        )

    ns.own = hh(e1, "101", "党员本户")  # the hub's own household (same entrance and room)
    Household.objects.filter(entrance=e1).update(grid=ns.grid)
    ns.same_building = list(Household.objects.filter(entrance=e1).exclude(pk=ns.own.pk).order_by("pk"))
    ns.same_hood = [hh(e2, "201", "王二"), hh(e2, "202", "王三")]
    ns.near = [hh(e3, "301", "赵四")]
    ns.far = [hh(e4, "401", "钱五")]
    ns.hub = city.members[0]
    ns.hub.is_household_hub = True
    ns.hub.user = make_user("hub1", "party_member")
    ns.hub.save()
    ns.other_member = city.members[1]
    ns.other_member.user = make_user("member2", "party_member")
    ns.other_member.save()
    ns.admin = make_user("ca0", "community_admin", c0)
    ns.other_admin = make_user("ca2", "community_admin", ns.other)
    ns.gridworker = make_user("gw0", "grid_worker", c0)
    ns.street_admin = make_user("sa0", "street_admin", city.streets[0])
    ns.e1 = e1
    return ns


def make_link(
    ns, household, *, state=LinkState.CONFIRMED, days_confirmed=60, last_contact_days=None, hub=None
):
    now = timezone.now()
    return HubLink.objects.create(
        hub=hub or ns.hub,
        household=household,
        community=ns.community,
        state=state,
        confirmed_at=now - datetime.timedelta(days=days_confirmed) if state == LinkState.CONFIRMED else None,
        last_contact_at=now - datetime.timedelta(days=last_contact_days)
        if last_contact_days is not None
        else None,
    )
