"""Import jobs: stored uploads, the dry run and the commit as background tasks, progress, reports.

Uploads live under settings.VAR_DIR/imports with generated names (never the user's file name), are
checked by content (xlsx = zip signature) and size, and are read only through the owner's job.
Progress is written to a small sidecar file next to the upload, because the commit runs inside one
transaction whose row updates no other connection could see before the end.
"""

from __future__ import annotations

import io
import logging
import secrets
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from django_tasks import task
from openpyxl import Workbook, load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from . import excel, import_reuse, importing, runtime
from .errors import NotFound, PermissionDenied, ServiceError
from .faults import storage_guard, user_message
from .importing import MAX_FILE_BYTES, XLSX_SIGNATURE, CellError, Importer, ImportFailed
from .models import ImportJob

logger = logging.getLogger(__name__)

RED = PatternFill("solid", fgColor="FCA5A5")
HEAD = PatternFill("solid", fgColor="B91C1C")
ERRORS_SHOWN = 500  # rows of the error table on the page; the annotated file holds them all


def upload_dir() -> Path:
    d = Path(settings.VAR_DIR) / "imports"
    d.mkdir(parents=True, exist_ok=True)
    return d


def job_path(job: ImportJob) -> Path:
    return upload_dir() / job.stored_name


def _progress_path(job: ImportJob) -> Path:
    return upload_dir() / (job.stored_name + ".progress")


def write_progress(job: ImportJob, phase: str, done: int, total: int) -> None:
    # Progress is for the page only: a full disk must not fail the import itself.
    try:
        _progress_path(job).write_text(f"{phase} {done} {total}")
    except OSError as exc:
        logger.warning("import %s: progress not written: %s", job.pk, exc)


def read_progress(job: ImportJob) -> tuple[str, int, int]:
    try:
        phase, done, total = _progress_path(job).read_text().split()
        return phase, int(done), int(total)
    except (OSError, ValueError):
        return "", job.done, job.total


def check_importer(user, kind: str) -> Importer:
    """The importer for `kind` if the user may run imports of it; out of bounds looks like a 404."""
    if kind not in importing.KINDS:
        raise NotFound()
    imp = importing.importer_for(kind, user)
    if not imp.allowed():
        raise NotFound()
    return imp


def store_upload(user, kind: str, upload) -> ImportJob:
    """Save an uploaded file and queue its dry run."""
    check_importer(user, kind)
    if upload is None:
        raise ServiceError("请选择要导入的文件", field="file")
    if upload.size == 0:
        raise ServiceError("文件是空的", field="file")
    if upload.size > MAX_FILE_BYTES:
        raise ServiceError(f"文件超过 {MAX_FILE_BYTES // 1024 // 1024} MB 上限", field="file")
    head = upload.read(4)
    upload.seek(0)
    if head != XLSX_SIGNATURE:
        raise ServiceError("文件不是 Excel（.xlsx）格式", field="file")
    stored = secrets.token_hex(16) + ".xlsx"
    with storage_guard(f"import upload by {user.pk}"):
        path = upload_dir() / stored
        # A temporary name until the whole file is on disk: a full disk leaves no truncated upload.
        tmp = path.with_name(f".tmp-{stored}")
        try:
            with tmp.open("wb") as fh:
                for chunk in upload.chunks():
                    fh.write(chunk)
            tmp.chmod(0o600)
            tmp.replace(path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
    try:
        job = ImportJob.objects.create(
            user=user,
            kind=kind,
            original_name=(upload.name or "import.xlsx")[-200:],
            stored_name=stored,
            size=upload.size,
            sha256=importing.file_sha256(path),
            state=ImportJob.State.CHECKING,
        )
        check_job.enqueue(job.pk)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return job


def job_for(user, pk: int) -> ImportJob:
    """The user's own job; anyone else's is a 404."""
    job = ImportJob.objects.filter(pk=pk, user=user).first()
    if job is None:
        raise NotFound()
    return job


def start_commit(user, job: ImportJob) -> ImportJob:
    check_importer(user, job.kind)
    if job.state != ImportJob.State.CHECKED:
        raise ServiceError("该文件尚未通过校验，不能导入")
    updated = ImportJob.objects.filter(pk=job.pk, state=ImportJob.State.CHECKED).update(
        state=ImportJob.State.COMMITTING, done=0
    )
    if not updated:
        raise ServiceError("该文件已在导入中")
    write_progress(job, "write", 0, job.total)
    commit_job.enqueue(job.pk)
    job.refresh_from_db()
    return job


def _finish(job: ImportJob, state: str, errors: list[CellError], plan=None, headers=(), message="") -> None:
    job.state = state
    job.errors = [e.as_dict() for e in errors]
    job.error_count = len(errors)
    if plan is not None:
        job.total = plan.total
        job.counts = plan.counts()
        job.preview = {"headers": list(headers), "rows": plan.preview}
    job.done = job.total
    job.message = message[:200]
    job.finished_at = timezone.now()
    job.save()


def _run(job_id: int, commit: bool) -> None:
    from . import context

    job = ImportJob.objects.select_related("user").get(pk=job_id)
    imp = importing.importer_for(job.kind, job.user)
    bad_state = ImportJob.State.FAILED if commit else ImportJob.State.INVALID

    def progress(phase, done, total):
        write_progress(job, phase, done, total or job.total)

    with context.use_context(context.RequestContext(request_id=f"import-{job.pk}", source="import")):
        try:
            if not imp.allowed():
                raise ImportFailed([CellError(1, "", "", "", "没有执行此导入的权限")])
            path = job_path(job)
            if commit:
                checked = import_reuse.load(path, job.kind, _digest_now(path))
                import_reuse.discard(path)
                plan = imp.commit(path, progress, file_digest=job.sha256, checked=checked)
            else:
                plan = imp.plan(path, progress)
                if plan.ok and imp.reuse_checked:
                    import_reuse.save(path, job.kind, _digest_now(path), plan, imp.model)
        except ImportFailed as exc:
            _finish(job, bad_state, exc.errors)
            return
        except Exception as exc:
            # the page must stop polling; the worker log keeps the traceback
            message = user_message(exc, "处理文件时发生系统错误，未写入任何数据，请联系管理员")
            _finish(job, bad_state, [], message=message)
            raise
        headers = [c.header for c in imp.columns if c.field in imp.present]
        if plan.ok:
            _finish(job, ImportJob.State.DONE if commit else ImportJob.State.CHECKED, [], plan, headers)
        else:
            message = "数据在校验后发生了变化，本次未写入任何数据，请修改后重新上传" if commit else ""
            _finish(job, bad_state, plan.errors, plan, headers, message)


def _digest_now(path: Path) -> str:
    """The stored file's SHA-256 as it is now: a kept plan is only for the very file it was made from."""
    try:
        return importing.file_sha256(path)
    except OSError:
        return ""


@task()
def check_job(job_id: int) -> None:
    """Dry run: parse and validate everything, change nothing."""
    with runtime.job_heartbeat("core.importjob", job_id):
        _run(job_id, commit=False)


@task()
def commit_job(job_id: int) -> None:
    """Commit: validate again and write everything in one transaction, or nothing."""
    with runtime.job_heartbeat("core.importjob", job_id):
        _run(job_id, commit=True)


def can_retry(job: ImportJob) -> bool:
    """A commit that failed, or a dry run stopped by a system fault (no cell errors to fix)."""
    return job.state == ImportJob.State.FAILED or (
        job.state == ImportJob.State.INVALID and not job.error_count
    )


def retry_job(user, job: ImportJob) -> ImportJob:
    """Run the dry run of a failed or interrupted job again on its stored file (a new run); the user
    then confirms the import as usual. A killed commit wrote nothing (one transaction)."""
    check_importer(user, job.kind)
    if not can_retry(job):
        raise ServiceError("该任务当前状态不能重试")
    if not job_path(job).exists():
        raise ServiceError("上传的文件已不存在，请重新上传")
    updated = ImportJob.objects.filter(pk=job.pk, state=job.state).update(
        state=ImportJob.State.CHECKING,
        done=0,
        errors=[],
        error_count=0,
        message="",
        finished_at=None,
    )
    if not updated:
        raise ServiceError("该任务已在处理中")
    import_reuse.discard(job_path(job))  # the new dry run keeps its own
    write_progress(job, "read", 0, job.total)
    check_job.enqueue(job.pk)
    job.refresh_from_db()
    return job


# ---------------------------------------------------------------------------------------------
# Files handed back to the user
# ---------------------------------------------------------------------------------------------
def annotated_bytes(path: Path, errors: list[CellError]) -> bytes:
    """The original file with bad cells filled red and commented, plus an 「错误说明」 sheet."""
    wb = load_workbook(path)
    ws = wb.worksheets[0]
    by_cell: dict[str, list[str]] = {}
    for e in errors:
        if e.col:
            by_cell.setdefault(f"{e.col}{e.row}", []).append(e.message)
    for ref, messages in by_cell.items():
        cell = ws[ref]
        cell.fill = RED
        comment = Comment("\n".join(messages), "校验")
        comment.width, comment.height = 240, 80
        cell.comment = comment
    if "错误说明" in wb.sheetnames:
        del wb["错误说明"]
    sheet = wb.create_sheet("错误说明")
    sheet.append(["行", "列", "列名", "填写的值", "错误说明"])
    for c in sheet[1]:
        c.font, c.fill = Font(bold=True, color="FFFFFF"), HEAD
    for e in errors:
        sheet.append([e.row, e.col or "—", e.header, e.value, e.message])
    for letter, width in zip("ABCDE", (8, 8, 18, 24, 60), strict=True):
        sheet.column_dimensions[letter].width = width
    buf = io.BytesIO()
    excel.save_workbook(wb, buf)  # formula-like text (an uploaded value, an example) stays text
    return buf.getvalue()


def template_bytes(imp: Importer) -> bytes:
    """Header row (required columns marked *), an example row, dropdowns for choice columns, and an
    「填写说明」 sheet explaining every column."""
    wb = Workbook()
    ws = wb.active
    ws.title = imp.title[:31]
    options = wb.create_sheet("选项")
    options.sheet_state = "hidden"
    ws.append([c.header + ("*" if c.required else "") for c in imp.columns])
    ws.append([_example(c) for c in imp.columns])
    ws.freeze_panes = "A2"
    for i, c in enumerate(imp.columns, 1):
        letter = get_column_letter(i)
        head = ws[f"{letter}1"]
        head.font, head.fill = Font(bold=True, color="FFFFFF"), HEAD
        head.alignment = Alignment(horizontal="center")
        ws.column_dimensions[letter].width = max(c.width, len(c.header) * 2 + 4)
        labels = c.labels if c.type == "choice" else (["是", "否"] if c.type == "bool" else None)
        if labels:
            for j, label in enumerate(labels, 1):
                options.cell(row=j, column=i, value=label)
            dv = DataValidation(
                type="list",
                formula1=f"=选项!${letter}$1:${letter}${len(labels)}",
                allow_blank=not c.required,
                showErrorMessage=True,
                errorTitle="填写有误",
                error=f"请从下拉列表中选择{c.header}",
            )
            ws.add_data_validation(dv)
            dv.add(f"{letter}2:{letter}100000")
    guide = wb.create_sheet("填写说明")
    guide.append(["列名", "是否必填", "格式", "可选值", "说明"])
    for cell in guide[1]:
        cell.font, cell.fill = Font(bold=True, color="FFFFFF"), HEAD
    for c in imp.columns:
        guide.append(
            [
                c.header,
                "必填" if c.required else "选填",
                _format(c),
                "、".join(c.labels) if c.choices else "",
                c.help,
            ]
        )
    guide.append([])
    guide.append(["第 1 行是表头，请勿修改；第 2 行是示例，导入前请删除或改成真实数据。"])
    guide.append(
        [f"按{_key_name(imp)}识别记录：已存在的记录会被更新，不存在的会被新增；内容未变的行不做修改。"]
    )
    guide.append(["导入先校验：任何一行有错误都不会写入任何数据，请按错误报告修改后重新上传。"])
    for letter, width in zip("ABCDE", (18, 10, 28, 40, 50), strict=True):
        guide.column_dimensions[letter].width = width
    wb.move_sheet("填写说明", offset=-1)
    wb.active = 0
    buf = io.BytesIO()
    excel.save_workbook(wb, buf)  # formula-like text (an uploaded value, an example) stays text
    return buf.getvalue()


def _key_name(imp: Importer) -> str:
    for c in imp.columns:
        if c.field == imp.key_field:
            return f"「{c.header}」"
    return "编码"


def _example(c: importing.Col):
    if c.example == "" or c.example is None:
        return None
    return c.example


def _format(c: importing.Col) -> str:
    parts = {
        "text": "文本",
        "int": "整数",
        "float": "数字",
        "date": "日期，如 2024-01-31",
        "bool": "是 / 否",
        "choice": "从下拉列表选择",
        "ref": "编码（须已存在或在本文件中）" if c.field == "parent" else "编码（须已存在且在管辖范围内）",
        "id_number": "18 位身份证号（校验位须正确）",
        "phone": "11 位手机号",
    }
    out = parts[c.type]
    if c.max_length:
        out += f"，最多 {c.max_length} 字"
    if c.min_value is not None and c.max_value is not None:
        out += f"，{c.min_value:g} 至 {c.max_value:g}"
    return out


def export_bytes(imp: Importer, region=None, purpose: str = "") -> tuple[bytes, int]:
    """The kind's records in the template's columns (so the file imports back unchanged).
    Personal columns are masked unless a `purpose` is given and the user holds personal.export over
    the row (console, no user: plaintext)."""
    columns = imp.export_columns()
    if imp.user is None:
        columns = [excel.Column(c.header, c.value, None, c.width) for c in columns]
    content, count, _plain = excel.workbook_bytes(
        imp.title, columns, imp.export_queryset(region), imp.user, purpose=purpose
    )
    return content, count


def errors_of(job: ImportJob) -> list[CellError]:
    return [CellError.from_dict(d) for d in job.errors]


__all__ = [
    "store_upload",
    "job_for",
    "start_commit",
    "check_job",
    "commit_job",
    "retry_job",
    "annotated_bytes",
    "template_bytes",
    "export_bytes",
    "PermissionDenied",
]
