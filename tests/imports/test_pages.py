"""Import pages: permissions, owner-only jobs and progress, upload checks, templates, annotated files."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from grassroots.core import import_jobs, importing
from grassroots.core.models import ImportJob
from grassroots.people.models import Worker

from .conftest import xlsx

HEAD = ["工号", "姓名", "所在社区/街道编码", "岗位", "等级"]


@pytest.fixture
def admin(city, make_user):
    return make_user("street0", "street_admin", city.streets[0])


def upload(client, content, kind="workers", name="w.xlsx"):
    return client.post("/imports/upload/", {"kind": kind, "file": SimpleUploadedFile(name, content)})


def job_of(resp):
    assert resp.status_code == 302, resp.content.decode()[:300]
    return ImportJob.objects.get(pk=int(resp.url.rstrip("/").split("/")[-1]))


def test_pages_need_imports_run(city, make_user, client_for):
    worker = make_user("gw", "grid_worker", city.communities[0])  # no imports.run
    c = client_for(worker)
    assert c.get("/imports/").status_code == 404
    assert c.get("/imports/templates/workers.xlsx").status_code == 404
    assert upload(c, xlsx([HEAD])).status_code == 404
    assert ImportJob.objects.count() == 0


def test_nav_entry_and_kinds_for_admin(admin, client_for):
    html = client_for(admin).get("/imports/").content.decode()
    assert "数据导入" in html and 'href="/imports/templates/members.xlsx"' in html


def test_jobs_and_progress_are_owner_only(city, admin, make_user, client_for):
    rows = [HEAD, ["W1", "张三", city.communities[0].code, "社区专职工作者", 10]]
    job = job_of(upload(client_for(admin), xlsx(rows)))
    other = client_for(make_user("street1", "street_admin", city.streets[1]))
    for url in (f"/imports/{job.pk}/", f"/imports/{job.pk}/progress/", f"/imports/{job.pk}/annotated.xlsx"):
        assert other.get(url).status_code == 404
    assert other.post(f"/imports/{job.pk}/commit/").status_code == 404
    assert not Worker.objects.filter(code="W1").exists()
    own = client_for(admin)
    resp = own.get(f"/imports/{job.pk}/progress/")
    assert resp.status_code == 200 and resp["HX-Refresh"] == "true"  # finished: the page reloads
    assert 'data-testid="progress-count">1 / 1<' in resp.content.decode()


def test_progress_polls_while_running(city, admin, client_for):
    rows = [HEAD, ["W1", "张三", city.communities[0].code, "社区专职工作者", 10]]
    job = job_of(upload(client_for(admin), xlsx(rows)))
    ImportJob.objects.filter(pk=job.pk).update(state="committing")
    job.refresh_from_db()
    import_jobs.write_progress(job, "write", 3, 8)
    resp = client_for(admin).get(f"/imports/{job.pk}/progress/")
    html = resp.content.decode()
    assert "HX-Refresh" not in resp and 'hx-trigger="every 1s"' in html and "写入数据" in html
    assert 'aria-valuenow="37"' in html


def test_upload_checks_type_size_and_emptiness(admin, client_for, monkeypatch):
    c = client_for(admin)
    resp = upload(c, b"name,code\n", name="w.xlsx")
    assert resp.status_code == 400 and "不是 Excel" in resp.content.decode()
    resp = upload(c, b"", name="w.xlsx")
    assert resp.status_code == 400 and "文件是空的" in resp.content.decode()
    monkeypatch.setattr(import_jobs, "MAX_FILE_BYTES", 1000)
    resp = upload(c, xlsx([HEAD]))
    assert resp.status_code == 400 and "上限" in resp.content.decode()
    assert upload(c, xlsx([HEAD]), kind="nonsense").status_code == 404
    assert ImportJob.objects.count() == 0


def test_upload_is_stored_privately_under_a_generated_name(city, admin, client_for, settings):
    job = job_of(
        upload(
            client_for(admin),
            xlsx([HEAD, ["W1", "张三", city.communities[0].code, "社区专职工作者", 10]]),
            name="../../etc/x.xlsx",
        )
    )
    path = import_jobs.job_path(job)
    assert path.parent == settings.VAR_DIR / "imports" and path.name != "x.xlsx" and path.exists()
    assert path.stat().st_mode & 0o077 == 0


def test_preview_then_commit_through_the_page(city, admin, client_for):
    c = client_for(admin)
    rows = [
        HEAD,
        ["W1", "张三", city.communities[0].code, "社区专职工作者", 10],
        [city.workers[0].code, "改名", city.communities[0].code, "社区专职工作者", 15],
    ]
    job = job_of(upload(c, xlsx(rows)))
    assert job.state == "checked" and job.counts == {
        "total": 2,
        "create": 1,
        "update": 1,
        "unchanged": 0,
        "errors": 0,
    }
    html = c.get(f"/imports/{job.pk}/").content.decode()
    assert 'data-testid="commit"' in html and "张三" in html
    assert not Worker.objects.filter(code="W1").exists()
    c.post(f"/imports/{job.pk}/commit/")
    job.refresh_from_db()
    assert job.state == "done"
    assert (
        Worker.objects.get(code="W1").name == "张三"
        and Worker.objects.get(pk=city.workers[0].pk).name == "改名"
    )
    assert c.post(f"/imports/{job.pk}/commit/").status_code == 400  # not twice


def test_annotated_file_marks_every_bad_cell(city, admin, client_for):
    rows = [
        HEAD,
        ["W1", "张三", "999", "社区专职工作者", 30],
        ["W2", "", city.communities[0].code, "局长", 3],
    ]
    job = job_of(upload(client_for(admin), xlsx(rows)))
    assert job.state == "invalid"
    resp = client_for(admin).get(f"/imports/{job.pk}/annotated.xlsx")
    wb = load_workbook(io.BytesIO(resp.content))
    ws = wb.worksheets[0]
    marked = {c.coordinate for row in ws.iter_rows() for c in row if c.comment}
    assert marked == {"C2", "E2", "B3", "D3"}
    assert ws["E2"].fill.fgColor.rgb.endswith("FCA5A5") and "不能大于 18" in ws["E2"].comment.text
    sheet = wb["错误说明"]
    assert [tuple(c.value for c in r[:2]) for r in sheet.iter_rows(min_row=2)] == [
        (2, "C"),
        (2, "E"),
        (3, "B"),
        (3, "D"),
    ]


def test_most_templates_carry_dropdowns():
    with_choices = [
        k
        for k in importing.KINDS
        if any(c.type in ("choice", "bool") for c in importing.importer_for(k).columns)
    ]
    assert {"members", "units", "orgs", "standard_items"} <= set(with_choices)


@pytest.mark.parametrize("kind", list(importing.KINDS))
def test_template_has_header_example_dropdowns_and_guide(kind, city, make_user, client_for):
    # the city administrator may run every kind (catalog and duty imports need standards rights)
    city_admin = make_user("city_imp", "city_admin", city.city)
    resp = client_for(city_admin).get(f"/imports/templates/{kind}.xlsx")
    assert resp.status_code == 200
    wb = load_workbook(io.BytesIO(resp.content))
    ws = wb.worksheets[0]
    imp = importing.importer_for(kind)
    assert [c.value for c in ws[1]] == [c.header + ("*" if c.required else "") for c in imp.columns]
    assert "填写说明" in wb.sheetnames
    choice_cols = [c for c in imp.columns if c.type in ("choice", "bool")]
    # one dropdown per choice/yes-no column (kinds like hotline tickets have none)
    assert len(ws.data_validations.dataValidation) == len(choice_cols)
    guide = wb["填写说明"]
    assert [r[0].value for r in guide.iter_rows(min_row=2, max_row=len(imp.columns) + 1)] == [
        c.header for c in imp.columns
    ]
