"""Background exports: lifecycle, owner-only pages and file, masking and audit like core.excel,
the synchronous/background split of the case export, 7-day cleanup."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.management import call_command
from django.utils import timezone
from openpyxl import load_workbook

from grassroots.core import exports
from grassroots.core.errors import NotFound
from grassroots.core.models import AuditEvent, ExportJob

pytestmark = pytest.mark.django_db


def _sheet(content: bytes):
    return list(load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True))


def test_job_lifecycle_owner_only_and_masked(ctx, make_case, client_for):
    for _ in range(3):
        make_case()
    make_case(ctx.c2, handler=ctx.h_c2)  # another street: outside the grid worker's scope
    user = ctx.grid_worker  # personal.view but not personal.export
    job = exports.start_export(user, "cases.list", {"state": "dispatched"})
    assert (job.state, job.total, job.owner_id) == ("queued", 3, user.pk)
    page = client_for(user).get("/core/exports/")
    assert page.status_code == 200 and "排队中" in page.content.decode()
    exports.run(job.pk)
    job.refresh_from_db()
    assert (job.state, job.row_count, job.personal) == ("done", 3, False)
    assert job.finished_at is not None and job.size > 0
    assert exports.run(job.pk) is None  # a finished job is not run twice
    r = client_for(user).get(f"/core/exports/{job.pk}/download/")
    assert r.status_code == 200
    rows = _sheet(b"".join(r.streaming_content))
    assert rows[0][0] == "编号" and len(rows) == 4
    phone_col = rows[0].index("联系电话")
    assert {row[phone_col] for row in rows[1:]} == {"138****5678"}
    audit = AuditEvent.objects.filter(action="export", actor_id=user.pk).latest("id")
    assert audit.changes["rows"] == [None, 3] and audit.changes["personal"] == [None, False]
    # someone else: 404 on the row, the file and in the service
    other = ctx.street_admin
    assert client_for(other).get(f"/core/exports/{job.pk}/download/").status_code == 404
    assert client_for(other).get(f"/core/exports/{job.pk}/").status_code == 404
    assert "暂无导出记录" in client_for(other).get("/core/exports/").content.decode()
    with pytest.raises(NotFound):
        exports.job_for(other, job.pk)


def test_plaintext_only_with_a_purpose_for_personal_export_holders(ctx, make_case):
    make_case()
    job = exports.run(exports.start_export(ctx.street_admin, "cases.list", {}).pk)
    rows = _sheet(exports.file_path(job).read_bytes())
    assert "13812345678" not in rows[1] and "138****5678" in rows[1]  # masked by default
    assert job.personal is False
    job = exports.start_export(ctx.street_admin, "cases.list", {}, purpose="核对诉求人联系方式")
    job = exports.run(job.pk)
    rows = _sheet(exports.file_path(job).read_bytes())
    assert rows[0][0].startswith("导出人：") and "核对诉求人联系方式" in rows[0][0]
    assert "含个人信息，严禁外传" in rows[0][0]
    assert rows[1][0] == "编号" and "13812345678" in rows[2]
    assert job.personal is True
    audit = AuditEvent.objects.filter(action="export").latest("id")
    assert audit.purpose == "核对诉求人联系方式" and audit.changes["rows"] == [None, 1]
    assert audit.changes["unmasked_fields"] == [None, ["联系人", "联系电话"]]


def test_unknown_kind_or_no_permission_is_404(ctx):
    with pytest.raises(NotFound):
        exports.start_export(ctx.street_admin, "nope", {})
    with pytest.raises(NotFound):
        exports.start_export(ctx.resident, "cases.alerts", {})


def test_case_export_sync_below_the_limit_background_above(ctx, make_case, client_for, settings):
    for _ in range(3):
        make_case()
    c = client_for(ctx.street_admin)
    r = c.get("/cases/export/", {"state": "dispatched"})
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxmlformats")
    assert len(_sheet(r.content)) == 4
    assert not ExportJob.objects.exists()
    settings.EXPORT_SYNC_LIMIT = 2
    r = c.get("/cases/export/", {"state": "dispatched"})
    assert r.status_code == 302 and r["Location"] == "/core/exports/"
    job = ExportJob.objects.get()
    assert job.params == {"state": "dispatched"} and job.total == 3
    assert c.get("/cases/export/").status_code == 302  # second job
    assert c.get("/cases/export/").status_code == 302  # third job
    r = c.get("/cases/export/", follow=True)  # a fourth while three run: refused with a message
    assert "正在进行" in r.content.decode()
    assert ExportJob.objects.count() == 3


def test_failed_when_the_owner_lost_the_permission(ctx, make_case):
    make_case()
    job = exports.start_export(ctx.grid_worker, "cases.list", {})
    ctx.grid_worker.assignments.all().delete()
    exports.run(job.pk)
    job.refresh_from_db()
    assert job.state == "failed" and "权限" in job.error and not job.stored_name


def test_cleanup_deletes_old_jobs_and_files(ctx, make_case):
    make_case()
    job = exports.run(exports.start_export(ctx.street_admin, "cases.list", {}).pk)
    path = exports.file_path(job)
    assert path.exists()
    ExportJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - datetime.timedelta(days=8))
    fresh = exports.run(exports.start_export(ctx.street_admin, "cases.list", {}).pk)  # purges on start
    assert not path.exists() and not ExportJob.objects.filter(pk=job.pk).exists()
    ExportJob.objects.filter(pk=fresh.pk).update(created_at=timezone.now() - datetime.timedelta(days=8))
    out = io.StringIO()
    call_command("cleanup_exports", stdout=out)
    assert "1" in out.getvalue() and not ExportJob.objects.exists()
