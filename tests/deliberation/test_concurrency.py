"""50 residents vote at the same instant: exactly 50 votes count; a second vote by one of them, sent at
the same instant from another phone, is refused (SQLite and PostgreSQL)."""

import threading

import pytest
from django.db import connections

from grassroots.accounts.models import ResidentProfile, User
from grassroots.core.crypto import lookup_hash
from grassroots.core.errors import Conflict
from grassroots.deliberation import services
from grassroots.deliberation.models import Topic, Vote

N = 50


@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_votes_count_exactly_fifty(delib, voting_topic):
    from grassroots.accounts.models import Role, RoleAssignment

    topic, (a, b) = voting_topic()
    role = Role.objects.get(code="resident")
    voters = []
    for i in range(N):
        user = User.objects.create_user(username=f"voter{i}", password=None)
        RoleAssignment.objects.create(user=user, role=role)
        ResidentProfile.objects.create(
            user=user, phone_hash=lookup_hash(f"v{i}"), phone_masked="139****0000", household=delib.h0
        )
        voters.append(user)
    # voter0 also votes a second time at the same instant (two phones).
    attempts = [(u, a if i % 2 else b) for i, u in enumerate(voters)] + [(voters[0], b)]
    barrier = threading.Barrier(len(attempts))
    outcomes, lock = [], threading.Lock()

    def run(user, option):
        try:
            fresh = Topic.objects.select_related("region").get(pk=topic.pk)
            barrier.wait(timeout=30)
            services.vote(user, fresh, option.pk)
            result = "ok"
        except Conflict:
            result = "conflict"
        except Exception as exc:  # noqa: BLE001 - a locked database would show here, and must not
            result = f"error:{exc!r}"
        finally:
            connections.close_all()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=run, args=pair) for pair in attempts]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=120)
    assert sorted(outcomes).count("ok") == N and outcomes.count("conflict") == 1, outcomes
    assert Vote.objects.filter(topic=topic).count() == N
    assert Vote.objects.filter(topic=topic, voter=voters[0]).count() == 1
    assert dict((o.label, n) for o, n in services.tally(topic)) == {a.label: N // 2, b.label: N // 2}
