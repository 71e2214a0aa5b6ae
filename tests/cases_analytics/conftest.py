"""Fixtures for case analytics: hand-built cases (no workflow calls) in the tiny city."""

from __future__ import annotations

import datetime
import itertools
import math
from types import SimpleNamespace

import pytest
from django.utils import timezone

from grassroots.cases.analytics import M_PER_DEG
from grassroots.cases.models import Case, Category, Handler

_seq = itertools.count(1)
_UNSET = object()
NOW = timezone.make_aware(datetime.datetime(2026, 6, 15, 10, 0))
LAT0, LNG0 = 36.0650, 120.3050


@pytest.fixture(autouse=True)
def _fast(settings, tmp_path):
    settings.VAR_DIR = tmp_path


def offset(lat: float, lng: float, north_m: float = 0.0, east_m: float = 0.0) -> tuple[float, float]:
    """A point north_m / east_m metres away (spherical, the same earth radius as the alerts)."""
    dlat = north_m / M_PER_DEG
    dlng = east_m / (M_PER_DEG * math.cos(math.radians(lat)))
    return lat + dlat, lng + dlng


@pytest.fixture
def ctx(city, make_user):
    street, c0, c1, c2 = city.streets[0], city.communities[0], city.communities[1], city.communities[2]
    ns = SimpleNamespace(city=city, street=street, c0=c0, c1=c1, c2=c2)
    ns.h_c0 = Handler.objects.create(kind="community", name="团岛社区居委会", region=c0)
    ns.h_c1 = Handler.objects.create(kind="community", name="云南路社区居委会", region=c1)
    ns.h_c2 = Handler.objects.create(kind="community", name="四方路社区居委会", region=c2)
    ns.h_dept = Handler.objects.create(kind="department", name="区城市管理局", region=city.district)
    ns.street_admin = make_user("street_a", "street_admin", street)
    ns.district_admin = make_user("district_a", "district_admin", city.district)
    ns.community_admin = make_user("comm_c1", "community_admin", c1)
    ns.grid_worker = make_user("gw_c0", "grid_worker", c0)
    ns.resident = make_user("res1", "resident")
    ns.cat_garbage = Category.objects.get(code="1101")
    ns.cat_noise = Category.objects.get(code="2301")
    return ns


@pytest.fixture
def make_case(ctx):
    def _make(region=None, *, state="dispatched", category=None, handler=_UNSET, **kw) -> Case:
        n = next(_seq)
        region = region or ctx.c0
        data = dict(
            number=f"T{n:08d}",
            channel="patrol",
            category=category if category is not None else ctx.cat_garbage,
            tier="minor",
            description="测试诉求描述内容",
            region=region,
            state=state,
            handler=handler if handler is not _UNSET else (ctx.h_c0 if state != "submitted" else None),
            submitted_at=NOW - datetime.timedelta(days=2),
            dispatched_at=NOW - datetime.timedelta(days=2),
            reporter_name="张三",
            reporter_phone="13812345678",
        )
        data.update(kw)
        return Case.objects.create(**data)

    return _make
