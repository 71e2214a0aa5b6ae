"""Background jobs of co-building (django-tasks)."""

from django_tasks import task


@task()
def send_meeting_reminders() -> int:
    """Remind committee members of upcoming sessions (each session once, within its remind window)."""
    from .services import send_reminders

    return send_reminders()
