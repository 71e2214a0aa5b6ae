"""Intake answers after one short transaction: the resident's receipt (inbox rows, text message) is a
background task queued after commit, and it does happen when the worker runs it; nothing is queued
when the transaction rolls back; the submit request (H5 and API) stays within a query budget, with a
handful of writes in its one transaction, and the API answers from the case in memory."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from grassroots.accounts.models import SmsOutbox
from grassroots.cases import services
from grassroots.cases.models import Case, Channel
from grassroots.notifications.models import Notification

pytestmark = pytest.mark.django_db
PHONE = "13912345678"
TASK = "grassroots.cases.tasks.tell_reporter"


def _form(community, **kw):
    return {
        "description": "小区门口垃圾堆放好几天了没人清运",
        "reporter_phone": PHONE,
        "community": community.pk,
        **kw,
    }


def _run_queued() -> list:
    """What the task worker does: run every queued receipt task."""
    out = []
    for row in DBTaskResult.objects.filter(task_path=TASK).order_by("enqueued_at"):
        out.append(row.task.call(*row.args_kwargs["args"], **row.args_kwargs["kwargs"]))
    return out


def _writes_in_transaction(queries: list[dict]) -> list[str]:
    """INSERT/UPDATE/DELETE statements between the first (save)point opened and its release."""
    sql = [q["sql"] for q in queries]
    start = next(i for i, s in enumerate(sql) if s.startswith(("SAVEPOINT", "BEGIN")))
    name = sql[start].split()[-1]
    end = next(
        i for i, s in enumerate(sql) if i > start and (s == "COMMIT" or s.endswith(f"SAVEPOINT {name}"))
    )
    return [s for s in sql[start:end] if s.split()[0] in ("INSERT", "UPDATE", "DELETE")]


def test_h5_receipt_is_queued_after_commit_and_sent_by_the_task(loop, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        resp = Client().post(reverse("cases:report"), _form(loop.c0))
    assert resp.status_code == 302
    case = Case.objects.get()
    # the resident's answer did not wait for the receipt
    assert not SmsOutbox.objects.exists()
    [queued] = DBTaskResult.objects.filter(task_path=TASK)
    assert queued.args_kwargs["args"][:2] == [case.pk, "cases.received"]
    # the worker sends it: the text message with the number and the tracking link
    with django_capture_on_commit_callbacks(execute=True):  # the task's own commit sends the text
        assert _run_queued() == [True]
    [text] = SmsOutbox.objects.filter(phone=PHONE).values_list("body", flat=True)
    assert "已受理" in text and case.number in text
    assert f"/cases/track/{services.tracking_token(case)}/" in text


def test_signed_in_reporter_gets_the_inbox_row_from_the_task(loop, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        case = services.submit(
            loop.resident, channel=Channel.H5, region=loop.c0, description="楼道灯坏了很多天了"
        )
    assert not Notification.objects.filter(kind="cases.received").exists()
    _run_queued()
    row = Notification.objects.get(kind="cases.received")
    assert row.user == loop.resident and case.number in row.title and row.url.startswith("/cases/track/")


def test_nothing_is_queued_when_the_transaction_rolls_back(loop, django_capture_on_commit_callbacks):
    from django.contrib.auth.models import AnonymousUser

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        services.submit(
            AnonymousUser(),
            channel=Channel.H5,
            region=loop.c0,
            description="井盖缺失很危险",
            reporter_phone=PHONE,
        )
        raise RuntimeError
    assert not DBTaskResult.objects.filter(task_path=TASK).exists()


def test_task_for_a_case_deleted_meanwhile_does_nothing(loop, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        Client().post(reverse("cases:report"), _form(loop.c0))
    Case.objects.all().delete()
    assert _run_queued() == [False]
    assert not SmsOutbox.objects.exists()


def test_h5_submit_is_one_short_transaction(loop, django_assert_max_num_queries):
    c = Client()
    c.get(reverse("cases:report"))  # session and CSRF as a resident's phone has them
    with CaptureQueriesContext(connection) as ctx, django_assert_max_num_queries(22):
        resp = c.post(reverse("cases:report"), _form(loop.c0))
    assert resp.status_code == 302
    writes = _writes_in_transaction(ctx.captured_queries)
    # the case, its number, its submit event and its audit row: nothing else waits in the transaction
    assert len(writes) == 4, writes
    assert not any("notifications_" in w or "accounts_smsoutbox" in w for w in writes)
    # the form is validated against the chosen community only, not every community of the city
    region_reads = [q["sql"] for q in ctx.captured_queries if 'FROM "regions_region"' in q["sql"]]
    assert len(region_reads) <= 2, region_reads


def test_refused_h5_form_is_shown_again_with_every_community(loop):
    resp = Client().post(reverse("cases:report"), _form(loop.c0, reporter_phone="12345"))
    assert resp.status_code == 400
    page = resp.content.decode()
    assert "联系电话格式不正确" in page
    assert f'value="{loop.c1.pk}"' in page and loop.c1.name in page  # not only the chosen one


def test_api_submit_answers_from_memory_within_budget(
    loop, make_user, token_for, django_assert_max_num_queries
):
    token = token_for(make_user("gw_api", "grid_worker", loop.c0))
    body = {"channel": "patrol", "community": loop.c0.code, "description": "小区门口路灯不亮，夜间出行不便"}
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    Client().get("/api/v1/accounts/me", **auth)
    with CaptureQueriesContext(connection) as ctx, django_assert_max_num_queries(14):
        resp = Client().post("/api/v1/cases/", body, content_type="application/json", **auth)
    assert resp.status_code == 201, resp.content
    data = resp.json()
    case = Case.objects.get()
    assert data["number"] == case.number and data["state"] == "submitted"
    assert [e["step"] for e in data["events"]] == ["submit"] and data["community_code"] == loop.c0.code
    # no read-back of the case or its events after the commit
    sql = [q["sql"] for q in ctx.captured_queries]
    commit = max(i for i, s in enumerate(sql) if s == "COMMIT" or s.startswith("RELEASE SAVEPOINT"))
    assert not any('FROM "cases_case"' in s or 'FROM "cases_caseevent"' in s for s in sql[commit:])
