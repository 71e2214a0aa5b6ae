from django.apps import AppConfig
from django.db.models.signals import post_migrate


def ensure_default_rules(sender, using="default", **kwargs):
    """Create the default rules (RULES.md); for existing rows add parameters introduced since, keeping
    every value an administrator has set."""
    from .models import Rule
    from .rules_data import DEFAULT_RULES

    for code, category, title, params, action in DEFAULT_RULES:
        rule, created = Rule.objects.using(using).get_or_create(
            code=code, defaults={"category": category, "title": title, "params": params, "action": action}
        )
        if not created:
            missing = {k: v for k, v in params.items() if k not in (rule.params or {})}
            if missing:
                rule.params = {**(rule.params or {}), **missing}
                rule.save(using=using, update_fields=["params"])


class StandardsConfig(AppConfig):
    name = "grassroots.standards"
    label = "standards"
    verbose_name = "标准与体检"

    def ready(self):
        from grassroots.core import navigation

        post_migrate.connect(ensure_default_rules, sender=self)
        navigation.register(
            navigation.NavItem("组织体检", "standards:health", "stethoscope", "standards.view", "标准与体检"),
            navigation.NavItem("规则参数", "standards:rules", "adjustments", "standards.view", "标准与体检"),
        )
