"""Periodic background jobs (nightly health check, daily digest, reminders, releases, rollups).

Apps register jobs from AppConfig.ready():

    from grassroots.core import schedule
    schedule.register(schedule.Periodic("notifications.digest", "grassroots.notifications.tasks.daily_digest",
                                        at="08:00"))
    schedule.register(schedule.Periodic("orglife.reminders", "grassroots.orglife.tasks.send_reminders",
                                        every=datetime.timedelta(minutes=15)))

`grassroots scheduler` (started by `grassroots serve` beside the task worker) calls tick() every
30 seconds; tick() enqueues each job whose current slot has not been enqueued yet. The record of what
ran is django-tasks' own result table (DBTaskResult.task_path / enqueued_at), so there is no extra
state to keep and a restart never runs a slot twice nor skips today's nightly job.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils import timezone
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class Periodic:
    name: str
    task: str  # dotted path of a django-tasks task taking no arguments
    every: datetime.timedelta | None = None
    at: str | None = None  # "HH:MM" local time, once a day

    def slot_start(self, now: datetime.datetime) -> datetime.datetime | None:
        """Start of the current slot, or None when today's daily time has not come yet."""
        local = timezone.localtime(now)
        if self.at:
            hour, minute = (int(x) for x in self.at.split(":"))
            start = local.replace(hour=hour, minute=minute, second=0, microsecond=0)
            return start if local >= start else None
        if self.every is None:
            raise ValueError(f"periodic job {self.name} needs `every` or `at`")
        seconds = int(self.every.total_seconds())
        midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
        elapsed = int((local - midnight).total_seconds())
        return midnight + datetime.timedelta(seconds=elapsed - elapsed % seconds)


JOBS: dict[str, Periodic] = {}


def register(job: Periodic) -> None:
    if (job.every is None) == (job.at is None):
        raise ValueError("a periodic job needs exactly one of every= and at=")
    JOBS[job.name] = job


def _task_path(job: Periodic) -> str:
    task = import_string(job.task)
    return getattr(task, "module_path", job.task)


def tick(now: datetime.datetime | None = None) -> list[str]:
    """Enqueue the jobs whose current slot has no enqueued run yet; returns their names."""
    from django_tasks_db.models import DBTaskResult

    now = now or timezone.now()
    started = []
    for job in JOBS.values():
        start = job.slot_start(now)
        if start is None:
            continue
        path = _task_path(job)
        if DBTaskResult.objects.filter(task_path=path, enqueued_at__gte=start).exists():
            continue
        import_string(job.task).enqueue()
        started.append(job.name)
    return started
