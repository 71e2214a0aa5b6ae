"""The booking API answers the same for a unit (or org) code that does not exist and one the user
cannot book for (issue 14.10): the answer does not tell which codes exist."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from grassroots.venues.models import Booking

from .conftest import at

pytestmark = pytest.mark.django_db


def test_unknown_and_out_of_scope_codes_answer_alike(venue, city, make_user, token_for):
    user = make_user("booker_codes", "community_admin", city.communities[0])
    api = Client(headers={"authorization": f"Bearer {token_for(user)}"})
    base = {
        "room_id": venue.pk,
        "start": at(1, 10).isoformat(),
        "end": at(1, 11).isoformat(),
        "title": "会议",
    }

    def book(**kw):
        r = api.post("/api/v1/venues/bookings/", json.dumps({**base, **kw}), "application/json")
        return r.status_code, r.json()["detail"]

    foreign_unit = city.units[3].code  # a unit of another community: exists, but not this user's
    assert book(booker_kind="unit", unit_code="NO-SUCH-UNIT") == book(
        booker_kind="unit", unit_code=foreign_unit
    )
    assert book(booker_kind="unit", unit_code="NO-SUCH-UNIT")[0] == 404
    foreign_org = city.branches[3].code
    assert book(booker_kind="branch", org_code="NO-SUCH-ORG") == book(
        booker_kind="branch", org_code=foreign_org
    )
    assert not Booking.objects.exists()
