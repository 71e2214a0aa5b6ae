"""The venues demo step on the test city: three levels of centers, shared unit venues, three months
of bookings that never overlap in a room."""

from __future__ import annotations

import pytest
from django.db.models import Exists, OuterRef

from grassroots.demo.context import DemoContext
from grassroots.regions.models import Region
from grassroots.venues import demo
from grassroots.venues.models import LIVE_STATES, Booking, Room, ServiceCenter

pytestmark = pytest.mark.django_db


def test_demo_step(city):
    for i, r in enumerate(
        Region.objects.filter(level__in=("district", "street", "community", "neighborhood"))
    ):
        r.lng, r.lat = 120.30 + i * 0.004, 36.06
        r.save(update_fields=["lng", "lat"])
    unit = city.units[0]
    unit.party_work, unit.party_org, unit.lng, unit.lat = "own_org", city.branches[0], 120.31, 36.07
    unit.save()
    demo.generate(DemoContext(preset="tiny", seed=3, show_progress=False))
    levels = set(ServiceCenter.objects.values_list("level", flat=True))
    assert {"district", "street", "community"} <= levels
    assert ServiceCenter.objects.filter(level="district").count() == 1
    assert ServiceCenter.objects.filter(level="community").count() == 4
    assert Room.objects.count() >= 5 + 2 * 4 + 4 * 3
    bookings = Booking.objects.all()
    assert bookings.count() > 100
    assert {"checked_in", "confirmed", "cancelled"} <= set(bookings.values_list("state", flat=True))
    overlap = Booking.objects.live().filter(
        room=OuterRef("room"), start__lt=OuterRef("end"), end__gt=OuterRef("start")
    )
    clash = (
        Booking.objects.filter(state__in=LIVE_STATES)
        .annotate(clash=Exists(overlap.exclude(pk=OuterRef("pk"))))
        .filter(clash=True)
    )
    assert not clash.exists()
    # Running the step again adds nothing.
    n = bookings.count()
    demo.generate(DemoContext(preset="tiny", seed=3, show_progress=False))
    assert Booking.objects.count() == n
