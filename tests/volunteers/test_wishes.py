"""The micro-wish state machine: every allowed transition and the refused ones, audit and notices."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from grassroots.core.errors import Conflict, NotFound, PermissionDenied, ServiceError
from grassroots.core.models import AuditEvent
from grassroots.notifications.models import Notification
from grassroots.volunteers import services, wishes
from grassroots.volunteers.models import PointEntry, Wish, WishState
from grassroots.volunteers.workflow import TRANSITIONS

from .conftest import photo

pytestmark = pytest.mark.django_db


def _audits(wish):
    return list(
        AuditEvent.objects.filter(model="volunteers.wish", object_id=str(wish.pk))
        .order_by("id")
        .values_list("action", flat=True)
    )


def test_full_flow_posted_to_confirmed_awards_points(vw, new_wish):
    wish = new_wish()
    assert wish.state == WishState.SUBMITTED
    wishes.review_wish(vw.admin0, wish, approve=True, note="属实")
    assert wish.state == WishState.PUBLISHED and wish.expires_at > timezone.now()
    wishes.claim_wish(vw.member, wish)
    wish.refresh_from_db()
    assert wish.state == WishState.CLAIMED
    assert wish.claimed_by == vw.member and wish.claimant_member == vw.member_rec
    assert wish.claim_due_at - wish.claimed_at == dt.timedelta(days=wish.claim_days)
    wishes.fulfil_wish(vw.member, wish, note="已送到老人家中", photos=[photo("proof.png")])
    assert wish.state == WishState.FULFILLED
    wishes.confirm_wish(vw.worker0, wish)
    wish.refresh_from_db()
    assert wish.state == WishState.CONFIRMED and wish.confirmed_by == vw.worker0
    assert services.balance(vw.member) == 20
    entry = PointEntry.objects.get(account=vw.member)
    assert entry.source_type == "wish" and entry.source_id == wish.pk and entry.region == vw.c0
    assert _audits(wish) == ["create", "transition", "transition", "transition", "transition"]
    kinds = set(Notification.objects.filter(object_id=str(wish.pk)).values_list("kind", flat=True))
    assert {"volunteers.wish_claimed", "volunteers.wish_fulfilled", "volunteers.wish_confirmed"} <= kinds
    assert Notification.objects.filter(user=vw.member, kind="volunteers.wish_confirmed").exists()
    assert Notification.objects.filter(user=vw.worker0, kind="volunteers.wish_claimed").exists()


def test_post_refuses_bad_input_and_writes_nothing(vw, new_wish):
    with pytest.raises(ServiceError) as exc:
        new_wish(title="短")
    assert exc.value.field == "title"
    with pytest.raises(ServiceError):
        new_wish(beneficiary_phone="12345")
    with pytest.raises(ServiceError) as exc:
        new_wish(photos=[photo("x.png").__class__("x.png", b"not an image", content_type="image/png")])
    assert "图片" in exc.value.message
    with pytest.raises(PermissionDenied):
        new_wish(region=vw.c1)  # worker0 has no grant in c1
    with pytest.raises(PermissionDenied):
        new_wish(by=vw.member)
    assert Wish.objects.count() == 0
    assert not AuditEvent.objects.filter(model="volunteers.wish").exists()


def test_reject_needs_reason_then_is_final(vw, new_wish):
    wish = new_wish()
    with pytest.raises(ServiceError):
        wishes.review_wish(vw.admin0, wish, approve=False, note="")
    wishes.review_wish(vw.admin0, wish, approve=False, note="不符合条件")
    assert wish.state == WishState.REJECTED
    for verb in ("approve", "claim", "confirm", "expire"):
        with pytest.raises((Conflict, NotFound)):
            wishes.WISH_VERBS[verb](vw.admin0 if verb != "claim" else vw.member, wish, {"note": "理由理由"})


@pytest.mark.parametrize("state", [s for s in WishState.values])
def test_refused_transitions_change_nothing(vw, new_wish, state):
    wish = new_wish()
    Wish.objects.filter(pk=wish.pk).update(state=state, claimed_by=vw.member)
    wish.refresh_from_db()
    for verb, (sources, _t, action) in TRANSITIONS.items():
        if state in sources:
            continue
        user = vw.admin0 if action == "change" else vw.member
        with pytest.raises((Conflict, NotFound)):
            wishes.WISH_VERBS[verb](user, wish, {"note": "说明说明说明", "photos": [photo()]})
    fresh = Wish.objects.get(pk=wish.pk)
    assert fresh.state == state and fresh.version == wish.version


def test_scope_and_permissions(vw, new_wish, published):
    wish = published()
    with pytest.raises(NotFound):
        wishes.confirm_wish(vw.admin1, wish)  # other community: 404
    with pytest.raises(PermissionDenied):
        wishes.claim_wish(vw.admin0, wish)  # staff don't claim
    wishes.claim_wish(vw.member, wish)
    with pytest.raises(NotFound):
        wishes.fulfil_wish(vw.member2, wish, note="我来完成这个心愿", photos=[photo()])
    with pytest.raises(ServiceError) as exc:
        wishes.fulfil_wish(vw.member, wish, note="已完成已完成", photos=[])
    assert exc.value.field == "photos"
    # a submitted (unpublished) wish is invisible to claimers
    hidden = new_wish()
    with pytest.raises(NotFound):
        wishes.claim_wish(vw.member, hidden)


def test_unit_claim_by_liaison(vw, published):
    wish = published()
    wishes.claim_wish(vw.liaison, wish, unit=vw.unit)
    wish.refresh_from_db()
    assert wish.claimant_unit == vw.unit and wish.claimant_name == vw.unit.name
    assert Wish.objects.visible_to(vw.liaison, "join").filter(pk=wish.pk).exists()
    other = published()
    with pytest.raises(ServiceError):
        wishes.claim_wish(vw.liaison, other, unit=vw.city.units[2])


def test_abandon_returns_to_pool(vw, published):
    wish = published()
    wishes.claim_wish(vw.member, wish)
    wishes.abandon_wish(vw.member, wish, reason="临时出差")
    wish.refresh_from_db()
    assert wish.state == WishState.PUBLISHED and wish.claimed_by is None and wish.release_count == 1
    wishes.claim_wish(vw.member2, wish)
    assert Wish.objects.get(pk=wish.pk).claimed_by == vw.member2


def test_release_job_releases_overdue_and_expires_unclaimed(vw, published):
    from django.core.management import call_command

    overdue = published()
    wishes.claim_wish(vw.member, overdue)
    fresh_claim = published()
    wishes.claim_wish(vw.member2, fresh_claim)
    stale = published()
    open_one = published()
    now = timezone.now()
    Wish.objects.filter(pk=overdue.pk).update(claim_due_at=now - dt.timedelta(hours=1))
    Wish.objects.filter(pk=stale.pk).update(expires_at=now - dt.timedelta(minutes=1))
    overdue.refresh_from_db()
    assert overdue.timing() == "overdue" and overdue.timing_display() == "已超期"
    assert Wish.objects.get(pk=stale.pk).timing() == "expiring"
    call_command("release_wishes", verbosity=0)
    states = dict(Wish.objects.values_list("pk", "state"))
    assert states[overdue.pk] == WishState.PUBLISHED
    assert states[fresh_claim.pk] == WishState.CLAIMED
    assert states[stale.pk] == WishState.EXPIRED
    assert states[open_one.pk] == WishState.PUBLISHED
    assert Notification.objects.filter(user=vw.member, kind="volunteers.wish_released").exists()
    # idempotent: a second run changes nothing
    from grassroots.volunteers.tasks import release_wishes

    assert release_wishes.call() == {"released": 0, "expired": 0}


def test_available_actions_follow_state_and_role(vw, published):
    wish = published()
    assert wishes.available_wish_actions(vw.admin0, wish) == ["expire"]
    assert wishes.available_wish_actions(vw.member, wish) == ["claim"]
    assert wishes.available_wish_actions(vw.admin1, wish) == []
    wishes.claim_wish(vw.member, wish)
    assert wishes.available_wish_actions(vw.member, wish) == ["abandon", "fulfil"]
    assert wishes.available_wish_actions(vw.member2, wish) == []
    assert wishes.available_wish_actions(vw.admin0, wish) == ["release"]


def test_deadlines_and_points_follow_the_gov11_rule(vw, new_wish):
    """A city that changes GOV-11 gets its own claim window and reward on the next wishes."""
    from grassroots.standards.models import Rule

    rule = Rule.objects.get(code="GOV-11")
    rule.params = {**rule.params, "claim_days": 3, "points": 35}
    rule.save(update_fields=["params"])
    wish = new_wish()
    assert wish.claim_days == 3
    wishes.review_wish(vw.admin0, wish, approve=True, note="属实")
    wishes.claim_wish(vw.member, wish)
    wish.refresh_from_db()
    assert wish.claim_due_at - wish.claimed_at == dt.timedelta(days=3)
    wishes.fulfil_wish(vw.member, wish, note="已送到老人家中", photos=[photo("proof.png")])
    wishes.confirm_wish(vw.worker0, wish)
    assert services.balance(vw.member) == 35
