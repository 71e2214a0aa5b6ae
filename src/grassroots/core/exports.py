"""Background Excel exports: lists too large for one request are written by a django-tasks task.

Contract for apps:

* `register(kind, title, model_label, build, allowed)`, called from an app's `exports.py` module
  (imported by `discover()`), declares an export: `build(user, params)` returns
  `(rows, columns)` — the scoped queryset (or iterable) and the `core.excel.Column`s — for the filters in
  `params` (a flat dict of GET values); `allowed(user)` says whether the user may run it at all.
  `register_list_view(kind, view_cls)` does it for any `core.views.ScopedListView`, reusing the view's
  own scoping, filters and columns.
* `export_or_queue(request, kind, params)`: up to EXPORT_SYNC_LIMIT rows the download is answered at
  once (core.excel.export_response); above it an ExportJob is queued and the user is sent to
  “我的导出” (core:exports), where the file can be downloaded when ready.
* `BackgroundExportMixin`: put it before ScopedListView and set `export_kind` to route `?export=xlsx`
  through export_or_queue.

The task streams rows through openpyxl's write_only workbook into settings.VAR_DIR/exports (random file
names, mode 0600), masks personal columns unless the owner holds personal.export over the row (exactly
as core.excel) and writes one export audit record with the filters, row count and plaintext flag. The
rows are rebuilt from the owner's scope when the task runs, never from a snapshot of someone else's.
Files and jobs older than EXPORT_KEEP_DAYS are deleted by `purge_expired()` (task
`purge_expired_exports`, command `grassroots cleanup_exports`, and each new export).
"""

from __future__ import annotations

import datetime
import logging
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect
from django.utils import timezone
from django_tasks import task

from . import audit, context, runtime
from .errors import NotFound, ServiceError
from .excel import Column, export_response, write_workbook
from .models import AuditAction, ExportJob
from .scoping import has_perm, perm_code

log = logging.getLogger(__name__)

EXPORT_SYNC_LIMIT = 5000  # rows answered within the request; more go to the background
EXPORT_KEEP_DAYS = 7
MAX_RUNNING_PER_USER = 3

Build = Callable[[Any, dict], tuple[Iterable, list[Column]]]


@dataclass(frozen=True)
class ExportKind:
    kind: str
    title: str
    model_label: str
    build: Build
    allowed: Callable[[Any], bool]


KINDS: dict[str, ExportKind] = {}


def register(kind: str, title: str, model_label: str, build: Build, allowed: Callable[[Any], bool]) -> None:
    KINDS[kind] = ExportKind(kind, title, model_label, build, allowed)


def _fake_request(user, params: dict) -> HttpRequest:
    request = HttpRequest()
    request.method = "GET"
    request.GET = QueryDict(urlencode({k: v for k, v in (params or {}).items() if v not in (None, "")}))
    request.user = user
    return request


def register_list_view(kind: str, view_cls, title: str | None = None, allowed=None) -> None:
    """Register the Excel export of a ScopedListView (same scope, filters and columns as its page)."""

    def build(user, params):
        view = view_cls()
        view.setup(_fake_request(user, params))
        columns = view.export_columns
        return view.get_queryset(), list(columns)

    def default_allowed(user):
        return has_perm(user, perm_code(view_cls.model, view_cls.action))

    register(
        kind,
        title or view_cls.export_title or str(view_cls.model._meta.verbose_name),
        view_cls.model._meta.label_lower,
        build,
        allowed or default_allowed,
    )


_discovered = False


def discover() -> None:
    """Import every app's `exports` module once (they call register(); like admin.py autodiscovery),
    so the web process and the task worker know the same kinds."""
    global _discovered
    if not _discovered:
        from django.utils.module_loading import autodiscover_modules

        autodiscover_modules("exports")
        _discovered = True


def spec_for(user, kind: str) -> ExportKind:
    discover()
    spec = KINDS.get(kind)
    if spec is None or user is None or not user.is_authenticated or not spec.allowed(user):
        raise NotFound()
    return spec


def _count(rows) -> int:
    count = getattr(rows, "count", None)
    if callable(count):
        try:
            return count()
        except TypeError:
            pass
    return len(rows)


def _iterate(rows):
    iterator = getattr(rows, "iterator", None)
    return iterator(chunk_size=2000) if callable(iterator) else iter(rows)


# ------------------------------------------------------------------------------------------ files
def export_dir() -> Path:
    d = Path(settings.VAR_DIR) / "exports"
    d.mkdir(parents=True, exist_ok=True)
    return d


def file_path(job: ExportJob) -> Path:
    if not job.stored_name:
        raise NotFound("文件不存在")
    return export_dir() / job.stored_name


def write_xlsx(path: Path, title: str, columns: list[Column], rows, user, progress=None) -> tuple[int, bool]:
    """Stream rows into an xlsx file readable by its owner only. Returns (rows, plaintext)."""
    count, plaintext = write_workbook(path, title, columns, rows, user, progress)
    path.chmod(0o600)
    return count, plaintext


# ------------------------------------------------------------------------------------------ jobs
def start_export(user, kind: str, params: dict | None = None, total: int | None = None) -> ExportJob:
    """Queue a background export of `kind` with `params` for `user` (404 if the kind is not theirs)."""
    spec = spec_for(user, kind)
    params = {str(k): str(v) for k, v in (params or {}).items() if v not in (None, "")}
    purge_expired()
    # Only live jobs count: one whose worker died (stale heartbeat) no longer blocks the user.
    running = (
        ExportJob.objects.filter(owner=user, state__in=ExportJob.RUNNING_STATES)
        .filter(runtime.live_q("core.exportjob"))
        .count()
    )
    if running >= MAX_RUNNING_PER_USER:
        raise ServiceError(f"您已有 {running} 个导出任务正在进行，请等待完成后再导出")
    if total is None:
        rows, _columns = spec.build(user, params)
        total = _count(rows)
    job = ExportJob.objects.create(owner=user, kind=kind, title=spec.title, params=params, total=total)
    run_export.enqueue(job.pk)
    return job


def jobs_of(user):
    return ExportJob.objects.filter(owner=user)


def job_for(user, pk) -> ExportJob:
    """The user's own job; anyone else's (or an unknown one) is a 404."""
    job = ExportJob.objects.filter(pk=pk, owner_id=getattr(user, "pk", None)).first() if pk else None
    if job is None:
        raise NotFound("导出任务不存在")
    return job


def download_name(job: ExportJob) -> str:
    return f"{job.title}-{timezone.localtime(job.created_at):%Y%m%d-%H%M}.xlsx"


def _fail(job: ExportJob, message: str) -> None:
    ExportJob.objects.filter(pk=job.pk).update(
        state=ExportJob.State.FAILED, error=message[:200], finished_at=timezone.now()
    )


def run(job_id: int) -> ExportJob | None:
    """Produce the file of one queued job (idempotent: a job already taken is left alone)."""
    taken = ExportJob.objects.filter(pk=job_id, state=ExportJob.State.QUEUED).update(
        state=ExportJob.State.RUNNING
    )
    if not taken:
        return None
    job = ExportJob.objects.select_related("owner").get(pk=job_id)
    user = job.owner
    discover()
    spec = KINDS.get(job.kind)
    if spec is None or not user.is_active or not spec.allowed(user):
        _fail(job, "没有执行此导出的权限")
        return job
    stored = secrets.token_hex(16) + ".xlsx"
    path = export_dir() / stored
    tmp = path.with_suffix(".part")
    with context.use_context(context.RequestContext(request_id=f"export-{job.pk}", source="export")):
        try:
            rows, columns = spec.build(user, job.params)

            def progress(n):
                ExportJob.objects.filter(pk=job.pk).update(progress=n, total=max(job.total, n))

            count, plaintext = write_xlsx(tmp, job.title, columns, _iterate(rows), user, progress)
            tmp.rename(path)
        except Exception:
            tmp.unlink(missing_ok=True)
            _fail(job, "生成文件时发生系统错误，请稍后重试或联系管理员")
            log.exception("export job %s failed", job.pk)
            raise
        audit.record(
            AuditAction.EXPORT,
            None,
            user=user,
            model_label=spec.model_label,
            object_repr=f"导出{job.title} {count} 条" + ("（含个人信息明文）" if plaintext else ""),
            changes={
                "filters": [None, job.params],
                "rows": [None, count],
                "personal": [None, plaintext],
                "background": [None, True],
            },
        )
    ExportJob.objects.filter(pk=job.pk).update(
        state=ExportJob.State.DONE,
        stored_name=stored,
        size=path.stat().st_size,
        row_count=count,
        progress=count,
        total=count,
        personal=plaintext,
        finished_at=timezone.now(),
    )
    job.refresh_from_db()
    return job


@task()
def run_export(job_id: int) -> None:
    with runtime.job_heartbeat("core.exportjob", job_id):
        run(job_id)


def retry_export(user, job: ExportJob) -> ExportJob:
    """A failed export queued again as a new job with the same filters (the failed one stays listed)."""
    if job.owner_id != getattr(user, "pk", None):
        raise NotFound("导出任务不存在")
    if job.state != ExportJob.State.FAILED:
        raise ServiceError("只有失败的导出任务可以重试")
    return start_export(user, job.kind, job.params)


def purge_expired(now=None, days: int = EXPORT_KEEP_DAYS) -> int:
    """Delete jobs (and their files) created more than `days` days ago. Returns the number deleted."""
    cutoff = (now or timezone.now()) - datetime.timedelta(days=days)
    old = list(ExportJob.objects.filter(created_at__lt=cutoff).values_list("pk", "stored_name"))
    for _pk, stored in old:
        if stored:
            (export_dir() / stored).unlink(missing_ok=True)
    if old:
        ExportJob.objects.filter(pk__in=[pk for pk, _s in old]).delete()
    # Half-written files of jobs whose worker was killed (the job itself was marked failed).
    abandoned = ((now or timezone.now()) - datetime.timedelta(days=1)).timestamp()
    for part in export_dir().glob("*.part"):
        try:
            if part.stat().st_mtime < abandoned:
                part.unlink(missing_ok=True)
        except OSError:
            continue
    return len(old)


@task()
def purge_expired_exports() -> int:
    """Daily cleanup of downloaded-or-not export files (scheduled in core/apps.py)."""
    return purge_expired()


# ------------------------------------------------------------------------------------------ views
def export_or_queue(request, kind: str, params: dict, back: str | None = None) -> HttpResponse:
    """Answer ?export=xlsx: a direct download up to EXPORT_SYNC_LIMIT rows, else a background job.
    When the job can't be queued the user is sent to `back` (default: this path) with the reason."""
    spec = spec_for(request.user, kind)
    rows, columns = spec.build(request.user, params)
    total = _count(rows)
    if total <= EXPORT_SYNC_LIMIT:
        return export_response(
            request.user, spec.title, columns, _iterate(rows), model_label=spec.model_label, filters=params
        )
    try:
        start_export(request.user, kind, params, total=total)
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect(back or request.path)
    messages.info(request, f"共 {total} 条，数据较多，已转为后台导出；生成后可在“我的导出”中下载。")
    return redirect("core:exports")


class BackgroundExportMixin:
    """For ScopedListView subclasses registered with register_list_view(export_kind, ...)."""

    export_kind = ""

    def get(self, request, *args, **kwargs):
        if request.GET.get("export") == "xlsx" and self.export_kind:
            return export_or_queue(request, self.export_kind, self.applied_filters())
        return super().get(request, *args, **kwargs)


def content_disposition(filename: str) -> str:
    return f"attachment; filename*=UTF-8''{quote(filename)}"


__all__ = [
    "EXPORT_SYNC_LIMIT",
    "BackgroundExportMixin",
    "export_or_queue",
    "register",
    "register_list_view",
    "start_export",
    "run_export",
    "retry_export",
    "job_for",
    "jobs_of",
    "purge_expired",
]
