"""Delivery of outbox messages through the channel's sender (core.senders: one interface for SMS and
WeChat template messages, configured in settings.GRASSROOTS_SENDERS; a sender raises on failure).

A failed send stays pending with `next_attempt_at` = now + OUTBOX_RETRY_SECONDS × 2^(attempts−1)
(1, 2, 4, 8 ... minutes by default); `retry_due()` (periodic task notifications.retry_outbox, every
minute) sends the due ones again, and also pending messages whose first delivery never ran (the task
was lost with its worker). After OUTBOX_MAX_ATTEMPTS attempts the message is failed for good and
listed for administrators (notifications:outbox_failed), who can queue it again.
"""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.utils import timezone

from grassroots.core.senders import OutgoingMessage, sender_for

from .models import OutboxMessage

log = logging.getLogger("grassroots.notifications")
MAX_ATTEMPTS = 5  # default of settings.OUTBOX_MAX_ATTEMPTS
RETRY_BATCH = 500
# A pending message never attempted this long after it was written lost its delivery task.
FIRST_ATTEMPT_GRACE = datetime.timedelta(minutes=5)


def max_attempts() -> int:
    return int(getattr(settings, "OUTBOX_MAX_ATTEMPTS", MAX_ATTEMPTS))


def retry_delay(attempts: int) -> datetime.timedelta:
    base = int(getattr(settings, "OUTBOX_RETRY_SECONDS", 60))
    return datetime.timedelta(seconds=base * 2 ** max(0, attempts - 1))


def outgoing(message: OutboxMessage) -> OutgoingMessage:
    """The outbox row as the sender sees it (an SMS carries the title and the body)."""
    n = message.notification
    text = f"{n.title}：{n.body}" if n.body else n.title
    return OutgoingMessage(
        channel=message.channel, to=message.to, text=text, title=n.title, url=n.url, kind=n.kind
    )


def deliver(ids: list[int]) -> int:
    """Send the pending messages among `ids`; returns how many were sent."""
    sent = 0
    qs = OutboxMessage.objects.filter(pk__in=ids, state=OutboxMessage.State.PENDING).select_related(
        "notification"
    )
    for message in qs:
        message.attempts += 1
        try:
            sender_for(message.channel)(outgoing(message))
        except Exception as exc:  # a gateway failure must not stop the batch
            message.error = str(exc)[:300] or type(exc).__name__
            now = timezone.now()
            if message.attempts >= max_attempts():
                message.state = OutboxMessage.State.FAILED
                message.failed_at = now
                message.next_attempt_at = None
                log.error(
                    "outbox %s (%s) failed for good after %s attempts: %s",
                    message.pk,
                    message.channel,
                    message.attempts,
                    message.error,
                )
            else:
                message.next_attempt_at = now + retry_delay(message.attempts)
                log.warning(
                    "outbox %s (%s) attempt %s failed, next at %s: %s",
                    message.pk,
                    message.channel,
                    message.attempts,
                    message.next_attempt_at,
                    message.error,
                )
            message.save(update_fields=["attempts", "error", "state", "next_attempt_at", "failed_at"])
            continue
        message.state = OutboxMessage.State.SENT
        message.sent_at = timezone.now()
        message.error = ""
        message.next_attempt_at = None
        message.save(update_fields=["attempts", "error", "state", "sent_at", "next_attempt_at"])
        sent += 1
    return sent


def due_ids(now=None) -> list[int]:
    """Pending messages due for another attempt, and first attempts that never ran."""
    from django.db.models import Q

    now = now or timezone.now()
    return list(
        OutboxMessage.objects.filter(state=OutboxMessage.State.PENDING)
        .filter(
            Q(attempts__gt=0, next_attempt_at__lte=now)
            | Q(attempts=0, created_at__lte=now - FIRST_ATTEMPT_GRACE)
        )
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:RETRY_BATCH]
    )


def retry_due(now=None) -> int:
    """Send the due messages again (periodic; idempotent: only pending, due rows are touched)."""
    ids = due_ids(now)
    return deliver(ids) if ids else 0
