"""Item 9: background tasks on a Redis queue (django-tasks-rq) when configured. Skipped without Redis."""

from __future__ import annotations

import socket

import pytest

pytestmark = pytest.mark.django_db


def _redis_up() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
        return True
    except OSError:
        return False


def test_task_runs_through_the_redis_queue(settings):
    if not _redis_up():
        pytest.skip("Redis is not reachable on 127.0.0.1:6379")
    import django_rq
    from django_tasks import task_backends
    from django_tasks.base import TaskResultStatus
    from django_tasks_rq.backend import Job
    from rq import SimpleWorker

    from grassroots.core.exports import purge_expired_exports

    settings.RQ_QUEUES = {"default": {"URL": "redis://127.0.0.1:6379/14"}}
    settings.TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    queue = django_rq.get_queue("default", job_class=Job)
    queue.empty()
    try:
        assert type(task_backends["default"]).__name__ == "RQBackend"
        result = purge_expired_exports.enqueue()
        assert queue.count == 1
        SimpleWorker([queue], connection=queue.connection, job_class=Job).work(burst=True)
        result.refresh()
        assert result.status == TaskResultStatus.SUCCESSFUL
    finally:
        queue.empty()
