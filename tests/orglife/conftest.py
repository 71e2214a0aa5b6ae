"""Fixtures for orglife tests: an admin of one community, a member with an account, helpers."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from grassroots.accounts.models import Role, RoleAssignment
from grassroots.core.scoping import reset_grants
from grassroots.orglife.models import Activity, ActivityKind


@pytest.fixture
def branch(city):
    b = city.branches[0]
    b.committee_size = 3
    b.save()
    return b


@pytest.fixture
def admin(make_user, city):
    return make_user("oladmin", "community_admin", city.communities[0])


@pytest.fixture
def other_admin(make_user, city):
    return make_user("oladmin2", "community_admin", city.communities[3])


@pytest.fixture
def member_user(make_user, city, branch):
    user = make_user("olmember", display_name="团岛党员1")
    RoleAssignment.objects.create(user=user, role=Role.objects.get(code="party_member"))
    reset_grants(user)
    m = city.members[0]
    m.user = user
    m.save()
    return user


@pytest.fixture
def make_activity(branch):
    def _make(kind=ActivityKind.THEME_DAY, *, start=None, hours=2, org=None, **extra) -> Activity:
        start = start or timezone.now() + datetime.timedelta(days=2)
        org = org or branch
        data = {
            "kind": kind,
            "title": extra.pop("title", "主题党日：学习交流"),
            "party_org": org,
            "region": org.region,
            "starts_at": start,
            "ends_at": start + datetime.timedelta(hours=hours),
        }
        data.update(extra)
        return Activity.objects.create(**data)

    return _make


def local_dt(y, m, d, hh=9, mm=0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(y, m, d, hh, mm))
