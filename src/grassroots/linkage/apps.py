import datetime

from django.apps import AppConfig


class LinkageConfig(AppConfig):
    name = "grassroots.linkage"
    label = "linkage"
    verbose_name = "四级联动与联系点"

    def ready(self):
        from grassroots.core import navigation, schedule
        from grassroots.core.rules import register_check

        from .stats import check_gov7

        register_check("GOV-7", check_gov7)
        # 督办: overdue assignments are escalated once (idempotent per assignment).
        schedule.register(
            schedule.Periodic(
                "linkage.escalate",
                "grassroots.linkage.tasks.escalate_overdue",
                every=datetime.timedelta(hours=1),
            )
        )
        navigation.register(
            navigation.NavItem(
                "四级联动", "linkage:task_list", "hierarchy-2", "linkage.view", section="基层治理"
            ),
            navigation.NavItem(
                "承办督办", "linkage:assignment_list", "clipboard-check", "linkage.view", section="基层治理"
            ),
            navigation.NavItem(
                "领导联系点", "linkage:coverage", "map-pin", "linkage.view", section="基层治理"
            ),
            navigation.NavItem(
                "五级包保", "grids:duties", "shield-check", "regions.view", section="基层治理"
            ),
        )
