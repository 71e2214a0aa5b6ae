"""Background tasks of merit (django-tasks; the scheduler queues the nightly accrual)."""

from django_tasks import task


@task()
def accrue_points_nightly() -> int:
    """Add the missing points entries of this year (and of last year during January, when late
    records of December still arrive). Idempotent."""
    from django.utils import timezone

    from .services import accrue_points

    today = timezone.localdate()
    added = accrue_points(today.year)
    if today.month == 1:
        added += accrue_points(today.year - 1)
    return added
