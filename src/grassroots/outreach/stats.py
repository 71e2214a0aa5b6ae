"""Figures of 联户 and 民情日志: counts for grid and community pages, the weekly community summary."""

from __future__ import annotations

import datetime

from django.db.models import Count, Q
from django.utils import timezone

from grassroots.party.models import Member

from .models import ContactLog, HubLink, ItemKind, ItemState, LinkState, LogItem, WorkerLog
from .rules import cutoff_for, hub_params, overdue_q


def week_start(d: datetime.date) -> datetime.date:
    return d - datetime.timedelta(days=d.weekday())


def hub_figures(user, *, community=None, grid=None) -> dict | None:
    """{hubs, linked, contacted, overdue, interval_days} for a community (or a region subtree) or a
    grid, within the user's regions.view scope; None without it."""
    from grassroots.core.scoping import has_perm

    if not has_perm(user, "regions.view"):
        return None
    params = hub_params()
    cutoff = cutoff_for(params.interval_days)
    links = HubLink.objects.visible_to(user, "regions.view").filter(state=LinkState.CONFIRMED)
    hubs = Member.objects.visible_to(user, "regions.view").filter(is_household_hub=True)
    if grid is not None:
        links = links.filter(household__grid=grid)
        hubs = hubs.filter(residence__grid=grid)
    else:
        links = links.filter(community__path__startswith=community.path)
        hubs = hubs.filter(residence__path__startswith=community.path)
    agg = links.aggregate(
        linked=Count("pk"),
        contacted=Count("pk", filter=Q(last_contact_at__gte=cutoff)),
        overdue=Count("pk", filter=overdue_q(cutoff)),
    )
    return {"hubs": hubs.count(), **agg, "interval_days": params.interval_days}


def weekly_summary(user, community, start: datetime.date) -> dict:
    """One community's week (Monday `start`): log items by kind, items turned into cases and their
    cases' states, each worker's log days and items, hub contacts made that week."""
    end = start + datetime.timedelta(days=7)
    logs = WorkerLog.objects.visible_to(user, "people.view").filter(
        community=community, date__gte=start, date__lt=end
    )
    items = LogItem.objects.filter(log__in=logs)
    kinds = dict(items.values_list("kind").annotate(n=Count("pk")))
    by_kind = [(label, kinds.get(value, 0)) for value, label in ItemKind.choices]
    states = dict(items.values_list("state").annotate(n=Count("pk")))
    by_state = [(label, states.get(value, 0)) for value, label in ItemState.choices]
    from grassroots.cases.models import CaseState

    case_labels = dict(CaseState.choices)
    case_states = [
        (case_labels.get(s, s), n)
        for s, n in items.filter(case__isnull=False)
        .values_list("case__state")
        .annotate(n=Count("pk"))
        .order_by("-n")
    ]
    workers = [
        {"name": name, "days": days, "items": n}
        for name, days, n in logs.values_list("worker__name")
        .annotate(days=Count("pk", distinct=True), n=Count("items"))
        .order_by("-days", "worker__name")
        .values_list("worker__name", "days", "n")
    ]
    tz = timezone.get_current_timezone()
    t0 = datetime.datetime.combine(start, datetime.time(), tz)
    contacts = ContactLog.objects.visible_to(user, "regions.view").filter(
        link__community=community, at__gte=t0, at__lt=t0 + datetime.timedelta(days=7)
    )
    c = contacts.aggregate(
        n=Count("pk"), households=Count("link__household", distinct=True), cases=Count("case")
    )
    recent_cases = list(
        items.filter(case__isnull=False).select_related("case", "log__worker").order_by("-created_at")[:20]
    )
    return {
        "by_kind": by_kind,
        "by_state": by_state,
        "total_items": sum(kinds.values()),
        "case_states": case_states,
        "workers": workers,
        "contacts": c,
        "recent_cases": recent_cases,
        "log_days": sum(w["days"] for w in workers),
    }
