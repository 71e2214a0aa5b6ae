from django_tasks import task


@task()
def deliver_outbox(ids: list[int]) -> int:
    from .senders import deliver

    return deliver(ids)


@task()
def daily_digest() -> int:
    from .services import send_daily_digest

    return send_daily_digest()


@task()
def retry_outbox() -> int:
    """Every minute: failed SMS / WeChat sends whose backoff has passed are sent again."""
    from .senders import retry_due

    return retry_due()
