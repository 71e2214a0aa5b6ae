"""Recruitment pages: the pipeline (counts, overdue), the list (filters, masked export, query count),
the file page recording a step with a document, a refusal shown on the form, registration."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from grassroots.core.attachments import attachments_of
from grassroots.recruitment.models import Candidate, StepRecord
from tests.factories import add_candidate, id_number_born, png_bytes

pytestmark = pytest.mark.django_db
D = datetime.timedelta


@pytest.fixture
def files(city):
    today = timezone.localdate()
    late = add_candidate(city.branches[0], "超期申请人", today - D(days=50))
    fresh = add_candidate(city.branches[0], "新申请人", today - D(days=3))
    other = add_candidate(city.branches[2], "外街申请人", today - D(days=50))
    return late, fresh, other


def test_pipeline_counts_and_overdue(client_for, admin, files):
    late, fresh, other = files
    r = client_for(admin).get(reverse("recruitment:pipeline"))
    assert r.status_code == 200
    html = r.content.decode()
    assert f'data-due-row="{late.pk}" data-overdue' in html
    assert f'data-due-row="{fresh.pk}"' not in html  # due in 27 days: not within 14
    assert "外街申请人" not in html
    assert r.context["counts"]["stages"][0]["n"] == 2
    assert r.context["n_overdue"] == 1


def test_list_filters_and_masked_export(client_for, admin, files):
    c = client_for(admin)
    r = c.get(reverse("recruitment:list"), {"due": "overdue"})
    assert [o.name for o in r.context["object_list"]] == ["超期申请人"]
    r = c.get(reverse("recruitment:list"), {"stage": "activist"})
    assert list(r.context["object_list"]) == []
    r = c.get(reverse("recruitment:list"), {"export": "xlsx"})
    assert r.status_code == 200
    import io

    from openpyxl import load_workbook

    ws = load_workbook(io.BytesIO(r.content)).active
    rows = list(ws.values)
    id_col = rows[0].index("身份证号")
    assert all("*" in (row[id_col] or "") for row in rows[1:] if row[0] in ("超期申请人", "新申请人"))


def test_list_has_no_n_plus_one(client_for, admin, city):
    today = timezone.localdate()
    c = client_for(admin)
    add_candidate(city.branches[0], "甲", today - D(days=5))
    with CaptureQueriesContext(connection) as one:
        assert c.get(reverse("recruitment:list")).status_code == 200
    for k in range(8):
        add_candidate(city.branches[0], f"乙{k}", today - D(days=5 + k))
    with CaptureQueriesContext(connection) as many:
        assert c.get(reverse("recruitment:list")).status_code == 200
    assert len(many) <= len(one) + 1, "\n".join(q["sql"][:150] for q in many.captured_queries)
    with CaptureQueriesContext(connection) as pipe:
        assert c.get(reverse("recruitment:pipeline")).status_code == 200
    assert len(pipe) <= len(one) + 5


def test_file_page_records_a_step_with_a_document(client_for, admin, files):
    _late, fresh, _other = files
    c = client_for(admin)
    r = c.get(reverse("recruitment:detail", args=[fresh.pk]))
    assert r.status_code == 200
    assert 'data-next-step="2"' in r.content.decode()
    doc = SimpleUploadedFile("talk.png", png_bytes(), content_type="image/png")
    r = c.post(
        reverse("recruitment:record_step", args=[fresh.pk]),
        {"step": "2", "on": timezone.localdate().isoformat(), "actor": "支部书记王明", "documents": doc},
    )
    assert r.status_code == 302
    rec = StepRecord.objects.get(candidate=fresh, step=2)
    assert rec.actor == "支部书记王明"
    assert attachments_of(rec, "document").count() == 1
    r = c.get(reverse("recruitment:detail", args=[fresh.pk]))
    assert "第 2 步 党组织派人谈话" in r.content.decode()


def test_refused_step_shows_the_reason_and_changes_nothing(client_for, admin, files):
    _late, fresh, _other = files
    c = client_for(admin)
    r = c.post(
        reverse("recruitment:record_step", args=[fresh.pk]),
        {"step": "2", "on": (timezone.localdate() - D(days=30)).isoformat()},
    )
    assert r.status_code == 400
    assert "步骤日期不能早于上一步骤" in r.content.decode()
    assert StepRecord.objects.filter(candidate=fresh).count() == 1
    # A step that is not next is not even a choice of the form.
    r = c.post(reverse("recruitment:record_step", args=[fresh.pk]), {"step": "7", "on": "2020-01-01"})
    assert r.status_code == 400
    assert Candidate.objects.get(pk=fresh.pk).last_step == 1


def test_register_applicant_page(client_for, admin, branch):
    birth = datetime.date(1999, 9, 9)
    r = client_for(admin).post(
        reverse("recruitment:add"),
        {
            "party_org": branch.code,
            "name": "王新",
            "gender": "male",
            "id_number": id_number_born(birth),
            "birth_date": birth.isoformat(),
            "applied_on": timezone.localdate().isoformat(),
        },
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    c = Candidate.objects.get(name="王新")
    assert c.stage == "applicant" and c.party_org == branch
    r = client_for(admin).post(
        reverse("recruitment:add"),
        {
            "party_org": branch.code,
            "name": "少年",
            "gender": "male",
            "id_number": id_number_born(datetime.date(2012, 1, 1)),
            "birth_date": "2012-01-01",
            "applied_on": timezone.localdate().isoformat(),
        },
    )
    assert r.status_code == 400 and "MEM-AGE" in r.content.decode()


def test_party_member_sees_no_recruitment(client_for, make_user, files, city):
    user = make_user("recmember", "party_member", None)
    m = city.members[0]
    m.user = user
    m.save(update_fields=["user"])
    c = client_for(user)
    assert c.get(reverse("recruitment:pipeline")).status_code == 404
    assert c.get(reverse("recruitment:detail", args=[files[0].pk])).status_code == 404
