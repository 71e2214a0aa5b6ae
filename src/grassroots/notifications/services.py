"""notify(): the one way every app tells people something.

    from grassroots.notifications.services import notify
    notify(users, kind="cases.dispatched", title="新工单待签收", body="...", url=case_url, obj=case)

Writes one inbox row per distinct active user and, for each channel in `channels`, an outbox row that
a background task delivers after the transaction commits. Cheap enough to call inside services.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from .models import Channel, Notification, OutboxMessage


def _users(users) -> list:
    if users is None:
        return []
    if not isinstance(users, Iterable) or hasattr(users, "pk"):
        users = [users]
    seen, out = set(), []
    for u in users:
        if u is None or not getattr(u, "is_active", True) or u.pk in seen:
            continue
        seen.add(u.pk)
        out.append(u)
    return out


def notify(
    users,
    *,
    kind: str,
    title: str,
    body: str = "",
    url: str = "",
    obj=None,
    channels: Iterable[str] = (),
) -> list[Notification]:
    recipients = _users(users)
    if not recipients:
        return []
    now = timezone.now()
    label = obj._meta.label_lower if obj is not None else ""
    oid = str(obj.pk) if obj is not None else ""
    rows = Notification.objects.bulk_create(
        [
            Notification(
                user=u,
                kind=kind,
                title=title[:120],
                body=body,
                url=url,
                object_label=label,
                object_id=oid,
                created_at=now,
            )
            for u in recipients
        ]
    )
    outbox = []
    for n, u in zip(rows, recipients, strict=True):
        for channel in channels:
            outbox.append(OutboxMessage(notification=n, channel=channel, to=address_for(u, channel)))
    if outbox:
        OutboxMessage.objects.bulk_create(outbox)
        ids = [m.pk for m in outbox if m.pk]
        if ids:
            transaction.on_commit(lambda: _enqueue(ids))
        else:  # backends without RETURNING: deliver whatever is pending for these notifications
            transaction.on_commit(lambda: _enqueue_for([n.pk for n in rows]))
    return rows


def address_for(user, channel: str) -> str:
    if channel == Channel.SMS:
        return getattr(user, "phone", "") or ""
    if channel == Channel.WECHAT:
        return getattr(user, "wechat_openid", "") or ""
    return ""


def _enqueue(ids: list[int]) -> None:
    from .tasks import deliver_outbox

    deliver_outbox.enqueue(ids)


def _enqueue_for(notification_ids: list[int]) -> None:
    ids = list(
        OutboxMessage.objects.filter(
            notification_id__in=notification_ids, state=OutboxMessage.State.PENDING
        ).values_list("pk", flat=True)
    )
    if ids:
        _enqueue(ids)


def unread_count(user) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def mark_read(user, pk: int) -> Notification:
    """Mark one of the user's own messages read (another user's message is 404)."""
    from grassroots.core.errors import NotFound

    n = Notification.objects.filter(user=user, pk=pk).first()
    if n is None:
        raise NotFound("消息不存在")
    if n.read_at is None:
        n.read_at = timezone.now()
        n.save(update_fields=["read_at"])
    return n


def mark_all_read(user) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).update(read_at=timezone.now())


DIGEST_KIND = "notifications.digest"


def send_daily_digest(now=None) -> int:
    """One summary per user who has unread messages not yet summarised; nobody else hears anything.

    The summary is itself an inbox row (kind notifications.digest) with an SMS outbox message, and the
    summarised rows get digested_at so tomorrow's digest doesn't repeat them. Returns users notified."""
    from collections import Counter, defaultdict

    now = now or timezone.now()
    pending = (
        Notification.objects.filter(read_at__isnull=True, digested_at__isnull=True)
        .exclude(kind=DIGEST_KIND)
        .values_list("pk", "user_id", "kind")
    )
    by_user: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for pk, user_id, kind in pending:
        by_user[user_id].append((pk, kind))
    if not by_user:
        return 0
    from django.contrib.auth import get_user_model

    users = get_user_model().objects.in_bulk(list(by_user))
    sent = 0
    for user_id, rows in by_user.items():
        user = users.get(user_id)
        if user is None or not user.is_active:
            continue
        counts = Counter(kind_label(kind) for _pk, kind in rows)
        body = "；".join(f"{label} {n} 条" for label, n in counts.most_common())
        with transaction.atomic():
            notify(
                user,
                kind=DIGEST_KIND,
                title=f"您有 {len(rows)} 条未读消息",
                body=body,
                url="/notifications/",
                channels=(Channel.SMS,),
            )
            Notification.objects.filter(pk__in=[pk for pk, _k in rows]).update(digested_at=now)
        sent += 1
    return sent


# Labels of the message kinds, for filters and the digest; apps add theirs with register_kind().
KIND_LABELS: dict[str, str] = {DIGEST_KIND: "每日汇总"}


def register_kind(kind: str, label: str) -> None:
    KIND_LABELS[kind] = label


def kind_label(kind: str) -> str:
    if kind in KIND_LABELS:
        return KIND_LABELS[kind]
    app = kind.split(".", 1)[0]
    return {
        "cases": "诉求办理",
        "whistle": "吹哨报到",
        "cobuild": "共驻共建",
        "volunteers": "志愿服务",
        "venues": "场地预约",
        "orglife": "组织生活",
        "standards": "标准与体检",
        "core": "系统",
    }.get(app, "其他")


# ---------------------------------------------------------------------------------------------
# Messages that failed for good (administrators: 外发失败消息)
# ---------------------------------------------------------------------------------------------
def failed_outbox_visible_to(actor):
    """Failed outbox messages of the users the actor manages (accounts.manage scope); nothing without
    the permission."""
    from grassroots.accounts.services import manageable_users
    from grassroots.core.scoping import has_perm

    if not has_perm(actor, "accounts.manage"):
        return OutboxMessage.objects.none()
    users = manageable_users(actor).values("pk")
    return OutboxMessage.objects.filter(state=OutboxMessage.State.FAILED, notification__user_id__in=users)


def retry_failed_outbox(actor, ids) -> int:
    """Queue failed messages again (a fresh round of attempts); returns how many. Messages outside the
    actor's scope are a 404; one audit record names the messages."""
    from grassroots.core import audit
    from grassroots.core.errors import NotFound, ServiceError
    from grassroots.core.models import AuditAction

    try:
        ids = sorted({int(i) for i in ids})
    except (TypeError, ValueError) as exc:
        raise ServiceError("请选择要重发的消息") from exc
    if not ids:
        raise ServiceError("请选择要重发的消息")
    if len(ids) > 500:
        raise ServiceError("一次最多重发 500 条消息")
    with transaction.atomic():
        found = list(failed_outbox_visible_to(actor).filter(pk__in=ids).values_list("pk", flat=True))
        if len(found) != len(ids):
            raise NotFound("消息不存在、无权访问或已不是发送失败状态")
        OutboxMessage.objects.filter(pk__in=found, state=OutboxMessage.State.FAILED).update(
            state=OutboxMessage.State.PENDING, attempts=0, next_attempt_at=None, failed_at=None
        )
        audit.record(
            AuditAction.UPDATE,
            None,
            user=actor,
            model_label="notifications.outboxmessage",
            object_repr=f"重发失败消息 {len(found)} 条",
            changes={"ids": [None, found], "state": ["failed", "pending"]},
        )
        transaction.on_commit(lambda: _enqueue(found))
    return len(found)
