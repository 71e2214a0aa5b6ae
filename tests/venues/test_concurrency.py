"""50 concurrent requests for one slot: exactly one booking (SQLite serialised transaction; PostgreSQL
row lock plus the exclusion constraint, which is also checked on its own)."""

from __future__ import annotations

import threading

import pytest
from django.db import IntegrityError, connection, connections, transaction

from grassroots.core.errors import Conflict
from grassroots.venues import services
from grassroots.venues.models import Booking, BookingState

from .conftest import at

N = 50


def _race(users, room, slots):
    barrier = threading.Barrier(len(users))
    outcomes: list[str] = []
    lock = threading.Lock()

    def run(user, slot):
        try:
            barrier.wait(timeout=30)
            services.book(user, room, start=slot[0], end=slot[1], title="并发预约")
            result = "ok"
        except Conflict:
            result = "conflict"
        except Exception as exc:  # anything else is a failure of the test
            result = f"error:{type(exc).__name__}:{exc}"
        finally:
            connections.close_all()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=run, args=(u, slots[i % len(slots)])) for i, u in enumerate(users)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return outcomes


@pytest.fixture
def bookers(db):
    from grassroots.accounts.models import Role, RoleAssignment, User

    users = User.objects.bulk_create([User(username=f"race{i}") for i in range(N)])
    role = Role.objects.get(code="resident")
    RoleAssignment.objects.bulk_create([RoleAssignment(user=u, role=role) for u in users])
    return users


@pytest.mark.django_db(transaction=True)
def test_fifty_requests_same_slot_one_booking(venue, bookers):
    outcomes = _race(bookers, venue, [(at(1, 10), at(1, 11))])
    assert len(outcomes) == N
    assert outcomes.count("ok") == 1, outcomes
    assert outcomes.count("conflict") == N - 1, outcomes
    assert Booking.objects.filter(room=venue).count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_overlapping_slots_one_booking(venue, bookers):
    # Pairwise overlapping but not identical slots: still one winner among them.
    slots = [
        (at(1, 10), at(1, 11)),
        (at(1, 10, 30), at(1, 11, 30)),
        (at(1, 9, 30), at(1, 11, 30)),
        (at(1, 10, 30), at(1, 11)),
    ]
    outcomes = _race(bookers[:30], venue, slots)
    assert outcomes.count("ok") == 1, outcomes
    assert Booking.objects.live().filter(room=venue).count() == 1


@pytest.mark.django_db
def test_exclusion_constraint_on_postgresql(venue, make_user):
    if connection.vendor != "postgresql":
        pytest.skip("Exclusion constraints exist only on PostgreSQL")
    user = make_user("raw", "resident")
    common = {"room": venue, "booker": user, "booker_kind": "resident", "title": "x"}
    Booking.objects.create(start=at(1, 10), end=at(1, 11), state=BookingState.CONFIRMED, **common)
    # Adjacent and cancelled rows are fine; an overlapping live row is refused by the database itself.
    Booking.objects.create(start=at(1, 11), end=at(1, 12), state=BookingState.CONFIRMED, **common)
    Booking.objects.create(start=at(1, 10), end=at(1, 11), state=BookingState.CANCELLED, **common)
    with pytest.raises(IntegrityError), transaction.atomic():
        Booking.objects.create(start=at(1, 10, 30), end=at(1, 11, 30), state=BookingState.PENDING, **common)
