from django.apps import AppConfig


class UnitsConfig(AppConfig):
    name = "grassroots.units"
    label = "units"
    verbose_name = "驻区单位"
