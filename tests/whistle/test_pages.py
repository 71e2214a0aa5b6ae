"""Whistle pages: list (search, filters, export, query count), form, detail actions, inbox, ranking."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from grassroots.core.attachments import attachments_of
from grassroots.whistle.models import Assessment, Summons, Target
from tests.factories import png_bytes

pytestmark = pytest.mark.django_db


def test_list_search_filters_and_overdue_flag(wh, summons_for, client_for):
    s1 = summons_for()
    s2 = summons_for(subject="违建拆除协调", urgency="urgent")
    Target.objects.filter(summons=s2).update(due_at=timezone.now() - datetime.timedelta(hours=1))
    c = client_for(wh.street_admin)
    r = c.get(reverse("whistle:list"))
    assert r.status_code == 200 and s1.number in r.text and s2.number in r.text
    r = c.get(reverse("whistle:list"), {"q": "违建"})
    assert s2.number in r.text and s1.number not in r.text
    r = c.get(reverse("whistle:list"), {"flag": "overdue"})
    assert s2.number in r.text and s1.number not in r.text and "超时 2" in r.text
    r = c.get(reverse("whistle:list"), {"urgency": "normal"})
    assert s1.number in r.text and s2.number not in r.text
    r = c.get(reverse("whistle:list"), {"q": "不存在的事由"})
    assert "没有符合条件的记录" in r.text
    # another street sees none of it
    r = client_for(wh.street2_admin).get(reverse("whistle:list"))
    assert s1.number not in r.text and "暂无吹哨报到" in r.text


def test_list_queries_do_not_grow_with_rows(wh, summons_for, client_for, django_assert_max_num_queries):
    for i in range(12):
        summons_for(subject=f"事项{i:02d}号", handlers=[wh.dept, wh.dept2, wh.dept3])
    c = client_for(wh.street_admin)
    c.get(reverse("whistle:list"))
    with django_assert_max_num_queries(12):
        r = c.get(reverse("whistle:list"))
    assert r.text.count("data-row") == 12


def test_list_export(wh, summons_for, client_for):
    summons_for()
    r = client_for(wh.street_admin).get(reverse("whistle:list"), {"export": "xlsx"})
    assert r.status_code == 200
    ws = load_workbook(io.BytesIO(r.content)).active
    rows = list(ws.values)
    assert rows[0][0] == "编号" and len(rows) == 2 and rows[1][6] == 2  # two departments summoned


def test_create_form_summons_and_refuses_bad_input(wh, client_for):
    c = client_for(wh.street_admin)
    r = c.get(reverse("whistle:create"))
    assert r.status_code == 200 and wh.street.name in r.text and wh.c2.name not in r.text
    bad = {
        "region": wh.street.code,
        "subject": "占道",
        "description": "短",
        "urgency": "normal",
        "requested_mode": "any",
        "handlers": [wh.dept.pk],
    }
    r = c.post(reverse("whistle:create"), bad)
    assert r.status_code == 200 and "情况说明" in r.text and Summons.objects.count() == 0
    ok = {**bad, "description": "街口早市占道经营，影响通行", "handlers": [wh.dept.pk, wh.dept2.pk]}
    r = c.post(reverse("whistle:create"), ok)
    s = Summons.objects.get()
    assert r.status_code == 302 and r["Location"] == reverse("whistle:detail", args=[s.pk])
    assert s.targets.count() == 2 and s.created_by == wh.street_admin
    # a department can't open the form
    assert client_for(wh.member_a).get(reverse("whistle:create")).status_code == 404


def test_detail_shows_only_allowed_actions_and_department_responds(wh, summons_for, client_for):
    s = summons_for(handlers=[wh.dept])
    t = s.targets.get()
    admin = client_for(wh.street_admin)
    r = admin.get(reverse("whistle:detail", args=[s.pk]))
    assert 'data-action="escalate"' in r.text and 'data-action="close"' in r.text
    assert 'data-action="answer"' not in r.text and "data-checkin" not in r.text
    dept = client_for(wh.member_a)
    r = dept.get(reverse("whistle:detail", args=[s.pk]))
    assert "data-checkin" in r.text and 'data-action="close"' not in r.text
    url = reverse("whistle:target_act", args=[s.pk, t.pk, "check_in"])
    r = dept.post(url, {f"c{t.pk}-mode": "online", f"c{t.pk}-note": "线上已对接"}, follow=True)
    assert "已报到" in r.text
    t.refresh_from_db()
    assert t.state == "checked_in" and t.checkin_mode == "online"
    url = reverse("whistle:target_act", args=[s.pk, t.pk, "report"])
    photo = SimpleUploadedFile("site.png", png_bytes(), content_type="image/png")
    r = dept.post(url, {f"r{t.pk}-text": "摊位已规范到指定区域", f"r{t.pk}-photos": [photo]}, follow=True)
    assert "已反馈" in r.text, [str(m) for m in r.context["messages"]]
    t.refresh_from_db()
    assert t.state == "reported" and attachments_of(t, "report").count() == 1
    a = attachments_of(t, "report").get()
    assert admin.get(reverse("core:attachment", args=[a.pk])).status_code == 200
    assert client_for(wh.street2_admin).get(reverse("core:attachment", args=[a.pk])).status_code == 404
    # the timeline shows every step
    r = admin.get(reverse("whistle:detail", args=[s.pk]))
    for label in ("吹哨", "报到", "反馈"):
        assert label in r.text
    # the street closes it through the page
    r = admin.post(reverse("whistle:act", args=[s.pk, "close"]), {"close-reason": "部门已反馈，事项办结"})
    s.refresh_from_db()
    assert s.state == "closed"


def test_out_of_scope_detail_is_404(wh, summons_for, client_for):
    s = summons_for(handlers=[wh.dept])
    assert client_for(wh.street2_admin).get(reverse("whistle:detail", args=[s.pk])).status_code == 404
    assert client_for(wh.member_other).get(reverse("whistle:detail", args=[s.pk])).status_code == 404
    r = client_for(wh.street2_admin).post(
        reverse("whistle:act", args=[s.pk, "cancel"]), {"cancel-reason": "试图撤销他人事项"}
    )
    assert r.status_code == 404
    s.refresh_from_db()
    assert s.state == "open"


def test_inbox_on_a_phone_lists_pending_check_ins(wh, summons_for, client_for):
    s = summons_for(handlers=[wh.dept], urgency="urgent")
    summons_for(handlers=[wh.dept2], subject="与本部门无关的事项")
    c = client_for(wh.member_a)
    r = c.get(reverse("whistle:inbox"))
    assert r.status_code == 200 and s.subject in r.text and "无关" not in r.text and "紧急" in r.text
    t = s.targets.get()
    r = c.post(
        reverse("whistle:target_act", args=[s.pk, t.pk, "check_in"]),
        {f"c{t.pk}-mode": "onsite", f"c{t.pk}-lng": "120.31", f"c{t.pk}-lat": "36.06", "next": "inbox"},
    )
    assert r.status_code == 302 and r["Location"] == reverse("whistle:inbox")
    assert Target.objects.get(pk=t.pk).state == "checked_in"
    assert client_for(wh.street_admin).get(reverse("whistle:inbox")).status_code == 404


def test_ranking_page_assessment_and_export(wh, summons_for, client_for):
    s = summons_for(handlers=[wh.dept, wh.dept2])
    from grassroots.whistle import services

    services.check_in(wh.member_a, s, s.targets.get(handler=wh.dept), mode="online")
    period = f"{timezone.localdate().year}"
    c = client_for(wh.street_admin)
    r = c.get(reverse("whistle:ranking"), {"street": wh.street.code, "period": period})
    assert r.status_code == 200 and "区城市管理局" in r.text and "data-checkin-rate" in r.text
    r = c.post(
        reverse("whistle:assess"),
        {
            "street": wh.street.code,
            "period": period,
            "handler": wh.dept2.pk,
            "score": "88.5",
            "comment": "配合积极",
        },
    )
    assert r.status_code == 302
    a = Assessment.objects.get()
    assert float(a.score) == 88.5 and a.period == period and a.region == wh.street
    r = c.post(
        reverse("whistle:assess"),
        {"street": wh.street.code, "period": period, "handler": wh.dept2.pk, "score": "120"},
        follow=True,
    )
    assert Assessment.objects.get().score == a.score  # refused, unchanged
    r = c.get(reverse("whistle:ranking"), {"street": wh.street.code, "period": period, "export": "xlsx"})
    rows = list(load_workbook(io.BytesIO(r.content)).active.values)
    assert rows[0][1] == "部门" and {rows[1][1], rows[2][1]} == {"区城市管理局", "区住房和城乡建设局"}
    r = c.get(reverse("whistle:ranking"), {"street": wh.street.code, "period": "2026-13"})
    assert "月份" in r.text
