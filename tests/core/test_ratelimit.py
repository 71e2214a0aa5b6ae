"""core.ratelimit: fixed-window counters on the cache (no database rows), per scope and client."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from grassroots.core import ratelimit

T0 = 1_800_000_000.0  # a window boundary for window=3600 (T0 % 3600 == 0)


def test_counts_per_client_and_scope_and_resets_with_the_window():
    assert T0 % 3600 == 0
    for _ in range(3):
        ratelimit.hit("s1", "ip:1", 3600, now=T0 + 10)
    assert ratelimit.count("s1", "ip:1", 3600, now=T0 + 3599) == 3
    assert ratelimit.exceeded("s1", "ip:1", 3, 3600, now=T0 + 20)
    assert not ratelimit.exceeded("s1", "ip:1", 4, 3600, now=T0 + 20)
    # another client, another scope: their own counters
    assert ratelimit.count("s1", "ip:2", 3600, now=T0 + 20) == 0
    assert ratelimit.count("s2", "ip:1", 3600, now=T0 + 20) == 0
    # the next window starts from zero
    assert not ratelimit.exceeded("s1", "ip:1", 1, 3600, now=T0 + 3600)
    assert ratelimit.hit("s1", "ip:1", 3600, step=2, now=T0 + 3600) == 2


@pytest.mark.django_db
def test_counting_writes_nothing_to_the_database():
    with CaptureQueriesContext(connection) as ctx:
        ratelimit.hit("s1", "ip:9", 60)
        ratelimit.exceeded("s1", "ip:9", 5, 60)
    assert len(ctx.captured_queries) == 0
