"""12345 hotline import through core.importing (/imports/, kind "hotline"), from Excel and from JSON,
with row-level errors and duplicate ticket numbers refused per row."""

from __future__ import annotations

import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from grassroots.cases.importers import HotlineImporter, JsonError, json_to_xlsx
from grassroots.cases.models import Case
from grassroots.core import import_jobs
from grassroots.core.models import ImportJob

pytestmark = pytest.mark.django_db

HEAD = ["热线工单号", "来电时间", "诉求类别编码", "社区编码", "问题描述", "地址", "来电人", "来电号码"]


def xlsx(rows, head=HEAD) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(head)
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


@pytest.fixture
def importer_user(loop, make_user):
    return make_user("imp_admin", "street_admin", loop.street)


def run(user, content: bytes, tmp_path, commit=False):
    path = tmp_path / "t.xlsx"
    path.write_bytes(content)
    imp = HotlineImporter(user)
    return imp.commit(path) if commit else imp.plan(path)


def good(n, c0, number=None):
    return [
        number or f"H-{n}",
        "2026-01-05 09:30",
        "2301",
        c0.code,
        "楼上每天夜里噪音扰民",
        "幸福路8号",
        "王女士",
        "13800138000",
    ]


def test_good_rows_become_hotline_cases_through_submit(loop, importer_user, tmp_path):
    plan = run(importer_user, xlsx([good(1, loop.c0), good(2, loop.c0)]), tmp_path, commit=True)
    assert plan.ok and len(plan.creates) == 2
    cases = list(Case.objects.order_by("external_number"))
    assert [c.external_number for c in cases] == ["H-1", "H-2"]
    c = cases[0]
    assert c.channel == "hotline" and c.category == loop.cat_noise and c.region == loop.c0
    assert (
        c.number.endswith(f"{c.pk:06d}") and c.submitted_at.year == 2026 and c.events.get().step == "submit"
    )


def test_row_errors_bad_category_phone_community_and_duplicates(loop, importer_user, tmp_path):
    run(importer_user, xlsx([good(1, loop.c0, "H-OLD")]), tmp_path, commit=True)
    rows = [
        good(2, loop.c0, "H-OLD"),  # imported before
        ["H-3", "", "9999", loop.c0.code, "楼上每天夜里噪音扰民", "幸福路8号", "", ""],  # bad category
        ["H-4", "", "2301", loop.c0.code, "楼上每天夜里噪音扰民", "幸福路8号", "", "12345"],  # bad phone
        ["H-5", "", "2301", loop.street.code, "楼上每天夜里噪音扰民", "幸福路8号", "", ""],  # not a community
        ["H-6", "", "2301", loop.c0.code, "楼上每天夜里噪音扰民", "", "", ""],  # 噪音扰邻 needs an address
        good(7, loop.c0, "H-7"),
        good(8, loop.c0, "H-7"),  # repeated in the file
        ["H-9", "明天", "2301", loop.c0.code, "楼上每天夜里噪音扰民", "幸福路8号", "", ""],  # bad time
    ]
    plan = run(importer_user, xlsx(rows), tmp_path)
    by_row = {(e.row, e.header): e.message for e in plan.errors}
    assert "已导入过" in by_row[(2, "热线工单号")]
    assert "不存在" in by_row[(3, "诉求类别编码")]
    assert "电话号码格式不正确" in by_row[(4, "来电号码")]
    assert "社区编码" in by_row[(5, "社区编码")]
    assert "须填写：地址" in by_row[(6, "诉求类别编码")]
    assert "与第 7 行重复" in by_row[(8, "热线工单号")]
    assert "时间格式" in by_row[(9, "来电时间")]
    assert {e.row for e in plan.errors} == {2, 3, 4, 5, 6, 8, 9}
    # commit writes nothing while any row is wrong
    before = Case.objects.count()
    assert not run(importer_user, xlsx(rows), tmp_path, commit=True).ok and Case.objects.count() == before


def test_missing_required_column_and_scope(loop, importer_user, tmp_path, make_user):
    from grassroots.core.importing import ImportFailed

    with pytest.raises(ImportFailed) as exc:
        run(importer_user, xlsx([["H-1", "楼上噪音"]], head=["热线工单号", "问题描述"]), tmp_path)
    assert any(e.header == "社区编码" and "缺少必填列" in e.message for e in exc.value.errors)
    outsider = make_user("imp_c1", "community_admin", loop.c1)
    plan = run(outsider, xlsx([good(1, loop.c0)]), tmp_path)
    assert not plan.ok and "不存在或不在您的管辖范围内" in plan.errors[0].message


def test_json_goes_through_the_same_row_checks(loop, importer_user, client_for, tmp_path):
    tickets = [
        {
            "external_number": "J-1",
            "region": loop.c0.code,
            "category": "2301",
            "description": "楼上夜里噪音扰民",
            "address": "幸福路8号",
            "reporter_phone": "13800138000",
        },
        {"热线工单号": "J-2", "社区编码": loop.c0.code, "问题描述": "楼上夜里噪音扰民", "来电号码": "abc"},
    ]
    content = json_to_xlsx(json.dumps({"tickets": tickets}, ensure_ascii=False).encode())
    plan = run(importer_user, content, tmp_path)
    assert [(e.row, e.header) for e in plan.errors] == [(3, "来电号码")]
    # through the page: stored as an import job of kind hotline, checked by the same task
    c = client_for(importer_user)
    upload = SimpleUploadedFile("t.json", json.dumps(tickets, ensure_ascii=False).encode())
    resp = c.post(reverse("cases:hotline_import"), {"file": upload})
    assert resp.status_code == 302
    job = ImportJob.objects.get(kind="hotline")
    import_jobs.check_job.call(job.pk)
    job.refresh_from_db()
    assert job.state == ImportJob.State.INVALID and job.error_count == 1


@pytest.mark.parametrize(
    "raw,message",
    [
        (b"{not json", "JSON 格式不正确"),
        (b"[]", "至少有一条"),
        (b'{"a": 1}', "工单数组"),
        (b"[1, 2]", "不是对象"),
    ],
)
def test_bad_json_is_refused(raw, message, loop, importer_user, client_for):
    with pytest.raises(JsonError, match=message):
        json_to_xlsx(raw)
    resp = client_for(importer_user).post(
        reverse("cases:hotline_import"), {"file": SimpleUploadedFile("t.json", raw)}
    )
    assert resp.status_code == 400 and message in resp.content.decode()
    assert not ImportJob.objects.exists()


def test_template_download_has_the_columns(loop, importer_user, client_for):
    from openpyxl import load_workbook

    resp = client_for(importer_user).get(reverse("imports:template", args=["hotline"]))
    assert resp.status_code == 200
    ws = load_workbook(io.BytesIO(resp.content)).worksheets[0]
    assert [c.value for c in ws[1]][:4] == ["热线工单号*", "来电时间", "诉求类别编码", "社区编码*"]
