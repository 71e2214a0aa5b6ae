"""Fixtures for volunteers: staff of two communities, a party member, a resident and a unit liaison."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from grassroots.volunteers import wishes
from tests.factories import png_bytes


def photo(name="p.png"):
    return SimpleUploadedFile(name, png_bytes(), content_type="image/png")


@pytest.fixture
def vw(city, make_user):
    """Volunteer world: c0 / c1 communities (different streets: c0 = communities[0], c1 = [2])."""
    c0, c1 = city.communities[0], city.communities[2]
    ns = SimpleNamespace(city=city, c0=c0, c1=c1)
    ns.admin0 = make_user("vadmin0", "community_admin", c0)
    ns.admin1 = make_user("vadmin1", "community_admin", c1)
    ns.worker0 = make_user("vworker0", "grid_worker", c0)
    ns.member = make_user("vmember", "party_member", display_name="党员甲")
    ns.member2 = make_user("vmember2", "party_member", display_name="党员乙")
    ns.resident = make_user("vresident", "resident", display_name="居民丙")
    ns.liaison = make_user("vliaison", "unit_liaison", city.community_orgs[0])
    city.members[0].user = ns.member
    city.members[0].save(update_fields=["user"])
    ns.member_rec = city.members[0]
    unit = city.units[0]
    unit.party_org = city.branches[0]
    unit.save(update_fields=["party_org"])
    ns.unit = unit
    return ns


@pytest.fixture
def new_wish(vw):
    def _new(region=None, by=None, **kw):
        data = dict(
            region=region or vw.c0,
            title="想要一台收音机",
            beneficiary_name="王秀英",
            beneficiary_phone="13812345678",
            description="独居老人，想听广播",
            photos=[photo()],
        )
        data.update(kw)
        return wishes.post_wish(by or vw.worker0, **data)

    return _new


@pytest.fixture
def published(vw, new_wish):
    def _make(**kw):
        wish = new_wish(**kw)
        return wishes.review_wish(vw.admin0 if wish.region_id == vw.c0.pk else vw.admin1, wish, approve=True)

    return _make
