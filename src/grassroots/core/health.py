"""`GET /healthz`: the state of the parts that keep the platform working unattended.

No login and no personal data: states, times, counts and free bytes only. 200 when every check is ok,
503 otherwise, with JSON:

    {"status": "ok" | "fail",
     "checks": {"database": {...}, "workers": {...}, "scheduler": {...}, "jobs": {...},
                "disk": {...}, "calendar": {...}}}

A check fails when: the database does not answer; no task worker beat within JOB_STALE_SECONDS; no
scheduler holds an unexpired lease; the var dir has less than HEALTH_MIN_FREE_MB free; the current
year's holiday calendar is not loaded. Next year's calendar missing is a warning (it is published
late in the year), as are failed or stale jobs (they are reported, retried by users, not an outage).
"""

from __future__ import annotations

import datetime
import shutil
import time

from django.conf import settings
from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from . import runtime


def _iso(dt):
    return dt.isoformat(timespec="seconds") if dt else None


def check_database() -> dict:
    start = time.perf_counter()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        runtime.reset_connections()
        return {"ok": False, "vendor": connection.vendor, "error": type(exc).__name__}
    return {"ok": True, "vendor": connection.vendor, "ms": round(1000 * (time.perf_counter() - start), 1)}


def check_workers(now) -> dict:
    workers = runtime.beats("worker")
    alive = [b for b in workers if b.fresh(now)]
    last = max((b.at for b in workers), default=None)
    return {
        "ok": bool(alive),
        "alive": len(alive),
        "busy": sum(1 for b in alive if b.info.get("task")),
        "last_heartbeat": _iso(last),
        "stale_after_seconds": runtime.stale_seconds(),
    }


def check_scheduler(now) -> dict:
    from .models import Lease

    lease = Lease.objects.filter(name="scheduler").first()
    if lease is None:
        return {"ok": False, "holder": None, "last_tick": None, "lease_expires": None}
    return {
        "ok": lease.expires_at > now,
        "holder": lease.holder,
        "last_tick": _iso(lease.last_tick),
        "lease_expires": _iso(lease.expires_at),
    }


def check_jobs(now) -> dict:
    from django.db.models import Count
    from django_tasks_db.compat import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    day_ago = now - datetime.timedelta(days=1)
    by_status = dict(
        DBTaskResult.objects.filter(status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING])
        .values_list("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    failed = DBTaskResult.objects.filter(status=TaskResultStatus.FAILED, finished_at__gte=day_ago).count()
    stale = sum(len(runtime.stale_rows(label, now)) for label in runtime.WATCHED)
    return {
        "ok": True,
        "pending": by_status.get(TaskResultStatus.READY, 0),
        "running": by_status.get(TaskResultStatus.RUNNING, 0),
        "failed_24h": failed,
        "stale": stale,
        "warning": stale > 0,
    }


def check_disk() -> dict:
    usage = shutil.disk_usage(settings.VAR_DIR)
    minimum = int(getattr(settings, "HEALTH_MIN_FREE_MB", 500)) * 1024 * 1024
    return {
        "ok": usage.free >= minimum,
        "free_bytes": usage.free,
        "total_bytes": usage.total,
        "min_free_bytes": minimum,
    }


def check_calendar(now) -> dict:
    from . import hooks

    year = timezone.localtime(now).year
    missing = hooks.required("calendar_years_missing")([year, year + 1])
    return {
        "ok": year not in missing,
        "this_year_loaded": year not in missing,
        "next_year_loaded": year + 1 not in missing,
        "warning": year + 1 in missing,
    }


def report() -> tuple[bool, dict]:
    now = timezone.now()
    checks = {"database": check_database(), "disk": check_disk()}
    if checks["database"]["ok"]:
        try:
            checks["workers"] = check_workers(now)
            checks["scheduler"] = check_scheduler(now)
            checks["jobs"] = check_jobs(now)
            checks["calendar"] = check_calendar(now)
        except DatabaseError as exc:
            runtime.reset_connections()
            checks["database"] = {"ok": False, "vendor": connection.vendor, "error": type(exc).__name__}
    ok = all(c["ok"] for c in checks.values()) and len(checks) == 6
    return ok, {"status": "ok" if ok else "fail", "time": _iso(now), "checks": checks}


@never_cache
@require_GET
def healthz(request):
    ok, body = report()
    return JsonResponse(body, status=200 if ok else 503, json_dumps_params={"ensure_ascii": False})
