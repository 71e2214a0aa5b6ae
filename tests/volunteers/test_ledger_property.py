"""Property: after any sequence of earn, grant, redeem, cancel and revoke operations, every balance
equals the sum of its ledger, no balance and no stock is negative, and nothing is revoked twice."""

from __future__ import annotations

import pytest
from django.db.models import Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from grassroots.core.errors import ServiceError
from grassroots.volunteers import services
from grassroots.volunteers.models import CatalogItem, PointEntry, Redemption
from tests.examples import examples

pytestmark = pytest.mark.django_db

OPS = st.lists(
    st.one_of(
        st.tuples(st.just("earn"), st.integers(0, 2), st.integers(1, 40)),
        st.tuples(st.just("grant"), st.integers(0, 2), st.integers(-30, 30)),
        st.tuples(st.just("redeem"), st.integers(0, 2), st.integers(0, 1)),
        st.tuples(st.just("cancel"), st.integers(0, 2), st.integers(0, 5)),
        st.tuples(st.just("revoke"), st.integers(0, 2), st.integers(0, 8)),
    ),
    max_size=20,
)


@settings(
    max_examples=examples(10), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(ops=OPS)
def test_balances_equal_ledger_sums(vw, make_user, ops):
    from django.db import transaction

    sid = transaction.savepoint()
    try:
        accounts = [make_user(f"acc{i}_{id(ops)}", "resident") for i in range(3)]
        vols = [services.ensure_volunteer(u, vw.c0) for u in accounts]
        items = [
            services.add_item(vw.admin0, region=vw.c0, name=f"物品{k}{id(ops)}", price=p, stock=s)
            for k, (p, s) in enumerate([(10, 2), (25, 5)])
        ]
        seq = 0
        for op, who, arg in ops:
            user, vol = accounts[who], vols[who]
            try:
                if op == "earn":
                    seq += 1
                    services.earn(
                        user, region=vw.c0, amount=arg, source_type="case", source_id=seq, reason="办理诉求"
                    )
                elif op == "grant":
                    services.grant_points(vw.admin0, vol, amount=arg, reason="人工调整积分")
                elif op == "redeem":
                    services.redeem(user, CatalogItem.objects.get(pk=items[arg].pk))
                elif op == "cancel":
                    reds = list(Redemption.objects.filter(account=user).select_related("item__region"))
                    if reds:
                        services.cancel_redemption(user, reds[arg % len(reds)])
                elif op == "revoke":
                    entries = list(
                        PointEntry.objects.filter(account=user).select_related("region", "account")
                    )
                    if entries:
                        services.revoke_entry(vw.admin0, entries[arg % len(entries)], reason="撤销错误发放")
            except ServiceError:
                pass
            for u in accounts:
                ledger = PointEntry.objects.filter(account=u).aggregate(s=Sum("amount"))["s"] or 0
                assert services.balance(u) == ledger >= 0
            assert not CatalogItem.objects.filter(stock__lt=0).exists()
        # stock moves exactly with live redemptions
        for item in items:
            live = (
                Redemption.objects.filter(item=item)
                .exclude(state="cancelled")
                .aggregate(q=Sum("quantity"))["q"]
            )
            start = 2 if item.price == 10 else 5
            assert CatalogItem.objects.get(pk=item.pk).stock == start - (live or 0)
        revoked = PointEntry.objects.filter(revokes__isnull=False).values_list("revokes_id", flat=True)
        assert len(revoked) == len(set(revoked))
    finally:
        transaction.savepoint_rollback(sid)
