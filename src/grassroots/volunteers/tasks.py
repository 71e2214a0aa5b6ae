"""Background jobs of volunteers (django-tasks): the micro-wish release job.

`grassroots release_wishes` runs the same function from the command line (cron), and enqueues nothing."""

from __future__ import annotations

from django_tasks import task


@task()
def release_wishes() -> dict[str, int]:
    """Overdue claims back to the pool; unclaimed wishes past their deadline expire (idempotent)."""
    from .wishes import release_due

    return release_due()
