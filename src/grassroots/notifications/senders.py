"""Pluggable senders for outbox messages.

settings.GRASSROOTS_SENDERS maps a channel to a dotted path of a callable `send(message) -> None`
that raises on failure. The default for every channel is `log_sender`: it writes the message to the
log (the outbox row itself is the record), so a machine without an SMS gateway loses nothing.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

from .models import OutboxMessage

log = logging.getLogger("grassroots.notifications")
MAX_ATTEMPTS = 5


def log_sender(message: OutboxMessage) -> None:
    log.info("[%s] to=%s %s", message.channel, message.to or "-", message.notification.title)


def sender_for(channel: str):
    path = getattr(settings, "GRASSROOTS_SENDERS", {}).get(channel)
    return import_string(path) if path else log_sender


def deliver(ids: list[int]) -> int:
    """Send the pending messages among `ids`; returns how many were sent."""
    sent = 0
    qs = OutboxMessage.objects.filter(pk__in=ids, state=OutboxMessage.State.PENDING).select_related(
        "notification"
    )
    for message in qs:
        message.attempts += 1
        try:
            sender_for(message.channel)(message)
        except Exception as exc:  # a gateway failure must not stop the batch
            message.error = str(exc)[:300]
            if message.attempts >= MAX_ATTEMPTS:
                message.state = OutboxMessage.State.FAILED
            message.save(update_fields=["attempts", "error", "state"])
            continue
        message.state = OutboxMessage.State.SENT
        message.sent_at = timezone.now()
        message.error = ""
        message.save(update_fields=["attempts", "error", "state", "sent_at"])
        sent += 1
    return sent
