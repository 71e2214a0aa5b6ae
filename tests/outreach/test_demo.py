"""The outreach demo step on the hub test city: the hub is linked by the suggestion rule, contacts
exist and keep the link's last contact, worker logs hold items in every state they can reach."""

from __future__ import annotations

import pytest
from django.db.models import Max

from grassroots.demo.context import DemoContext
from grassroots.outreach import demo
from grassroots.outreach.models import ContactLog, HubLink, LinkState, LogItem, WorkerLog
from grassroots.people.models import Worker

pytestmark = pytest.mark.django_db


def test_demo_step(hubs):
    Worker.objects.filter(region=hubs.community).update(role="grid_worker")
    ctx = DemoContext(preset="tiny", seed=5, show_progress=False)
    demo.generate(ctx)
    links = HubLink.objects.filter(hub=hubs.hub)
    assert links.exists() and not links.filter(household=hubs.own).exists()
    assert not links.filter(household__in=hubs.far).exists()  # about 2 km away: never suggested
    for link in links.filter(state=LinkState.CONFIRMED, contact_count__gt=0):
        agg = ContactLog.objects.filter(link=link).aggregate(last=Max("at"))
        assert link.last_contact_at == agg["last"]
        assert link.contact_count == ContactLog.objects.filter(link=link).count()
    assert WorkerLog.objects.filter(community=hubs.community).exists()
    assert LogItem.objects.exists()
    assert not LogItem.objects.filter(state="visit", visit__isnull=True).exists()
    n = HubLink.objects.count()
    demo.generate(ctx)  # a second run adds nothing
    assert HubLink.objects.count() == n
