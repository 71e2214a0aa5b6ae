from django_tasks import task


@task()
def deadline_notices() -> dict:
    """临期 / 超期 notices to the handlers (each case once per state and handling round)."""
    from .services import send_deadline_notices

    return send_deadline_notices()


@task()
def calendar_notices() -> int:
    """The missing holiday calendar, to street, district and city administrators (weekly each)."""
    from .services import send_calendar_notices

    return send_calendar_notices()


@task()
def event_partitions() -> list:
    """The monthly partitions of the case event table for the coming months (PostgreSQL; [] on SQLite)."""
    from django.db import connection

    from .partitions import ensure_partitions

    return ensure_partitions(connection)
