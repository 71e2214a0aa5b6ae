from django.apps import AppConfig


class GridsConfig(AppConfig):
    name = "grassroots.grids"
    label = "grids"
    verbose_name = "网格"

    def ready(self):
        from grassroots.core.navigation import NavItem, register

        register(
            NavItem("网格地图", "grids:map", "map-2", "regions.view", section="网格治理"),
            NavItem("网格列表", "grids:list", "grid-dots", "regions.view", section="网格治理"),
            NavItem("网格覆盖", "grids:coverage", "chart-donut", "regions.view", section="网格治理"),
        )
