import os

import pytest

# Playwright's sync API runs an event loop in the test thread (browser tests only).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def admin_a(city, make_user):
    """Community admin of 团岛社区 (communities[0])."""
    return make_user("admin_a", "community_admin", city.communities[0])


@pytest.fixture
def admin_b(city, make_user):
    """Community admin of 四方路社区 (another street)."""
    return make_user("admin_b", "community_admin", city.communities[2])


@pytest.fixture
def street_admin(city, make_user):
    return make_user("street_a", "street_admin", city.streets[0])


@pytest.fixture
def viewer(city, make_user):
    """Grid worker: views, changes regions, sees personal data but may not export it."""
    return make_user("grid_a", "grid_worker", city.communities[0])


@pytest.fixture
def outsider(city, make_user):
    """A department handler: dashboards and regions only, no party/units/people permissions."""
    return make_user("dept_a", "department_handler", city.communities[0])
