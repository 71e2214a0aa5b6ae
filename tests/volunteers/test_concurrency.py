"""Real threads against the database (SQLite file DB and PostgreSQL): one claimant per wish, never
over an activity's capacity, never a negative balance or stock."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connections
from django.utils import timezone

from grassroots.core.errors import ServiceError
from grassroots.orglife.models import Activity, Signup
from grassroots.volunteers import services, wishes
from grassroots.volunteers.models import CatalogItem, PointEntry, Redemption, Wish

pytestmark = pytest.mark.django_db(transaction=True)


def race(fns):
    """Run the callables at once (a barrier); return their outcomes ("ok" or the error message)."""
    barrier = threading.Barrier(len(fns))
    out, lock = [], threading.Lock()

    def run(fn):
        try:
            barrier.wait(timeout=10)
            fn()
            result = "ok"
        except ServiceError as exc:
            result = exc.message
        finally:
            connections.close_all()
        with lock:
            out.append(result)

    threads = [threading.Thread(target=run, args=(fn,)) for fn in fns]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert len(out) == len(fns), out
    return out


def test_one_claimant_per_wish_and_never_over_capacity(vw, published, make_user):
    wish = published()
    claimers = [vw.member, vw.member2] + [make_user(f"pm{i}", "party_member") for i in range(4)]
    stale = [Wish.objects.select_related("region", "posted_by").get(pk=wish.pk) for _ in claimers]
    out = race([lambda u=u, w=w: wishes.claim_wish(u, w) for u, w in zip(claimers, stale, strict=True)])
    assert out.count("ok") == 1, out
    assert all("已被他人认领" in o or "已认领" in o for o in out if o != "ok"), out
    wish.refresh_from_db()
    assert wish.state == "claimed" and wish.version == 2 and wish.claimed_by in claimers

    # sign-ups: 8 residents at once for 3 places
    start = timezone.now() + dt.timedelta(hours=1)
    va = services.create_activity(
        vw.admin0,
        region=vw.c0,
        title="敬老院慰问",
        place="社区敬老院",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=2),
        capacity=3,
    )
    users = [make_user(f"res{i}", "resident") for i in range(8)]
    out = race([lambda u=u: services.sign_up(u, va) for u in users])
    assert out.count("ok") == 3, out
    assert Activity.objects.get(pk=va.activity_id).signed_up_count == 3
    assert Signup.objects.filter(activity_id=va.activity_id, status="signed_up").count() == 3


def test_redemptions_never_overdraw_points_or_stock(vw, make_user):
    item = services.add_item(vw.admin0, region=vw.c0, name="大米", price=10, stock=3)
    users = [make_user(f"buyer{i}", "resident") for i in range(5)]
    for u in users:
        services.grant_points(
            vw.admin0, services.ensure_volunteer(u, vw.c0), amount=25, reason="参加社区清洁"
        )
    # each buyer twice at once (balance 25 allows two of 10), all buyers at once (stock 3)
    fns = [lambda u=u: services.redeem(u, item) for u in users for _ in range(2)]
    out = race(fns)
    assert out.count("ok") == 3, out
    item.refresh_from_db()
    assert item.stock == 0
    for u in users:
        assert services.balance(u) >= 0
        assert services.balance(u) == 25 - 10 * Redemption.objects.filter(account=u).count()
    assert PointEntry.objects.filter(source_type="redemption").count() == 3

    # one account, six redemptions at once, points for three
    item = services.add_item(vw.admin0, region=vw.c0, name="食用油", price=10, stock=50)
    vol = services.ensure_volunteer(vw.resident, vw.c0)
    services.grant_points(vw.admin0, vol, amount=30, reason="参加社区清洁")
    out = race([lambda: services.redeem(vw.resident, item) for _ in range(6)])
    assert out.count("ok") == 3, out
    assert services.balance(vw.resident) == 0
    assert CatalogItem.objects.get(pk=item.pk).stock == 47
