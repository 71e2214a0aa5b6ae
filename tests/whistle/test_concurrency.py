"""Two members of one department check in at once: exactly one wins (SQLite and PostgreSQL)."""

from __future__ import annotations

import threading

import pytest
from django.db import connections

from grassroots.core.errors import Conflict
from grassroots.whistle import services
from grassroots.whistle.models import Summons, Target, WhistleEvent


@pytest.mark.django_db(transaction=True)
def test_concurrent_check_in_has_exactly_one_winner(wh, summons_for):
    s = summons_for(handlers=[wh.dept])
    t = s.targets.get()
    users = [wh.member_a, wh.member_b]
    barrier = threading.Barrier(2)
    outcomes, lock = [], threading.Lock()

    def run(user):
        try:
            summons = Summons.objects.select_related("region", "created_by").get(pk=s.pk)
            target = Target.objects.select_related("handler").get(pk=t.pk)
            barrier.wait(timeout=10)
            services.check_in(user, summons, target, mode="online")
            result = "won"
        except Conflict as exc:
            result = f"conflict:{exc.message}"
        finally:
            connections.close_all()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=run, args=(u,)) for u in users]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=60)
    assert sorted(o.split(":")[0] for o in outcomes) == ["conflict", "won"], outcomes
    t.refresh_from_db()
    assert t.state == "checked_in" and t.version == 1
    assert WhistleEvent.objects.filter(summons=s, step="check_in").count() == 1
