"""GOV-12: every household linked to a hub is contacted at least once in [interval_days] days."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from dataclasses import dataclass

from django.db.models import Count, Q
from django.utils import timezone

from .models import LinkState


@dataclass(frozen=True)
class HubParams:
    interval_days: int = 30
    households_per_hub: int = 12
    max_distance_m: int = 300


def hub_params() -> HubParams:
    """GOV-12's parameters from the Rule row (defaults only if the row is missing)."""
    from grassroots.core.rules import Rule

    rule = Rule.objects.filter(code="GOV-12").first()
    if rule is None:
        return HubParams()
    d = HubParams()

    def pos(name, default):
        value = rule.param(name, default)
        return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else default

    return HubParams(
        pos("interval_days", d.interval_days),
        pos("households_per_hub", d.households_per_hub),
        pos("max_distance_m", d.max_distance_m),
    )


def cutoff_for(interval_days: int, now: datetime.datetime | None = None) -> datetime.datetime:
    return (now or timezone.now()) - datetime.timedelta(days=interval_days)


def overdue_q(cutoff: datetime.datetime, prefix: str = "") -> Q:
    """A confirmed link not contacted since `cutoff` (never contacted: counted from its confirmation)."""
    p = prefix
    return Q(**{f"{p}state": LinkState.CONFIRMED}) & (
        Q(**{f"{p}last_contact_at__lt": cutoff})
        | Q(**{f"{p}last_contact_at__isnull": True, f"{p}confirmed_at__lt": cutoff})
    )


def check_gov_12(c, rule) -> Iterator:
    """One finding per hub member with linked households not contacted in [interval_days] days:
    a warning, a violation when half or more of the hub's households are overdue."""
    from grassroots.core.rules import MEMBER_FIELDS, Severity, int_param

    days = int_param(rule, "interval_days")
    now = timezone.make_aware(datetime.datetime.combine(c.today, datetime.time(23, 59)))
    cutoff = cutoff_for(days, now)
    confirmed = Q(hub_links__state=LinkState.CONFIRMED)
    qs = (
        c.members()
        .filter(is_household_hub=True)
        .annotate(
            n_links=Count("hub_links", filter=confirmed),
            n_overdue=Count("hub_links", filter=overdue_q(cutoff, "hub_links__")),
        )
        .filter(n_overdue__gt=0)
        .values(*MEMBER_FIELDS, "n_links", "n_overdue")
    )
    for row in qs:
        severity = Severity.VIOLATION if row["n_overdue"] * 2 >= row["n_links"] else Severity.WARNING
        yield c._member(
            rule,
            severity,
            row,
            f"{row['n_links']} 户联系户中有 {row['n_overdue']} 户超过 {days} 天未联系",
        )
