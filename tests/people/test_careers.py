"""Careers of community workers: GOV-10 (grades within the post's range, pay at least the scale,
qualified social workers per community), promotion eligibility, pay scale import, roster filters."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook

from grassroots.core.errors import ServiceError
from grassroots.core.importing import importer_for
from grassroots.core.models import AuditEvent
from grassroots.people import careers
from grassroots.people.models import GradeChange, PayScale, TrainingRecord, Worker
from grassroots.standards.checks import Checker
from grassroots.standards.models import Rule

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def _scale(city, post="staff", grade=15, amount=5000, year=None):
    return PayScale.objects.create(
        region=city.city, year=year or TODAY.year, post=post, grade=grade, monthly=amount
    )


def _gov10(user, within=None):
    return Checker(user, within=within, rules=Rule.objects.filter(code="GOV-10")).run()


def _qualify(workers, n):
    for w in workers[:n]:
        w.qualification, w.qualified_on = "assistant", TODAY - datetime.timedelta(days=400)
        w.save()


def _staff(community, k, **kw):
    return Worker.objects.create(
        code=f"W{community.code}-{k}", name=f"社工{k}", region=community, post="staff", grade=15, **kw
    )


# ---- GOV-10 ------------------------------------------------------------------------------------


def test_gov10_meets_when_grades_pay_and_qualified_count_are_right(city, city_admin):
    c0 = city.communities[0]
    _scale(city, amount=5000)
    workers = [city.workers[0]] + [_staff(c0, k) for k in range(2)]
    _qualify(workers, 3)
    Worker.objects.filter(region=c0).update(monthly_pay=Decimal("5000"))
    findings = [f for f in _gov10(city_admin, within=c0)]
    assert findings == []


def test_gov10_flags_grade_out_of_range_pay_below_scale_and_few_qualified(city, city_admin):
    c0 = city.communities[0]
    _scale(city, amount=5000)
    w = city.workers[0]
    w.monthly_pay = Decimal("4800")
    w.save()
    head = Worker.objects.create(code="WH", name="书记", region=c0, post="head", grade=9, monthly_pay=9000)
    _qualify([w, head], 2)
    findings = _gov10(city_admin, within=c0)
    by_obj = {(f.object_type, f.pk): f for f in findings}
    assert "超出岗位等级范围 1–6 级" in by_obj[("worker", head.pk)].message
    pay = [f for f in findings if f.pk == w.pk and f.object_type == "worker"]
    assert pay and "低于" in pay[0].message and "5000" in pay[0].message
    community = by_obj[("community", c0.pk)]
    assert community.severity == "warning" and "持证社会工作者 2 人，少于 3 人" in community.message
    assert community.url == reverse("people:career_community", args=[c0.code])


def test_gov10_target_is_a_rule_parameter(city, city_admin):
    c0 = city.communities[0]
    _qualify([city.workers[0]], 1)
    rule = Rule.objects.get(code="GOV-10")
    rule.params = {**rule.params, "min_qualified_per_community": 1}
    rule.save()
    assert not [f for f in _gov10(city_admin, within=c0) if f.object_type == "community"]
    rule.params = {**rule.params, "min_qualified_per_community": 2}
    rule.save()
    assert [f for f in _gov10(city_admin, within=c0) if f.object_type == "community"]


def test_gov10_is_scoped_to_the_user(city, c0_admin):
    findings = _gov10(c0_admin)
    assert {f.region_path[: len(city.communities[0].path)] for f in findings} == {city.communities[0].path}


def test_career_summary_page_shows_target_and_findings(city, c0_admin, client):
    client.force_login(c0_admin)
    r = client.get(reverse("people:careers"))
    assert r.status_code == 200
    html = r.content.decode()
    assert f'data-community="{city.communities[0].code}"' in html
    assert city.communities[2].code not in html  # another street
    assert "差 3 人" in html


# ---- promotion ---------------------------------------------------------------------------------


def _ready(worker, years=3):
    worker.hired_on = TODAY - datetime.timedelta(days=365 * years + 5)
    worker.save()
    return worker


def test_promotion_allowed_after_years_in_grade_with_passing_assessment(city, c0_admin):
    w = _ready(city.workers[0])
    change = careers.promote(c0_admin, w, to_grade=14, reason="annual", assessment="competent")
    w.refresh_from_db()
    assert w.grade == 14 and change.from_grade == 15 and change.to_grade == 14
    assert AuditEvent.objects.filter(model="people.gradechange", object_id=str(change.pk)).exists()
    assert AuditEvent.objects.filter(model="people.worker", object_id=str(w.pk), action="update").exists()


@pytest.mark.parametrize(
    "kwargs, years, message",
    [
        ({"to_grade": 14, "assessment": "basic"}, 3, "须为称职或优秀"),
        ({"to_grade": 14, "assessment": "competent"}, 1, "任职不满 2 年"),
        ({"to_grade": 13, "assessment": "excellent"}, 3, "每次只能晋升一级"),
        ({"to_grade": 12, "assessment": "excellent", "reason": "post_change"}, 3, "等级范围是 13–18 级"),
        ({"to_grade": 16, "assessment": "competent", "reason": "demotion"}, 3, "只有年度考核不称职才能降级"),
    ],
)
def test_promotion_refused_with_a_chinese_reason_and_nothing_changed(city, c0_admin, kwargs, years, message):
    w = _ready(city.workers[0], years)
    kwargs = {"reason": "annual", **kwargs}
    with pytest.raises(ServiceError) as exc:
        careers.promote(c0_admin, w, **kwargs)
    assert message in exc.value.message
    w.refresh_from_db()
    assert w.grade == 15 and not GradeChange.objects.filter(worker=w).exists()


def test_years_in_grade_count_from_the_last_change(city, c0_admin):
    w = _ready(city.workers[0], 5)
    careers.promote(c0_admin, w, to_grade=14, assessment="competent")
    with pytest.raises(ServiceError, match="任职不满"):
        careers.promote(c0_admin, w, to_grade=13, assessment="excellent")


def test_promotion_out_of_scope_is_not_found(city, c0_admin):
    other = _ready(city.workers[2])
    with pytest.raises(ServiceError) as exc:
        careers.promote(c0_admin, other, to_grade=14, assessment="competent")
    assert exc.value.status == 404


def test_promote_page_refuses_with_message(city, c0_admin, client):
    w = _ready(city.workers[0], 1)
    client.force_login(c0_admin)
    url = reverse("people:worker_promote", args=[w.pk])
    data = {
        "reason": "annual",
        "to_post": "staff",
        "to_grade": 14,
        "assessment": "competent",
        "effective_on": TODAY,
    }
    r = client.post(url, data)
    assert r.status_code == 400 and "任职不满 2 年" in r.content.decode()
    _ready(w, 3)
    r = client.post(url, data)
    assert r.status_code == 302
    page = client.get(reverse("people:worker_detail", args=[w.pk])).content.decode()
    assert "15 → 14 级" in page and "年度晋级" in page


def test_training_record_with_certificate(city, c0_admin, client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.factories import png_bytes

    w = city.workers[0]
    client.force_login(c0_admin)
    r = client.post(
        reverse("people:worker_training", args=[w.pk]),
        {
            "course": "社会工作者职业资格考前辅导",
            "held_on": TODAY,
            "hours": "16",
            "files": [SimpleUploadedFile("cert.png", png_bytes(), content_type="image/png")],
        },
    )
    assert r.status_code == 302
    t = TrainingRecord.objects.get(worker=w)
    assert t.hours == Decimal("16")
    page = client.get(reverse("people:worker_detail", args=[w.pk])).content.decode()
    assert "考前辅导" in page and "证书" in page
    r = client.post(
        reverse("people:worker_training", args=[w.pk]), {"course": "x", "held_on": TODAY, "hours": "0"}
    )
    assert r.status_code == 400 and TrainingRecord.objects.count() == 1


# ---- pay scale import --------------------------------------------------------------------------


def _sheet(tmp_path, rows):
    wb = Workbook()
    ws = wb.active
    ws.append(["市编码", "年度", "岗位", "等级", "月薪标准（元）"])
    for row in rows:
        ws.append(row)
    path = tmp_path / "scale.xlsx"
    wb.save(path)
    return path


def test_pay_scale_import_creates_rows(city, city_admin, tmp_path):
    path = _sheet(
        tmp_path,
        [
            [city.city.code, 2026, "社区专职工作者", 15, 5200],
            [city.city.code, 2026, "正职（书记、主任）", 3, 8100.5],
        ],
    )
    plan = importer_for("pay_scales", city_admin).commit(path)
    assert plan.ok and PayScale.objects.count() == 2
    assert PayScale.objects.get(post="head", grade=3).monthly == Decimal("8100.50")


def test_pay_scale_import_reports_every_error_by_row_and_column(city, city_admin, tmp_path):
    code = city.city.code
    path = _sheet(
        tmp_path,
        [
            [code, 2026, "社区专职工作者", 19, 5200],  # bad grade
            [code, 2026, "社区专职工作者", 15, 5200],
            [code, 2026, "社区专职工作者", 15, 5300],  # duplicate of row 3
            [code, 2026, "社区专职工作者", 16, None],  # missing amount
            [city.district.code, 2026, "社区专职工作者", 17, 5000],  # not a city
        ],
    )
    plan = importer_for("pay_scales", city_admin).plan(path)
    errors = {(e.row, e.col): e.message for e in plan.errors}
    assert "不能大于 18" in errors[(2, "D")]
    assert "与第 3 行重复" in errors[(4, "A")]
    assert errors[(5, "E")] == "必填"
    row6 = [e.message for e in plan.errors if (e.row, e.col) == (6, "A")]
    assert row6 and all("市" in m for m in row6)
    assert not plan.ok
    assert not importer_for("pay_scales", city_admin).commit(path).ok  # nothing written from a bad file
    assert PayScale.objects.count() == 0


def test_pay_scale_import_refused_below_the_city(city, c0_admin, tmp_path):
    path = _sheet(tmp_path, [[city.city.code, 2026, "社区专职工作者", 15, 5200]])
    plan = importer_for("pay_scales", c0_admin).plan(path)
    assert not plan.ok and "管辖范围" in plan.errors[0].message


# ---- roster --------------------------------------------------------------------------------------


def test_roster_filters_by_qualification_education_and_age(city, c0_admin, client):
    c0 = city.communities[0]
    young = _staff(c0, 1, birth_date=TODAY - datetime.timedelta(days=365 * 25), education="bachelor")
    old = _staff(c0, 2, birth_date=TODAY - datetime.timedelta(days=365 * 55 + 20), education="junior_college")
    _qualify([old], 1)
    client.force_login(c0_admin)
    url = reverse("people:workers")

    def names(**q):
        r = client.get(url, q)
        assert r.status_code == 200
        return {w.pk for w in r.context["object_list"]}

    def refused(**q):
        r = client.get(url, q)
        assert r.status_code == 400 and not r.context["object_list"]
        return r.content.decode()

    assert names(age="u30") == {young.pk}
    assert names(age="50p") == {old.pk}
    assert names(qualification="any") == {old.pk}
    assert names(qualification="assistant", education="junior_college") == {old.pk}
    assert names(education="bachelor") == {young.pk}
    assert "年龄“bogus”不在可选范围内" in refused(age="bogus")


def test_roster_query_count_does_not_grow_with_rows(city, c0_admin, client):
    c0 = city.communities[0]
    client.force_login(c0_admin)
    url = reverse("people:workers")
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for k in range(10):
        _staff(c0, 100 + k)
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(few)


def test_roster_export_masks_phones(city, c0_admin, client):
    import io

    from openpyxl import load_workbook

    client.force_login(c0_admin)
    r = client.get(reverse("people:workers"), {"export": "xlsx"})
    assert r.status_code == 200
    ws = load_workbook(io.BytesIO(r.content)).active
    headers = [c.value for c in ws[1]]
    assert "社会工作者职业资格" in headers and "出生日期" in headers
    phone = ws.cell(row=2, column=headers.index("手机号") + 1).value
    assert "*" in phone
