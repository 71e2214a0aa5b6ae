"""A need's claim is told to the community that posted it (its administrators), and to nobody else."""

from __future__ import annotations

import pytest

from grassroots.cobuild import services
from grassroots.notifications.models import Notification

pytestmark = pytest.mark.django_db


def test_need_claim_tells_the_posting_community_only(cb):
    need = services.post_need(
        cb.admin, community=cb.A, title="老年人助餐志愿者", category="service", quantity=3
    )
    assert not Notification.objects.filter(kind="cobuild.need_claimed").exists()
    services.claim_need(cb.liaison, need, cb.unit_a)
    told = Notification.objects.filter(kind="cobuild.need_claimed")
    assert [n.user for n in told] == [cb.admin]
    assert cb.unit_a.name in told[0].title and told[0].object_id == str(need.pk)
    assert not Notification.objects.filter(
        kind="cobuild.need_claimed", user__in=[cb.admin_b, cb.street, cb.liaison, cb.liaison2]
    ).exists()
