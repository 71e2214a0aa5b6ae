"""Item 9: two app nodes (separate processes and var dirs) on one PostgreSQL and one Redis share the
cache, the sessions and the uploaded files (GRASSROOTS_MEDIA_ROOT). Skipped unless both are reachable."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import uuid

import pytest
from django.db import connection

REDIS_URL = os.environ.get("GRASSROOTS_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")

NODE_A = """
import json, django
django.setup()
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.conf import settings
from grassroots.accounts.models import User
from grassroots.core.attachments import attach, signed_url
from grassroots.regions.models import Region
from tests.factories import png_bytes

cache.set("figure:cases-open", 4321, 600)
user = User.objects.create_user("node_a_user", password=None, is_superuser=True, is_staff=True)
photo = SimpleUploadedFile("p.png", png_bytes(), content_type="image/png")
rows = attach(user, Region.objects.first(), [photo])
c = Client()
c.force_login(user)
print(json.dumps({"url": signed_url(rows[0]), "size": rows[0].size, "session": c.cookies["sessionid"].value,
                  "engine": settings.SESSION_ENGINE, "cache": settings.CACHES["default"]["BACKEND"]}))
"""

NODE_B = """
import json, sys, django
django.setup()
from django.core.cache import cache
from django.test import Client
a = json.loads(sys.argv[1])
c = Client()
f = c.get(a["url"])
body = b"".join(f.streaming_content) if f.streaming else f.content
c.cookies["sessionid"] = a["session"]
home = c.get("/")
figure = cache.get("figure:cases-open")
out = {"figure": figure, "file_status": f.status_code, "file_size": len(body), "home": home.status_code}
print(json.dumps(out))
"""


def _reachable(host: str, port: int) -> bool:
    try:
        socket.create_connection((host, port), timeout=1).close()
        return True
    except OSError:
        return False


@pytest.mark.django_db(transaction=True)
def test_two_nodes_share_cache_sessions_and_uploads(city, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("scale-out runs on PostgreSQL (set GRASSROOTS_DATABASE_URL)")
    if not _reachable("127.0.0.1", 6379):
        pytest.skip("Redis is not reachable on 127.0.0.1:6379")
    s = connection.settings_dict
    db_url = f"postgres://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"
    shared = tmp_path / "shared-media"
    common = {
        **{k: v for k, v in os.environ.items() if not k.startswith("GRASSROOTS_")},
        "DJANGO_SETTINGS_MODULE": "grassroots.settings",
        "GRASSROOTS_DATABASE_URL": db_url,
        "GRASSROOTS_REDIS_URL": REDIS_URL,
        "GRASSROOTS_CACHE_PREFIX": f"test-{uuid.uuid4().hex[:8]}",
        "GRASSROOTS_MEDIA_ROOT": str(shared),
        "GRASSROOTS_SECRET_KEY": "shared-secret-for-both-nodes",
        "GRASSROOTS_DATA_KEY": "shared-data-key",
        "GRASSROOTS_LOOKUP_KEY": "shared-lookup-key",
        "GRASSROOTS_ALLOWED_HOSTS": "testserver",
    }

    def node(name, script, *args):
        env = {**common, "GRASSROOTS_VAR": str(tmp_path / name)}
        out = subprocess.run(
            [sys.executable, "-c", script, *args], env=env, capture_output=True, text=True, timeout=120
        )
        assert out.returncode == 0, out.stderr[-2000:]
        return json.loads(out.stdout.strip().splitlines()[-1])

    a = node("node-a", NODE_A)
    assert a["cache"] == "django_redis.cache.RedisCache"
    assert a["engine"] == "django.contrib.sessions.backends.cache"
    b = node("node-b", NODE_B, json.dumps(a))
    assert b["figure"] == 4321  # the cached figure set by node A
    assert b["file_status"] == 200 and b["file_size"] == a["size"]  # A's upload served by B
    assert b["home"] == 200  # A's login session is valid on B
    assert not (tmp_path / "node-b" / "media").exists()
