"""The default SMS sender (core.senders): it sends nothing, it writes the message to the accounts.SmsOutbox
table and to the log, so a demo or an offline installation works without an SMS gateway (the resident
login page of the demo reads its codes from there). settings.GRASSROOTS_SENDERS["sms"] names it; a
production gateway replaces it with its own `send(message)`."""

from __future__ import annotations

import logging

from grassroots.core.senders import OutgoingMessage

log = logging.getLogger("grassroots.sms")

__all__ = ["outbox_sender"]


def outbox_sender(message: OutgoingMessage) -> None:
    from .models import SmsOutbox

    if not message.to:  # an inbox user without a phone: nothing to write
        log.info("SMS without a number skipped: %s", message.title or message.text[:60])
        return
    SmsOutbox.objects.create(phone=message.to, body=message.text[:300], backend="outbox_sender")
    log.info("SMS to %s: %s", message.to, message.text)
