"""Fixtures for the export tests: the hand-built cases of the analytics tests and the micro-wishes of
the volunteers tests (imported, so both sets of objects live in one tiny city)."""

import pytest

from tests.cases_analytics.conftest import ctx, make_case  # noqa: F401
from tests.volunteers.conftest import new_wish, vw  # noqa: F401


@pytest.fixture(autouse=True)
def _fast(settings, tmp_path):
    settings.VAR_DIR = tmp_path
