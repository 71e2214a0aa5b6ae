"""Fixtures for recruitment tests: a community admin of community A, its branch with full members."""

from __future__ import annotations

import datetime
import os

import pytest

from tests.factories import id_number_born

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop


@pytest.fixture
def admin(make_user, city):
    return make_user("recadmin", "community_admin", city.communities[0])


@pytest.fixture
def branch(city):
    return city.branches[0]


@pytest.fixture
def applicant_data(branch):
    def make(**kw):
        birth = kw.pop("birth_date", datetime.date(1996, 4, 12))
        data = {
            "party_org": branch,
            "name": "李晓",
            "gender": "female",
            "birth_date": birth,
            "id_number": id_number_born(birth),
            "applied_on": datetime.date(2020, 3, 2),
            "phone": "13812345678",
        }
        data.update(kw)
        return data

    return make


# Days after the application on which each step is recorded by `walk` (valid under the default rules).
WALK = {
    1: 0,
    2: 10,
    3: 40,
    4: 45,
    5: 46,
    6: 240,
    7: 410,
    8: 415,
    9: 420,
    10: 430,
    11: 440,
    12: 450,
    13: 465,
    14: 470,
    15: 480,
    16: 490,
    17: 500,
    18: 505,
    19: 506,
    20: 510,
    21: 600,
    22: 840,
    23: 846,
    24: 860,
    25: 870,
}


@pytest.fixture
def walk(branch):
    """walk(user, candidate, until): record the steps after the candidate's last one up to `until`, on
    the WALK days after its application (two half-yearly reviews at step 6)."""
    from grassroots.recruitment import services
    from tests.factories import add_member

    people = [add_member(branch, f"介绍人{k}") for k in range(2)]

    def run(user, c, until, decision="convert"):
        start = c.step_date(1)
        for n in range(c.last_step + 1, until + 1):
            kw = {}
            if n in (5, 9):
                kw["people"] = people
            if n == 11:
                kw["hours"] = 24
            if n == 23:
                kw["decision"] = decision
            on = start + datetime.timedelta(days=WALK[n])
            if n == 6:
                services.record_step(user, c, 6, on - datetime.timedelta(days=183), **kw)
            services.record_step(user, c, n, on, **kw)
            c.refresh_from_db()
        return c

    return run
