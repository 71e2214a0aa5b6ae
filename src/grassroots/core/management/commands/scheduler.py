"""`grassroots scheduler`: queue the periodic jobs of core/schedule.py when they are due.

Singleton across machines: it ticks only while holding the "scheduler" lease row (core/runtime.py),
renewed every tick and lost after SCHEDULER_LEASE_SECONDS without renewal, so several `grassroots
serve` on one database queue each slot once and another takes over when the holder dies. Database
faults (connection dropped, SQLite locked) are logged and retried with backoff; the process stays up.
"""

import logging
import os
import signal
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils.crypto import get_random_string

from grassroots.core import runtime, schedule

log = logging.getLogger("grassroots.scheduler")
LEASE = "scheduler"


class Command(BaseCommand):
    help = "Enqueue periodic background jobs when they are due (started by `grassroots serve`)."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="run one tick and exit")
        parser.add_argument(
            "--interval",
            type=float,
            default=float(os.environ.get("GRASSROOTS_SCHEDULER_INTERVAL", "30")),
            help="seconds between ticks (default 30, env GRASSROOTS_SCHEDULER_INTERVAL)",
        )

    def handle(self, *args, once=False, interval=30.0, **options):
        holder = f"{runtime.hostname()}:{os.getpid()}:{get_random_string(6)}"
        ttl = float(getattr(settings, "SCHEDULER_LEASE_SECONDS", 90))
        ttl = max(ttl, interval * 3)
        key = f"scheduler.{holder.replace(':', '-')}"

        def leave(*_):
            try:
                runtime.release_lease(LEASE, holder)
                runtime.forget(key)
            except Exception:  # noqa: BLE001 - the lease simply expires
                pass
            sys.exit(0)

        if not once:
            signal.signal(signal.SIGTERM, leave)
            signal.signal(signal.SIGINT, leave)
        backoff = runtime.Backoff(first=0.5, cap=30)
        while True:
            delay = interval
            try:
                leader = runtime.acquire_lease(LEASE, holder, ttl)
                runtime.beat(key, "scheduler", leader=leader)
                if leader:
                    for name in schedule.tick():
                        self.stdout.write(f"enqueued {name}")
                    runtime.record_tick(LEASE, holder)
                backoff.reset()
            except runtime.DB_ERRORS as exc:
                delay = backoff.next()
                if runtime.is_locked(exc):
                    log.warning("scheduler: database is locked; retrying in %.1fs", delay)
                else:
                    log.error("scheduler: database connection lost (%s); reconnecting in %.1fs", exc, delay)
                runtime.reset_connections()
                if once:
                    raise
            if once:
                return
            time.sleep(delay)
