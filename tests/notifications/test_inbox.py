"""notify(), the inbox page and API, delivery through pluggable senders, the daily digest and the
periodic-job scheduler."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from grassroots.core import schedule
from grassroots.notifications import senders
from grassroots.notifications.models import Notification, OutboxMessage
from grassroots.notifications.services import mark_all_read, notify, send_daily_digest

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(make_user, city):
    return make_user("alice", "community_admin", city.communities[0]), make_user(
        "bob", "grid_worker", city.communities[0]
    )


def test_notify_writes_one_row_per_distinct_active_user_and_outbox_per_channel(
    people, django_capture_on_commit_callbacks
):
    alice, bob = people
    bob.is_active = False
    bob.save()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        rows = notify(
            [alice, alice, bob, None],
            kind="cases.dispatched",
            title="新工单待签收",
            url="/cases/1/",
            channels=("sms",),
        )
    assert [n.user for n in rows] == [alice]
    assert Notification.objects.filter(user=alice, kind="cases.dispatched", read_at__isnull=True).count() == 1
    assert OutboxMessage.objects.filter(notification__user=alice, channel="sms", state="pending").count() == 1
    assert len(callbacks) == 1  # delivery is enqueued after commit, never inside the transaction
    assert notify([], kind="x.y", title="无人") == []


def test_deliver_marks_sent_and_retries_failures_until_the_limit(people, settings):
    alice, _ = people
    (n,) = notify(alice, kind="cases.dispatched", title="新工单", channels=("sms", "wechat"))
    sms, wechat = n.outbox.get(channel="sms"), n.outbox.get(channel="wechat")
    settings.GRASSROOTS_SENDERS = {"wechat": "tests.notifications.test_inbox.failing_sender"}
    assert senders.deliver([sms.pk, wechat.pk]) == 1
    sms.refresh_from_db()
    wechat.refresh_from_db()
    assert sms.state == "sent" and sms.sent_at is not None
    assert wechat.state == "pending" and wechat.attempts == 1 and "网关不可用" in wechat.error
    for _ in range(senders.MAX_ATTEMPTS - 1):
        senders.deliver([wechat.pk])
    wechat.refresh_from_db()
    assert wechat.state == "failed" and wechat.attempts == senders.MAX_ATTEMPTS
    assert senders.deliver([sms.pk, wechat.pk]) == 0  # nothing pending any more


def failing_sender(message):
    raise RuntimeError("网关不可用")


def test_digest_goes_only_to_users_with_unread_messages_and_not_twice(people):
    alice, bob = people
    notify(alice, kind="cases.dispatched", title="工单一")
    notify(alice, kind="cases.dispatched", title="工单二")
    notify(alice, kind="orglife.reminder", title="明天主题党日")
    notify(bob, kind="cases.dispatched", title="已读的")
    mark_all_read(bob)
    assert send_daily_digest() == 1
    digest = Notification.objects.get(user=alice, kind="notifications.digest")
    assert digest.title == "您有 3 条未读消息"
    assert "诉求办理 2 条" in digest.body and "组织生活 1 条" in digest.body
    assert digest.outbox.get().channel == "sms"
    assert not Notification.objects.filter(user=bob, kind="notifications.digest").exists()
    assert send_daily_digest() == 0  # summarised rows are not summarised again


def test_inbox_page_shows_only_own_messages_and_opening_marks_read(people):
    alice, bob = people
    (mine,) = notify(alice, kind="cases.dispatched", title="给爱丽丝的工单", url="/cases/")
    (theirs,) = notify(bob, kind="cases.dispatched", title="给鲍勃的工单")
    client = Client()
    client.force_login(alice)
    page = client.get("/notifications/").content.decode()
    assert "给爱丽丝的工单" in page and "给鲍勃的工单" not in page
    assert "data-unread-badge>1<" in page
    assert client.post(f"/notifications/{theirs.pk}/open/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None
    response = client.post(f"/notifications/{mine.pk}/open/")
    assert response.status_code == 302 and response["Location"] == "/cases/"
    mine.refresh_from_db()
    assert mine.read_at is not None
    assert "没有未读消息" in client.get("/notifications/").content.decode()
    assert "给爱丽丝的工单" in client.get("/notifications/?show=all").content.decode()


def test_open_never_redirects_off_site(people):
    alice, _ = people
    (n,) = notify(alice, kind="cases.dispatched", title="外链", url="https://evil.example/")
    client = Client()
    client.force_login(alice)
    assert client.post(f"/notifications/{n.pk}/open/")["Location"] == "/notifications/"


def test_inbox_api_is_own_only(people, token_for):
    alice, bob = people
    (mine,) = notify(alice, kind="cases.dispatched", title="工单")
    (theirs,) = notify(bob, kind="cases.dispatched", title="别人的")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token_for(alice)}"}
    client = Client()
    body = client.get("/api/v1/notifications/?unread=true", **auth).json()
    assert [n["title"] for n in body["items"]] == ["工单"]
    assert client.get("/api/v1/notifications/unread", **auth).json() == {"unread": 1}
    assert client.post(f"/api/v1/notifications/{theirs.pk}/read", **auth).status_code == 404
    r = client.post(f"/api/v1/notifications/{mine.pk}/read", **auth)
    assert r.status_code == 200 and r.json()["read_at"] is not None
    assert client.get("/api/v1/notifications/unread", **auth).json() == {"unread": 0}
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_inbox_paginates(people):
    alice, _ = people
    for i in range(25):
        notify(alice, kind="cases.dispatched", title=f"工单{i}")
    client = Client()
    client.force_login(alice)
    first = client.get("/notifications/").content.decode()
    assert "共 25 条" in first and "第 1 / 2 页" in first
    assert "工单0" in client.get("/notifications/?show=unread&page=2").content.decode()


# --------------------------------------------------------------------------------------- scheduler


def test_periodic_slots():
    daily = schedule.Periodic("t.daily", "x.y", at="08:00")
    tz = timezone.get_current_timezone()
    early = datetime.datetime(2026, 11, 23, 7, 59, tzinfo=tz)
    late = datetime.datetime(2026, 11, 23, 9, 30, tzinfo=tz)
    assert daily.slot_start(early) is None
    assert daily.slot_start(late) == datetime.datetime(2026, 11, 23, 8, 0, tzinfo=tz)
    every = schedule.Periodic("t.every", "x.y", every=datetime.timedelta(minutes=15))
    assert every.slot_start(late) == datetime.datetime(2026, 11, 23, 9, 30, tzinfo=tz)
    assert every.slot_start(late + datetime.timedelta(minutes=14)) == late
    with pytest.raises(ValueError):
        schedule.register(schedule.Periodic("bad", "x.y"))


def test_tick_enqueues_each_due_job_once_per_slot(monkeypatch):
    from django_tasks_db.models import DBTaskResult

    job = schedule.Periodic(
        "d", "grassroots.notifications.tasks.daily_digest", every=datetime.timedelta(hours=24)
    )
    monkeypatch.setattr(schedule, "JOBS", {"d": job})
    runs = DBTaskResult.objects.filter(task_path__endswith="daily_digest")
    assert schedule.tick() == ["d"] and runs.count() == 1
    assert schedule.tick() == [] and runs.count() == 1  # today's slot already has its run
    tomorrow = timezone.now() + datetime.timedelta(days=1)
    assert schedule.tick(tomorrow) == ["d"] and runs.count() == 2
    daily = schedule.Periodic("d", "grassroots.notifications.tasks.daily_digest", at="08:00")
    monkeypatch.setattr(schedule, "JOBS", {"d": daily})
    before_eight = timezone.localtime(tomorrow).replace(hour=7, minute=0) + datetime.timedelta(days=1)
    assert schedule.tick(before_eight) == []


def test_every_registered_job_is_a_zero_argument_task_that_runs(city):
    """The scheduler enqueues tasks without arguments: each registered job must accept that and run
    (on the small city, with nothing due)."""
    from django.utils.module_loading import import_string

    expected = {
        "notifications.digest",
        "whistle.reminders",
        "cobuild.meeting_reminders",
        "orglife.activity_reminders",
        "volunteers.release_wishes",
        "standards.nightly_health",
        "dashboards.nightly_rollup",
        "core.purge_exports",
    }
    assert expected <= set(schedule.JOBS)
    for job in schedule.JOBS.values():
        result = import_string(job.task).call()
        assert isinstance(result, int | dict), job.name
    from grassroots.dashboards.models import RollupRun
    from grassroots.standards.models import HealthRun

    assert HealthRun.objects.filter(trigger="nightly", state="done").count() == 1
    assert RollupRun.objects.filter(trigger="nightly", state="done").count() == 1
