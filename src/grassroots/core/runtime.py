"""Runtime of the background side: heartbeats, the scheduler's lease, surviving database faults, and
the detection of jobs whose worker died.

Heartbeats
    `beat(key, kind, **info)` records a sign of life; `beats(kind)` lists them; `forget(key)` drops
    one. Task workers beat as "worker.<id>", the scheduler as "scheduler.<holder>", running jobs as
    "job.<model label>.<pk>" (`job_heartbeat()` keeps one fresh from a thread while the job runs). On
    PostgreSQL they are rows of core.Heartbeat; on SQLite files under VAR_DIR/run/beats (SQLite is one
    machine anyway, and a long import holding the write lock must not stop its own heartbeat).

Lease
    `acquire_lease(name, holder, ttl)` takes or renews a named lease row; the scheduler ticks only
    while it holds "scheduler", so several `grassroots serve` on one database queue each slot once.

Stale jobs
    Job models are declared with `watch(...)` (core/apps.py); `detect_stale()` (periodic task
    `core.detect_stale_jobs`, every minute) marks failed, with a Chinese reason, every job in a
    running state whose heartbeat is older than settings.JOB_STALE_SECONDS, and the django-tasks
    result rows claimed by workers that stopped beating.

Settings: HEARTBEAT_SECONDS (GRASSROOTS_HEARTBEAT_SECONDS, default 10), JOB_STALE_SECONDS
(GRASSROOTS_STALE_SECONDS, default 120).
"""

from __future__ import annotations

import contextlib
import datetime
import json
import logging
import os
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import DatabaseError, IntegrityError, InterfaceError, OperationalError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime

log = logging.getLogger("grassroots.runtime")

INTERRUPTED = "后台处理中断（工作进程停止），请重试"
DB_ERRORS = (OperationalError, InterfaceError)


def heartbeat_seconds() -> float:
    return float(getattr(settings, "HEARTBEAT_SECONDS", 10))


def stale_seconds() -> float:
    return float(getattr(settings, "JOB_STALE_SECONDS", 120))


def hostname() -> str:
    return socket.gethostname()[:100]


# ------------------------------------------------------------------------------------- heartbeats
@dataclass
class Beat:
    key: str
    kind: str
    at: datetime.datetime
    pid: int = 0
    host: str = ""
    info: dict = field(default_factory=dict)

    def fresh(self, now: datetime.datetime | None = None) -> bool:
        return (now or timezone.now()) - self.at <= datetime.timedelta(seconds=stale_seconds())


def _files() -> bool:
    return connection.vendor == "sqlite"


def beat_dir() -> Path:
    d = Path(getattr(settings, "RUN_DIR", None) or Path(settings.VAR_DIR) / "run") / "beats"
    d.mkdir(parents=True, exist_ok=True)
    return d


def _beat_path(key: str) -> Path:
    return beat_dir() / (key.replace("/", "_") + ".json")


def beat(key: str, kind: str, **info) -> None:
    now = timezone.now()
    if _files():
        path = _beat_path(key)
        tmp = path.with_name(path.name + f".{os.getpid()}.{threading.get_ident()}.tmp")
        record = {"key": key, "kind": kind, "at": now.isoformat(), "pid": os.getpid(), "host": hostname()}
        tmp.write_text(json.dumps({**record, "info": info}))
        tmp.replace(path)
        return
    from .models import Heartbeat

    Heartbeat.objects.update_or_create(
        key=key, defaults={"kind": kind, "at": now, "pid": os.getpid(), "host": hostname(), "info": info}
    )


def forget(key: str) -> None:
    if _files():
        _beat_path(key).unlink(missing_ok=True)
        return
    from .models import Heartbeat

    Heartbeat.objects.filter(key=key).delete()


def beats(kind: str | None = None) -> list[Beat]:
    if _files():
        out = []
        for path in beat_dir().glob("*.json"):
            try:
                d = json.loads(path.read_text())
            except (OSError, ValueError):
                continue  # being replaced right now
            at = parse_datetime(d.get("at") or "")
            if at is not None and (kind is None or d.get("kind") == kind):
                out.append(Beat(d["key"], d["kind"], at, d["pid"], d["host"], d["info"]))
        return out
    from .models import Heartbeat

    qs = Heartbeat.objects.all() if kind is None else Heartbeat.objects.filter(kind=kind)
    return [Beat(h.key, h.kind, h.at, h.pid, h.host, h.info) for h in qs]


def last_beats(keys) -> dict[str, datetime.datetime]:
    keys = list(keys)
    if not keys:
        return {}
    if _files():
        out = {}
        for key in keys:
            try:
                at = parse_datetime(json.loads(_beat_path(key).read_text())["at"])
            except (OSError, ValueError, KeyError):
                continue
            if at is not None:
                out[key] = at
        return out
    from .models import Heartbeat

    return dict(Heartbeat.objects.filter(key__in=keys).values_list("key", "at"))


class Beater(threading.Thread):
    """Calls beat(key, kind, **info()) every HEARTBEAT_SECONDS until stop(); errors are logged, never
    raised (a beat lost to a busy or dropped database is retried at the next interval)."""

    def __init__(self, key: str, kind: str, info: Callable[[], dict] | None = None, interval=None):
        super().__init__(name=f"beat-{key}", daemon=True)
        self.key, self.kind, self.info = key, kind, info or dict
        self.interval = interval or heartbeat_seconds()
        self._stop_event = threading.Event()

    def beat_now(self) -> None:
        try:
            beat(self.key, self.kind, **self.info())
        except DatabaseError as exc:
            log.warning("heartbeat %s not written: %s", self.key, exc)
            connection.close()
        except OSError as exc:
            log.error("heartbeat %s not written (var dir): %s", self.key, exc)

    def run(self) -> None:
        try:
            while not self._stop_event.wait(self.interval):
                self.beat_now()
        finally:
            connection.close()

    def stop(self) -> None:
        self._stop_event.set()


def job_key(model_label: str, pk) -> str:
    return f"job.{model_label}.{pk}"


@contextlib.contextmanager
def job_heartbeat(model_label: str, pk):
    """Keep the job's heartbeat fresh while the block runs (from a thread: a long transaction or a
    long write in the block doesn't stop it). The first beat is written before the block starts."""
    key = job_key(model_label, pk)
    beater = Beater(key, "job", lambda: {"pid": os.getpid()})
    beater.beat_now()
    beater.start()
    try:
        yield
    finally:
        beater.stop()
        with contextlib.suppress(DatabaseError, OSError):
            forget(key)


# ------------------------------------------------------------------------------------- lease
def acquire_lease(name: str, holder: str, ttl: float) -> bool:
    """Take the lease `name` for `holder` (or renew it) for `ttl` seconds; False when someone else
    holds an unexpired one."""
    from .models import Lease

    now = timezone.now()
    until = now + datetime.timedelta(seconds=ttl)
    if Lease.objects.filter(name=name, holder=holder).update(expires_at=until):
        return True
    if Lease.objects.filter(name=name, expires_at__lt=now).update(
        holder=holder, acquired_at=now, expires_at=until
    ):
        log.info("lease %s taken by %s", name, holder)
        return True
    if Lease.objects.filter(name=name).exists():
        return False
    try:
        with transaction.atomic():
            Lease.objects.create(name=name, holder=holder, acquired_at=now, expires_at=until)
    except IntegrityError:
        return False
    log.info("lease %s taken by %s", name, holder)
    return True


def release_lease(name: str, holder: str) -> None:
    from .models import Lease

    Lease.objects.filter(name=name, holder=holder).update(expires_at=timezone.now())


def record_tick(name: str, holder: str) -> None:
    from .models import Lease

    Lease.objects.filter(name=name, holder=holder).update(last_tick=timezone.now())


# ------------------------------------------------------------------------------------- db faults
def is_locked(exc: BaseException) -> bool:
    return "database is locked" in str(exc) or "database table is locked" in str(exc)


def reset_connections() -> None:
    """Drop every connection of this thread (a dead one is reopened by the next query)."""
    from django.db import connections

    for conn in connections.all(initialized_only=True):
        with contextlib.suppress(Exception):
            conn.close()


class Backoff:
    """Exponential delays: first, 2×first, ... capped at `cap`; reset() after a success."""

    def __init__(self, first: float = 1.0, cap: float = 30.0):
        self.first, self.cap = first, cap
        self.current = first

    def next(self) -> float:
        delay = self.current
        self.current = min(self.cap, self.current * 2)
        return delay

    def reset(self) -> None:
        self.current = self.first


# ------------------------------------------------------------------------------------- stale jobs
@dataclass(frozen=True)
class Watched:
    name: str  # "core.importjob.commit"
    label: str  # model label, "core.importjob": job heartbeats are keyed by it
    running: tuple[str, ...]  # states in which the job is queued for or held by a worker
    tasks: tuple[str, ...]  # dotted paths of the tasks that take the job's pk as first argument
    fail: Callable[[str], dict]  # reason -> the field values that mark a stale row failed
    started_field: str = "created_at"
    state_field: str = "state"


WATCHED: dict[str, Watched] = {}


def watch(
    name: str,
    label: str,
    running,
    tasks,
    fail: Callable[[str], dict],
    started_field: str = "created_at",
) -> None:
    """Declare a job model. A row in one of the `running` states is alive while its heartbeat
    (job_heartbeat(label, pk)) is fresh, or, before a worker took it, while one of `tasks` waits in the
    queue with the row's pk as first argument; otherwise, once the row's last sign of life (beat, else
    `started_field`) is older than JOB_STALE_SECONDS, detect_stale() applies `fail(reason)`."""
    WATCHED[name] = Watched(name, label, tuple(running), tuple(tasks), fail, started_field)


def _model(label: str):
    from django.apps import apps

    return apps.get_model(label)


def _queued_pks(task_paths) -> set:
    from django_tasks_db.models import DBTaskResult

    out = set()
    for args_kwargs in (
        DBTaskResult.objects.ready().filter(task_path__in=task_paths).values_list("args_kwargs", flat=True)
    ):
        args = (args_kwargs or {}).get("args") or []
        if args:
            out.add(args[0])
    return out


def stale_rows(name: str, now=None) -> list[int]:
    """Pks of the rows of watched job `name` that no worker holds or will take any more."""
    spec = WATCHED[name]
    model = _model(spec.label)
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(seconds=stale_seconds())
    rows = list(
        model.objects.filter(**{f"{spec.state_field}__in": spec.running}).values_list(
            "pk", spec.started_field
        )
    )
    if not rows:
        return []
    last = last_beats(job_key(spec.label, pk) for pk, _s in rows)
    queued = None
    out = []
    for pk, started in rows:
        seen = last.get(job_key(spec.label, pk))
        if seen is not None:
            if seen < cutoff:
                out.append(pk)
            continue
        if started is not None and started >= cutoff:
            continue
        if queued is None:
            queued = _queued_pks(spec.tasks)
        if pk not in queued:
            out.append(pk)
    return out


def detect_stale(now=None) -> dict[str, int]:
    """Mark failed every watched job whose worker stopped beating; returns counts per model label."""
    now = now or timezone.now()
    marked: dict[str, int] = {}
    for name, spec in WATCHED.items():
        pks = stale_rows(name, now)
        if not pks:
            continue
        label = spec.label
        model = _model(label)
        # Conditional on the state still being a running one: a job finishing right now wins.
        n = model.objects.filter(pk__in=pks, **{f"{spec.state_field}__in": spec.running}).update(
            **spec.fail(INTERRUPTED)
        )
        for pk in pks:
            with contextlib.suppress(DatabaseError, OSError):
                forget(job_key(label, pk))
        if n:
            log.warning("marked %s stale %s job(s) failed: %s", n, name, pks)
            marked[name] = n
    orphans = fail_orphan_tasks(now)
    if orphans:
        marked["django_tasks_db.dbtaskresult"] = orphans
    return marked


def fail_orphan_tasks(now=None) -> int:
    """django-tasks rows left RUNNING by a worker that stopped beating: mark them FAILED (their own
    job rows are handled by detect_stale; a task is never re-run behind the user's back)."""
    from django_tasks_db.models import DBTaskResult

    now = now or timezone.now()
    cutoff = now - datetime.timedelta(seconds=stale_seconds())
    running = list(
        DBTaskResult.objects.running().filter(started_at__lt=cutoff).values_list("pk", "worker_ids")
    )
    if not running:
        return 0
    alive = {b.key.removeprefix("worker.") for b in beats("worker") if b.fresh(now)}
    dead = [pk for pk, workers in running if not (set(workers or []) & alive)]
    if not dead:
        return 0
    from django_tasks_db.compat import TaskResultStatus

    return DBTaskResult.objects.filter(pk__in=dead, status=TaskResultStatus.RUNNING).update(
        status=TaskResultStatus.FAILED,
        finished_at=now,
        exception_class_path="grassroots.core.runtime.WorkerStopped",
        traceback=INTERRUPTED,
    )


class WorkerStopped(Exception):
    """Recorded on task results whose worker stopped while running them."""


def live_q(name: str, now=None) -> Q:
    """Rows of watched job `name` that are not stale (for limits that must count only live jobs)."""
    stale = stale_rows(name, now)
    return ~Q(pk__in=stale) if stale else Q()
