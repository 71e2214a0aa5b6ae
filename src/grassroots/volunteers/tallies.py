"""The rankings' summary table (VolunteerTally): points earned and hours served per volunteer.

`refresh(user_ids=None)` recomputes the tallies of the volunteers of these accounts (all volunteers when
None) in a fixed number of queries per batch. Freshness: incremental after every write that changes a
figure (a ledger line saved, a sign-up saved or deleted: signals below; the services that update
sign-up hours in bulk call `refresh_after_commit` themselves), and wholly by the nightly rollup
(dashboards.rollups runs every registered summary), which also repairs anything written around the
services (demo data, bulk loads).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone

BATCH = 500


def _served():
    from grassroots.orglife.models import Signup

    return Signup.objects.filter(activity__kind="volunteer", checked_out_at__isnull=False)


def _compute(vol_rows: list[tuple[int, int]]) -> list:
    """VolunteerTally objects for [(volunteer pk, user pk)]: two grouped queries per batch."""
    from .models import PointEntry, SourceType, VolunteerTally

    user_ids = [u for _v, u in vol_rows]
    points = dict(
        PointEntry.objects.filter(account_id__in=user_ids)
        .exclude(source_type=SourceType.REDEMPTION)
        .order_by()
        .values("account_id")
        .annotate(s=Sum("amount"))
        .values_list("account_id", "s")
    )
    hours = dict(
        _served()
        .filter(user_id__in=user_ids)
        .order_by()
        .values("user_id")
        .annotate(h=Sum("hours"))
        .values_list("user_id", "h")
    )
    now = timezone.now()
    return [
        VolunteerTally(
            volunteer_id=v,
            points=points.get(u) or 0,
            hours=hours.get(u) or 0,
            hours_shown=float(round(hours.get(u) or 0, 1)),
            computed_at=now,
        )
        for v, u in vol_rows
    ]


def refresh(user_ids: Iterable[int] | None = None) -> int:
    """Recompute the tallies of these accounts' volunteers (every volunteer when None); returns rows."""
    from .models import Volunteer, VolunteerTally

    vols = Volunteer.objects.order_by("pk")
    if user_ids is not None:
        ids = sorted({int(u) for u in user_ids if u})
        if not ids:
            return 0
        vols = vols.filter(user_id__in=ids)
    rows = list(vols.values_list("pk", "user_id"))
    written = 0
    for i in range(0, len(rows), BATCH):
        tallies = _compute(rows[i : i + BATCH])
        with transaction.atomic():
            VolunteerTally.objects.filter(pk__in=[t.volunteer_id for t in tallies]).delete()
            VolunteerTally.objects.bulk_create(tallies)
        written += len(tallies)
    if user_ids is None:  # volunteers gone since the last run leave no row (CASCADE covers deletes)
        VolunteerTally.objects.filter(~Q(volunteer__in=Volunteer.objects.all())).delete()
    return written


def refresh_after_commit(user_ids: Iterable[int]) -> None:
    ids = list(user_ids)
    transaction.on_commit(lambda: refresh(ids))


def refresh_all() -> int:
    """The nightly summary (registered with dashboards.rollups)."""
    return refresh(None)


def _on_entry(sender, instance, created=False, **kwargs):
    refresh_after_commit([instance.account_id])


def _on_signup(sender, instance, **kwargs):
    if instance.user_id:
        refresh_after_commit([instance.user_id])


def _on_volunteer(sender, instance, created=False, **kwargs):
    if created:  # sign-ups made before registering count from the start
        refresh_after_commit([instance.user_id])


def _on_hours_filled(sender, user_ids=(), **kwargs):
    refresh_after_commit(user_ids)


def connect() -> None:
    from django.db.models.signals import post_delete, post_save

    from grassroots.orglife.models import Signup
    from grassroots.orglife.signals import hours_filled

    from .models import PointEntry, Volunteer

    post_save.connect(_on_volunteer, sender=Volunteer, dispatch_uid="volunteers.tally.volunteer")
    post_save.connect(_on_entry, sender=PointEntry, dispatch_uid="volunteers.tally.entry")
    post_save.connect(_on_signup, sender=Signup, dispatch_uid="volunteers.tally.signup_save")
    post_delete.connect(_on_signup, sender=Signup, dispatch_uid="volunteers.tally.signup_delete")
    hours_filled.connect(_on_hours_filled, dispatch_uid="volunteers.tally.hours_filled")
