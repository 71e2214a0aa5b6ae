from django.apps import AppConfig


class PartyConfig(AppConfig):
    name = "grassroots.party"
    label = "party"
    verbose_name = "党组织"

    def ready(self):
        from grassroots.regions import figures

        from .models import Member

        figures.register(
            figures.SubtreeFigure(
                "members",
                lambda user: Member.objects.visible_to(user),
                "party_org__region__path",
                per_child=True,
            )
        )
        from grassroots.core.navigation import NavItem, register

        register(
            NavItem("党组织", "party:tree", "sitemap", "party.view", section="党的建设"),
            NavItem("党员", "party:members", "flag", "party.view", section="党的建设"),
            NavItem("组织找党员", "party:contact_campaign", "user-search", "party.view", section="党的建设"),
            NavItem("组织关系转入", "party:transfers_in", "transfer-in", "party.view", section="党的建设"),
            NavItem("组织关系转出", "party:transfers_out", "transfer-out", "party.view", section="党的建设"),
        )
        from grassroots.core.rules import register_check

        from .contact import check_org_11
        from .transfers import check_org_12

        register_check("ORG-11", check_org_11)
        register_check("ORG-12", check_org_12)
