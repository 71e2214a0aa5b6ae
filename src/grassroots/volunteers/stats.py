"""Read models of volunteers: wish statistics per scope, rankings, home-page figures, and the figures
the cobuild quarterly report reads.

Contracts for other apps:
    member_wish_counts(member_ids, start, end) -> {member_id: wishes fulfilled in [start, end)}
    home_figures(user) -> [{"label", "value", "url"}]
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, Sum, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from grassroots.core.scoping import has_perm

from .models import Volunteer, VolunteerTeam, Wish, WishState

SERVED = Q(activity__kind="volunteer", checked_out_at__isnull=False)

DONE_STATES = (WishState.FULFILLED, WishState.CONFIRMED)


def _bounds(start, end):
    """Dates become [start 00:00, end+1 00:00) in local time; datetimes pass through."""

    def at(d, plus=0):
        if d is None:
            return None
        if isinstance(d, dt.datetime):
            return d
        return timezone.make_aware(dt.datetime.combine(d + dt.timedelta(days=plus), dt.time.min))

    return at(start), at(end, 1) if isinstance(end, dt.date) and not isinstance(end, dt.datetime) else at(end)


def member_wish_counts(member_ids: Iterable[int], start, end) -> dict[int, int]:
    """Wishes fulfilled by each party member (claimed for themselves) with fulfilled_at in the period
    (dates are inclusive). Members with none are absent from the dict."""
    ids = [int(i) for i in member_ids]
    if not ids:
        return {}
    lo, hi = _bounds(start, end)
    qs = Wish.objects.filter(claimant_member_id__in=ids, state__in=DONE_STATES)
    if lo is not None:
        qs = qs.filter(fulfilled_at__gte=lo)
    if hi is not None:
        qs = qs.filter(fulfilled_at__lt=hi)
    rows = qs.order_by().values("claimant_member_id").annotate(n=Count("pk"))
    return {r["claimant_member_id"]: r["n"] for r in rows}


def wish_stats(user, *, start=None, end=None, region=None) -> list[dict]:
    """Per community in the user's scope: posted, claimed (ever), fulfilled, average days from claim
    to fulfilment. One grouped query."""
    qs = Wish.objects.visible_to(user)
    if region is not None:
        qs = qs.filter(region__path__startswith=region.path)
    lo, hi = _bounds(start, end)
    if lo is not None:
        qs = qs.filter(posted_at__gte=lo)
    if hi is not None:
        qs = qs.filter(posted_at__lt=hi)
    took = ExpressionWrapper(F("fulfilled_at") - F("claimed_at"), output_field=DurationField())
    rows = (
        qs.order_by()
        .values("region_id", "region__name", "region__code")
        .annotate(
            posted=Count("pk"),
            published=Count("pk", filter=Q(published_at__isnull=False)),
            claimed=Count("pk", filter=Q(claimed_at__isnull=False)),
            fulfilled=Count("pk", filter=Q(state__in=DONE_STATES)),
            open=Count("pk", filter=Q(state=WishState.PUBLISHED)),
            total_time=Sum(took, filter=Q(state__in=DONE_STATES, claimed_at__isnull=False)),
        )
        .order_by("region__code")
    )
    out = []
    for r in rows:
        total = r.pop("total_time")
        if isinstance(total, int | float):  # some backends sum durations as microseconds
            total = dt.timedelta(microseconds=total)
        r["avg_days"] = (
            round(total.total_seconds() / 86400 / r["fulfilled"], 1) if total and r["fulfilled"] else None
        )
        out.append(r)
    return out


def rankings(user, *, by: str = "points", region=None, team=None, limit: int | None = 100) -> list[dict]:
    """Volunteers ranked by points earned (revokes deducted, redemptions not) or by service hours,
    within the user's scope, a community subtree or a team. Read from the tallies (VolunteerTally,
    volunteers.tallies): one query, ordered and cut in the database."""
    vols = Volunteer.objects.visible_to(user)
    if region is not None:
        vols = vols.filter(region__path__startswith=region.path)
    if team is not None:
        vols = vols.filter(memberships__team=team)
    vols = vols.annotate(
        points=Coalesce("tally__points", 0), hours=Coalesce("tally__hours_shown", Value(0.0))
    ).values("pk", "name", "region__name", "kind", "points", "hours")
    first, second = ("hours", "points") if by == "hours" else ("points", "hours")
    vols = vols.order_by(f"-{first}", f"-{second}", "name", "pk")
    if limit:
        vols = vols[:limit]
    rows = []
    for i, v in enumerate(vols, 1):
        rows.append(
            {
                "id": v["pk"],
                "name": v["name"],
                "community": v["region__name"],
                "kind": v["kind"],
                "points": v["points"] or 0,
                "hours": float(v["hours"] or 0),
                "rank": i,
            }
        )
    return rows


def team_rankings(user, *, region=None) -> list[dict]:
    """Teams by their members' earned points and hours (the members' tallies summed per team)."""
    from .models import VolunteerTally

    teams = VolunteerTeam.objects.visible_to(user).filter(is_active=True)
    if region is not None:
        teams = teams.filter(region__path__startswith=region.path)
    teams = list(teams.select_related("region").annotate(n=Count("memberships", distinct=True)))
    ids = [t.pk for t in teams]
    sums = {
        r["volunteer__memberships__team_id"]: r
        for r in VolunteerTally.objects.filter(volunteer__memberships__team_id__in=ids)
        .order_by()
        .values("volunteer__memberships__team_id")
        .annotate(p=Sum("points"), h=Sum("hours"))
    }
    rows = [
        {
            "id": t.pk,
            "name": t.name,
            "community": t.region.name,
            "members": t.n,
            "points": (sums.get(t.pk) or {}).get("p") or 0,
            "hours": float(round((sums.get(t.pk) or {}).get("h") or 0, 1)),
        }
        for t in teams
    ]
    rows.sort(key=lambda r: (-r["points"], -r["hours"], r["name"]))
    for i, r in enumerate(rows, 1):
        r["rank"] = i
    return rows


def home_figures(user) -> list[dict]:
    """Co-building figures of the user's scope for the community home page (empty without
    volunteers.view), read from the precomputed buckets (volunteers.figures; one query)."""
    if not has_perm(user, "volunteers.view"):
        return []
    from grassroots.core.tallies import served, total

    from . import figures

    v = {code: total(keys) for code, keys in served(user, figures.CODES).items()}
    return [
        {
            "label": "完成微心愿",
            "value": int(v["volunteers.wishes_done"]),
            "url": reverse("volunteers:wishes") + "?state=confirmed",
        },
        {"label": "志愿服务队", "value": int(v["volunteers.teams"]), "url": reverse("volunteers:teams")},
        {
            "label": "注册志愿者",
            "value": int(v["volunteers.volunteers"]),
            "url": reverse("volunteers:volunteers"),
        },
        {
            "label": "志愿服务时长（小时）",
            "value": round(v["volunteers.hours"]),
            "url": reverse("volunteers:rankings") + "?by=hours",
        },
        {
            "label": "发放积分",
            "value": int(v["volunteers.points_issued"]),
            "url": reverse("volunteers:points"),
        },
    ]
