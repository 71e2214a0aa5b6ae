from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "grassroots.core"
    label = "core"
    verbose_name = "核心"

    def ready(self):
        from grassroots.core import schedule

        # Download files of background exports are kept 7 days.
        schedule.register(
            schedule.Periodic(
                "core.purge_exports", "grassroots.core.exports.purge_expired_exports", at="04:30"
            )
        )
        from .navigation import NavItem, register

        register(NavItem("数据导入", "imports:index", "file-import", "imports.run"))
        # Pillow's decompression-bomb guard follows settings.UPLOAD_MAX_PIXELS for every image opened.
        from .attachments import _configure_pillow

        _configure_pillow()
