"""Rollup jobs: on demand (the dashboard's button) and nightly (registered with core.schedule)."""

from django_tasks import task


@task()
def rollup_task(run_id: int) -> int:
    from grassroots.core.runtime import job_heartbeat

    from .models import RollupRun
    from .rollups import run_now

    run = RollupRun.objects.filter(pk=run_id).first()
    if run is None or run.state not in (RollupRun.State.QUEUED, RollupRun.State.RUNNING):
        return 0
    with job_heartbeat("dashboards.rolluprun", run.pk):
        return run_now(run)


@task()
def nightly_rollup() -> int:
    """The scheduler's nightly recomputation (after the health check, whose results feed some metrics)."""
    from grassroots.core.runtime import job_heartbeat

    from .models import RollupRun
    from .rollups import run_now

    run = RollupRun.objects.create(trigger="nightly")
    with job_heartbeat("dashboards.rolluprun", run.pk):
        return run_now(run)
