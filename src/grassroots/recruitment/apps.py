from django.apps import AppConfig


class RecruitmentConfig(AppConfig):
    name = "grassroots.recruitment"
    label = "recruitment"
    verbose_name = "发展党员"

    def ready(self):
        from grassroots.core.navigation import NavItem, register

        from . import access

        register(
            NavItem(
                "发展党员",
                "recruitment:pipeline",
                "user-plus",
                "party.view",
                section="党的建设",
                when=lambda user: access.can(user),
            ),
        )
        from grassroots.core.rules import register_check

        from .stats import DEADLINE_RULES, check_rec, check_rec_3, check_rec_4

        for code in sorted(set(DEADLINE_RULES.values())):
            register_check(code, check_rec)
        register_check("REC-3", check_rec_3)
        register_check("REC-4", check_rec_4)
