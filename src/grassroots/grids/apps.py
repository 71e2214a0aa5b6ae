from django.apps import AppConfig


class GridsConfig(AppConfig):
    name = "grassroots.grids"
    label = "grids"
    verbose_name = "网格"
