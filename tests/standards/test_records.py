"""Funding against GOV-9, demonstration sites, street duty lists, and the Excel importers of the catalog
and the duty lists (row-level errors, all-or-nothing)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db.models import Count
from openpyxl import Workbook

from grassroots.core.errors import NotFound, PermissionDenied, ServiceError
from grassroots.core.models import AuditEvent
from grassroots.standards import indicators, services
from grassroots.standards.importers import ItemImporter, StreetDutyImporter
from grassroots.standards.models import CheckStatus, FundingRecord, Honour, Item, StreetDuty

pytestmark = pytest.mark.django_db
YEAR = datetime.date.today().year - 1


@pytest.fixture
def c_admin(city, make_user):
    return make_user("c_admin", "community_admin", city.communities[0])


@pytest.fixture
def s_admin(city, make_user):
    return make_user("s_admin", "street_admin", city.streets[0])


def fund(user, community, amount, direction="received", kind="finance", year=YEAR):
    return services.record_funding(
        user,
        community=community,
        year=year,
        direction=direction,
        kind=kind,
        amount=amount,
        on_date=datetime.date(year, 3, 1),
    )


def test_funding_status_against_gov9(city, c_admin, set_params):
    """GOV-9 counts only the income kinds the rule names (default the 服务群众专项经费 kind): the 150,000
    yuan of 财政拨付工作经费 does not count toward the 200,000 yuan."""
    c0 = city.communities[0]
    fund(c_admin, c0, "150000")
    fund(c_admin, c0, "30000.50", kind="service")
    fund(c_admin, c0, "20000", direction="spent", kind="activity")
    status = services.funding_status([c0, city.communities[1]], YEAR)
    assert status[c0.pk]["received"] == Decimal("180000.50") and status[c0.pk]["spent"] == Decimal("20000")
    assert status[c0.pk]["counted"] == Decimal("30000.50")
    assert status[c0.pk]["balance"] == Decimal("160000.50") and not status[c0.pk]["meets"]
    assert status[city.communities[1].pk]["records"] == 0
    m = indicators.measure("funding", c0, YEAR)
    assert (m.value, m.target) == (30000.5, 200000.0)
    fund(c_admin, c0, "100000", kind="other_in")  # 其他收入: still not counted
    assert not services.funding_status([c0], YEAR)[c0.pk]["meets"]
    fund(c_admin, c0, "169999.50", kind="service")
    assert services.funding_status([c0], YEAR)[c0.pk]["meets"]  # exactly 200,000 of the counted kind
    set_params("GOV-9", min_yuan=300000)
    assert not services.funding_status([c0], YEAR)[c0.pk]["meets"]
    set_params("GOV-9", income_kinds=["service", "finance"])  # the rule's list of kinds
    assert services.funding_status([c0], YEAR)[c0.pk]["counted"] == Decimal("350000.00")
    assert services.funding_status([c0], YEAR)[c0.pk]["meets"]
    set_params("GOV-9", min_yuan=400000)
    # Street level: the share of its communities meeting the standard (0 of 2 at 400k).
    assert indicators.measure("funding", city.streets[0], YEAR).value == 0.0
    assert AuditEvent.objects.filter(model="standards.fundingrecord", action="create").count() == 5


@pytest.mark.parametrize(
    "kw, field",
    [
        ({"amount": "0"}, "amount"),
        ({"amount": "abc"}, "amount"),
        ({"direction": "received", "kind": "activity"}, "kind"),
        ({"direction": "spent", "kind": "finance"}, "kind"),
        ({"on_date": datetime.date(2001, 1, 1)}, "on_date"),
    ],
)
def test_funding_validation_changes_nothing(city, c_admin, kw, field):
    data = dict(
        community=city.communities[0],
        year=YEAR,
        direction="received",
        kind="finance",
        amount="1000",
        on_date=datetime.date(YEAR, 5, 1),
    )
    data.update(kw)
    with pytest.raises(ServiceError) as exc:
        services.record_funding(c_admin, **data)
    assert field in exc.value.errors
    assert not FundingRecord.objects.exists()


def test_funding_scope_and_level(city, c_admin, make_user):
    with pytest.raises(NotFound):
        fund(c_admin, city.communities[1], "1000")
    with pytest.raises(ServiceError):
        fund(make_user("sa", "street_admin", city.streets[0]), city.streets[0], "1000")
    with pytest.raises(PermissionDenied):
        fund(make_user("aud", "auditor", city.city), city.communities[0], "1000")
    rec = fund(c_admin, city.communities[0], "1000")
    with pytest.raises(NotFound):
        services.delete_funding(make_user("c2", "community_admin", city.communities[2]), rec)
    services.delete_funding(c_admin, rec)
    assert not FundingRecord.objects.exists()


def test_demonstration_site_designation_and_revocation(city, s_admin):
    h = services.designate_site(
        s_admin,
        region=city.communities[0],
        name="红色物业示范点",
        year=YEAR,
        level="street",
        citation="物业纳入党建",
    )
    with pytest.raises(ServiceError):
        services.designate_site(
            s_admin,
            region=city.communities[0],
            name="红色物业示范点",
            year=YEAR,
            level="street",
            citation="重复",
        )
    with pytest.raises(ServiceError):
        services.designate_site(
            s_admin, region=city.communities[1], name="", year=YEAR, level="street", citation="x"
        )
    with pytest.raises(NotFound):
        services.designate_site(
            s_admin, region=city.communities[2], name="x", year=YEAR, level="street", citation="x"
        )
    with pytest.raises(ServiceError):
        services.revoke_site(s_admin, h, reason=" ")
    h = services.revoke_site(s_admin, h, reason="整改不到位")
    assert h.revoked_at == datetime.date.today() and h.revoke_reason == "整改不到位"
    with pytest.raises(ServiceError):
        services.revoke_site(s_admin, h, reason="again")
    assert Honour.objects.filter(revoked_at__isnull=True).count() == 0
    # Revoked: a new designation of the same name is allowed again.
    services.designate_site(
        s_admin,
        region=city.communities[0],
        name="红色物业示范点",
        year=YEAR,
        level="street",
        citation="整改后",
    )


def test_street_duty_check_with_evidence(city, s_admin, make_user):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from grassroots.core.attachments import attachments_of
    from tests.factories import png_bytes

    duty = services.add_street_duty(
        s_admin, street=city.streets[0], kind="power", code="FQ-01", title="行政处罚权"
    )
    with pytest.raises(ServiceError):
        services.add_street_duty(s_admin, street=city.streets[0], kind="power", code="FQ-01", title="重复")
    with pytest.raises(ServiceError):
        services.add_street_duty(
            s_admin, street=city.communities[0], kind="duty", code="X", title="社区不是街道"
        )
    with pytest.raises(ServiceError) as exc:
        services.check_street_duty(s_admin, duty, status="issue", note="")
    assert "原因" in exc.value.message
    upload = SimpleUploadedFile("公示.png", png_bytes(), content_type="image/png")
    duty = services.check_street_duty(s_admin, duty, status="ok", note="已承接", uploads=[upload])
    assert duty.status == CheckStatus.OK and duty.checked_by == s_admin and duty.uid.endswith("/FQ-01")
    assert attachments_of(duty, "evidence").count() == 1
    with pytest.raises(NotFound):
        services.check_street_duty(make_user("s2", "street_admin", city.streets[1]), duty, status="ok")
    summary = services.duty_summary(StreetDuty.objects.all())
    assert summary == {"n": 1, "ok": 1, "issue": 0, "pending": 0}


def _xlsx(tmp_path, headers, rows):
    wb = Workbook()
    ws = wb.active
    ws.append(headers)
    for r in rows:
        ws.append(r)
    path = tmp_path / "f.xlsx"
    wb.save(path)
    return path


def test_item_import_reports_row_errors_and_writes_nothing(city, tmp_path, make_user):
    admin = make_user("ca", "city_admin", city.city)
    headers = ["标准编号", "领域编号", "标准内容", "考评对象", "考评方式", "指标", "分值"]
    path = _xlsx(
        tmp_path,
        headers,
        [
            ["A9-01", "A2", "新的佐证条目", "社区", "佐证材料", "", 2],
            ["A9-02", "A7", "领域不存在", "社区", "佐证材料", "", 1],
            ["A9-03", "A2", "指标不存在", "街道", "系统指标", "nope", 1],
            ["A9-04", "A2", "分值超限", "街道", "佐证材料", "", 500],
        ],
    )
    plan = ItemImporter(admin).commit(path)
    rows = sorted({e.row for e in plan.errors})
    assert rows == [3, 4, 5] and not Item.objects.filter(code__startswith="A9").exists()
    assert any("nope" in e.message for e in plan.errors)
    good = _xlsx(tmp_path, headers, [["A9-01", "A2", "新的佐证条目", "社区", "佐证材料", "", 2]])
    plan = ItemImporter(admin).commit(good)
    assert plan.ok and Item.objects.get(code="A9-01").max_score == Decimal("2.0")
    assert not ItemImporter(make_user("da", "district_admin", city.district)).allowed()


def test_street_duty_import_keys_by_street_and_code(city, tmp_path, s_admin):
    headers = ["街道编码", "类别", "事项编号", "事项名称"]
    s0, s1 = city.streets
    path = _xlsx(
        tmp_path,
        headers,
        [
            [s0.code, "街道职责清单", "ZZ-001", "统筹辖区党的建设"],
            [s0.code, "赋权事项", "FQ-001", "行政处罚权"],
            [s1.code, "街道职责清单", "ZZ-001", "其他街道"],
            [city.communities[0].code, "街道职责清单", "ZZ-002", "社区编码"],
        ],
    )
    plan = StreetDutyImporter(s_admin).commit(path)
    assert sorted({e.row for e in plan.errors}) == [4, 5] and not StreetDuty.objects.exists()
    ok = _xlsx(tmp_path, headers, [[s0.code, "街道职责清单", "ZZ-001", "统筹辖区党的建设"]])
    assert StreetDutyImporter(s_admin).commit(ok).ok
    again = _xlsx(tmp_path, headers, [[s0.code, "街道职责清单", "ZZ-001", "统筹辖区党的建设（修订）"]])
    plan = StreetDutyImporter(s_admin).commit(again)
    assert plan.ok and len(plan.updates) == 1
    duty = StreetDuty.objects.get()
    assert duty.title.endswith("（修订）") and duty.uid == f"{s0.code}/ZZ-001"


def test_default_catalog_is_loaded_once_and_keeps_admin_edits():
    from grassroots.standards.apps import ensure_default_catalog
    from grassroots.standards.models import Area, Duty

    assert list(Area.objects.values_list("name", flat=True)) == [
        "组织领导",
        "组织体系",
        "队伍建设",
        "区域党建",
        "引领治理",
        "基础保障",
    ]
    assert Item.objects.count() == 120
    assert dict(Duty.objects.values_list("level").annotate(n=Count("id")).order_by()) == {
        "city": 9,
        "district": 12,
        "street": 10,
        "community": 10,
    }
    for item in Item.objects.filter(measure="indicator"):
        assert indicators.get(item.indicator) is not None, item.code
    Item.objects.filter(code="A1-01").update(title="管理员修改的标准")
    Item.objects.filter(code="A1-02").delete()
    ensure_default_catalog(sender=None)
    assert Item.objects.get(code="A1-01").title == "管理员修改的标准"
    assert Item.objects.count() == 120 and Duty.objects.count() == 41
