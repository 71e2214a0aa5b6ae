"""core.senders: one interface (a callable taking an OutgoingMessage) for SMS and WeChat template
messages, used by the notifications outbox and by the direct texts (login codes, report progress)."""

from __future__ import annotations

import pytest

from grassroots.accounts.models import SmsOutbox
from grassroots.core import senders
from grassroots.notifications import senders as outbox
from grassroots.notifications.services import notify

pytestmark = pytest.mark.django_db
SENT: list = []


def recording(message):
    SENT.append(message)


@pytest.fixture
def alice(make_user, city):
    return make_user("alice", "grid_worker", city.communities[0])


def _addressed(n):
    """Users carry no phone or openid yet (notifications.services.address_for): address the rows here."""
    n.outbox.filter(channel="sms").update(to="13800138000")
    n.outbox.filter(channel="wechat").update(to="o-alice")
    return list(n.outbox.values_list("pk", flat=True))


def test_outbox_delivery_hands_each_channel_one_outgoing_message(alice, settings):
    settings.GRASSROOTS_SENDERS = {"sms": f"{__name__}.recording", "wechat": f"{__name__}.recording"}
    SENT.clear()
    (n,) = notify(
        alice,
        kind="cases.dispatched",
        title="新工单",
        body="请及时处理",
        url="/cases/1/",
        channels=("sms", "wechat"),
    )
    assert outbox.deliver(_addressed(n)) == 2
    by_channel = {m.channel: m for m in SENT}
    assert set(by_channel) == {"sms", "wechat"}
    sms = by_channel["sms"]
    assert (sms.to, sms.text, sms.title, sms.url, sms.kind) == (
        "13800138000",
        "新工单：请及时处理",
        "新工单",
        "/cases/1/",
        "cases.dispatched",
    )
    assert by_channel["wechat"].to == "o-alice"


def test_default_sms_sender_writes_the_sms_outbox_and_wechat_only_logs(alice, caplog):
    (n,) = notify(alice, kind="cases.dispatched", title="新工单", channels=("sms", "wechat"))
    with caplog.at_level("INFO"):
        assert outbox.deliver(_addressed(n)) == 2
    assert list(SmsOutbox.objects.values_list("phone", "body")) == [("13800138000", "新工单")]
    assert "[wechat] to=o-alice" in caplog.text


def test_a_channel_without_a_sender_is_logged_and_a_failing_sender_raises(settings, caplog):
    settings.GRASSROOTS_SENDERS = {"sms": f"{__name__}.failing"}
    with caplog.at_level("INFO"):
        senders.send(senders.OutgoingMessage(channel="wechat", to="o-x", text="你好"))
    assert "[wechat] to=o-x" in caplog.text
    with pytest.raises(RuntimeError, match="网关"):
        senders.send_sms("13800138000", "你好")
    assert not SmsOutbox.objects.exists()


def failing(message):
    raise RuntimeError("网关不可用")
