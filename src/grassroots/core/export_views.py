"""“我的导出”: the user's background export jobs, their progress and the files when ready; and the
purpose form of an unmasked export.

A job, its progress row and its file are visible to its owner only (404 for anyone else).
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

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
        {"jobs": jobs, "keep_days": exports.EXPORT_KEEP_DAYS, "sync_limit": exports.sync_limit()},
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


class PurposeForm(forms.Form):
    purpose = forms.CharField(
        label="导出用途",
        max_length=100,
        widget=forms.Textarea(
            attrs={"rows": 3, "class": "form-control", "placeholder": "例如：入户走访核对联系方式"}
        ),
        error_messages={"required": "请填写导出用途", "max_length": "导出用途最多 100 个字"},
    )

    def clean_purpose(self):
        purpose = " ".join(self.cleaned_data["purpose"].split())
        if len(purpose) < exports.PURPOSE_MIN_LENGTH:
            raise forms.ValidationError(f"请如实填写导出用途（至少 {exports.PURPOSE_MIN_LENGTH} 个字）")
        return purpose


def _back(request) -> str:
    back = request.GET.get("export_back", "")
    if back and url_has_allowed_host_and_scheme(back, allowed_hosts=None) and back.startswith("/"):
        return back
    return ""


@login_required
@require_http_methods(["GET", "POST"])
def export_unmask(request):
    """An export with personal columns in plaintext: for holders of personal.export, with a purpose.
    GET shows the form (the export's name, row count and the columns that will be plaintext); POST
    runs the export like ?export=xlsx (direct or background) with the purpose."""
    kind = request.GET.get("export_kind", "")
    try:
        spec = exports.spec_for(request.user, kind)
    except ServiceError as exc:
        raise Http404(exc.message) from exc
    params = exports.request_params(request.GET)
    rows, columns = spec.build(request.user, params)
    personal = exports.personal_columns(columns)
    if not personal:
        raise Http404("该导出不含个人信息")
    back = _back(request)
    if not exports.may_export_personal(request.user):
        return render(
            request,
            "core/export_unmask.html",
            {"spec": spec, "denied": True, "back": back, "personal": personal},
            status=403,
        )
    form = PurposeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        return exports.export_or_queue(
            request, kind, params, back=back or None, purpose=form.cleaned_data["purpose"]
        )
    return render(
        request,
        "core/export_unmask.html",
        {
            "spec": spec,
            "form": form,
            "back": back,
            "personal": personal,
            "total": exports._count(rows),
            "sync_limit": exports.sync_limit(),
            "keep_days": exports.EXPORT_KEEP_DAYS,
            "filters": params,
        },
        status=400 if form.errors else 200,
    )
