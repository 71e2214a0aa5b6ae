"""The background side under faults, with real processes: `grassroots serve --no-web` restarts a task
worker and the scheduler killed with SIGKILL; both survive a dropped database connection (PostgreSQL)
or a locked database (SQLite); a worker killed in the middle of an export or of an import commit leaves
a job that is marked failed within the detection window and can be retried, and the killed import
wrote nothing; /healthz answers 503 while no worker lives and 200 once one is back.

The processes use the test database and var dir, short heartbeat/stale/restart settings, and
tests/core/ops_settings.py (a test export kind; GRASSROOTS_TEST_SLOW=1 makes jobs hang half-way).
Every wait polls with a generous timeout.
"""

from __future__ import annotations

import io
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult
from openpyxl import Workbook

from grassroots.core import exports, import_jobs, runtime
from grassroots.core.models import ExportJob, ImportJob, Lease
from grassroots.units.models import Unit, UnitType

from .conftest import register_unit_export

pytestmark = pytest.mark.django_db(transaction=True)
ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 90  # seconds: generous for a loaded 2-core machine; polls end as soon as the state is reached


def wait_for(predicate, what: str, timeout: float = TIMEOUT):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def database_url() -> str:
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


@pytest.fixture
def ops(settings, tmp_path):
    """Environment and process helpers; every process started is stopped at the end."""
    register_unit_export()
    settings.JOB_STALE_SECONDS = 3
    # Heartbeats of this test's processes only: on SQLite they are files, and another xdist worker
    # running a process test at the same time shares the var dir (its scheduler would count here).
    settings.RUN_DIR = tmp_path / "run"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.core.ops_settings",
        "GRASSROOTS_VAR": str(settings.VAR_DIR),
        "GRASSROOTS_RUN_DIR": str(settings.RUN_DIR),
        "GRASSROOTS_DATABASE_URL": database_url(),
        "GRASSROOTS_HEARTBEAT_SECONDS": "0.5",
        "GRASSROOTS_STALE_SECONDS": "3",
        "GRASSROOTS_SCHEDULER_INTERVAL": "0.5",
        "GRASSROOTS_SCHEDULER_LEASE_SECONDS": "2",
        "GRASSROOTS_RESTART_DELAY": "0.2",
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    started: list[subprocess.Popen] = []

    class Ops:
        def start(self, *args, slow=False, log="proc.log"):
            penv = {**env, "GRASSROOTS_TEST_SLOW": "1" if slow else "0"}
            out = (tmp_path / log).open("ab")
            proc = subprocess.Popen(
                [sys.executable, "-m", "grassroots.cli", *args], env=penv, cwd=ROOT, stdout=out, stderr=out
            )
            started.append(proc)
            return proc

        def log(self, name="proc.log") -> str:
            return (tmp_path / name).read_text(errors="replace")

    yield Ops()
    for proc in started:
        if proc.poll() is None:
            proc.terminate()
    for proc in started:
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def live_pids(kind: str, exclude=()) -> set[int]:
    return {b.pid for b in runtime.beats(kind) if b.fresh() and b.pid not in exclude}


def finished(result_id) -> bool:
    return DBTaskResult.objects.get(pk=result_id).status == TaskResultStatus.SUCCESSFUL


def enqueue_and_wait() -> None:
    result = exports.purge_expired_exports.enqueue()
    wait_for(lambda: finished(result.id), "a queued job to finish")


def test_serve_restarts_a_killed_worker_and_scheduler(ops):
    ops.start("serve", "--no-web", "--workers", "2")
    workers = wait_for(lambda: len(p := live_pids("worker")) == 2 and p, "two task workers")
    scheduler = wait_for(lambda: live_pids("scheduler"), "the scheduler")
    wait_for(lambda: Lease.objects.filter(name="scheduler", last_tick__isnull=False).exists(), "a tick")
    killed_worker, killed_scheduler = min(workers), scheduler.pop()
    os.kill(killed_worker, signal.SIGKILL)
    os.kill(killed_scheduler, signal.SIGKILL)

    wait_for(lambda: len(live_pids("worker", {killed_worker})) == 2, "the worker to be restarted")
    new_scheduler = wait_for(lambda: live_pids("scheduler", {killed_scheduler}), "a new scheduler").pop()
    # The dead holder's lease expires and the new scheduler takes it over.
    wait_for(
        lambda: f":{new_scheduler}:" in Lease.objects.get(name="scheduler").holder, "the lease to pass over"
    )
    enqueue_and_wait()
    log = ops.log()
    assert "task-worker-1 exited" in log or "task-worker-2 exited" in log
    assert "scheduler exited with code -9 (signal SIGKILL); restarting" in log


def test_worker_and_scheduler_survive_database_faults(ops):
    ops.start("serve", "--no-web", "--workers", "1")
    worker = wait_for(lambda: live_pids("worker"), "the task worker")
    scheduler = wait_for(lambda: live_pids("scheduler"), "the scheduler")
    enqueue_and_wait()
    if connection.vendor == "postgresql":
        # A process holds its connection only while it works (the scheduler between ticks may have
        # none), so keep terminating until each of the two has lost a live connection at least once.
        killed: set[str] = set()

        def terminate() -> bool:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pid, application_name FROM pg_stat_activity WHERE datname = current_database()"
                    " AND application_name IN ('grassroots-worker', 'grassroots-scheduler')"
                )
                for pid, name in cursor.fetchall():
                    cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
                    if cursor.fetchone()[0]:
                        killed.add(name)
            return killed == {"grassroots-worker", "grassroots-scheduler"}

        wait_for(terminate, "both processes' connections to be terminated", timeout=30)
    else:
        # Another process holds SQLite's write lock for a while (a long import, a backup).
        locker = sqlite3.connect(connection.settings_dict["NAME"], timeout=30)
        locker.execute("BEGIN EXCLUSIVE")
        time.sleep(3)
        locker.rollback()
        locker.close()
    enqueue_and_wait()
    tick = Lease.objects.get(name="scheduler").last_tick
    wait_for(lambda: Lease.objects.get(name="scheduler").last_tick > tick, "the scheduler to tick again")
    # The same processes: they reconnected instead of dying.
    assert live_pids("worker") == worker and live_pids("scheduler") == scheduler


def test_healthz_503_while_no_worker_lives_and_200_when_back(ops, client, settings):
    from grassroots.cases.models import Holiday

    settings.HEALTH_MIN_FREE_MB = 1
    Holiday.objects.get_or_create(date=time.strftime("%Y-01-01"), defaults={"name": "元旦"})
    ops.start("scheduler")
    worker = ops.start("task_worker", "--no-startup-delay")
    wait_for(lambda: live_pids("worker") and live_pids("scheduler"), "worker and scheduler")
    wait_for(lambda: client.get("/healthz").status_code == 200, "healthz 200")
    os.kill(worker.pid, signal.SIGKILL)
    body = wait_for(lambda: (r := client.get("/healthz")).status_code == 503 and r.json(), "healthz 503")
    assert body["checks"]["workers"]["ok"] is False and body["checks"]["database"]["ok"] is True
    ops.start("task_worker", "--no-startup-delay")
    body = wait_for(lambda: (r := client.get("/healthz")).status_code == 200 and r.json(), "healthz 200")
    assert body["checks"]["workers"]["alive"] == 1


def test_worker_killed_mid_export_job_fails_and_retries(ops, make_user, city, client_for):
    user = make_user("exporter", "city_admin", city.city)
    worker = ops.start("task_worker", "--no-startup-delay", slow=True)
    job = exports.start_export(user, "ops.units")
    wait_for(lambda: ExportJob.objects.get(pk=job.pk).progress == 1, "the export to be half-way")
    os.kill(worker.pid, signal.SIGKILL)
    wait_for(lambda: runtime.detect_stale() or ExportJob.objects.get(pk=job.pk).state == "failed", "stale")
    job.refresh_from_db()
    assert (job.state, job.error) == (ExportJob.State.FAILED, runtime.INTERRUPTED)
    assert not list(exports.export_dir().glob("*.xlsx"))

    ops.start("task_worker", "--no-startup-delay")
    assert client_for(user).post(f"/core/exports/{job.pk}/retry/").status_code == 302
    again = ExportJob.objects.exclude(pk=job.pk).get()
    wait_for(lambda: ExportJob.objects.get(pk=again.pk).state == "done", "the retried export")
    again.refresh_from_db()
    assert again.row_count == Unit.objects.count() > 0


def units_file(city, n: int) -> SimpleUploadedFile:
    wb = Workbook()
    ws = wb.active
    ws.append(["单位编码", "名称", "单位类型", "所在区划编码"])
    for i in range(n):
        ws.append([f"OPS{i:04d}", f"运维测试单位{i}", UnitType.choices[0][1], city.communities[0].code])
    buf = io.BytesIO()
    wb.save(buf)
    return SimpleUploadedFile("units.xlsx", buf.getvalue())


def test_worker_killed_mid_import_commit_writes_nothing_and_retries(ops, make_user, city, client_for):
    user = make_user("importer", "city_admin", city.city)
    worker = ops.start("task_worker", "--no-startup-delay", slow=True)
    job = import_jobs.store_upload(user, "units", units_file(city, 30))
    wait_for(lambda: ImportJob.objects.get(pk=job.pk).state == "checked", "the dry run")
    before = Unit.objects.count()
    job = import_jobs.start_commit(user, ImportJob.objects.get(pk=job.pk))
    wait_for(lambda: import_jobs.read_progress(job)[:2] == ("write", 30), "rows written, not committed")
    os.kill(worker.pid, signal.SIGKILL)
    wait_for(lambda: runtime.detect_stale() or ImportJob.objects.get(pk=job.pk).state == "failed", "stale")
    job.refresh_from_db()
    assert (job.state, job.message) == (ImportJob.State.FAILED, runtime.INTERRUPTED)
    assert Unit.objects.count() == before and not Unit.objects.filter(code__startswith="OPS").exists()

    ops.start("task_worker", "--no-startup-delay")
    client = client_for(user)
    assert client.post(f"/imports/{job.pk}/retry/").status_code == 302
    wait_for(lambda: ImportJob.objects.get(pk=job.pk).state == "checked", "the new dry run")
    assert client.post(f"/imports/{job.pk}/commit/").status_code == 302
    wait_for(lambda: ImportJob.objects.get(pk=job.pk).state == "done", "the retried commit")
    assert Unit.objects.count() == before + 30
