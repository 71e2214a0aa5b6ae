from django.apps import AppConfig


class DashboardsConfig(AppConfig):
    name = "grassroots.dashboards"
    label = "dashboards"
    verbose_name = "工作台"

    def ready(self):
        from grassroots.core import schedule

        # Dashboard rollups after the health check, whose results some metrics read.
        schedule.register(
            schedule.Periodic(
                "dashboards.nightly_rollup", "grassroots.dashboards.tasks.nightly_rollup", at="03:00"
            )
        )
        from grassroots.core import navigation
        from grassroots.core.figures import register_summary

        from . import health_counts  # metrics registers the core metrics

        register_summary("dashboards.finding_counts", health_counts.refresh)

        navigation.register(
            navigation.NavItem(
                "领导驾驶舱", "dashboards:leader", "presentation-analytics", "dashboards.view"
            ),
        )
