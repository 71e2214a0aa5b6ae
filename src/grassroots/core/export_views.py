"""“我的导出”: the user's background export jobs, their progress and the files when ready.

A job, its progress row and its file are visible to its owner only (404 for anyone else).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from . import exports
from .errors import ServiceError
from .excel import XLSX
from .models import ExportJob

JOBS_SHOWN = 50


def _job(request, pk) -> ExportJob:
    try:
        return exports.job_for(request.user, pk)
    except ServiceError as exc:
        raise Http404(exc.message) from exc


@login_required
@require_GET
def export_list(request):
    jobs = list(exports.jobs_of(request.user)[:JOBS_SHOWN])
    return render(
        request,
        "core/exports.html",
        {"jobs": jobs, "keep_days": exports.EXPORT_KEEP_DAYS, "sync_limit": exports.EXPORT_SYNC_LIMIT},
    )


@login_required
@require_GET
def export_row(request, pk: int):
    """One job's table row (htmx polling while the job runs)."""
    return render(request, "core/exports_row.html", {"j": _job(request, pk)})


@login_required
@require_POST
def export_retry(request, pk: int):
    """A failed job queued again as a new job (same filters); the list shows both."""
    job = _job(request, pk)
    try:
        exports.retry_export(request.user, job)
    except ServiceError as exc:
        if exc.status == 404:
            raise Http404(exc.message) from exc
        messages.error(request, exc.message)
    else:
        messages.info(request, "已重新提交导出任务。")
    return redirect("core:exports")


@login_required
@require_GET
def export_download(request, pk: int):
    job = _job(request, pk)
    if job.state != ExportJob.State.DONE:
        raise Http404("文件尚未生成")
    path = exports.file_path(job)
    if not path.exists():
        raise Http404("文件已过期删除")
    response = FileResponse(path.open("rb"), content_type=XLSX)
    response["Content-Disposition"] = exports.content_disposition(exports.download_name(job))
    response["Cache-Control"] = "private, no-store"
    return response
