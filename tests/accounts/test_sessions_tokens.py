"""Sessions and API tokens (issue 14 item 8): the absolute session limit counts from login whatever the
activity; tokens expire by default and their owner lists and revokes them."""

from __future__ import annotations

import datetime
import io
import time

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from grassroots.accounts import services
from grassroots.accounts.models import ApiToken
from grassroots.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_absolute_limit_is_not_extended_by_activity(make_user, settings):
    user = make_user("steady", "community_admin")
    client = Client()
    client.force_login(user)
    assert abs(client.session["login_at"] - time.time()) < 5
    # Logged in 12 h ago, active a minute ago (idle limit not reached): the session ends anyway.
    session = client.session
    session["login_at"] = int(time.time()) - settings.SESSION_ABSOLUTE_SECONDS - 5
    session["last_seen"] = int(time.time()) - 60
    session.save()
    r = client.get("/accounts/profile/")
    assert r.status_code == 302 and "expired=1" in r["Location"]
    assert "登录已超过有效期" in client.get(r["Location"]).content.decode()
    assert client.get("/accounts/profile/").status_code == 302  # the session is gone
    client.force_login(user)
    session = client.session
    session["login_at"] = int(time.time()) - settings.SESSION_ABSOLUTE_SECONDS - 5
    session.save()
    r = client.get("/api/v1/accounts/tokens")
    assert r.status_code == 401 and "过期" in r.json()["title"]


def test_activity_does_not_move_the_login_time(make_user, settings):
    user = make_user("busy2")
    client = Client()
    client.force_login(user)
    session = client.session
    start = int(time.time()) - 3600
    session["login_at"] = start
    session["last_seen"] = int(time.time()) - 120
    session.save()
    assert client.get("/accounts/profile/").status_code == 200
    assert client.session["login_at"] == start


def test_tokens_expire_by_default_and_creation_shows_the_date(make_user, settings):
    user = make_user("tok")
    token, _raw = services.issue_token(None, user, "脚本")
    expected = timezone.now() + datetime.timedelta(days=settings.API_TOKEN_DEFAULT_DAYS)
    assert abs((token.expires_at - expected).total_seconds()) < 60
    out, err = io.StringIO(), io.StringIO()
    call_command("token", "tok", stdout=out, stderr=err)
    assert out.getvalue().strip().startswith("gr_")
    assert "令牌有效期至" in err.getvalue()
    settings.API_TOKEN_DEFAULT_DAYS = 7
    token, raw = services.issue_token(None, user)
    assert (token.expires_at - timezone.now()).days == 6
    # an expired token no longer authenticates
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    assert Client().get("/api/v1/accounts/tokens", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401


def test_owner_lists_and_revokes_own_token_on_the_profile_page(make_user):
    owner, other = make_user("owner", "community_admin"), make_user("other", "community_admin")
    mine, _ = services.issue_token(None, owner, "我的脚本")
    theirs, _ = services.issue_token(None, other, "别人的")
    c = Client()
    c.force_login(owner)
    page = c.get(reverse("accounts:profile")).content.decode()
    assert mine.prefix in page and theirs.prefix not in page and "到期" in page and "吊销" in page
    # someone else's token: 404, nothing revoked
    assert c.post(reverse("accounts:token_revoke", args=[theirs.prefix])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.revoked_at is None
    r = c.post(reverse("accounts:token_revoke", args=[mine.prefix]))
    assert r.status_code == 302
    mine.refresh_from_db()
    assert mine.revoked_at is not None and not mine.is_active
    assert AuditEvent.objects.filter(action="token", actor_id=owner.pk, object_id=str(mine.pk)).exists()
    assert "已吊销" in c.get(reverse("accounts:profile")).content.decode()
