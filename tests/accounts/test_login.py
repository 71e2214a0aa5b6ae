import os
import re
import subprocess
import sys
import time

import pytest
from django.contrib.auth.password_validation import password_validators_help_texts, validate_password
from django.core.exceptions import ValidationError
from django.test import Client

from grassroots.accounts.models import User
from grassroots.core.models import AuditEvent

pytestmark = pytest.mark.django_db
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.mark.parametrize(
    "password",
    ["Ab1-", "password", "alllowercase1", "zhangsan-Wei1"],
)
def test_every_password_rule_answers_in_chinese(password):
    user = User(username="zhangsan-wei1", display_name="张三")
    with pytest.raises(ValidationError) as exc:
        validate_password(password, user)
    for message in exc.value.messages:
        assert CJK.search(message), message
    assert all(CJK.search(t) for t in password_validators_help_texts())


@pytest.mark.real_hashers
def test_password_is_hashed_with_argon2(make_user):
    assert make_user("h").password.startswith("argon2$")


def _login(client, username, password):
    return client.post(
        "/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR="10.0.0.1"
    )


def test_lockout_after_five_failures_and_audit(make_user):
    make_user("locky")
    client = Client()
    for _ in range(5):
        r = _login(client, "locky", "wrong-Pass-1")
    r = _login(client, "locky", "Secret-Pass-123")
    assert r.status_code == 429
    assert "锁定" in r.content.decode()
    # The lock is on the (account, IP) pair: the real user from another address still logs in, so an
    # attacker can't lock anyone out (per-IP guessing is limited separately, test_abuse_limits.py).
    r = Client().post(
        "/accounts/login/", {"username": "locky", "password": "Secret-Pass-123"}, REMOTE_ADDR="10.9.9.9"
    )
    assert r.status_code == 302
    failed = AuditEvent.objects.filter(action="login_failed", model="accounts.user")
    assert failed.count() >= 5
    assert all("Secret" not in str(e.changes) and "wrong" not in str(e.changes) for e in failed)


def test_login_and_logout_are_audited(make_user):
    user = make_user("auditme")
    client = Client()
    r = _login(client, "auditme", "Secret-Pass-123")
    assert r.status_code == 302
    assert AuditEvent.objects.filter(action="login", actor_id=user.pk).count() == 1
    client.post("/accounts/logout/")
    assert AuditEvent.objects.filter(action="logout", actor_id=user.pk).count() == 1


def test_idle_timeout_logs_out(make_user, settings):
    user = make_user("idle", "community_admin")
    client = Client()
    client.force_login(user)
    assert client.get("/accounts/profile/").status_code == 200
    session = client.session
    session["last_seen"] = int(time.time()) - settings.SESSION_IDLE_SECONDS - 5
    session.save()
    r = client.get("/accounts/profile/")
    assert r.status_code == 302 and "timeout=1" in r["Location"]
    assert client.get("/accounts/profile/").status_code == 302  # the session is gone
    # The API answers 401 in problem+json instead of a redirect.
    client.force_login(user)
    session = client.session
    session["last_seen"] = int(time.time()) - settings.SESSION_IDLE_SECONDS - 5
    session.save()
    r = client.get("/api/v1/accounts/me")
    assert r.status_code == 401 and r["Content-Type"] == "application/problem+json"
    assert "超时" in r.json()["title"]


def test_activity_keeps_session_alive(make_user, settings):
    user = make_user("busy")
    client = Client()
    client.force_login(user)
    session = client.session
    session["last_seen"] = int(time.time()) - settings.SESSION_IDLE_SECONDS + 60
    session.save()
    assert client.get("/accounts/profile/").status_code == 200
    assert client.session["last_seen"] >= int(time.time()) - 5


def test_security_headers_and_cookies(make_user):
    r = Client().get("/accounts/login/")
    assert r.status_code == 200
    assert "frame-ancestors 'none'" in r["Content-Security-Policy"]
    assert r["X-Frame-Options"] == "DENY"
    assert r["X-Content-Type-Options"] == "nosniff"
    assert r["Referrer-Policy"] == "same-origin"
    assert r.cookies["csrftoken"]["samesite"] == "Lax"
    assert 'href="/accounts/resident/login/"' in r.content.decode()


def test_login_requires_csrf(make_user):
    make_user("csrf")
    client = Client(enforce_csrf_checks=True)
    r = client.post("/accounts/login/", {"username": "csrf", "password": "Secret-Pass-123"})
    assert r.status_code == 403


def test_check_deploy_passes_with_production_settings(tmp_path):
    env = dict(
        os.environ,
        GRASSROOTS_VAR=str(tmp_path),
        GRASSROOTS_HTTPS="1",
        GRASSROOTS_DEBUG="0",
        GRASSROOTS_SECRET_KEY="k" * 10 + "-Xy7_ZpQ2rT9vLm4NsB8wE1cJ5hG3fD6aK0uYiOoPqRsTuVwXyZ",
        DJANGO_SETTINGS_MODULE="grassroots.settings",
    )
    # Browser-test modules set this for Playwright's event loop; production never has it.
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    r = subprocess.run(
        [sys.executable, "-m", "django", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 0, r.stdout + r.stderr
    assert "no issues" in r.stdout


def test_check_deploy_complains_without_https():
    """The counterpart: the development settings used by the tests must fail the same check."""
    from django.core.management import call_command
    from django.core.management.base import SystemCheckError

    with pytest.raises(SystemCheckError, match="security.W012"):
        call_command("check", "--deploy", "--fail-level", "WARNING")
