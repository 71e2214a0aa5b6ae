from django.apps import AppConfig


class RedPropertyConfig(AppConfig):
    name = "grassroots.redproperty"
    label = "redproperty"
    verbose_name = "红色物业"

    def ready(self):
        from grassroots.core import navigation

        navigation.register(
            navigation.NavItem(
                "红色物业",
                "redproperty:companies",
                "building-skyscraper",
                "redproperty.view",
                section="基层治理",
            ),
        )
