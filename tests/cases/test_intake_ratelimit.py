"""The resident report form's hourly limits are counted in the cache (core.ratelimit), per IP across
sessions and per session, and writing a report leaves no throttle rows in the database."""

from __future__ import annotations

from unittest import mock

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from grassroots.cases import intake_views
from grassroots.cases.models import Case

pytestmark = pytest.mark.django_db


def _form(loop):
    return {
        "description": "楼道灯坏了很久，晚上看不见路",
        "reporter_phone": "13912345678",
        "community": loop.c0.pk,
    }


def test_per_ip_limit_holds_across_new_sessions(loop):
    with mock.patch.object(intake_views, "PER_IP_HOUR", 2):
        codes = [Client().post(reverse("cases:report"), _form(loop)).status_code for _ in range(3)]
        assert codes == [302, 302, 429]
        # an emptied cache (a new window) lets the visitor in again
        cache.clear()
        assert Client().post(reverse("cases:report"), _form(loop)).status_code == 302
    assert Case.objects.count() == 3
