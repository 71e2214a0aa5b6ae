"""Background jobs of the whistle: check-in reminders. `remind_checkins(repeat_minutes)` sends the
due reminders (idempotent per target) and, with repeat_minutes, queues its own next run, so one
`grassroots whistle_reminders` keeps them going on the task worker."""

import datetime

from django.utils import timezone
from django_tasks import task


@task()
def remind_checkins(repeat_minutes: int = 0) -> int:
    from .services import send_reminders

    n = send_reminders()
    if repeat_minutes > 0:
        at = timezone.now() + datetime.timedelta(minutes=repeat_minutes)
        remind_checkins.using(run_after=at).enqueue(repeat_minutes)
    return n
