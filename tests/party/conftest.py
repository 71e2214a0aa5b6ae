"""Fixtures for party tests: the two sides of a transfer in different streets."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop


@pytest.fixture
def sender(city, make_user):
    """Community administrator of community 0 (street 1): sends from branch 0."""
    return make_user("sender", "community_admin", city.communities[0])


@pytest.fixture
def receiver(city, make_user):
    """Community administrator of community 2 (street 2): receives in branch 2."""
    return make_user("receiver", "community_admin", city.communities[2])
