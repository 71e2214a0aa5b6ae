from django.apps import AppConfig


def _service_summary(worker) -> str:
    from .services import service_summary

    return service_summary(worker)


class EmergencyConfig(AppConfig):
    name = "grassroots.emergency"
    label = "emergency"
    verbose_name = "平急结合"

    def ready(self):
        from grassroots.people.careers import register_worker_summary

        register_worker_summary("service", lambda worker: _service_summary(worker))
        from grassroots.core import navigation, schedule

        # The day's report of every open emergency, per level, in the evening (also on demand).
        schedule.register(
            schedule.Periodic(
                "emergency.daily_reports", "grassroots.emergency.tasks.daily_reports", at="20:00"
            )
        )
        navigation.register(
            navigation.NavItem(
                "平急结合", "emergency:list", "alert-triangle", "emergency.view", section="基层治理"
            ),
            navigation.NavItem(
                "我的应急任务", "emergency:mine", "urgent", "emergency.respond", section="基层治理"
            ),
            navigation.NavItem(
                "战时档案", "emergency:records", "medal", "emergency.view", section="基层治理"
            ),
        )
