"""N units claim one need, N communities one resource, at the same moment: exactly one wins, the
others get a clear Conflict (SQLite and PostgreSQL)."""

from __future__ import annotations

import threading

import pytest
from django.db import connections

from grassroots.accounts.models import Role, RoleAssignment, User
from grassroots.cobuild import services
from grassroots.cobuild.models import Need, Resource
from grassroots.core.errors import Conflict
from grassroots.core.models import AuditEvent
from tests.factories import build_city

N = 4


def _race(calls) -> list[str]:
    barrier = threading.Barrier(len(calls))
    outcomes, lock = [], threading.Lock()

    def run(i, fn):
        try:
            barrier.wait(timeout=20)
            fn()
            result = f"won:{i}"
        except Conflict as exc:
            result = f"conflict:{exc.message}"
        except Exception as exc:  # noqa: BLE001 - any other error fails the test below
            result = f"error:{exc!r}"
        finally:
            connections.close_all()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=run, args=(i, fn)) for i, fn in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=90)
    return outcomes


def _user(name, role, **scope):
    u = User.objects.create_user(username=name, password=None)
    RoleAssignment.objects.create(user=u, role=Role.objects.get(code=role), **scope)
    return u


@pytest.mark.django_db(transaction=True)
def test_one_need_many_units_exactly_one_wins():
    city = build_city()
    admin = _user("race_admin", "community_admin", region=city.communities[0])
    need = services.post_need(admin, community=city.communities[0], title="助老送餐", category="service")
    liaisons = [_user(f"race_l{i}", "unit_liaison", party_org=city.community_orgs[0]) for i in range(N)]
    unit = city.units[0]
    calls = []
    for u in liaisons:
        stale = Need.objects.get(pk=need.pk)
        calls.append(lambda u=u, stale=stale: services.claim_need(u, stale, unit))
    outcomes = _race(calls)
    winners = [o for o in outcomes if o.startswith("won:")]
    assert len(outcomes) == N and len(winners) == 1, outcomes
    assert all(o == "conflict:该需求已被其他单位认领" for o in outcomes if not o.startswith("won:")), outcomes
    need.refresh_from_db()
    assert need.state == "claimed" and need.claimed_by == liaisons[int(winners[0].split(":")[1])]
    events = AuditEvent.objects.filter(model="cobuild.need", object_id=str(need.pk), action="transition")
    assert events.count() == 1


@pytest.mark.django_db(transaction=True)
def test_one_resource_many_communities_exactly_one_wins():
    city = build_city()
    street = _user("race_street", "street_admin", region=city.streets[0])
    res = services.offer_resource(street, unit=city.units[0], title="会议室", category="venue", quantity=30)
    # N street-level users, each claiming the resource for one of the street's two communities
    admins = [_user(f"race_c{i}", "street_admin", region=city.streets[0]) for i in range(N)]
    calls = []
    for i, u in enumerate(admins):
        stale = Resource.objects.get(pk=res.pk)
        c = city.communities[i % 2]
        calls.append(lambda u=u, stale=stale, c=c: services.claim_resource(u, stale, c))
    outcomes = _race(calls)
    winners = [o for o in outcomes if o.startswith("won:")]
    assert len(outcomes) == N and len(winners) == 1, outcomes
    assert all(o == "conflict:该资源已被其他社区认领" for o in outcomes if not o.startswith("won:")), outcomes
    res.refresh_from_db()
    winner = int(winners[0].split(":")[1])
    assert res.state == "claimed" and res.claimed_community == city.communities[winner % 2]
