from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "grassroots.people"
    label = "people"
    verbose_name = "人员队伍"

    def ready(self):
        from grassroots.core.navigation import NavItem, register

        register(
            NavItem("社区工作者", "people:workers", "users", "people.view", section="队伍建设"),
            NavItem("三长", "people:stewards", "user-star", "people.view", section="队伍建设"),
            NavItem("两代表一委员", "people:deputies", "award", "people.view", section="队伍建设"),
        )
