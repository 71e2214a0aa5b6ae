from django.apps import AppConfig


class OutreachConfig(AppConfig):
    name = "grassroots.outreach"
    label = "outreach"
    verbose_name = "联户与民情日志"

    def ready(self):
        from grassroots.core import navigation
        from grassroots.core.rules import register_check

        from .rules import check_gov_12

        register_check("GOV-12", check_gov_12)
        navigation.register(
            navigation.NavItem(
                "党员中心户联户", "outreach:hubs", "home-heart", "regions.view", section="基层治理"
            ),
            navigation.NavItem("民情日志", "outreach:logs", "notebook", "people.view", section="基层治理"),
            navigation.NavItem(
                "我的联系户", "outreach:my_links", "home-heart", section="基层治理", when=_is_hub
            ),
            navigation.NavItem(
                "我的民情日志", "outreach:my_log", "notebook", section="基层治理", when=_is_worker
            ),
        )


def _memo(user, key: str, compute) -> bool:
    """Navigation asks on every page: remember the answer on the request's user object."""
    if not user.is_authenticated:
        return False
    cached = user.__dict__.get(key)
    if cached is None:
        cached = user.__dict__[key] = compute()
    return cached


def _is_hub(user) -> bool:
    from grassroots.party.models import Member

    return _memo(user, "_outreach_is_hub", Member.objects.filter(user=user, is_household_hub=True).exists)


def _is_worker(user) -> bool:
    from grassroots.people.models import Worker

    return _memo(user, "_outreach_is_worker", Worker.objects.filter(user=user).exists)
