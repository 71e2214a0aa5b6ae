"""Periodic job: the daily report of every open emergency (idempotent: one row per level and day)."""

from django.utils import timezone
from django_tasks import task


@task()
def daily_reports() -> int:
    from .models import Emergency
    from .services import generate_reports

    today = timezone.localdate()
    return sum(generate_reports(e, today) for e in Emergency.objects.open().select_related("region"))
