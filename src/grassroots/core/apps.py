from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "grassroots.core"
    label = "core"
    verbose_name = "核心"

    def ready(self):
        from .navigation import NavItem, register

        register(NavItem("数据导入", "imports:index", "file-import", "imports.run"))
