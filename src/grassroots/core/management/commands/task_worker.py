"""`grassroots task_worker`: the django-tasks database worker, made to run unattended.

Adds to django_tasks_db's db_worker: a heartbeat ("worker.<id>", core/runtime.py) written from a thread
while the worker lives (health page, stale-job detection), and survival of database faults: a dropped
connection (PostgreSQL restarted, backend terminated) or SQLite's "database is locked" closes the
connections and retries with backoff instead of ending the process. `grassroots serve` starts
`--workers N` of these under its supervisor.
"""

from __future__ import annotations

import logging
import time

from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand
from django_tasks_db.management.commands.db_worker import Worker

from grassroots.core import runtime

log = logging.getLogger("grassroots.worker")


class ResilientWorker(Worker):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.current = ""
        self.beater = runtime.Beater(f"worker.{self.worker_id}", "worker", lambda: {"task": self.current})

    def run_task(self, db_task_result) -> None:
        self.current = db_task_result.task_path
        try:
            super().run_task(db_task_result)
        finally:
            self.current = ""

    def run(self) -> None:
        backoff = runtime.Backoff(first=0.5, cap=30)
        self.beater.beat_now()
        self.beater.start()
        try:
            while self.running:
                try:
                    super().run()
                    return
                except runtime.DB_ERRORS as exc:
                    delay = backoff.next()
                    if runtime.is_locked(exc):
                        log.warning("worker %s: database is locked; retrying in %.1fs", self.worker_id, delay)
                    else:
                        log.error(
                            "worker %s: database connection lost (%s); reconnecting in %.1fs",
                            self.worker_id,
                            exc,
                            delay,
                        )
                    runtime.reset_connections()
                    time.sleep(delay)
        finally:
            self.beater.stop()
            try:
                runtime.forget(f"worker.{self.worker_id}")
            except Exception:  # noqa: BLE001 - leaving on a dead database: the beat just goes stale
                log.info("worker %s: heartbeat left to expire", self.worker_id)


class Command(DbWorkerCommand):
    help = "Run a background task worker with heartbeat and database-fault recovery (started by serve)."

    def handle(self, *args, **options):
        import django_tasks_db.management.commands.db_worker as db_worker

        original = db_worker.Worker
        # Swapped for the worker that super().handle() builds (the command takes no worker class).
        db_worker.Worker = ResilientWorker  # type: ignore[misc]
        try:
            super().handle(*args, **options)
        finally:
            db_worker.Worker = original  # type: ignore[misc]
