import datetime

from django.apps import AppConfig


class WhistleConfig(AppConfig):
    name = "grassroots.whistle"
    label = "whistle"
    verbose_name = "吹哨报到"

    def ready(self):
        from grassroots.core import schedule

        # Departments are reminded before their check-in deadline (idempotent per target).
        schedule.register(
            schedule.Periodic(
                "whistle.reminders",
                "grassroots.whistle.tasks.remind_checkins",
                every=datetime.timedelta(minutes=15),
            )
        )
        from grassroots.core import navigation

        navigation.register(
            navigation.NavItem(
                "吹哨报到", "whistle:list", "speakerphone", "whistle.view", section="基层治理"
            ),
            navigation.NavItem(
                "部门报到待办", "whistle:inbox", "inbox", "whistle.respond", section="基层治理"
            ),
        )
        try:
            from grassroots.core.figures import Metric, register
        except ImportError:  # dashboards without the registry
            return
        from .stats import checkin_rate_metric

        register(
            Metric(
                "whistle_checkin_rate",
                "部门报到及时率",
                "%",
                checkin_rate_metric,
                period=True,
                kind="rate",
                order=50,
            )
        )
