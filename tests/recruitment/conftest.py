"""Fixtures for recruitment tests: a community admin of community A, its branch with full members."""

from __future__ import annotations

import datetime

import pytest

from tests.factories import id_number_born


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
