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
