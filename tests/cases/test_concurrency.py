"""Two handlers accept the same case at once: exactly one wins (SQLite and PostgreSQL)."""

from __future__ import annotations

import threading

import pytest
from django.db import connections

from grassroots.cases import services
from grassroots.cases.models import Case, CaseEvent
from grassroots.core.errors import Conflict


@pytest.mark.django_db(transaction=True)
def test_concurrent_accept_has_exactly_one_winner(loop, dispatched):
    case = dispatched()
    users = [loop.dept_a, loop.dept_b]
    barrier = threading.Barrier(len(users))
    outcomes: list[str] = []
    lock = threading.Lock()

    def run(user):
        try:
            stale = Case.objects.select_related("handler__region", "region").get(pk=case.pk)
            barrier.wait(timeout=10)
            services.accept(user, stale)
            result = f"won:{user.username}"
        except Conflict as exc:
            result = f"conflict:{exc.message}"
        finally:
            connections.close_all()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=run, args=(u,)) for u in users]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    winners = [o for o in outcomes if o.startswith("won:")]
    assert len(outcomes) == 2 and len(winners) == 1, outcomes
    assert any("已被他人处理" in o for o in outcomes)
    case.refresh_from_db()
    assert case.state == "accepted" and case.version == 3  # dispatch + triage + one accept
    assert CaseEvent.objects.filter(case=case, step="accept").count() == 1
