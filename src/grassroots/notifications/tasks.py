from django_tasks import task


@task()
def deliver_outbox(ids: list[int]) -> int:
    from .senders import deliver

    return deliver(ids)


@task()
def daily_digest() -> int:
    from .services import send_daily_digest

    return send_daily_digest()
