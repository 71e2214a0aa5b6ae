"""Background tasks of core's runtime (registered with core.schedule in core/apps.py)."""

from django_tasks import task


@task()
def detect_stale_jobs() -> dict:
    """Mark failed the jobs whose worker stopped (core/runtime.py); idempotent."""
    from .runtime import detect_stale

    return detect_stale()
