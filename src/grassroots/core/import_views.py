"""Import pages: kinds and templates, upload → dry-run preview → commit, progress polling.

Thin: every decision is in core.import_jobs / core.importing. Pages need `imports.run` (else 404);
a job, its file and its reports are visible to the user who uploaded it only (else 404).
"""

from __future__ import annotations

from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from . import import_jobs, importing
from .errors import ServiceError
from .excel import XLSX
from .models import ImportJob
from .scoping import has_perm

PHASES = {"read": "读取文件", "check": "校验数据", "write": "写入数据"}


def _require_imports(request):
    if not has_perm(request.user, "imports.run"):
        raise Http404


def _kinds(user):
    out = []
    for kind in importing.KINDS:
        imp = importing.importer_for(kind, user)
        if imp.allowed():
            out.append({"kind": kind, "title": imp.title, "columns": imp.columns})
    return out


def _xlsx(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


@login_required
@require_GET
def index(request):
    _require_imports(request)
    return render(request, "core/imports/index.html", _index_context(request))


def _index_context(request, **extra):
    return {
        "kinds": _kinds(request.user),
        "jobs": ImportJob.objects.filter(user=request.user)[:20],
        "max_mb": importing.MAX_FILE_BYTES // 1024 // 1024,
        "selected": request.POST.get("kind") or request.GET.get("kind", ""),
        **extra,
    }


@login_required
@require_POST
def upload(request):
    _require_imports(request)
    try:
        job = import_jobs.store_upload(request.user, request.POST.get("kind", ""), request.FILES.get("file"))
    except ServiceError as exc:
        if exc.status == 404:
            raise Http404 from exc
        ctx = _index_context(request, error=exc.message)
        return render(request, "core/imports/index.html", ctx, status=exc.status)
    return redirect("imports:job", pk=job.pk)


def _job(request, pk):
    _require_imports(request)
    try:
        return import_jobs.job_for(request.user, pk)
    except ServiceError as exc:
        raise Http404 from exc


def _progress_context(job):
    phase, done, total = import_jobs.read_progress(job)
    total = total or job.total
    percent = int(100 * done / total) if total else 0
    return {
        "job": job,
        "phase": PHASES.get(phase, "排队中"),
        "done": done,
        "total": total,
        "percent": percent,
    }


@login_required
@require_GET
def job_detail(request, pk: int):
    job = _job(request, pk)
    errors = import_jobs.errors_of(job)
    ctx = {
        "job": job,
        "title": importing.importer_class(job.kind).title,
        "errors": errors[: import_jobs.ERRORS_SHOWN],
        "errors_hidden": max(0, len(errors) - import_jobs.ERRORS_SHOWN),
        "can_retry": import_jobs.can_retry(job),
        **_progress_context(job),
    }
    return render(request, "core/imports/job.html", ctx)


@login_required
@require_GET
def job_progress(request, pk: int):
    """Polled every second by the job page while the job runs; asks the page to reload when done."""
    job = _job(request, pk)
    response = render(request, "core/imports/_progress.html", _progress_context(job))
    if not job.running:
        response["HX-Refresh"] = "true"
    return response


@login_required
@require_POST
def job_commit(request, pk: int):
    job = _job(request, pk)
    try:
        import_jobs.start_commit(request.user, job)
    except ServiceError as exc:
        if exc.status == 404:
            raise Http404 from exc
        return HttpResponse(exc.message, status=exc.status, content_type="text/plain; charset=utf-8")
    return redirect("imports:job", pk=job.pk)


@login_required
@require_POST
def job_retry(request, pk: int):
    job = _job(request, pk)
    try:
        import_jobs.retry_job(request.user, job)
    except ServiceError as exc:
        if exc.status == 404:
            raise Http404 from exc
        messages.error(request, exc.message)
    return redirect("imports:job", pk=job.pk)


@login_required
@require_GET
def job_annotated(request, pk: int):
    job = _job(request, pk)
    errors = import_jobs.errors_of(job)
    path = import_jobs.job_path(job)
    if not errors or not path.exists():
        raise Http404
    try:
        content = import_jobs.annotated_bytes(path, errors)
    except Exception as exc:  # noqa: BLE001 - an unreadable upload has no cells to mark
        raise Http404 from exc
    stem = job.original_name.rsplit(".", 1)[0]
    return _xlsx(content, f"{stem}-错误标注.xlsx")


@login_required
@require_GET
def template(request, kind: str):
    _require_imports(request)
    try:
        imp = import_jobs.check_importer(request.user, kind)
    except ServiceError as exc:
        raise Http404 from exc
    return _xlsx(import_jobs.template_bytes(imp), f"{imp.title}导入模板.xlsx")
