import datetime

from django.apps import AppConfig


class CobuildConfig(AppConfig):
    name = "grassroots.cobuild"
    label = "cobuild"
    verbose_name = "共驻共建"

    def ready(self):
        from grassroots.core import schedule

        # Committee members are reminded of sessions once, within the remind window.
        schedule.register(
            schedule.Periodic(
                "cobuild.meeting_reminders",
                "grassroots.cobuild.tasks.send_meeting_reminders",
                every=datetime.timedelta(hours=1),
            )
        )
        from . import figures

        figures.register_all()
        from grassroots.core.navigation import NavItem, register

        register(NavItem("共驻共建", "cobuild:index", "affiliate", "cobuild.view", section="共建共治"))
        register(
            NavItem("到社区报到", "cobuild:join", "map-pin-check", "cobuild.register", section="共建共治")
        )
