"""The 一窗受理 demo step on the test city: a catalog per district, applications in every state whose
dates agree with their state, deadlines from the working-day calendar, offers to elderly households."""

import pytest

from grassroots.cases.workdays import WorkCalendar
from grassroots.demo.context import DemoContext
from grassroots.onewindow import demo
from grassroots.onewindow.models import Application, ApplicationState, OfferState, ServiceItem, ServiceOffer

pytestmark = pytest.mark.django_db


def test_demo_step(city):
    for h in city.households[:3]:
        h.set_tags(["elderly_alone"])
        h.save()
    demo.generate(DemoContext(preset="tiny", seed=3, show_progress=False))
    assert ServiceItem.objects.filter(region=city.district).count() == len(demo.ITEMS)
    apps = list(Application.objects.select_related("item", "community"))
    assert len(apps) == len(city.communities) * demo.APPLICATIONS_PER_COMMUNITY
    assert {a.state for a in apps} >= {ApplicationState.DONE, ApplicationState.FORWARDED}
    cal = WorkCalendar.load(2025, 2027)
    for a in apps:
        assert a.community.path.startswith(city.district.path)
        if a.forwarded_at:
            assert a.due_at == cal.add_working_days(a.forwarded_at, a.item.time_limit_days)
        if a.state == ApplicationState.DONE:
            assert a.finished_at and a.result
        if a.state == ApplicationState.INCOMPLETE:
            assert a.missing_materials
        else:
            assert not a.missing_materials
        assert a.rating is None or (a.state == ApplicationState.DONE and 1 <= a.rating <= 5)
        if a.channel == "door":
            assert a.household_id and a.item.door_to_door
    offers = ServiceOffer.objects.all()
    assert offers.exists()
    for o in offers:
        assert ",elderly_alone," in o.household.tags
        assert (o.state == OfferState.ACCEPTED) == (o.application_id is not None)
    demo.generate(DemoContext(preset="tiny", seed=3, show_progress=False))  # idempotent
    assert Application.objects.count() == len(apps)
