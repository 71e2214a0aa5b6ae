"""Races with real threads (SQLite and PostgreSQL): one health run at a time, one winner per step."""

from __future__ import annotations

import datetime
import threading

import pytest
from django.db import connections

from grassroots.core.errors import Conflict
from grassroots.standards import assess, health
from grassroots.standards.models import EvalState, Evaluation, EvaluationStep, HealthRun

YEAR = datetime.date.today().year - 1


def race(fns) -> list[str]:
    barrier = threading.Barrier(len(fns))
    outcomes: list[str] = []
    lock = threading.Lock()

    def run(fn):
        try:
            barrier.wait(timeout=10)
            fn()
            result = "won"
        except Conflict as exc:
            result = f"conflict:{exc.message}"
        finally:
            connections.close_all()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=run, args=(f,)) for f in fns]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return outcomes


@pytest.mark.django_db(transaction=True)
def test_concurrent_run_requests_queue_exactly_one_run(city, make_user):
    admins = [make_user(f"sa{k}", "street_admin", city.streets[k % 2]) for k in range(3)]
    outcomes = race([lambda u=u: health.start_run(u, enqueue=False) for u in admins])
    assert sorted(o.split(":")[0] for o in outcomes) == ["conflict", "conflict", "won"], outcomes
    assert HealthRun.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_reviews_have_one_winner(city, make_user):
    c = make_user("ca", "community_admin", city.communities[0])
    ev = assess.open_evaluation(c, region=city.communities[0], period=YEAR)
    ev.scores.update(self_score=0)
    ev = assess.transition(c, ev, "submit")
    street = make_user("sa", "street_admin", city.streets[0])
    district = make_user("da", "district_admin", city.district)
    outcomes = race(
        [
            lambda: assess.transition(street, Evaluation.objects.get(pk=ev.pk), "approve"),
            lambda: assess.transition(
                district, Evaluation.objects.get(pk=ev.pk), "return_self", comment="退回"
            ),
        ]
    )
    assert sorted(o.split(":")[0] for o in outcomes) == ["conflict", "won"], outcomes
    ev.refresh_from_db()
    assert ev.state in (EvalState.CONFIRM, EvalState.SELF)
    assert EvaluationStep.objects.filter(evaluation=ev).count() == 2  # submit + the one winner
