from django.apps import AppConfig


class OnewindowConfig(AppConfig):
    name = "grassroots.onewindow"
    label = "onewindow"
    verbose_name = "一窗受理"

    def ready(self):
        from grassroots.core import navigation

        from .models import department_ids_for

        navigation.register(
            navigation.NavItem(
                "一窗受理",
                "onewindow:list",
                "file-certificate",
                "onewindow.view",
                section="基层治理",
                # Department staff see the applications forwarded to their department.
                visible=lambda user: bool(department_ids_for(user)),
            ),
        )
