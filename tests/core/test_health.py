"""/healthz (no login, no personal data), /metrics (off unless enabled) and JSON logs with the request id."""

from __future__ import annotations

import datetime
import json
import logging

import pytest
from django.utils import timezone

from grassroots.cases.models import Holiday
from grassroots.core import runtime
from grassroots.core.logs import JsonFormatter, RequestIdFilter
from grassroots.core.models import Lease

pytestmark = pytest.mark.django_db


@pytest.fixture
def healthy(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    settings.HEALTH_MIN_FREE_MB = 1
    year = timezone.localdate().year
    for y in (year, year + 1):
        Holiday.objects.get_or_create(date=datetime.date(y, 1, 1), defaults={"name": "元旦"})
    runtime.beat("worker.w1", "worker", task="")
    now = timezone.now()
    Lease.objects.create(
        name="scheduler",
        holder="host:1:abc",
        acquired_at=now,
        expires_at=now + datetime.timedelta(minutes=1),
        last_tick=now,
    )


def test_healthz_200_when_all_is_well(healthy, client):
    r = client.get("/healthz")
    assert r.status_code == 200 and r["Content-Type"] == "application/json"
    body = r.json()
    assert body["status"] == "ok"
    checks = body["checks"]
    assert set(checks) == {"database", "workers", "scheduler", "jobs", "disk", "calendar"}
    assert checks["workers"]["alive"] == 1 and checks["scheduler"]["holder"] == "host:1:abc"
    assert checks["calendar"] == {
        "ok": True,
        "this_year_loaded": True,
        "next_year_loaded": True,
        "warning": False,
    }
    assert checks["jobs"]["pending"] == 0 and checks["disk"]["free_bytes"] > 0


@pytest.mark.parametrize("fault", ["no_worker", "stale_worker", "no_scheduler", "disk", "calendar"])
def test_healthz_503_names_the_failing_part(healthy, client, settings, fault):
    if fault == "no_worker":
        runtime.forget("worker.w1")
    elif fault == "stale_worker":
        settings.JOB_STALE_SECONDS = -1
    elif fault == "no_scheduler":
        Lease.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    elif fault == "disk":
        settings.HEALTH_MIN_FREE_MB = 10**12
    else:
        Holiday.objects.filter(date__year=timezone.localdate().year).delete()
    r = client.get("/healthz")
    assert r.status_code == 503
    failing = {k for k, v in r.json()["checks"].items() if not v["ok"]}
    expected = {
        "no_worker": "workers",
        "stale_worker": "workers",
        "no_scheduler": "scheduler",
        "disk": "disk",
        "calendar": "calendar",
    }
    assert failing == {expected[fault]}


def test_next_years_calendar_missing_is_a_warning_only(healthy, client):
    Holiday.objects.filter(date__year=timezone.localdate().year + 1).delete()
    r = client.get("/healthz")
    assert r.status_code == 200 and r.json()["checks"]["calendar"]["warning"] is True


def test_metrics_off_unless_enabled(client, settings):
    settings.METRICS_ENABLED = False
    assert client.get("/metrics").status_code == 404


def test_metrics_in_prometheus_format(client, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    settings.METRICS_ENABLED = True
    from grassroots.core import exports

    exports.purge_expired_exports.enqueue()
    client.get("/healthz")
    client.get("/healthz")
    r = client.get("/metrics")
    assert r.status_code == 200 and r["Content-Type"].startswith("text/plain")
    text = r.content.decode()
    lines = text.splitlines()
    line = next(x for x in lines if x.startswith("grassroots_http_requests_total{") and 'view="healthz"' in x)
    assert float(line.rsplit(" ", 1)[1]) >= 2
    assert 'grassroots_http_request_duration_seconds_bucket{le="0.025",view="healthz"}' in text
    assert "grassroots_task_queue_depth 1.0" in text
    assert 'grassroots_tasks{status="READY"} 1.0' in text
    assert "grassroots_task_workers_alive 0.0" in text


def test_json_log_lines_carry_the_request_id(client, settings, caplog):
    settings.LOG_JSON = True
    formatter, request_filter = JsonFormatter(), RequestIdFilter()
    with caplog.at_level(logging.INFO, logger="grassroots.request"):
        r = client.get("/healthz")
    record = next(rec for rec in caplog.records if rec.name == "grassroots.request")
    request_filter.filter(record)
    line = json.loads(formatter.format(record))
    assert line["request_id"] == r["X-Request-ID"]
    assert line["view"] == "healthz" and line["path"] == "/healthz" and line["status"] in (200, 503)
    assert line["level"] == "INFO" and "duration_ms" in line
