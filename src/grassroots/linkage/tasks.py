from django_tasks import task


@task()
def escalate_overdue() -> int:
    """Periodic 督办 of overdue cross-level assignments (see services.escalate_overdue)."""
    from .services import escalate_overdue as run

    return run()
