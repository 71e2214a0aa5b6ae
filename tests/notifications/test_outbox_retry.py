"""Failed SMS / WeChat sends: retried with exponential backoff by the periodic job, failed for good
after OUTBOX_MAX_ATTEMPTS, listed for administrators in their scope, who can send them again (audited)."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from grassroots.core import schedule
from grassroots.core.masking import mask_phone
from grassroots.core.models import AuditEvent
from grassroots.notifications import senders
from grassroots.notifications.models import OutboxMessage
from grassroots.notifications.services import notify

pytestmark = pytest.mark.django_db
FAILING = {"sms": "tests.notifications.test_outbox_retry.failing_sender"}


def failing_sender(message):
    raise RuntimeError("短信网关超时")


@pytest.fixture
def alice(make_user, city):
    return make_user("alice", "grid_worker", city.communities[0])


def later(minutes):
    return timezone.now() + datetime.timedelta(minutes=minutes, seconds=1)


def test_failed_sends_back_off_exponentially_then_fail_for_good(alice, settings):
    settings.GRASSROOTS_SENDERS = FAILING
    settings.OUTBOX_MAX_ATTEMPTS = 4
    settings.OUTBOX_RETRY_SECONDS = 60
    (n,) = notify(alice, kind="cases.dispatched", title="新工单", channels=("sms",))
    msg = n.outbox.get()
    senders.deliver([msg.pk])
    msg.refresh_from_db()
    assert (msg.state, msg.attempts, msg.error) == ("pending", 1, "短信网关超时")
    assert 59 <= (msg.next_attempt_at - timezone.now()).total_seconds() <= 61
    assert senders.retry_due() == 0 and OutboxMessage.objects.get().attempts == 1  # not due yet
    gaps = []
    for _ in range(3):
        due = OutboxMessage.objects.get().next_attempt_at
        attempted = timezone.now()
        senders.retry_due(now=due)  # as if the periodic job ran when the message was due
        msg.refresh_from_db()
        if msg.next_attempt_at:
            gaps.append(round((msg.next_attempt_at - attempted).total_seconds() / 60))
    assert gaps == [2, 4]  # then the fourth attempt fails for good
    assert (msg.state, msg.attempts, msg.next_attempt_at) == ("failed", 4, None) and msg.failed_at
    assert senders.retry_due(now=later(999)) == 0 and OutboxMessage.objects.get().attempts == 4


def test_a_pending_message_whose_delivery_task_was_lost_is_sent(alice):
    (n,) = notify(alice, kind="cases.dispatched", title="新工单", channels=("sms",))
    OutboxMessage.objects.update(created_at=timezone.now() - datetime.timedelta(minutes=10))
    assert senders.retry_due() == 1
    assert OutboxMessage.objects.get().state == "sent"


def test_retry_job_is_registered_every_minute():
    job = schedule.JOBS["notifications.retry_outbox"]
    assert job.every == datetime.timedelta(minutes=1)
    assert job.task == "grassroots.notifications.tasks.retry_outbox"


def _failed(user, title="新工单"):
    (n,) = notify(user, kind="cases.dispatched", title=title, channels=("sms",))
    OutboxMessage.objects.filter(notification=n).update(
        state="failed", attempts=5, error="短信网关超时", failed_at=timezone.now(), to="13900001234"
    )
    return n.outbox.get()


def test_administrators_see_failed_messages_in_their_scope_and_resend_them(
    make_user, city, client_for, django_capture_on_commit_callbacks
):
    here = make_user("here", "grid_worker", city.communities[0])
    there = make_user("there", "grid_worker", city.streets[1])
    mine, theirs = _failed(here, "本街道工单"), _failed(there, "外街道工单")
    admin = make_user("stadm", "street_admin", city.streets[0])
    client = client_for(admin)
    page = client.get("/notifications/outbox/failed/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "本街道工单" in html and "外街道工单" not in html and "短信网关超时" in html
    assert "13900001234" not in html and mask_phone("13900001234") in html  # addresses are masked
    assert "外街道工单" not in client.get("/notifications/outbox/failed/?channel=sms").content.decode()
    assert "本街道工单" not in client.get("/notifications/outbox/failed/?channel=wechat").content.decode()
    assert client.post("/notifications/outbox/retry/", {"ids": [theirs.pk]}).status_code == 404
    assert OutboxMessage.objects.get(pk=theirs.pk).state == "failed"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/notifications/outbox/retry/", {"ids": [mine.pk]})
    assert response.status_code == 302
    mine.refresh_from_db()
    assert (mine.state, mine.attempts, mine.failed_at) == ("pending", 0, None)
    assert DBTaskResult.objects.filter(task_path="grassroots.notifications.tasks.deliver_outbox").count() == 1
    event = AuditEvent.objects.get(model="notifications.outboxmessage")
    assert event.actor_id == admin.pk and event.changes["ids"] == [None, [mine.pk]]
    # Nothing selected: a message, nothing changed.
    response = client.post("/notifications/outbox/retry/", {}, follow=True)
    assert "请选择要重发的消息" in response.content.decode()


def test_the_failed_list_is_for_administrators_only(make_user, city, client_for):
    worker = make_user("gw", "grid_worker", city.communities[0])
    _failed(worker)
    assert client_for(worker).get("/notifications/outbox/failed/").status_code == 404
    assert client_for(worker).post("/notifications/outbox/retry/", {"ids": ["1"]}).status_code == 404
