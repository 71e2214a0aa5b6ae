"""Read models for dashboards: every figure is computed within the user's scope."""

from __future__ import annotations

from django.db.models import Count, Q

from grassroots.party.choices import MemberStatus, OrgKind
from grassroots.party.models import Member, PartyOrg
from grassroots.people.models import Worker
from grassroots.regions.choices import RegionLevel
from grassroots.regions.models import Household, Region
from grassroots.units.choices import PartyWork
from grassroots.units.models import Unit


def scope_counts(user) -> dict:
    regions = Region.objects.visible_to(user).aggregate(
        **{lvl: Count("id", filter=Q(level=lvl)) for lvl in RegionLevel.values}
    )
    orgs = PartyOrg.objects.visible_to(user).aggregate(
        total=Count("id"), **{k: Count("id", filter=Q(kind=k)) for k in OrgKind.values}
    )
    members = Member.objects.visible_to(user).aggregate(
        total=Count("id"),
        full=Count("id", filter=Q(status=MemberStatus.FULL)),
        probationary=Count("id", filter=Q(status=MemberStatus.PROBATIONARY)),
        hubs=Count("id", filter=Q(is_household_hub=True)),
        in_service=Count("id", filter=Q(in_service=True)),
    )
    units = Unit.objects.visible_to(user).aggregate(
        total=Count("id"), covered=Count("id", filter=~Q(party_work=PartyWork.NONE))
    )
    return {
        "regions": regions,
        "orgs": orgs,
        "members": members,
        "units": units,
        "unit_coverage": round(100 * units["covered"] / units["total"], 1) if units["total"] else None,
        "workers": Worker.objects.visible_to(user).count(),
        "households": Household.objects.visible_to(user).count(),
    }
