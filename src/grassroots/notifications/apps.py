from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "grassroots.notifications"
    label = "notifications"
    verbose_name = "消息通知"

    def ready(self):
        from grassroots.core import schedule

        schedule.register(
            schedule.Periodic(
                "notifications.digest", "grassroots.notifications.tasks.daily_digest", at="08:00"
            )
        )
