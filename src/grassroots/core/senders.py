"""One interface for every message that leaves the platform: SMS and WeChat template messages.

A sender is a callable `send(message: OutgoingMessage) -> None` that raises on failure. settings.
GRASSROOTS_SENDERS maps a channel ("sms", "wechat") to the dotted path of its sender; a channel without
one goes to `log_sender`. The defaults send nothing over a network: SMS are written to accounts.SmsOutbox
and the log (accounts.sms.outbox_sender), WeChat template messages to the log, so a demo or an offline
installation works without a gateway. A production gateway is one function:

    def send(message):  # grassroots_gateway.sms.send, GRASSROOTS_SMS_SENDER=grassroots_gateway.sms.send
        provider.send_template(message.to, template_for(message.kind), {"text": message.text})

Two paths use it: the notifications outbox (notifications.senders.deliver: retried with backoff, failed
sends listed for administrators) and the direct texts that have no inbox user behind them (the resident
login code, the progress texts to a phone left on a report), through `send_sms`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.utils.module_loading import import_string

log = logging.getLogger("grassroots.senders")

SMS = "sms"
WECHAT = "wechat"


@dataclass(frozen=True)
class OutgoingMessage:
    channel: str  # SMS | WECHAT
    to: str  # a mobile number, or a WeChat openid
    text: str  # the whole text: an SMS body, a WeChat template's main field
    title: str = ""
    url: str = ""  # a path on the site (notifications) the message points to
    kind: str = ""  # the event ("cases.dispatched", "accounts.login_code"): gateways map it to a template


Sender = Callable[[OutgoingMessage], None]


def log_sender(message: OutgoingMessage) -> None:
    log.info("[%s] to=%s %s", message.channel, message.to or "-", message.title or message.text[:60])


def sender_for(channel: str) -> Sender:
    path = (getattr(settings, "GRASSROOTS_SENDERS", None) or {}).get(channel)
    return import_string(path) if path else log_sender


def send(message: OutgoingMessage) -> None:
    """Send now through the channel's sender (raises what the sender raises)."""
    sender_for(message.channel)(message)


def send_sms(phone: str, text: str, *, kind: str = "") -> None:
    send(OutgoingMessage(channel=SMS, to=phone, text=text, kind=kind))
