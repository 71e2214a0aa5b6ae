from django.apps import AppConfig


class RegionsConfig(AppConfig):
    name = "grassroots.regions"
    label = "regions"
    verbose_name = "行政区划"

    def ready(self):
        from grassroots.core import hooks

        from .models import Region

        hooks.provide("region_model", Region)
        from grassroots.core.navigation import NavItem, register

        register(
            NavItem("行政区划", "regions:tree", "map-2", "regions.view", section="基础数据"),
            NavItem("住户", "regions:households", "home", "regions.view", section="基础数据"),
        )
