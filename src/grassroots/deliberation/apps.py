from django.apps import AppConfig


class DeliberationConfig(AppConfig):
    name = "grassroots.deliberation"
    label = "deliberation"
    verbose_name = "居民议事"

    def ready(self):
        from grassroots.core import navigation

        navigation.register(
            navigation.NavItem(
                "居民议事", "deliberation:list", "messages", "deliberation.view", section="基层治理"
            ),
        )
