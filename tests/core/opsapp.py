"""Test-only app loaded by the worker processes of test_processes.py (tests/core/ops_settings.py)."""

from __future__ import annotations

import os
import time

from django.apps import AppConfig

HANG = 600  # seconds a slowed job waits at its midpoint: far longer than any test, which kills it


class OpsTestConfig(AppConfig):
    name = "tests.core"
    label = "ops_tests"

    def ready(self):
        from .conftest import register_unit_export

        register_unit_export()
        _light_schedule()
        if os.environ.get("GRASSROOTS_TEST_SLOW") == "1":
            _slow_down()


def _light_schedule() -> None:
    """Only light periodic jobs: the nightly health check and rollups would keep the workers busy for
    many seconds on a loaded machine (every registered job is run by tests/notifications/test_inbox.py)."""
    from grassroots.core import schedule

    for name in list(schedule.JOBS):
        if name not in ("core.purge_exports", "core.detect_stale_jobs", "notifications.retry_outbox"):
            del schedule.JOBS[name]


def _slow_down() -> None:
    """Import commits stop after writing their rows (inside the open transaction); exports stop after
    their first row, having reported progress 1."""
    from grassroots.core import exports, import_jobs

    write_progress = import_jobs.write_progress

    def slow_progress(job, phase, done, total):
        write_progress(job, phase, done, total)
        if phase == "write" and done > 0:
            time.sleep(HANG)

    import_jobs.write_progress = slow_progress
    write_workbook = exports.write_workbook

    def slow_write(path, title, columns, rows, user, progress=None, **kwargs):
        def rows_then_hang():
            for i, row in enumerate(rows):
                if i == 1:
                    progress(1)
                    time.sleep(HANG)
                yield row

        return write_workbook(path, title, columns, rows_then_hang(), user, progress, **kwargs)

    exports.write_workbook = slow_write
