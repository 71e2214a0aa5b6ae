"""Seed 004 (Longchang): an org structure imported through the page shows exactly its counts."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from grassroots.core.models import AuditEvent, ImportJob
from grassroots.party.models import PartyOrg
from grassroots.regions.models import Region
from tests.factories import add_region

from .conftest import xlsx

CITY = "511083000000"
STREETS = [("511083001000", "金鹅街道", "LC-JE"), ("511083002000", "古湖街道", "LC-GH")]
ORG_HEAD = ["组织编码", "名称", "类别", "上级组织编码", "所在区划编码", "区域化(大党委)", "书记姓名"]
REGION_HEAD = ["编码", "名称", "层级", "上级编码", "分类"]


def region_rows():
    rows = [REGION_HEAD]
    for s_code, s_name, _ in STREETS:
        rows.append([s_code, s_name, "街道(镇)", CITY, "建制街道"])
        for i in range(1, 15):  # 28 communities in all
            rows.append([s_code[:9] + f"{i:03d}", f"{s_name[:2]}第{i}社区", "社区", s_code, ""])
    return rows


def org_rows():
    """1 county committee, 2 street working committees, 12 community committees, 13 general branches,
    84 branches: 3 communities have a branch as their top org, 81 branches sit under the others."""
    rows = [ORG_HEAD, ["LC", "中共隆昌市委", "党委", "", CITY, "否", "市委书记"]]
    communities = [
        (s, s_code[:9] + f"{i:03d}") for s, (s_code, _, _) in enumerate(STREETS) for i in range(1, 15)
    ]
    # children (branches) are listed before their parents on purpose: the file order must not matter
    branches, tops = [], []
    for n, (s, c_code) in enumerate(communities):
        parent = STREETS[s][2]
        code = f"{parent}-{n + 1:02d}"
        if n < 12:
            tops.append([code, f"中共{c_code}社区委员会", "党委", parent, c_code, "是", ""])
            count = 4
        elif n < 25:
            tops.append([code, f"中共{c_code}社区总支部委员会", "党总支", parent, c_code, "否", ""])
            count = 3 if n < 19 else 2
        else:
            tops.append([code, f"中共{c_code}社区支部委员会", "党支部", parent, c_code, "否", ""])
            count = 0
        for b in range(1, count + 1):
            branches.append([f"{code}-{b}", f"{c_code}第{b}党支部", "党支部", code, c_code, "否", ""])
    rows += branches + tops
    rows += [
        [code, f"中共{name}工作委员会", "党工委", "LC", s_code, "否", ""] for s_code, name, code in STREETS
    ]
    return rows


@pytest.fixture
def longchang(make_user, client_for):
    city = add_region(None, CITY, "隆昌市", "city")
    admin = make_user("lc_admin", "city_admin", city)
    return city, admin, client_for(admin)


def upload(client, kind, content, name="data.xlsx"):
    resp = client.post("/imports/upload/", {"kind": kind, "file": SimpleUploadedFile(name, content)})
    assert resp.status_code == 302, resp.content.decode()[:500]
    return ImportJob.objects.get(pk=int(resp.url.rstrip("/").split("/")[-1]))


def test_longchang_structure_import_shows_exact_counts(longchang):
    city, admin, client = longchang
    job = upload(client, "regions", xlsx(region_rows()))
    assert job.state == "checked", job.errors
    assert client.post(f"/imports/{job.pk}/commit/").status_code == 302
    job.refresh_from_db()
    assert job.state == "done" and job.counts["create"] == 30

    rows = org_rows()
    assert len(rows) - 1 == 1 + 2 + 12 + 13 + 84
    job = upload(client, "orgs", xlsx(rows))
    assert job.state == "checked", job.errors[:5]
    page = client.get(f"/imports/{job.pk}/").content.decode()
    assert 'data-count="create">112<' in page
    assert PartyOrg.objects.count() == 0  # the dry run changed nothing
    client.post(f"/imports/{job.pk}/commit/")
    job.refresh_from_db()
    assert job.state == "done", job.errors[:5]

    assert PartyOrg.objects.find_problems() == ([], [], [], [], [])
    assert Region.objects.find_problems() == ([], [], [], [], [])
    county = PartyOrg.objects.get(code="LC")
    assert county.region_id == city.pk and county.depth == 1 and county.numchild == 2
    assert PartyOrg.objects.get(code="LC-JE-01").is_regional
    assert PartyOrg.objects.get(code="LC-JE-01").numchild == 4

    html = client.get("/").content.decode()
    stats = dict(re.findall(r'data-stat="(org-[a-z_]+)"[^>]*>\s*(\d+)\s*<', html))
    # 13 committees = 12 community committees + the county committee
    assert stats["org-working_committee"] == "2"
    assert stats["org-committee"] == "13"
    assert stats["org-general_branch"] == "13"
    assert stats["org-branch"] == "84"
    events = AuditEvent.objects.filter(action="import", model="party.partyorg")
    assert events.count() == 1 and events.get().changes["counts"][1]["create"] == 112


def test_bad_rows_are_all_reported_and_nothing_changes(longchang):
    city, admin, client = longchang
    job = upload(client, "regions", xlsx(region_rows()))
    client.post(f"/imports/{job.pk}/commit/")
    rows = org_rows()
    rows[3][2] = "大党委"  # row 4 C: unknown kind
    rows[5][3] = "LC-NOPE"  # row 6 D: unknown parent
    rows[7][4] = "370202001000"  # row 8 E: region that doesn't exist here
    rows[9][0] = rows[8][0]  # row 10 A: duplicate code of row 9
    rows[11][5] = "也许"  # row 12 F: not a yes/no
    rows[13][0] = "坏 编码"  # row 14 A: code format
    rows[13][1] = ""  # row 14 B: required name
    content = xlsx(rows)
    orgs_before, audit_before = PartyOrg.objects.count(), AuditEvent.objects.count()
    job = upload(client, "orgs", content)
    assert job.state == "invalid"
    got = {(e["row"], e["col"]) for e in job.errors}
    assert got == {(4, "C"), (6, "D"), (8, "E"), (10, "A"), (12, "F"), (14, "A"), (14, "B")}
    messages = {(e["row"], e["col"]): e["message"] for e in job.errors}
    assert messages[(8, "E")] == "区划编码 370202001000 不存在或不在您的管辖范围内"
    assert messages[(10, "A")] == "与第 9 行重复"
    page = client.get(f"/imports/{job.pk}/").content.decode()
    assert "发现 7 处错误" in page and 'data-row="8" data-col="E"' in page
    assert client.post(f"/imports/{job.pk}/commit/").status_code == 400
    assert (PartyOrg.objects.count(), AuditEvent.objects.count()) == (orgs_before, audit_before)
