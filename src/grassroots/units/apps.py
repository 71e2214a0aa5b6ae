from django.apps import AppConfig


class UnitsConfig(AppConfig):
    name = "grassroots.units"
    label = "units"
    verbose_name = "驻区单位"

    def ready(self):
        from grassroots.regions import figures

        from .models import Unit

        figures.register(
            figures.SubtreeFigure("units", lambda user: Unit.objects.visible_to(user), "region__path")
        )
        from grassroots.core.navigation import NavItem, register

        register(NavItem("驻区单位", "units:list", "building", "units.view", section="基础数据"))
