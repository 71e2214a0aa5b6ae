from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "grassroots.core"
    label = "core"
    verbose_name = "核心"

    def ready(self):
        import logging

        from django.conf import settings

        from grassroots.core import schedule

        for notice in getattr(settings, "KEY_NOTICES", []):
            logging.getLogger("grassroots.crypto").warning(notice)

        # Download files of background exports are kept 7 days.
        schedule.register(
            schedule.Periodic(
                "core.purge_exports", "grassroots.core.exports.purge_expired_exports", at="04:30"
            )
        )
        from .navigation import NavItem, register

        register(NavItem("数据导入", "imports:index", "file-import", "imports.run"))
