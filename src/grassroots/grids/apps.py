from django.apps import AppConfig


def _region_staff(user) -> bool:
    """Staff with a region grant of regions.view (residents' own-records grant has no patrols)."""
    from grassroots.core.scoping import grants_for

    if not getattr(user, "is_authenticated", False):
        return False
    return user.is_superuser or any(
        "regions.view" in g.perms and g.region_path is not None for g in grants_for(user)
    )


class GridsConfig(AppConfig):
    name = "grassroots.grids"
    label = "grids"
    verbose_name = "网格"

    def ready(self):
        from grassroots.core import hooks

        from .basemap import tile_origins

        hooks.provide("csp_img_origins", tile_origins)
        from grassroots.core.navigation import NavItem, register

        register(
            NavItem("网格地图", "grids:map", "map-2", "regions.view", section="网格治理"),
            NavItem("网格列表", "grids:list", "grid-dots", "regions.view", section="网格治理"),
            NavItem("网格覆盖", "grids:coverage", "chart-donut", "regions.view", section="网格治理"),
            NavItem(
                "网格巡查", "grids:patrol_due", "walk", "regions.view", section="网格治理", when=_region_staff
            ),
            NavItem(
                "重点关爱走访",
                "grids:visit_due",
                "home-heart",
                "regions.view",
                section="网格治理",
                when=_region_staff,
            ),
        )
