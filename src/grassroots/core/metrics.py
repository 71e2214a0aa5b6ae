"""`GET /metrics` in the Prometheus text format, answered only when GRASSROOTS_METRICS=1 (404 else).

Per view: grassroots_http_requests_total{view,method,status} and the latency histogram
grassroots_http_request_duration_seconds{view}, recorded by MetricsMiddleware. Under `grassroots
serve` the gunicorn workers share them through prometheus_client's multiprocess directory
(VAR_DIR/run/prometheus, emptied at start). Read from the database at scrape time: background task
results by status (grassroots_tasks), the queue depth (grassroots_task_queue_depth), task durations over
the last hour (grassroots_task_duration_seconds_{avg,max,count}{task}) and the jobs of every watched
model by state (grassroots_jobs{model,state}).
"""

from __future__ import annotations

import datetime
import logging
import os
import shutil
import time
from pathlib import Path

from django.conf import settings
from django.http import Http404, HttpResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache

log = logging.getLogger("grassroots.request")
_requests = _latency = None


def prepare_multiprocess_dir() -> Path:
    """Create (empty) the shared metrics directory and point this process and its children at it."""
    d = Path(settings.VAR_DIR) / "run" / "prometheus"
    shutil.rmtree(d, ignore_errors=True)
    d.mkdir(parents=True, exist_ok=True)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(d)
    return d


def _instruments():
    global _requests, _latency
    if _requests is None:
        from prometheus_client import Counter, Histogram

        _requests = Counter(
            "grassroots_http_requests", "HTTP requests answered", ["view", "method", "status"]
        )
        _latency = Histogram(
            "grassroots_http_request_duration_seconds",
            "Time to answer a request",
            ["view"],
            buckets=(0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
        )
    return _requests, _latency


def _view_name(request) -> str:
    match = getattr(request, "resolver_match", None)
    if match is None:
        return "unresolved"
    return match.view_name or match._func_path


class MetricsMiddleware:
    """Counts and times every request per view (when enabled); writes one log record per request
    with its id, view, status and duration when JSON logs are on."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        metrics, log_json = getattr(settings, "METRICS_ENABLED", False), getattr(settings, "LOG_JSON", False)
        if not (metrics or log_json):
            return self.get_response(request)
        start = time.perf_counter()
        response = self.get_response(request)
        elapsed = time.perf_counter() - start
        view = _view_name(request)
        if metrics:
            requests, latency = _instruments()
            requests.labels(view, request.method, str(response.status_code)).inc()
            latency.labels(view).observe(elapsed)
        if log_json:
            log.info(
                "%s %s %s",
                request.method,
                request.path,
                response.status_code,
                extra={
                    "view": view,
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": round(elapsed * 1000, 1),
                    "user_id": getattr(getattr(request, "user", None), "pk", None),
                },
            )
        return response


class DatabaseCollector:
    """Job and queue figures read from the database at scrape time."""

    def collect(self):
        from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Max
        from django_tasks_db.compat import TaskResultStatus
        from django_tasks_db.models import DBTaskResult
        from prometheus_client.core import GaugeMetricFamily

        from . import runtime

        tasks = GaugeMetricFamily("grassroots_tasks", "Background task results by status", labels=["status"])
        for status, n in (
            DBTaskResult.objects.values_list("status").annotate(n=Count("pk")).values_list("status", "n")
        ):
            tasks.add_metric([status], n)
        yield tasks
        depth = DBTaskResult.objects.filter(status=TaskResultStatus.READY).count()
        yield GaugeMetricFamily("grassroots_task_queue_depth", "Tasks waiting for a worker", value=depth)
        since = timezone.now() - datetime.timedelta(hours=1)
        took = ExpressionWrapper(F("finished_at") - F("started_at"), output_field=DurationField())
        recent = (
            DBTaskResult.objects.filter(finished_at__gte=since, started_at__isnull=False)
            .values("task_path")
            .annotate(n=Count("pk"), avg=Avg(took), max=Max(took))
        )
        avg = GaugeMetricFamily(
            "grassroots_task_duration_seconds_avg", "Mean task duration, last hour", labels=["task"]
        )
        mx = GaugeMetricFamily(
            "grassroots_task_duration_seconds_max", "Longest task, last hour", labels=["task"]
        )
        cnt = GaugeMetricFamily(
            "grassroots_task_finished_count", "Tasks finished in the last hour", labels=["task"]
        )
        for row in recent:
            avg.add_metric([row["task_path"]], _seconds(row["avg"]))
            mx.add_metric([row["task_path"]], _seconds(row["max"]))
            cnt.add_metric([row["task_path"]], row["n"])
        yield avg
        yield mx
        yield cnt
        jobs = GaugeMetricFamily("grassroots_jobs", "Jobs by model and state", labels=["model", "state"])
        for label in sorted({w.label for w in runtime.WATCHED.values()}):
            model = runtime._model(label)
            for state, n in (
                model.objects.values_list("state").annotate(n=Count("pk")).values_list("state", "n")
            ):
                jobs.add_metric([label, state], n)
        yield jobs
        workers = [b for b in runtime.beats("worker") if b.fresh()]
        yield GaugeMetricFamily(
            "grassroots_task_workers_alive", "Task workers with a fresh heartbeat", value=len(workers)
        )


def _seconds(value) -> float:
    if value is None:
        return 0.0
    if isinstance(value, datetime.timedelta):
        return value.total_seconds()
    return float(value) / 1e6  # SQLite returns microseconds for a duration expression


@never_cache
def metrics_view(request):
    if not getattr(settings, "METRICS_ENABLED", False):
        raise Http404()
    from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest

    _instruments()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        requests = CollectorRegistry()
        multiprocess.MultiProcessCollector(requests)
    else:
        requests = REGISTRY
    database = CollectorRegistry()
    database.register(DatabaseCollector())
    body = generate_latest(requests) + generate_latest(database)
    return HttpResponse(body, content_type=CONTENT_TYPE_LATEST)
