from django.apps import AppConfig


def _staff_view(user) -> bool:
    """The staff pages need merit.view through a region or org grant (not the member's own grant)."""
    from .views import staff_perm

    return user.is_authenticated and staff_perm(user, "merit.view")


class MeritConfig(AppConfig):
    name = "grassroots.merit"
    label = "merit"
    verbose_name = "党员积分与创星定级"

    def ready(self):
        from grassroots.core import navigation, schedule
        from grassroots.core.figures import register_summary

        from . import figures, services

        figures.register_all()
        register_summary("merit.year_points", services.rebuild_year_points)

        # Points from the day's records are added every night (idempotent: missing entries only).
        schedule.register(
            schedule.Periodic(
                "merit.accrue_points", "grassroots.merit.tasks.accrue_points_nightly", at="01:30"
            )
        )
        section = "党员积分与星级"
        navigation.register(
            navigation.NavItem("积分排行", "merit:ranking", "trophy", "merit.change", section),
            navigation.NavItem("学习记录", "merit:studies", "book", "merit.change", section),
            navigation.NavItem(
                "支部星级评定", "merit:ratings", "stars", "merit.view", section, when=_staff_view
            ),
            navigation.NavItem("我的党员积分", "merit:mine", "medal", "merit.study", section),
        )
