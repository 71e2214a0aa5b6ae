from django_tasks import task


@task()
def deadline_notices() -> dict:
    """临期 / 超期 notices to the handlers (each case once per state and handling round)."""
    from .notices import send_deadline_notices

    return send_deadline_notices()


@task()
def calendar_notices() -> int:
    """The missing holiday calendar, to street, district and city administrators (weekly each)."""
    from .notices import send_calendar_notices

    return send_calendar_notices()


@task()
def event_partitions() -> dict:
    """The monthly partitions of the case event table for the coming months: {"created": [names]}
    (PostgreSQL; none on SQLite). A dict like every scheduled job's result (the job list page)."""
    from django.db import connection

    from .partitions import ensure_partitions

    return {"created": ensure_partitions(connection)}


@task()
def tell_reporter(case_id: int, kind: str, title: str, body: str, evaluate: bool = False) -> bool:
    """A step the reporter waits to hear about (queued by services._tell_reporter_later once the case's
    transaction has committed): inbox rows and the text message. False if the case is gone."""
    from django.db import transaction

    from .models import Case
    from .services import _tell_reporter

    case = Case.objects.select_related("reporter_user").filter(pk=case_id).first()
    if case is None:  # deleted before the worker got to it
        return False
    with transaction.atomic():
        _tell_reporter(case, kind, title, body, evaluate=evaluate)
    return True


@task()
def refresh_case_days(buckets: list) -> int:
    """The statistics summary's (day, community) rows a committed case step touched (queued by
    casedays.touch): [[ISO day, community id], ...]; returns rows written."""
    import datetime

    from . import casedays

    return casedays.refresh({(datetime.date.fromisoformat(d), int(r)) for d, r in buckets})
