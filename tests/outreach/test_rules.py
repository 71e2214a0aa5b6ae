"""GOV-12 (党员中心户联系户 N 天内至少联系一次): data that fails it and data that meets it."""

from __future__ import annotations

import pytest

from grassroots.outreach.models import LinkState
from grassroots.standards.checks import Checker
from grassroots.standards.models import Rule
from tests.outreach.conftest import make_link

pytestmark = pytest.mark.django_db


def _findings(user):
    rule = Rule.objects.get(code="GOV-12")
    return [f for f in Checker(user, rules=[rule]).run() if f.rule == "GOV-12"]


def test_rule_row_has_its_source_and_labelled_params():
    rule = Rule.objects.get(code="GOV-12")
    assert rule.params == {"interval_days": 30, "households_per_hub": 12, "max_distance_m": 300}
    assert "材料 000" in rule.source


def test_household_not_contacted_within_the_interval_fails(hubs):
    make_link(hubs, hubs.same_building[0], last_contact_days=40)
    make_link(hubs, hubs.same_building[1], last_contact_days=3)
    found = _findings(hubs.street_admin)
    assert [(f.object_type, f.pk) for f in found] == [("member", hubs.hub.pk)]
    assert "2 户联系户中有 1 户超过 30 天未联系" in found[0].message
    assert found[0].severity == "violation"  # half of the hub's households


def test_never_contacted_counts_from_confirmation(hubs):
    make_link(hubs, hubs.same_building[0], days_confirmed=45)
    assert len(_findings(hubs.street_admin)) == 1


def test_every_household_contacted_in_time_meets_the_rule(hubs):
    make_link(hubs, hubs.same_building[0], last_contact_days=29)
    make_link(hubs, hubs.same_building[1], days_confirmed=5)  # confirmed recently, not yet due
    # suggested and ended links are not the hub's households yet / any more
    make_link(hubs, hubs.same_hood[0], state=LinkState.SUGGESTED)
    make_link(hubs, hubs.same_hood[1], state=LinkState.ENDED, last_contact_days=200)
    assert _findings(hubs.street_admin) == []


def test_interval_is_read_from_the_rule_row(hubs):
    make_link(hubs, hubs.same_building[0], last_contact_days=40)
    rule = Rule.objects.get(code="GOV-12")
    rule.params = {**rule.params, "interval_days": 60}
    rule.save()
    assert _findings(hubs.street_admin) == []


def test_findings_stay_in_the_checker_scope(hubs):
    make_link(hubs, hubs.same_building[0], last_contact_days=40)
    assert len(_findings(hubs.admin)) == 1
    assert _findings(hubs.other_admin) == []
