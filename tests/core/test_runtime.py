"""Heartbeats, the scheduler's lease, stale-job detection, retries and the live export limit
(core/runtime.py); the processes themselves are exercised in test_processes.py."""

from __future__ import annotations

import datetime

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from grassroots.core import exports, import_jobs, runtime
from grassroots.core.models import ExportJob, ImportJob, Lease

from .conftest import register_unit_export


@pytest.fixture(autouse=True)
def private_var(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    settings.JOB_STALE_SECONDS = 60


def ago(seconds):
    return timezone.now() - datetime.timedelta(seconds=seconds)


def test_beats_round_trip(db):
    runtime.beat("worker.a", "worker", task="")
    runtime.beat("scheduler.b", "scheduler")
    assert [b.key for b in runtime.beats("worker")] == ["worker.a"]
    assert runtime.beats("worker")[0].fresh()
    assert set(runtime.last_beats(["worker.a", "nope"])) == {"worker.a"}
    runtime.forget("worker.a")
    assert runtime.beats("worker") == []


def test_lease_is_held_by_one_holder_until_it_expires(db):
    assert runtime.acquire_lease("scheduler", "A", 30)
    assert not runtime.acquire_lease("scheduler", "B", 30)
    assert runtime.acquire_lease("scheduler", "A", 30)  # renewal
    Lease.objects.filter(name="scheduler").update(expires_at=ago(1))
    assert runtime.acquire_lease("scheduler", "B", 30)
    assert not runtime.acquire_lease("scheduler", "A", 30)
    assert Lease.objects.get(name="scheduler").holder == "B"


def test_scheduler_queues_nothing_while_another_holds_the_lease(db):
    now = timezone.now()
    Lease.objects.create(
        name="scheduler", holder="other", acquired_at=now, expires_at=now + datetime.timedelta(minutes=5)
    )
    call_command("scheduler", "--once")
    assert not DBTaskResult.objects.exists()
    Lease.objects.filter(name="scheduler").update(expires_at=ago(1))
    call_command("scheduler", "--once")
    lease = Lease.objects.get(name="scheduler")
    assert lease.holder != "other" and lease.last_tick is not None
    assert DBTaskResult.objects.filter(task_path="grassroots.core.tasks.detect_stale_jobs").count() == 1


def test_stale_running_export_is_marked_failed_and_fresh_one_is_not(db, make_user, city):
    user = make_user("exp", "city_admin", city.city)
    dead = ExportJob.objects.create(
        owner=user, kind="x", title="t", state=ExportJob.State.RUNNING, created_at=ago(600)
    )
    alive = ExportJob.objects.create(
        owner=user, kind="x", title="t", state=ExportJob.State.RUNNING, created_at=ago(600)
    )
    runtime.beat(runtime.job_key("core.exportjob", alive.pk), "job")
    young = ExportJob.objects.create(owner=user, kind="x", title="t", state=ExportJob.State.RUNNING)
    assert runtime.detect_stale() == {"core.exportjob": 1}
    dead.refresh_from_db()
    assert dead.state == ExportJob.State.FAILED and dead.error == runtime.INTERRUPTED and dead.finished_at
    assert ExportJob.objects.get(pk=alive.pk).state == ExportJob.State.RUNNING
    assert ExportJob.objects.get(pk=young.pk).state == ExportJob.State.RUNNING
    # An old beat is as dead as none.
    runtime.beat(runtime.job_key("core.exportjob", alive.pk), "job")
    from grassroots.core.models import Heartbeat  # noqa: F401 - PostgreSQL keeps beats as rows

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(runtime, "stale_seconds", lambda: -1)
        runtime.detect_stale()
    assert ExportJob.objects.get(pk=alive.pk).state == ExportJob.State.FAILED


def test_queued_job_waiting_for_a_worker_is_not_stale(db, make_user, city):
    user = make_user("exp", "city_admin", city.city)
    waiting = ExportJob.objects.create(owner=user, kind="x", title="t", created_at=ago(3600))
    lost = ExportJob.objects.create(owner=user, kind="x", title="t", created_at=ago(3600))
    exports.run_export.enqueue(waiting.pk)
    assert runtime.stale_rows("core.exportjob") == [lost.pk]


def test_interrupted_import_states(db, make_user, city, tmp_path):
    user = make_user("imp", "city_admin", city.city)
    checking = ImportJob.objects.create(
        user=user, kind="units", original_name="a.xlsx", stored_name="a.xlsx", created_at=ago(600)
    )
    committing = ImportJob.objects.create(
        user=user,
        kind="units",
        original_name="b.xlsx",
        stored_name="b.xlsx",
        state=ImportJob.State.COMMITTING,
        created_at=ago(600),
    )
    assert runtime.detect_stale() == {"core.importjob.check": 1, "core.importjob.commit": 1}
    checking.refresh_from_db()
    committing.refresh_from_db()
    assert (checking.state, checking.message) == (ImportJob.State.INVALID, runtime.INTERRUPTED)
    assert (committing.state, committing.message) == (ImportJob.State.FAILED, runtime.INTERRUPTED)
    assert import_jobs.can_retry(checking) and import_jobs.can_retry(committing)


def test_orphan_task_results_of_dead_workers_fail(db):
    from django_tasks_db.compat import TaskResultStatus

    exports.purge_expired_exports.enqueue()
    exports.purge_expired_exports.enqueue()
    dead, alive = DBTaskResult.objects.all()
    DBTaskResult.objects.filter(pk=dead.pk).update(
        status=TaskResultStatus.RUNNING, started_at=ago(600), worker_ids=["gone"]
    )
    DBTaskResult.objects.filter(pk=alive.pk).update(
        status=TaskResultStatus.RUNNING, started_at=ago(600), worker_ids=["w1"]
    )
    runtime.beat("worker.w1", "worker")
    assert runtime.fail_orphan_tasks() == 1
    assert DBTaskResult.objects.get(pk=dead.pk).status == TaskResultStatus.FAILED
    assert DBTaskResult.objects.get(pk=alive.pk).status == TaskResultStatus.RUNNING


def test_export_limit_counts_only_live_jobs(db, make_user, city):
    register_unit_export()
    user = make_user("exp", "city_admin", city.city)
    for _ in range(3):
        ExportJob.objects.create(
            owner=user, kind="ops.units", title="t", state=ExportJob.State.RUNNING, created_at=ago(600)
        )
    job = exports.start_export(user, "ops.units")  # the three dead ones no longer block
    assert job.state == ExportJob.State.QUEUED
    live = ExportJob.objects.filter(owner=user, state=ExportJob.State.RUNNING)
    for j in live:
        runtime.beat(runtime.job_key("core.exportjob", j.pk), "job")
    with pytest.raises(exports.ServiceError, match="您已有 4 个导出任务正在进行"):
        exports.start_export(user, "ops.units")


def test_failed_export_retried_from_its_page(db, make_user, city, client_for):
    register_unit_export()
    user = make_user("exp", "city_admin", city.city)
    other = make_user("exp2", "city_admin", city.city)
    failed = ExportJob.objects.create(
        owner=user,
        kind="ops.units",
        title="单位",
        params={"q": "x"},
        state=ExportJob.State.FAILED,
        error=runtime.INTERRUPTED,
    )
    page = client_for(user).get("/core/exports/")
    assert "重试" in page.content.decode() and runtime.INTERRUPTED in page.content.decode()
    assert client_for(other).post(f"/core/exports/{failed.pk}/retry/").status_code == 404
    response = client_for(user).post(f"/core/exports/{failed.pk}/retry/")
    assert response.status_code == 302
    new = ExportJob.objects.exclude(pk=failed.pk).get()
    assert (new.owner, new.kind, new.params, new.state) == (user, "ops.units", {"q": "x"}, "queued")
    assert ExportJob.objects.get(pk=failed.pk).state == ExportJob.State.FAILED
    assert DBTaskResult.objects.filter(task_path="grassroots.core.exports.run_export").count() == 1
    # A running job can't be "retried".
    assert client_for(user).post(f"/core/exports/{new.pk}/retry/").status_code == 302
    assert ExportJob.objects.count() == 2


def test_interrupted_import_retried_from_its_page(db, make_user, city, client_for, tmp_path):
    user = make_user("imp", "city_admin", city.city)
    (tmp_path / "imports").mkdir()
    (tmp_path / "imports" / "c.xlsx").write_bytes(b"PK\x03\x04")
    job = ImportJob.objects.create(
        user=user,
        kind="units",
        original_name="c.xlsx",
        stored_name="c.xlsx",
        state=ImportJob.State.FAILED,
        message=runtime.INTERRUPTED,
    )
    page = client_for(user).get(f"/imports/{job.pk}/").content.decode()
    assert runtime.INTERRUPTED in page and 'data-testid="retry"' in page
    other = make_user("imp2", "city_admin", city.city)
    assert client_for(other).post(f"/imports/{job.pk}/retry/").status_code == 404
    assert client_for(user).post(f"/imports/{job.pk}/retry/").status_code == 302
    job.refresh_from_db()
    assert (job.state, job.message) == (ImportJob.State.CHECKING, "")
    assert DBTaskResult.objects.filter(task_path="grassroots.core.import_jobs.check_job").count() == 1


def test_purge_removes_half_written_files_of_killed_exports(db):
    import os
    import time

    old = exports.export_dir() / "deadbeef.part"
    new = exports.export_dir() / "cafe.part"
    old.write_bytes(b"x")
    new.write_bytes(b"x")
    two_days_ago = time.time() - 2 * 86400
    os.utime(old, (two_days_ago, two_days_ago))
    exports.purge_expired()
    assert not old.exists() and new.exists()  # a file being written right now stays
