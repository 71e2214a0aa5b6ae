"""Shared fixtures: a small region/org tree, users with role assignments, API clients."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client

from grassroots.accounts.models import ApiToken, Role, RoleAssignment, User
from grassroots.core.scoping import reset_grants


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """On PostgreSQL, end the sessions a browser test's server threads may still hold at the end of
    the run: otherwise DROP DATABASE fails ("being accessed by other users") and every run leaves its
    test databases behind on the machine.

    Also on PostgreSQL: the test database's audit TRUNCATE trigger is disabled, because transactional
    tests empty every table with TRUNCATE between tests; tests/core/test_audit_guard.py enables it
    inside its own transaction."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with django_db_blocker.unblock(), connection.cursor() as cursor:
            cursor.execute("ALTER TABLE core_auditevent DISABLE TRIGGER core_auditevent_no_truncate")
    yield
    if connection.vendor != "postgresql":
        return
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )


@pytest.fixture(scope="session", autouse=True)
def _static_root_exists():
    """WhiteNoise warns once per middleware build ("No directory at ...") when STATIC_ROOT is missing,
    which a test var dir never has: the suite printed nearly a thousand identical warnings."""
    from django.conf import settings

    settings.STATIC_ROOT.mkdir(parents=True, exist_ok=True)


@pytest.fixture(autouse=True)
def _plain_static_storage(settings):
    """Pages render without a collectstatic manifest (production serves hashed files; tests don't need
    them). Browser tests that need real files serve them from the finders."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _fast_password_hashing(request, settings):
    """Argon2 (production's hasher, 100 MB and a few hundred milliseconds per hash) for every fixture
    user made the suite spend minutes hashing; tests of hashing itself are marked `real_hashers`."""
    if request.node.get_closest_marker("real_hashers") is None:
        settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _empty_cache():
    """Per-user cache keys (e.g. the alert badge) must not leak between tests that reuse primary keys."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def make_user(db):
    def _make(username: str, role: str | None = None, scope=None, **extra) -> User:
        user = User.objects.create_user(username=username, password="Secret-Pass-123", **extra)
        if role:
            from grassroots.party.models import PartyOrg

            kwargs = {"party_org": scope} if isinstance(scope, PartyOrg) else {"region": scope}
            RoleAssignment.objects.create(user=user, role=Role.objects.get(code=role), **kwargs)
        reset_grants(user)
        return user

    return _make


@pytest.fixture
def city(db):
    """A tiny city: 1 district, 2 streets, 2 communities each, with orgs, units and members."""
    from tests.factories import build_city

    return build_city()


@pytest.fixture
def client_for():
    def _client(user) -> Client:
        c = Client()
        c.force_login(user)
        return c

    return _client


@pytest.fixture
def token_for():
    def _token(user) -> str:
        _t, raw = ApiToken.issue(user, name="test")
        return raw

    return _token


@pytest.fixture
def today():
    return datetime.date.today()


@pytest.fixture
def browser():
    """Debian's chromium through Playwright (tests/browser.py); skipped where it is not installed."""
    from tests import browser as chromium

    if not chromium.available():
        pytest.skip(f"{chromium.CHROMIUM} is missing")
    with chromium.launch() as b:
        yield b
