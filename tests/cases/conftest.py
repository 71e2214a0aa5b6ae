"""Fixtures for the case closed loop: handlers for a tiny city and the people who act for them."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from grassroots.cases import services
from grassroots.cases.models import Category, Channel, DispatchRule, Handler


@pytest.fixture
def loop(city, make_user):
    """city + handlers (one per community and street, two departments) + users acting for them."""
    district = city.district
    street = city.streets[0]
    c0, c1 = city.communities[0], city.communities[1]
    ns = SimpleNamespace(city=city, street=street, c0=c0, c1=c1)
    ns.h_c0 = Handler.objects.create(kind="community", name=f"{c0.name}居委会", region=c0)
    ns.h_c1 = Handler.objects.create(kind="community", name=f"{c1.name}居委会", region=c1)
    ns.h_street = Handler.objects.create(kind="street", name=street.name, region=street)
    ns.h_dept = Handler.objects.create(kind="department", name="区城市管理局", region=district)
    ns.h_dept2 = Handler.objects.create(kind="department", name="区住房和城乡建设局", region=district)
    ns.dispatcher = make_user("street_disp", "street_admin", street)
    ns.admin_c0 = make_user("admin_c0", "community_admin", c0)
    ns.admin_c1 = make_user("admin_c1", "community_admin", c1)
    ns.dept_a = make_user("dept_a", "department_handler", district)
    ns.dept_b = make_user("dept_b", "department_handler", district)
    ns.dept_other = make_user("dept_other", "department_handler", district)
    ns.h_dept.members.add(ns.dept_a, ns.dept_b)
    ns.h_dept2.members.add(ns.dept_other)
    ns.resident = make_user("resident1", "resident")
    ns.cat_garbage = Category.objects.get(code="1101")  # 暴露垃圾: minor, street, 1 working day
    ns.cat_manhole = Category.objects.get(code="0101")  # 井盖: major, department, 24 h
    ns.cat_noise = Category.objects.get(code="2301")  # 噪音扰邻: minor, community, on the admission list
    ns.cat_private = Category.objects.get(code="2302")  # 私人财产纠纷: private
    DispatchRule.objects.create(category=ns.cat_manhole, handler=ns.h_dept)
    return ns


@pytest.fixture
def new_case(loop):
    def _new(category=None, region=None, **kw) -> object:
        data = dict(
            channel=Channel.H5,
            region=region or loop.c0,
            description="小区门口井盖缺失，夜间很危险",
            category=category,
            lng=120.31,
            lat=36.06,
            address="云南路 1 号",
            reporter_name="张三",
            reporter_phone="13812345678",
        )
        data.update(kw)
        return services.submit(loop.resident, **data)

    return _new


@pytest.fixture
def dispatched(loop, new_case):
    """A manhole case dispatched (by rule) to the district city-management department."""

    def _make():
        case = new_case(loop.cat_manhole)
        services.triage(loop.dispatcher, case, category=loop.cat_manhole)
        services.dispatch(loop.dispatcher, case)
        return case

    return _make


@pytest.fixture
def gridded(loop):
    """Communities c0 and c1 of the loop city with 2 × 2 grids each (routing index rebuilt)."""
    from shapely.geometry import mapping

    from grassroots.grids.routing import bump_version
    from grassroots.regions.models import Region
    from tests.grids.conftest import add_grids, community_box

    loop.grids0 = add_grids(loop.c0, 0)
    loop.grids1 = add_grids(loop.c1, 1)
    # community boundaries: what the resident's tap-to-locate map draws
    for k, community in enumerate((loop.c0, loop.c1)):
        Region.objects.filter(pk=community.pk).update(polygon=mapping(community_box(k)))
    bump_version()
    return loop


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
