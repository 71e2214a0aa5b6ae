"""Background tasks of proactive governance (django-tasks; `grassroots serve` runs the worker)."""

from django_tasks import task


@task()
def compute_hot_topics(run_id: int) -> int:
    """Execute a queued hot topic run (the 重新计算 button); returns the number of hot topics."""
    from grassroots.core.runtime import job_heartbeat

    from .clustering import execute_run

    with job_heartbeat("proactive.hottopicrun", run_id):
        return execute_run(run_id).topics


@task()
def nightly_hot_topics() -> int:
    """The scheduler's nightly run: recompute the hot topics (skipped while an on-demand run is in
    progress) and re-measure the effect of started initiatives. Idempotent per day."""
    from grassroots.core.errors import Conflict
    from grassroots.core.runtime import job_heartbeat

    from .clustering import execute_run
    from .services import refresh_effects, start_run

    refresh_effects()
    try:
        run = start_run(None, trigger="nightly", enqueue=False)
    except Conflict:
        return 0
    with job_heartbeat("proactive.hottopicrun", run.pk):
        return execute_run(run.pk).topics
