"""The rule table is loaded on migrate; later runs add new default parameters but keep admins' values."""

from __future__ import annotations

import pytest

from grassroots.standards.apps import ensure_default_rules
from grassroots.standards.models import Rule
from grassroots.standards.rules_data import DEFAULT_RULES

pytestmark = pytest.mark.django_db


def test_every_org_and_cov_rule_is_loaded_with_numeric_params():
    codes = set(Rule.objects.values_list("code", flat=True))
    assert {f"ORG-{i}" for i in range(1, 10)} | {"COV-1", "COV-2", "COV-3"} <= codes
    from grassroots.standards.checks import CHECKS

    # Every ORG/COV rule has a check here; LIFE checks come from orglife (register_check); GOV rules are
    # parameters read by cases, whistle, cobuild and standards.
    org_cov = {code for code, category, *_ in DEFAULT_RULES if category in ("org", "cov")}
    assert org_cov <= set(CHECKS)
    assert {code for code, *_ in DEFAULT_RULES} >= {f"LIFE-{i}" for i in range(1, 9)} | {"GOV-3", "GOV-5"}


def test_post_migrate_adds_missing_params_and_keeps_changed_values():
    Rule.objects.filter(code="ORG-6").update(params={"years": {"branch": 4}})
    Rule.objects.filter(code="COV-3").update(params={})
    ensure_default_rules(sender=None)
    assert Rule.objects.get(code="ORG-6").params == {
        "years": {"branch": 4},
        "community_years": {"committee": 5, "general_branch": 5, "branch": 5},
        "warn_days": 90,
    }
    assert Rule.objects.get(code="COV-3").params == {"min_employees": 50}
