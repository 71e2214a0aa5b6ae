"""Fixtures of co-building: the test city with a community admin, a unit liaison, an in-service
member with an account, service posts and one resource/need per side."""

from __future__ import annotations

from types import SimpleNamespace

import pytest


@pytest.fixture
def cb(city, make_user):
    from grassroots.cobuild import services
    from grassroots.party.models import Member

    a, b = city.communities[0], city.communities[2]
    ns = SimpleNamespace(city=city, A=a, B=b, unit_a=city.units[0], unit_b=city.units[2])
    ns.admin = make_user("cb_admin", "community_admin", a)
    ns.admin_b = make_user("cb_admin_b", "community_admin", b)
    ns.street = make_user("cb_street", "street_admin", city.streets[0])
    ns.liaison = make_user("cb_liaison", "unit_liaison", city.community_orgs[0])
    ns.liaison2 = make_user("cb_liaison2", "unit_liaison", city.community_orgs[0])
    ns.member_user = make_user("cb_member", "party_member", None)
    ns.member = city.members[0]
    Member.objects.filter(pk=ns.member.pk).update(
        user=ns.member_user, in_service=True, workplace_unit=ns.unit_b
    )
    ns.member.refresh_from_db()
    ns.posts = [
        services.add_post(ns.admin, community=a, name=n) for n in ("政策宣传", "环境整治", "矛盾调解")
    ]
    return ns
