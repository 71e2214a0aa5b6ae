"""Fixtures for the whistle: departments of a tiny city and the people who summon and respond."""

from __future__ import annotations

import os
from types import SimpleNamespace

import pytest

from grassroots.cases.models import Handler

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def wh(city, make_user):
    """Two departments (city management with two members, housing with one), a street admin of
    street 0, a community admin of community 0, a street admin of street 1 and the district admin."""
    district, street = city.district, city.streets[0]
    ns = SimpleNamespace(city=city, district=district, street=street, street2=city.streets[1])
    ns.c0, ns.c2 = city.communities[0], city.communities[2]
    ns.dept = Handler.objects.create(kind="department", name="区城市管理局", region=district)
    ns.dept2 = Handler.objects.create(kind="department", name="区住房和城乡建设局", region=district)
    ns.dept3 = Handler.objects.create(kind="department", name="区市场监管局", region=district)
    ns.community_handler = Handler.objects.create(kind="community", name="团岛社区居委会", region=ns.c0)
    ns.street_admin = make_user("wh_street", "street_admin", street)
    ns.street2_admin = make_user("wh_street2", "street_admin", ns.street2)
    ns.community_admin = make_user("wh_comm", "community_admin", ns.c0)
    ns.district_admin = make_user("wh_district", "district_admin", district)
    ns.member_a = make_user("wh_dept_a", "department_handler", district)
    ns.member_b = make_user("wh_dept_b", "department_handler", district)
    ns.member_other = make_user("wh_dept_other", "department_handler", district)
    ns.dept.members.add(ns.member_a, ns.member_b)
    ns.dept2.members.add(ns.member_other)
    return ns


@pytest.fixture
def summons_for(wh):
    from grassroots.whistle import services

    def _make(user=None, region=None, handlers=None, **kw):
        data = dict(subject="占道经营整治", description="街口早市占道经营，影响通行和消防通道")
        data.update(kw)
        return services.summon(
            user or wh.street_admin,
            region=region or wh.street,
            handlers=handlers if handlers is not None else [wh.dept, wh.dept2],
            **data,
        )

    return _make
