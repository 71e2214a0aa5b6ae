"""In-app inbox and the outbox of messages to deliver over SMS / WeChat templates.

A Notification is one message to one user (the inbox row). Each external channel the message must
go out on gets an OutboxMessage, delivered by a background task (services.deliver) through the
sender configured for that channel (senders.py). The inbox is the source of truth: a failed SMS never
loses the message.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class Channel(models.TextChoices):
    SMS = "sms", "短信"
    WECHAT = "wechat", "微信模板消息"


class Notification(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name="接收人",
    )
    # A dotted code naming what happened, e.g. "cases.dispatched", "orglife.reminder"; used for
    # filtering, the digest's grouping and per-kind preferences.
    kind = models.CharField("类型", max_length=48, db_index=True)
    title = models.CharField("标题", max_length=120)
    body = models.TextField("内容", blank=True)
    url = models.CharField("链接", max_length=300, blank=True)
    object_label = models.CharField(max_length=64, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField("时间", default=timezone.now, db_index=True)
    read_at = models.DateTimeField("已读时间", null=True, blank=True)
    digested_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at", "-created_at"], name="notif_user_unread")]
        verbose_name = verbose_name_plural = "站内消息"

    def __str__(self):
        return self.title


class OutboxMessage(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", "待发送"
        SENT = "sent", "已发送"
        FAILED = "failed", "发送失败"

    notification = models.ForeignKey(Notification, on_delete=models.CASCADE, related_name="outbox")
    channel = models.CharField("渠道", max_length=16, choices=Channel.choices)
    to = models.CharField("接收地址", max_length=120, blank=True)
    state = models.CharField(
        "状态", max_length=16, choices=State.choices, default=State.PENDING, db_index=True
    )
    attempts = models.PositiveSmallIntegerField("尝试次数", default=0)
    error = models.CharField("错误", max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    # After a failed attempt: when the periodic retry (senders.retry_due) sends it again.
    next_attempt_at = models.DateTimeField("下次重试", null=True, blank=True, db_index=True)
    failed_at = models.DateTimeField("最终失败时间", null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = verbose_name_plural = "外发消息"

    def __str__(self):
        return f"{self.get_channel_display()} → {self.to}"
