"""Background Excel exports: lists too large for one request are written by a django-tasks task.

Contract for apps:

* `register(kind, title, model_label, build, allowed)`, called from an app's `exports.py` module
  (imported by `discover()`), declares an export: `build(user, params)` returns
  `(rows, columns)` — the scoped queryset (or iterable) and the `core.excel.Column`s — for the filters in
  `params` (a flat dict of GET values); `allowed(user)` says whether the user may run it at all.
  `register_list_view(kind, view_cls)` does it for any `core.views.ScopedListView`, reusing the view's
  own scoping, filters and columns.
  Every `core.views.ScopedListView` subclass with export columns is registered automatically under
  `list_kind(view_cls)` ("list:<app>.<ClassName>") unless it names its own `export_kind`.
* `export_or_queue(request, kind, params, purpose="")`: up to `sync_limit()` rows
  (settings.EXPORT_SYNC_LIMIT) the download is answered at once (core.excel.export_response); above it
  an ExportJob is queued and the user is sent to “我的导出” (core:exports), where the file can be
  downloaded when ready. Both paths build the rows with the same `build(user, params)`.
* Exports are masked for every role. `unmask_url(request, kind, params)` links to the purpose form
  (core:export_unmask) for holders of personal.export when the kind has personal columns; the
  purpose travels with the job and the file gets a watermark row (core.excel).
* `BackgroundExportMixin`: kept for views that route `?export=xlsx` themselves.

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
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.messages.storage.base import BaseStorage
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect
from django.utils import timezone
from django_tasks import task

from . import context, excel, runtime
from .errors import NotFound, ServiceError
from .excel import Column, audit_export, export_response, watermark_text, write_workbook
from .faults import user_message
from .models import ExportJob
from .scoping import has_perm, perm_code

log = logging.getLogger(__name__)

EXPORT_SYNC_LIMIT = 2000  # default of settings.EXPORT_SYNC_LIMIT (rows answered within the request)
PURPOSE_MIN_LENGTH = 4
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


def sync_limit() -> int:
    """Rows answered within the request; larger exports go to the background."""
    return int(getattr(settings, "EXPORT_SYNC_LIMIT", EXPORT_SYNC_LIMIT))


# GET names that steer the page or the export itself, never the rows
CONTROL_PARAMS = {"export", "page", "purpose", "export_kind", "export_back", "csrfmiddlewaretoken"}


def request_params(query) -> dict:
    """The filters of a list request as a JSON-able dict (multi-valued names keep their list)."""
    out = {}
    for name, values in query.lists():
        values = [v for v in values if v not in (None, "")]
        if name in CONTROL_PARAMS or not values:
            continue
        out[name] = values[0] if len(values) == 1 else values
    return out


def _fake_request(user, params: dict) -> HttpRequest:
    request = HttpRequest()
    request.method = "GET"
    clean = {k: v for k, v in (params or {}).items() if v not in (None, "", [])}
    request.GET = QueryDict(urlencode(clean, doseq=True))
    request.user = user
    return request


def list_kind(view_cls) -> str:
    """The export kind of a ScopedListView: its own `export_kind`, else list:<app>.<ClassName>."""
    if getattr(view_cls, "export_kind", ""):
        return view_cls.export_kind
    return f"list:{view_cls.__module__.split('.')[1]}.{view_cls.__name__}"


def register_list_view(kind: str, view_cls, title: str | None = None, allowed=None) -> None:
    """Register the Excel export of a ScopedListView (same scope, filters and columns as its page).
    The rows are rebuilt from the user's scope when the export runs (visible_to at that moment)."""

    def build(user, params):
        view = view_cls()
        view.setup(_fake_request(user, params))
        columns = view.get_export_columns()
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
        from django.urls import get_resolver
        from django.utils.module_loading import autodiscover_modules

        autodiscover_modules("exports")
        get_resolver().url_patterns  # noqa: B018 - imports every view module: list views register
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
    result = write_workbook(path, title, columns, rows, user, progress)
    path.chmod(0o600)
    return result.rows, result.plaintext


# ------------------------------------------------------------------------------------------ jobs
def start_export(
    user, kind: str, params: dict | None = None, total: int | None = None, purpose: str = ""
) -> ExportJob:
    """Queue a background export of `kind` with `params` for `user` (404 if the kind is not theirs).
    A `purpose` asks for personal columns in plaintext (the caller checked personal.export)."""
    spec = spec_for(user, kind)
    params = {
        str(k): ([str(x) for x in v] if isinstance(v, list | tuple) else str(v))
        for k, v in (params or {}).items()
        if v not in (None, "", [])
    }
    purge_expired()
    _check_running_limit(user)
    if total is None:
        rows, _columns = spec.build(user, params)
        total = _count(rows)
    job = ExportJob.objects.create(
        owner=user, kind=kind, title=spec.title, params=params, total=total, purpose=purpose
    )
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
    if job.kind.startswith(VIEW_PREFIX):
        model_label, build = "", _replay_builder(job)
    else:
        spec = KINDS.get(job.kind)
        if spec is None or not user.is_active or not spec.allowed(user):
            _fail(job, "没有执行此导出的权限")
            return job
        model_label, build = spec.model_label, (lambda: spec.build(user, job.params))
    stored = secrets.token_hex(16) + ".xlsx"
    path = export_dir() / stored
    tmp = path.with_suffix(".part")
    with context.use_context(context.RequestContext(request_id=f"export-{job.pk}", source="export")):
        try:
            built = build() if user.is_active else None
            if built is None:
                _fail(job, "没有执行此导出的权限，或导出条件已失效")
                return job
            rows, columns = built[0], built[1]
            if len(built) > 2:
                model_label = built[2]

            def progress(n):
                ExportJob.objects.filter(pk=job.pk).update(progress=n, total=max(job.total, n))

            watermark = watermark_text(user, job.purpose, job.created_at) if job.purpose else ""
            result = write_workbook(
                tmp,
                job.title,
                columns,
                _iterate(rows),
                user,
                progress,
                purpose=job.purpose,
                watermark=watermark,
            )
            tmp.chmod(0o600)
            tmp.rename(path)
        except Exception as exc:
            tmp.unlink(missing_ok=True)
            # A full or read-only disk (or a busy database) is named to the user; anything else is generic.
            _fail(job, user_message(exc, "生成文件时发生系统错误，请稍后重试或联系管理员"))
            log.exception("export job %s failed", job.pk)
            raise
        count, plaintext = result.rows, result.plaintext
        audit_export(
            user,
            job.title,
            columns,
            result,
            model_label=model_label,
            filters=job.params,
            purpose=job.purpose,
            background=True,
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
def export_or_queue(
    request, kind: str, params: dict, back: str | None = None, purpose: str = ""
) -> HttpResponse:
    """Answer ?export=xlsx: a direct download up to sync_limit() rows, else a background job.
    When the job can't be queued the user is sent to `back` (default: this path) with the reason.
    Masked unless `purpose` is given (only core.export_views.export_unmask passes one, after checking
    personal.export and the purpose)."""
    spec = spec_for(request.user, kind)
    rows, columns = spec.build(request.user, params)
    total = _count(rows)
    if total <= sync_limit():
        return export_response(
            request.user,
            spec.title,
            columns,
            _iterate(rows),
            model_label=spec.model_label,
            filters=params,
            purpose=purpose,
        )
    try:
        start_export(request.user, kind, params, total=total, purpose=purpose)
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect(back or request.path)
    messages.info(request, f"共 {total} 条，数据较多，已转为后台导出；生成后可在“我的导出”中下载。")
    return redirect("core:exports")


# ------------------------------------------------------------------------------------------ report views
# Function views that build their rows themselves (reports, rankings, statistics) answer ?export=xlsx
# with `respond(request, ...)`. Above sync_limit() rows the export is queued as kind
# "view:<url name>"; the task calls the same view again as the owner (GET parameters and URL kwargs
# stored on the job) with a replay marker set, so `respond` hands the rows to the task instead of
# answering. The view's own permission and scope checks run again at that moment.
VIEW_PREFIX = "view:"
_replay: ContextVar[dict | None] = ContextVar("export_replay", default=None)


def _count_or_none(rows) -> int | None:
    count = getattr(rows, "count", None)
    if callable(count) and hasattr(rows, "query"):
        return count()
    return len(rows) if hasattr(rows, "__len__") else None


def respond(
    request, title: str, columns: list[Column], rows, *, model_label: str, filters: dict | None = None
) -> HttpResponse:
    """The ?export=xlsx answer of a report view: direct, or queued above sync_limit() rows."""
    captured = _replay.get()
    if captured is not None:
        captured.update(title=title, columns=columns, rows=rows, model_label=model_label)
        return HttpResponse(status=204)
    total = _count_or_none(rows)
    match = getattr(request, "resolver_match", None)
    view_name = getattr(match, "view_name", "") or ""
    kind = VIEW_PREFIX + view_name
    max_kind = ExportJob._meta.get_field("kind").max_length or 0
    if (
        total is not None
        and total > sync_limit()
        and match is not None
        and view_name
        and len(kind) <= max_kind
    ):
        params = request_params(request.GET)
        if match.kwargs:
            params["_kwargs"] = {k: str(v) for k, v in match.kwargs.items()}
        try:
            _queue(request.user, kind, title, params, total)
        except ServiceError as exc:
            messages.error(request, exc.message)
            return redirect(request.path)
        messages.info(request, f"共 {total} 条，数据较多，已转为后台导出；生成后可在“我的导出”中下载。")
        return redirect("core:exports")
    if hasattr(rows, "query"):
        rows = _iterate(rows)
    filters = filters or request_params(request.GET)
    return export_response(request.user, title, columns, rows, model_label=model_label, filters=filters)


def _check_running_limit(user) -> None:
    """At most MAX_RUNNING_PER_USER exports at once; only live jobs count (one whose worker died, i.e.
    whose heartbeat went stale, no longer blocks the user)."""
    running = (
        ExportJob.objects.filter(owner=user, state__in=ExportJob.RUNNING_STATES)
        .filter(runtime.live_q("core.exportjob"))
        .count()
    )
    if running >= MAX_RUNNING_PER_USER:
        raise ServiceError(f"您已有 {running} 个导出任务正在进行，请等待完成后再导出")


def _queue(user, kind: str, title: str, params: dict, total: int) -> ExportJob:
    purge_expired()
    _check_running_limit(user)
    job = ExportJob.objects.create(owner=user, kind=kind, title=title[:100], params=params, total=total)
    run_export.enqueue(job.pk)
    return job


class _DiscardMessages(BaseStorage):
    """Messages a replayed view adds have no reader."""

    def _get(self, *args, **kwargs):
        return [], True

    def _store(self, messages, response, *args, **kwargs):
        return []


def _replay_builder(job: ExportJob):
    """A builder calling the job's view again as its owner; None when it no longer exports."""

    def build():
        from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
        from django.http import Http404
        from django.urls import NoReverseMatch, Resolver404, resolve, reverse

        params = dict(job.params)
        kwargs = params.pop("_kwargs", {}) or {}
        try:
            path = reverse(job.kind[len(VIEW_PREFIX) :], kwargs=kwargs)
            match = resolve(path)
        except (NoReverseMatch, Resolver404):
            return None
        request = _fake_request(job.owner, {**params, "export": "xlsx"})
        request.path = request.path_info = path
        request.resolver_match = match
        request._messages = _DiscardMessages(request)  # type: ignore[attr-defined]  # the messages framework's slot
        captured: dict = {}
        token = _replay.set(captured)
        try:
            match.func(request, *match.args, **match.kwargs)
        except (Http404, DjangoPermissionDenied, ServiceError):
            return None
        finally:
            _replay.reset(token)
        if not captured:
            return None
        return captured["rows"], captured["columns"], captured["model_label"]

    return build


def personal_columns(columns) -> list[Column]:
    return [c for c in columns if c.personal]


def may_export_personal(user) -> bool:
    """Whether to offer the unmasked export at all (each row is still checked against the scope)."""
    return has_perm(user, "personal.export")


def unmask_url(request, kind: str, params: dict, columns) -> str:
    """The purpose form's URL for this export, or "" when there is nothing to unmask for the user."""
    if not personal_columns(columns) or not may_export_personal(request.user):
        return ""
    from django.urls import reverse

    query = {**params, "export_kind": kind, "export_back": request.get_full_path()}
    return reverse("core:export_unmask") + "?" + urlencode(query, doseq=True)


class BackgroundExportMixin:
    """For ScopedListView subclasses registered with register_list_view(export_kind, ...)."""

    export_kind = ""
    applied_filters: Callable[[], dict[str, Any]]  # from ScopedListView

    def get(self, request, *args, **kwargs):
        if request.GET.get("export") == "xlsx" and self.export_kind:
            return export_or_queue(request, self.export_kind, self.applied_filters())
        return super().get(request, *args, **kwargs)  # type: ignore[misc]  # a mixin: the view supplies get()


def content_disposition(filename: str) -> str:
    return excel.content_disposition(filename)


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
