"""Bar of issue 13 item 4: 20 concurrent case submissions over HTTP while a 30,000-row member import
commits. No response may be >= 500; every submission is either stored (201) or refused with a Chinese
503 and Retry-After, and nothing of a refused one is stored."""

from __future__ import annotations

import datetime
import json
import os
import threading
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
from openpyxl import Workbook

from grassroots.cases.models import Case
from grassroots.core.importing import id_number_check_digit, importer_for
from grassroots.party.models import Member

ROWS = int(os.environ.get("GRASSROOTS_LOAD_IMPORT_ROWS", "30000"))
SUBMISSIONS = 20
HEAD = ["姓名", "性别", "身份证号", "所在党组织编码", "党员类别", "入党日期"]


def _id_number(i: int) -> str:
    born = datetime.date(1960, 1, 1) + datetime.timedelta(days=i // 500)
    first17 = f"370202{born:%Y%m%d}{i % 500:03d}"
    return first17 + id_number_check_digit(first17)


def _workbook(path, branch_codes):
    wb = Workbook(write_only=True)
    ws = wb.create_sheet()
    ws.append(HEAD)
    for i in range(ROWS):
        ws.append(
            [
                f"批量党员{i}",
                "男" if i % 2 else "女",
                _id_number(i),
                branch_codes[i % 2],
                "正式党员",
                "2015-07-01",
            ]
        )
    wb.save(path)


def _post(url: str, token: str, body: dict) -> tuple[int, dict, dict]:
    req = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(req, timeout=90) as resp:
            return resp.status, dict(resp.headers), json.loads(resp.read() or b"{}")
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), json.loads(exc.read() or b"{}")


@pytest.mark.load
@pytest.mark.django_db(transaction=True)
def test_concurrent_submissions_during_a_large_import(city, make_user, token_for, live_server, tmp_path):
    admin = make_user("street0", "street_admin", city.streets[0])
    worker = make_user("gw_load", "grid_worker", city.communities[0])
    token = token_for(worker)
    path = tmp_path / "members.xlsx"
    _workbook(path, [city.branches[0].code, city.branches[1].code])
    members_before, cases_before = Member.objects.count(), Case.objects.count()

    writing = threading.Event()
    outcome: dict = {}

    def progress(phase, done, total):
        if phase in ("check", "write"):
            writing.set()

    def run_import():
        from django.db import connection

        try:
            outcome["plan"] = importer_for("members", admin).commit(path, progress)
        except Exception as exc:  # surfaced by the assertion below
            outcome["error"] = exc
        finally:
            writing.set()
            connection.close()

    importer = threading.Thread(target=run_import)
    importer.start()
    assert writing.wait(120)
    url = f"{live_server.url}/api/v1/cases/"
    bodies = [
        {
            "channel": "patrol",
            "community": city.communities[0].code,
            "description": f"并发上报测试第{i}件：路灯不亮",
        }
        for i in range(SUBMISSIONS)
    ]
    with ThreadPoolExecutor(SUBMISSIONS) as pool:
        results = list(pool.map(lambda b: _post(url, token, b), bodies))
    importer.join(300)

    assert "error" not in outcome, outcome.get("error")
    assert outcome["plan"].ok and outcome["plan"].counts()["create"] == ROWS
    assert Member.objects.count() == members_before + ROWS

    statuses = [s for s, _, _ in results]
    print(f"submissions during the import: {statuses.count(201)} stored, {statuses.count(503)} refused (503)")
    assert all(s < 500 or s == 503 for s in statuses), statuses
    assert set(statuses) <= {201, 503}, statuses
    for status, headers, body in results:
        if status == 503:
            assert headers.get("Retry-After") and "稍后重试" in body["detail"]
    stored = set(
        Case.objects.filter(description__startswith="并发上报测试").values_list("description", flat=True)
    )
    accepted = {b["description"] for b, (s, _, _) in zip(bodies, results, strict=True) if s == 201}
    assert stored == accepted  # stored exactly when answered 201; a refused one left nothing behind
    assert Case.objects.count() == cases_before + len(accepted)
