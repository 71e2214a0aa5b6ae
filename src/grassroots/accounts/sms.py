"""Pluggable SMS sending. settings.SMS_BACKEND names a class with `send(phone, body)`.

The default OutboxSmsBackend sends nothing: it writes the message to the accounts.SmsOutbox table and
to the log, so a demo or an offline installation works without an SMS gateway. A production backend
subclasses BaseSmsBackend and calls the provider's API in `send`.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.utils.module_loading import import_string

log = logging.getLogger("grassroots.sms")

__all__ = ["BaseSmsBackend", "OutboxSmsBackend", "get_backend", "send_sms"]


class BaseSmsBackend:
    def send(self, phone: str, body: str) -> None:
        raise NotImplementedError


class OutboxSmsBackend(BaseSmsBackend):
    def send(self, phone: str, body: str) -> None:
        from .models import SmsOutbox

        SmsOutbox.objects.create(phone=phone, body=body[:300], backend=type(self).__name__)
        log.info("SMS to %s: %s", phone, body)


def get_backend() -> BaseSmsBackend:
    return import_string(settings.SMS_BACKEND)()


def send_sms(phone: str, body: str) -> None:
    get_backend().send(phone, body)
