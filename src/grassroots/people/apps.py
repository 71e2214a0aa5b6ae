from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "grassroots.people"
    label = "people"
    verbose_name = "人员队伍"

    def ready(self):
        from grassroots.regions import figures

        from .models import Worker

        figures.register(
            figures.SubtreeFigure("workers", lambda user: Worker.objects.visible_to(user), "region__path")
        )
        from grassroots.core import importing
        from grassroots.core.navigation import NavItem, register

        from . import careers

        register(
            NavItem("社区工作者", "people:workers", "users", "people.view", section="队伍建设"),
            NavItem("社工持证与薪酬", "people:careers", "certificate", "people.view", section="队伍建设"),
            NavItem("三长", "people:stewards", "user-star", "people.view", section="队伍建设"),
            NavItem("两代表一委员", "people:deputies", "award", "people.view", section="队伍建设"),
            NavItem(
                "代表委员工作室", "people:studios", "building-community", "people.view", section="队伍建设"
            ),
        )
        importing.KINDS.setdefault("pay_scales", "grassroots.people.importers.PayScaleImporter")
        careers.register()
