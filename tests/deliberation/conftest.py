import datetime
import os
from types import SimpleNamespace

import pytest
from django.utils import timezone

from grassroots.accounts.models import ResidentProfile
from grassroots.core.crypto import lookup_hash

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop


@pytest.fixture
def delib(city, make_user):
    """A community admin of community 0 and 1, residents of community 0 (linked to its households) and
    one of community 2."""
    c0, c1, c2 = city.communities[0], city.communities[1], city.communities[2]

    def resident(name, household):
        user = make_user(name, "resident")
        if household is not None:
            ResidentProfile.objects.create(
                user=user, phone_hash=lookup_hash(name), phone_masked="139****0000", household=household
            )
        return user

    h0 = next(h for h in city.households if h.entrance.path.startswith(c0.path))
    h2 = next(h for h in city.households if h.entrance.path.startswith(c2.path))
    return SimpleNamespace(
        c0=c0,
        c1=c1,
        c2=c2,
        admin=make_user("delib_admin0", "community_admin", c0),
        admin1=make_user("delib_admin1", "community_admin", c1),
        street=make_user("delib_street", "street_admin", city.streets[0]),
        resident=resident("delib_res0", h0),
        resident2=resident("delib_res0b", h0),
        other=resident("delib_res2", h2),
        unlinked=resident("delib_free", None),
        meeting=timezone.now() + datetime.timedelta(days=2),
        h0=h0,
    )


@pytest.fixture
def voting_topic(delib):
    """A topic of community 0 proposed by a resident, accepted, scheduled, with two options, voting."""
    from grassroots.deliberation import services

    def make(n_options=2):
        topic = services.propose(
            delib.resident, community=delib.c0, title="南门加装充电桩", content="电动车充电难"
        )
        services.screen(delib.admin, topic, accept=True)
        services.schedule(
            delib.admin, topic, meeting_at=delib.meeting, place="社区议事厅", theme="充电桩选址"
        )
        options = [services.add_option(delib.admin, topic, label=f"方案{i}") for i in range(n_options)]
        services.open_voting(delib.admin, topic)
        topic.refresh_from_db()
        return topic, options

    return make
