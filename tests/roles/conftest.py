"""One generated demo city (tiny preset, every app step) with the demo accounts, shared by the package.

Built once inside a transaction that is rolled back after the last test of tests/roles, so the other tests of
the session still start from an empty database."""

from __future__ import annotations

import pytest
from django.db import transaction

PASSWORD = "Demo-Pass-2026!"
ROLES = ["admin", "street", "community", "gridworker", "dept", "member", "auditor", "resident"]


class _Rollback(Exception):
    pass


@pytest.fixture(scope="package")
def demo_city(django_db_setup, django_db_blocker):
    from django.core.cache import cache

    from grassroots.accounts import services as accounts
    from grassroots.demo.context import DemoContext
    from grassroots.demo.generator import generate
    from grassroots.demo.management.commands.demoadmin import create_demo_accounts
    from grassroots.demo.presets import get_preset

    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            generate(DemoContext(preset="tiny", seed=1, scale=get_preset("tiny"), show_progress=False))
            with accounts.console_context():
                create_demo_accounts(PASSWORD)
            cache.clear()
            yield
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
            cache.clear()
