from django.apps import AppConfig
from django.db.models.signals import post_migrate


def ensure_case_defaults(sender, using="default", **kwargs):
    """Default categories, the admission list and holidays from chinesecalendar: created when missing,
    never overwriting what an administrator changed. (Case permissions and the built-in roles' share of
    them live in accounts.permissions.)"""
    from .seed import seed_admission, seed_categories, seed_holidays

    seed_categories(using)
    seed_admission(using)
    seed_holidays(using)


class CasesConfig(AppConfig):
    name = "grassroots.cases"
    label = "cases"
    verbose_name = "诉求办理"

    def ready(self):
        from grassroots.core import hooks

        from .workdays import missing_calendar_years

        hooks.provide("calendar_years_missing", missing_calendar_years)
        from grassroots.grids.stats import register_map_metric

        from .stats import open_cases_by_grid

        register_map_metric("open_cases", "未办结诉求", open_cases_by_grid)
        from grassroots.people import studios

        from . import services
        from .models import Channel

        studios.provide_case_intake(lambda *a, **k: services.submit(*a, **k), Channel.WALK_IN)
        import datetime

        from grassroots.core import importing, navigation, schedule

        from .analytics import can_see_alerts
        from .models import handler_ids_for

        post_migrate.connect(ensure_case_defaults, sender=self)
        from grassroots.core.figures import register_summary

        from . import casedays

        register_summary("cases.case_days", casedays.rebuild)
        schedule.register(
            schedule.Periodic(
                "cases.deadline_notices",
                "grassroots.cases.tasks.deadline_notices",
                every=datetime.timedelta(minutes=15),
            )
        )
        schedule.register(
            schedule.Periodic("cases.calendar_notices", "grassroots.cases.tasks.calendar_notices", at="09:00")
        )
        schedule.register(
            schedule.Periodic("cases.event_partitions", "grassroots.cases.tasks.event_partitions", at="01:30")
        )
        importing.KINDS.setdefault("hotline", "grassroots.cases.importers.HotlineImporter")
        navigation.register(
            navigation.NavItem(
                "诉求工单",
                "cases:list",
                "clipboard-list",
                "cases.view",
                section="基层治理",
                visible=lambda user: bool(handler_ids_for(user)),
            ),
        )
        navigation.register(
            navigation.NavItem(
                "受理诉求", "cases:intake", "message-plus", "cases.handle", section="基层治理"
            ),
        )
        navigation.register(
            navigation.NavItem("走访记录", "cases:visits", "walk", "cases.handle", section="基层治理"),
        )
        navigation.register(
            navigation.NavItem(
                "我的诉求", "cases:mine", "message-circle", "cases.submit", section="基层治理"
            ),
        )
        navigation.register(
            navigation.NavItem(
                "诉求预警", "cases:alerts", "alarm", "cases.view", section="基层治理", when=can_see_alerts
            ),
            navigation.NavItem(
                "赋分与红黑榜",
                "cases:rankings",
                "trophy",
                "cases.view",
                section="基层治理",
                when=can_see_alerts,
            ),
            navigation.NavItem(
                "诉求统计", "cases:stats", "chart-bar", "cases.view", section="基层治理", when=can_see_alerts
            ),
            navigation.NavItem(
                "诉求办理配置", "cases:config_home", "settings", "cases.config", section="基层治理"
            ),
        )
