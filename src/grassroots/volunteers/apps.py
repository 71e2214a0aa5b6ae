import datetime

from django.apps import AppConfig


class VolunteersConfig(AppConfig):
    name = "grassroots.volunteers"
    label = "volunteers"
    verbose_name = "志愿服务与积分"

    def ready(self):
        from grassroots.core import schedule
        from grassroots.core.figures import register_summary

        from . import figures, tallies

        tallies.connect()
        figures.register_all()
        register_summary("volunteers.tallies", tallies.refresh_all)

        # Overdue wish claims go back to the pool (idempotent).
        schedule.register(
            schedule.Periodic(
                "volunteers.release_wishes",
                "grassroots.volunteers.tasks.release_wishes",
                every=datetime.timedelta(hours=1),
            )
        )
        from grassroots.core import navigation

        navigation.register(
            navigation.NavItem(
                "微心愿", "volunteers:wishes", "heart-handshake", "volunteers.view", section="共建共治"
            ),
            navigation.NavItem(
                "志愿服务", "volunteers:activities", "users-group", "volunteers.view", section="共建共治"
            ),
            navigation.NavItem(
                "积分与爱心超市", "volunteers:points", "coin", "volunteers.view", section="共建共治"
            ),
            navigation.NavItem("心愿池", "volunteers:pool", "heart", "volunteers.join", section="我的志愿"),
            navigation.NavItem(
                "志愿活动",
                "volunteers:my_activities",
                "calendar-event",
                "volunteers.join",
                section="我的志愿",
            ),
            navigation.NavItem(
                "我的积分", "volunteers:my_points", "coin", "volunteers.join", section="我的志愿"
            ),
        )
