"""A resident posts their own wish from the H5 and hears of the review and the claim (the poster), with
links they can open; the community administrators are told there is a wish to review."""

from __future__ import annotations

import pytest

from grassroots.core.errors import PermissionDenied, ServiceError
from grassroots.notifications.models import Notification
from grassroots.volunteers import wishes
from grassroots.volunteers.models import Wish, WishState

pytestmark = pytest.mark.django_db


def _told(kind):
    return {(n.user.username, n.url) for n in Notification.objects.filter(kind=kind).select_related("user")}


def test_resident_posts_reviewed_claimed_and_the_poster_hears_each_step(vw, client_for):
    c = client_for(vw.resident)
    r = c.post("/h5/wishes/", {"title": "想要一台收音机听戏", "category": "daily", "community": vw.c0.pk})
    assert r.status_code == 302 and r["Location"] == "/h5/wishes/"
    wish = Wish.objects.get()
    assert wish.posted_by == vw.resident and wish.state == WishState.SUBMITTED and wish.region == vw.c0
    assert wish.beneficiary_name == "居民丙"
    assert _told("volunteers.wish_posted") == {("vadmin0", f"/volunteers/wishes/{wish.pk}/")}
    wishes.review_wish(vw.admin0, wish, approve=True, note="属实")
    assert _told("volunteers.wish_approve") == {("vresident", "/h5/wishes/")}
    wishes.claim_wish(vw.member, wish)
    assert _told("volunteers.wish_claimed") == {
        ("vmember", "/volunteers/me/wishes/"),
        ("vresident", "/h5/wishes/"),
    }
    html = c.get("/h5/wishes/").content.decode()
    wish.refresh_from_db()
    assert "想要一台收音机听戏" in html and "已认领" in html and f"认领人：{wish.claimant_name}" in html
    assert c.get("/h5/wishes/").status_code == 200
    # nobody else heard of it
    assert not Notification.objects.filter(user__in=[vw.admin1, vw.member2, vw.worker0]).exists()


def test_a_staff_poster_still_gets_the_wish_page(vw, new_wish):
    wish = new_wish()
    wishes.review_wish(vw.admin0, wish, approve=True)
    wishes.claim_wish(vw.member, wish)
    assert ("vworker0", f"/volunteers/wishes/{wish.pk}/") in _told("volunteers.wish_claimed")


def test_bad_wishes_are_refused_with_nothing_written(vw, client_for):
    c = client_for(vw.resident)
    r = c.post("/h5/wishes/", {"title": "收音", "category": "daily", "community": vw.c0.pk})
    assert r.status_code == 400 and "心愿内容" in r.content.decode()
    r = c.post("/h5/wishes/", {"title": "想要一台收音机听戏", "category": "daily", "community": ""})
    assert r.status_code == 400 and "请选择社区" in r.content.decode()
    assert not Wish.objects.exists() and not Notification.objects.exists()
    with pytest.raises(ServiceError):
        wishes.post_own_wish(vw.resident, region=vw.c0, title="想要一台收音机", category="nope")
    with pytest.raises(PermissionDenied):
        wishes.post_own_wish(vw.admin0, region=vw.c0, title="想要一台收音机")
