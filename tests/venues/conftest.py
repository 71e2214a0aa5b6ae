"""Fixtures of the venues tests: a community center with a bookable room, a shared unit venue."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from grassroots.venues.models import Room, ServiceCenter


def at(days: int, hour: int, minute: int = 0) -> datetime.datetime:
    """Local (Asia/Shanghai) time `days` from today at hour:minute, aware."""
    day = timezone.localdate() + datetime.timedelta(days=days)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


@pytest.fixture
def venue(city):
    a = city.communities[0]
    center = ServiceCenter.objects.create(
        code="C-A",
        name="团岛社区党群服务中心",
        level="community",
        region=a,
        lng=120.305,
        lat=36.065,
        area_m2=800,
        opens_at=datetime.time(0, 0),
        closes_at=datetime.time(23, 59),
        contact_phone="13812345678",
    )
    room = Room.objects.create(center=center, name="多功能厅", capacity=50, slot_minutes=30)
    return room


@pytest.fixture
def shared_room(city):
    """A unit's venue shared with community A; the unit has a party branch (its liaison approves)."""
    unit = city.units[0]
    unit.party_work = "own_org"
    unit.party_org = city.branches[0]
    unit.save()
    center = ServiceCenter.objects.create(
        code="C-U",
        name="物业公司党建活动室",
        level="outpost",
        region=city.communities[0],
        owner_unit=unit,
        opens_at=datetime.time(0, 0),
        closes_at=datetime.time(23, 59),
    )
    return Room.objects.create(center=center, name="活动室", capacity=20)
