import datetime

from django.apps import AppConfig


class OrglifeConfig(AppConfig):
    name = "grassroots.orglife"
    label = "orglife"
    verbose_name = "组织生活与活动"

    def ready(self):
        from grassroots.core import schedule

        # Signed-up members are reminded of activities within 24 hours, once each.
        schedule.register(
            schedule.Periodic(
                "orglife.activity_reminders",
                "grassroots.orglife.tasks.send_activity_reminders",
                every=datetime.timedelta(hours=1),
            )
        )
        from grassroots.core import navigation
        from grassroots.core.figures import register_summary

        from . import checks, figures, stats

        checks.register()
        figures.register_all()
        stats.connect()
        register_summary("orglife.branch_life", stats.refresh_stored)
        section = "组织生活"
        navigation.register(
            navigation.NavItem("活动列表", "orglife:list", "list", "orglife.view", section),
            navigation.NavItem("活动日历", "orglife:calendar", "calendar-event", "orglife.view", section),
            navigation.NavItem("我的活动", "orglife:mine", "user-check", "orglife.view", section),
            navigation.NavItem("组织生活统计", "orglife:stats", "chart-bar", "orglife.change", section),
        )
