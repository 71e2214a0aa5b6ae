"""The 红色物业 demo step on the test city: companies with contracts, committees with members and
elections, unmanaged neighborhoods partly taken over, last year's grades and list published."""

import pytest

from grassroots.demo.context import DemoContext
from grassroots.redproperty import demo
from grassroots.redproperty.models import (
    Election,
    Grade,
    ListPublication,
    OwnersCommittee,
    PropertyCompany,
    ServiceContract,
)

pytestmark = pytest.mark.django_db


def test_demo_step(city):
    demo.generate(DemoContext(preset="tiny", seed=3, show_progress=False))
    assert PropertyCompany.objects.filter(is_state_owned=True).count() == len(city.streets)
    assert ServiceContract.objects.count() == len(city.communities)  # every community's property unit
    assert PropertyCompany.objects.count() == len(city.communities) + len(city.streets)
    assert Grade.objects.count() == PropertyCompany.objects.count()
    assert ListPublication.objects.count() == 1
    for com in OwnersCommittee.objects.all():
        assert com.members.count() == 5 and com.elections.filter(state="elected").exists()
    assert Election.objects.filter(state="elected").count() == OwnersCommittee.objects.count()
    demo.generate(DemoContext(preset="tiny", seed=3, show_progress=False))  # idempotent
    assert ServiceContract.objects.count() == len(city.communities)
