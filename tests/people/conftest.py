"""Fixtures of the people tests: the shared city, admins of community 0 and of the city."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def c0_admin(city, make_user):
    return make_user("c0admin", "community_admin", city.communities[0])


@pytest.fixture
def city_admin(city, make_user):
    return make_user("cityadmin", "city_admin", city.city)
