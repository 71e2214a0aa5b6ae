"""Case pages: scoped list with filters and export, detail with only the allowed actions, and the
signed single-use evaluation link (no login, expires, shows no personal data)."""

from __future__ import annotations

import datetime as dt
import io
from unittest import mock

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from grassroots.cases import services
from grassroots.cases.models import Case, Evaluation, EvaluationLink

pytestmark = pytest.mark.django_db
NO_PHOTO = "现场为夜间作业，无法拍照"


def test_list_is_scoped_filtered_and_exported_masked(loop, dispatched, new_case, client_for):
    mine = dispatched()
    other = new_case(loop.cat_noise, region=loop.c1)
    dept = client_for(loop.dept_a)
    body = dept.get(reverse("cases:list")).content.decode()
    assert mine.number in body and other.number not in body
    admin0 = client_for(loop.admin_c0)
    body = admin0.get(reverse("cases:list")).content.decode()
    assert mine.number in body and other.number not in body
    assert admin0.get(reverse("cases:detail", args=[other.pk])).status_code == 404
    disp = client_for(loop.dispatcher)
    body = disp.get(reverse("cases:list"), {"state": "dispatched"}).content.decode()
    assert mine.number in body and other.number not in body
    body = disp.get(reverse("cases:list"), {"deadline": "overdue"}).content.decode()
    assert mine.number not in body
    Case.objects.filter(pk=mine.pk).update(due_at=mine.dispatched_at, due_soon_at=mine.dispatched_at)
    body = disp.get(reverse("cases:list"), {"deadline": "overdue"}).content.decode()
    assert mine.number in body and "超期" in body

    def exported(client):
        resp = client.get(reverse("cases:list"), {"export": "xlsx"})
        assert resp.status_code == 200
        rows = list(load_workbook(io.BytesIO(resp.content)).active.iter_rows(values_only=True))
        return [str(v) for row in rows for v in row if v is not None]

    flat = exported(dept)  # no personal.export: masked
    assert "13812345678" not in flat and "138****5678" in flat and mine.number in flat
    assert other.number not in flat
    assert "13812345678" not in exported(disp)  # masked by default, also for the street admin
    # plaintext through the purpose form (the street admin holds personal.export over the street)
    url = reverse("core:export_unmask") + "?export_kind=cases.list&export_back=/cases/"
    assert "联系电话" in disp.get(url).content.decode()
    refused = disp.post(url, {"purpose": "核对"})
    assert refused.status_code == 400 and "至少 4 个字" in refused.content.decode()
    resp = disp.post(url, {"purpose": "核对诉求人联系方式"})
    rows = list(load_workbook(io.BytesIO(resp.content)).active.iter_rows(values_only=True))
    assert "核对诉求人联系方式" in rows[0][0] and "13812345678" in [str(v) for r in rows for v in r]
    nobody = client_for(loop.resident)
    assert nobody.get(reverse("cases:list")).status_code == 200  # residents see their own reports


def test_detail_shows_only_allowed_actions_and_acts_through_services(loop, dispatched, client_for):
    case = dispatched()
    dept = client_for(loop.dept_a)
    body = dept.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert 'data-action="accept"' in body and 'data-action="return"' in body
    assert 'data-action="resolve"' not in body and 'data-action="dispatch"' not in body
    assert "138****5678" in body and "13812345678" not in body
    resp = dept.post(
        reverse("cases:act", args=[case.pk, "resolve"]),
        {"resolve-note": "已经处理好了", "resolve-no_photo_reason": "夜间现场无法拍照"},
    )
    assert resp.status_code == 302
    case.refresh_from_db()
    assert case.state == "dispatched"  # refused: not accepted yet
    follow = dept.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "不能办结" in follow
    dept.post(reverse("cases:act", args=[case.pk, "accept"]))
    case.refresh_from_db()
    assert case.state == "accepted"
    other = client_for(loop.dept_other)
    assert (
        other.post(reverse("cases:act", args=[case.pk, "resolve"]), {"resolve-note": "越权办结"}).status_code
        == 404
    )
    case.refresh_from_db()
    assert case.state == "accepted"


def _resolved(loop, dispatched):
    case = dispatched()
    services.accept(loop.dept_a, case)
    services.resolve(loop.dept_a, case, resolution="已更换井盖", no_photo_reason=NO_PHOTO)
    return case


def test_evaluation_link_is_single_use_and_shows_no_personal_data(loop, dispatched):
    case = _resolved(loop, dispatched)
    token = services.issue_evaluation_link(case)
    url = reverse("cases:evaluate", args=[token])
    anon = Client()
    page = anon.get(url)
    body = page.content.decode()
    assert page.status_code == 200 and case.number in body
    for secret in ("张三", "13812345678", "138****5678", "云南路", case.description):
        assert secret not in body
    resp = anon.post(url, {"result": "satisfied", "comment": ""})
    assert "感谢您的评价" in resp.content.decode()
    case.refresh_from_db()
    assert case.state == "evaluated"
    again = anon.post(url, {"result": "unsatisfied", "comment": "再评一次"})
    assert again.status_code == 410 and "已使用" in again.content.decode()
    assert Evaluation.objects.filter(case=case).count() == 1


def test_evaluation_link_expires_and_rejects_tampering(loop, dispatched):
    case = _resolved(loop, dispatched)
    token = services.issue_evaluation_link(case)
    anon = Client()
    assert anon.get(reverse("cases:evaluate", args=[token[:-2] + "xx"])).status_code == 404
    later = dt.datetime.now(dt.UTC).timestamp() + services.EVALUATION_LINK_MAX_AGE + 60
    with mock.patch("django.core.signing.time.time", return_value=later):
        resp = anon.post(reverse("cases:evaluate", args=[token]), {"result": "satisfied"})
    assert resp.status_code == 410 and "过期" in resp.content.decode()
    case.refresh_from_db()
    assert case.state == "resolved" and not EvaluationLink.objects.filter(used_at__isnull=False).exists()


def test_a_link_for_an_old_round_is_dead_after_reopen(loop, dispatched):
    case = _resolved(loop, dispatched)
    old = services.issue_evaluation_link(case)
    case = services.evaluate_with_link(
        services.issue_evaluation_link(case), result="unsatisfied", comment="没修好"
    )
    assert case.state == "dispatched"
    services.accept(loop.dept_a, case)
    services.resolve(loop.dept_a, case, resolution="重新施工完成", no_photo_reason=NO_PHOTO)
    resp = Client().post(reverse("cases:evaluate", args=[old]), {"result": "satisfied"})
    assert resp.status_code == 410
    case.refresh_from_db()
    assert case.state == "resolved"
