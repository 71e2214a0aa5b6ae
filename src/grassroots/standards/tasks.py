"""Background tasks of standards (django-tasks, database backend; `grassroots serve` runs the worker)."""

from django_tasks import task


@task()
def run_health_check(run_id: int) -> int:
    """Execute a queued branch health-check run; returns the number of branches checked."""
    from grassroots.core.runtime import job_heartbeat

    from .health import execute_run

    with job_heartbeat("standards.healthrun", run_id):
        return execute_run(run_id).total


@task()
def nightly_health_check() -> int:
    """The scheduler's nightly run over every branch (skipped while an on-demand run is in progress)."""
    from grassroots.core.errors import Conflict

    from .health import execute_run, start_run

    try:
        run = start_run(None, trigger="nightly", enqueue=False)
    except Conflict:
        return 0
    from grassroots.core.runtime import job_heartbeat

    with job_heartbeat("standards.healthrun", run.pk):
        return execute_run(run.pk).total
