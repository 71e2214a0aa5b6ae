import datetime

from django.apps import AppConfig


def unread_context(user) -> dict:
    """Every page's unread message count (the bell in the top bar)."""
    from .services import unread_count

    return {"unread_notifications": unread_count(user)}


class NotificationsConfig(AppConfig):
    name = "grassroots.notifications"
    label = "notifications"
    verbose_name = "消息通知"

    def ready(self):
        from grassroots.core import hooks

        hooks.provide("user_context", unread_context)
        from grassroots.core import schedule

        schedule.register(
            schedule.Periodic(
                "notifications.digest", "grassroots.notifications.tasks.daily_digest", at="08:00"
            )
        )
        # Failed SMS / WeChat sends, retried with exponential backoff (senders.py).
        schedule.register(
            schedule.Periodic(
                "notifications.retry_outbox",
                "grassroots.notifications.tasks.retry_outbox",
                every=datetime.timedelta(minutes=1),
            )
        )
        from grassroots.core.navigation import NavItem, register

        register(
            NavItem(
                "外发失败消息", "notifications:outbox_failed", "message-x", "accounts.manage", section="系统"
            )
        )
