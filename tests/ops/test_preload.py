"""Worker cold start: `grassroots serve` runs gunicorn with grassroots.gunicorn_conf, whose master loads
the whole application (Django, the URLconf with every view and API route, the common templates) before
it forks the workers, so no worker loads it on its first request. Asserted on the mechanism (the
config, the warm-up, the ready line of a real `serve`), not on timings; `grassroots bench intake`
prints the time from start to the first page."""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 300  # seconds: generous for a loaded 2-core machine; the poll ends as soon as the page answers


def test_serve_command_line_preloads_the_app():
    from grassroots import gunicorn_conf
    from grassroots.cli import gunicorn_command

    cmd = gunicorn_command("127.0.0.1:8000", 3)
    assert cmd[cmd.index("--config") + 1] == "python:grassroots.gunicorn_conf"
    assert cmd[cmd.index("--workers") + 1] == "3" and "grassroots.wsgi:application" in cmd
    assert gunicorn_conf.preload_app is True
    # the master closes any database connection before forking (no socket shared with a worker)
    assert callable(gunicorn_conf.pre_fork)


@pytest.mark.django_db
def test_warm_up_loads_urlconf_views_and_templates_without_queries(django_assert_num_queries):
    from django.urls import reverse

    from grassroots.core import warmup

    with django_assert_num_queries(0):
        state = warmup.warm_up()
    assert state["loaded"] is True
    assert state["routes"] > 100  # every app's pages and API operations
    assert state["templates"] >= len(warmup.TEMPLATES)
    assert reverse("cases:report") == "/cases/report/"
    assert "grassroots.cases.views" in sys.modules and "grassroots.api_routes" in sys.modules


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _database_url() -> str:
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


@pytest.mark.django_db(transaction=True)
def test_serve_is_ready_with_the_app_preloaded_before_the_first_request(settings, tmp_path):
    port = _free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "grassroots.settings",
        "GRASSROOTS_VAR": str(settings.VAR_DIR),
        "GRASSROOTS_RUN_DIR": str(tmp_path / "run"),
        "GRASSROOTS_DATABASE_URL": _database_url(),
        "GRASSROOTS_PORT": str(port),
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    log = tmp_path / "serve.log"
    with log.open("ab") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "grassroots.cli", "serve", "--workers", "0", "--web-workers", "1"],
            env=env,
            cwd=ROOT,
            stdout=out,
            stderr=out,
        )
    try:
        status = None
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline and status != 200:
            assert proc.poll() is None, log.read_text(errors="replace")[-3000:]
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                conn.request("GET", "/accounts/login/")
                status = conn.getresponse().status
            except OSError:
                time.sleep(0.2)
        assert status == 200, log.read_text(errors="replace")[-3000:]
        text = log.read_text(errors="replace")
        # the master loaded the app (routes and templates) before it was ready to fork and accept
        ready = next(line for line in text.splitlines() if "grassroots ready: app preloaded=True" in line)
        routes = int(ready.split("(", 1)[1].split()[0])
        assert routes > 100
        booted = text.index("Booting worker")
        assert text.index("grassroots ready: app preloaded=True") < booted
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
