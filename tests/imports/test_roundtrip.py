"""Re-import updates in place; export then import changes nothing; personal data masking; audit."""

from __future__ import annotations

import pytest
from openpyxl import load_workbook

from grassroots.core import import_jobs
from grassroots.core.importing import importer_for
from grassroots.core.models import AuditEvent
from grassroots.party.models import Member, PartyOrg
from grassroots.people.models import Worker
from grassroots.regions.models import Region
from grassroots.units.models import Unit

from .conftest import xlsx
from .test_errors import valid_id

MEMBER_HEAD = [
    "姓名",
    "性别",
    "身份证号",
    "手机号",
    "所在党组织编码",
    "党员类别",
    "入党日期",
    "转正日期",
    "房号",
]


def member_rows(city, n=6, phone_of=lambda i: f"1390000{i:04d}"):
    rows = [MEMBER_HEAD]
    for i in range(n):
        branch = city.branches[i % 2].code  # both under the first street
        rows.append(
            [
                f"导入党员{i}",
                "女",
                valid_id(100 + i),
                phone_of(i),
                branch,
                "正式党员",
                "2015-07-01",
                "2016-07-01",
                f"{i}01",
            ]
        )
    return rows


@pytest.fixture
def street_admin(city, make_user):
    return make_user("street0", "street_admin", city.streets[0])


def test_reimport_updates_in_place_and_audits_masked_changes(city, street_admin, tmp_path):
    path = tmp_path / "m.xlsx"
    xlsx(member_rows(city), path)
    first = importer_for("members", street_admin).commit(path)
    assert first.ok and first.counts()["create"] == 6
    m = Member.objects.get(name="导入党员3")
    assert m.id_number == valid_id(103) and m.phone == "13900000003" and m.name_initials
    pks = dict(Member.objects.filter(name__startswith="导入党员").values_list("name", "pk"))

    rows = member_rows(city, phone_of=lambda i: "13911112222" if i == 3 else f"1390000{i:04d}")
    rows[2][2] = rows[2][2].lower()  # the key is case-insensitive (x/X)
    xlsx(rows, path)
    audit_before = AuditEvent.objects.count()
    second = importer_for("members", street_admin).commit(path)
    assert second.counts() == {"total": 6, "create": 0, "update": 1, "unchanged": 5, "errors": 0}
    assert dict(Member.objects.filter(name__startswith="导入党员").values_list("name", "pk")) == pks
    assert Member.objects.get(pk=m.pk).phone == "13911112222"
    new = AuditEvent.objects.order_by("id")[audit_before:]
    assert [e.action for e in new] == ["import", "update"]
    assert new[1].object_id == str(m.pk) and new[1].changes == {"phone": ["139****0003", "139****2222"]}
    assert "13911112222" not in str(new[0].changes)


def test_all_or_nothing_when_one_row_is_bad(city, street_admin, tmp_path):
    rows = member_rows(city)
    rows[-1][4] = city.branches[3].code  # a branch of the other street: out of scope
    path = tmp_path / "m.xlsx"
    xlsx(rows, path)
    before = (Member.objects.count(), AuditEvent.objects.count())
    plan = importer_for("members", street_admin).commit(path)
    assert [(e.row, e.col) for e in plan.errors] == [(7, "E")]
    assert (Member.objects.count(), AuditEvent.objects.count()) == before


@pytest.mark.parametrize("kind", ["regions", "orgs", "units", "workers", "members"])
def test_export_then_import_changes_nothing(kind, city, make_user, tmp_path):
    admin = make_user("cityadm", "city_admin", city.city)
    if kind == "members":  # the fixture's ID numbers have no valid check digit: use imported ones
        Member.objects.all().delete()
        path = tmp_path / "seed.xlsx"
        xlsx(member_rows(city), path)
        assert importer_for("members", admin).commit(path).ok
    content, count = import_jobs.export_bytes(importer_for(kind, admin), purpose="导出修改后导入")
    model = {"regions": Region, "orgs": PartyOrg, "units": Unit, "workers": Worker, "members": Member}[kind]
    assert count == model.objects.count() > 0
    path = tmp_path / "export.xlsx"
    path.write_bytes(content)
    plan = importer_for(kind, admin).commit(path)
    assert plan.errors == []
    assert plan.counts()["unchanged"] == count and not plan.creates and not plan.updates


def test_export_masks_personal_data_without_personal_export(city, make_user, tmp_path):
    Member.objects.all().delete()
    path = tmp_path / "seed.xlsx"
    xlsx(member_rows(city), path)
    importer_for("members", None).commit(path)
    viewer = make_user("gridw", "grid_worker", city.streets[0])  # personal.view but not personal.export
    content, _ = import_jobs.export_bytes(importer_for("members", viewer))
    (tmp_path / "masked.xlsx").write_bytes(content)
    ws = load_workbook(tmp_path / "masked.xlsx").active
    head = [c.value for c in ws[1]]
    row = [c.value for c in ws[2]]
    # Only the last 4 of the ID number and nothing of the birth date (core/masking.py policy).
    id_cell = row[head.index("身份证号")]
    assert id_cell.startswith("*" * 14) and not id_cell.startswith("370")
    assert row[head.index("出生日期")] in (None, "", "****-**-**")
    assert "*" in row[head.index("手机号")]


def test_tree_bulk_insert_under_existing_nodes(city, tmp_path):
    s = city.streets[1].code[:9]
    rows = [
        ["编码", "名称", "层级", "上级编码"],
        [s + "003001", "新小区", "小区", s + "003"],
        [s + "003", "新社区", "社区", city.streets[1].code],
        [city.district.code[:6] + "003000", "新街道", "街道(镇)", city.district.code],
        [city.district.code[:6] + "003001", "新街道社区", "社区", city.district.code[:6] + "003000"],
    ]
    path = tmp_path / "r.xlsx"
    xlsx(rows, path)
    assert importer_for("regions", None).commit(path).ok
    assert Region.objects.find_problems() == ([], [], [], [], [])
    street = Region.objects.get(code=city.streets[1].code)
    assert street.numchild == 3
    assert Region.objects.get(code=s + "003001").path.startswith(Region.objects.get(code=s + "003").path)
    assert [r.code for r in Region.objects.get_children(Region.objects.get(code=city.district.code))][-1] == (
        city.district.code[:6] + "003000"
    )
