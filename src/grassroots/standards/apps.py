from django.apps import AppConfig
from django.db.models.signals import post_migrate


def ensure_default_rules(sender, using="default", **kwargs):
    from .models import Rule
    from .rules_data import DEFAULT_RULES

    for code, category, title, params, action in DEFAULT_RULES:
        Rule.objects.using(using).get_or_create(
            code=code, defaults={"category": category, "title": title, "params": params, "action": action}
        )


class StandardsConfig(AppConfig):
    name = "grassroots.standards"
    label = "standards"
    verbose_name = "标准与体检"

    def ready(self):
        post_migrate.connect(ensure_default_rules, sender=self)
