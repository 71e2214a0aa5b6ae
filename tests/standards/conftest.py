from __future__ import annotations

import os

import pytest

# Playwright's sync API runs an event loop in the test thread (browser tests only).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from grassroots.standards.services import run_health_check


@pytest.fixture
def admin(city, make_user):
    """A city-wide admin (standards.view and standards.change)."""
    return make_user("city_admin_u", "city_admin", city.city)


@pytest.fixture
def findings(admin):
    """findings(rule=None, user=admin, **kw) -> list of findings, optionally of one rule."""

    def _run(rule: str | None = None, user=None, **kw):
        report = run_health_check(user or admin, **kw)
        assert not report.errors
        return [f for f in report.findings if rule is None or f.rule == rule]

    return _run


@pytest.fixture
def set_params():
    from grassroots.standards.models import Rule

    def _set(code: str, **params):
        rule = Rule.objects.get(code=code)
        rule.params = {**rule.params, **params}
        rule.save()
        return rule

    return _set
