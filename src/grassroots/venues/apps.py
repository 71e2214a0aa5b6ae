from django.apps import AppConfig


class VenuesConfig(AppConfig):
    name = "grassroots.venues"
    label = "venues"
    verbose_name = "阵地与预约"

    def ready(self):
        from . import figures

        figures.register_all()
        from grassroots.core.navigation import NavItem, register

        register(
            NavItem(
                "党群服务阵地", "venues:centers", "building-community", "venues.view", section="服务阵地"
            ),
            NavItem("预约场地", "venues:rooms", "calendar-plus", "venues.book", section="服务阵地"),
        )
