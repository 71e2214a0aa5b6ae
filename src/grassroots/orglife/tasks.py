"""Background tasks of orglife (django-tasks, database backend; `grassroots serve` runs the worker)."""

from django_tasks import task


@task()
def send_activity_reminders(hours: int = 24) -> int:
    """Remind members of activities starting within `hours` (each activity once)."""
    from .services import send_reminders

    return send_reminders(hours=hours)
