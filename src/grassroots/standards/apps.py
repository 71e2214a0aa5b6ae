from django.apps import AppConfig
from django.db.models.signals import post_migrate


def ensure_default_rules(sender, using="default", **kwargs):
    """Create the default rules (RULES.md); for existing rows add parameters introduced since, keeping
    every value an administrator has set."""
    from .models import Rule
    from .rules_data import DEFAULT_RULES, SOURCES

    for code, category, title, params, action in DEFAULT_RULES:
        source = SOURCES.get(code, "")
        rule, created = Rule.objects.using(using).get_or_create(
            code=code,
            defaults={
                "category": category,
                "title": title,
                "params": params,
                "action": action,
                "source": source,
            },
        )
        if not created:
            fields = []
            missing = {k: v for k, v in params.items() if k not in (rule.params or {})}
            if missing:
                rule.params = {**(rule.params or {}), **missing}
                fields.append("params")
            if not rule.source and source:
                rule.source = source
                fields.append("source")
            if fields:
                rule.save(using=using, update_fields=fields)


def rule_params_audit_value(model, name, value, rule_code=""):
    """A recorded rule parameter set shows each parameter by its label (core.hooks "audit_value")."""
    if isinstance(value, dict) and (
        name == "params" or (model is not None and model._meta.label_lower == "standards.rule")
    ):
        from .services import param_display, param_label

        return "；".join(f"{param_label(rule_code, k)}：{param_display(k, v)}" for k, v in value.items())
    return None


LEVEL_PREFIX = {"city": "CITY", "district": "DIST", "street": "STRT", "community": "COMM"}


def ensure_default_catalog(sender, using="default", **kwargs):
    """Create the default areas, items and level duties (catalog_data.py) whose codes don't exist yet;
    rows an administrator edited or added are left alone."""
    from .catalog_data import AREAS, DUTIES, ITEM_SCORES, ITEMS
    from .models import Area, Duty, Item

    areas = {}
    for order, (code, name) in enumerate(AREAS, 1):
        areas[code], _ = Area.objects.using(using).get_or_create(
            code=code, defaults={"name": name, "order": order}
        )
    existing = set(Item.objects.using(using).values_list("code", flat=True))
    new = []
    for area_code, lines in ITEMS.items():
        for order, line in enumerate(lines, 1):
            code = f"{area_code}-{order:02d}"
            if code in existing:
                continue
            applies, title, *rest = line.split("|")
            indicator = rest[0].lstrip("@") if rest else ""
            measure = "indicator" if indicator else "evidence"
            new.append(
                Item(
                    code=code,
                    area=areas[area_code],
                    title=title,
                    applies_to={"c": "community", "s": "street", "a": "all"}[applies],
                    measure=measure,
                    indicator=indicator,
                    max_score=ITEM_SCORES[measure],
                    order=order,
                )
            )
    Item.objects.using(using).bulk_create(new)
    existing = set(Duty.objects.using(using).values_list("code", flat=True))
    new = []
    for level, rows in DUTIES.items():
        for order, (area_code, text) in enumerate(rows, 1):
            code = f"{LEVEL_PREFIX[level]}-{order:02d}"
            if code not in existing:
                new.append(Duty(code=code, level=level, area=areas[area_code], text=text, order=order))
    Duty.objects.using(using).bulk_create(new)


class StandardsConfig(AppConfig):
    name = "grassroots.standards"
    label = "standards"
    verbose_name = "标准与体检"

    def ready(self):
        from grassroots.core import schedule

        # The nightly branch health check over every branch.
        schedule.register(
            schedule.Periodic(
                "standards.nightly_health", "grassroots.standards.tasks.nightly_health_check", at="02:00"
            )
        )
        from grassroots.core import navigation

        post_migrate.connect(ensure_default_rules, sender=self)
        post_migrate.connect(ensure_default_catalog, sender=self)
        from grassroots.core import importing

        importing.KINDS.setdefault("standard_items", "grassroots.standards.importers.ItemImporter")
        importing.KINDS.setdefault("street_duties", "grassroots.standards.importers.StreetDutyImporter")
        from grassroots.core import rules

        from . import indicators  # noqa: F401  (registers the built-in indicators)
        from .checks import Checker
        from .models import Rule

        rules.provide(model=Rule, checker=Checker)
        from grassroots.core import hooks

        hooks.provide("audit_value", rule_params_audit_value)

        navigation.register(
            navigation.NavItem("组织体检", "standards:health", "stethoscope", "standards.view", "标准与体检"),
            navigation.NavItem("规则参数", "standards:rules", "adjustments", "standards.view", "标准与体检"),
            navigation.NavItem("标准目录", "standards:catalog", "list-check", "standards.view", "标准与体检"),
            navigation.NavItem(
                "支部体检", "standards:branch_health", "heartbeat", "standards.view", "标准与体检"
            ),
            navigation.NavItem(
                "整改任务", "standards:rectifications", "checklist", "standards.view", "标准与体检"
            ),
            navigation.NavItem(
                "考评", "standards:evaluations", "clipboard-check", "standards.view", "标准与体检"
            ),
            navigation.NavItem(
                "排名与红黑榜", "standards:rankings", "trophy", "standards.view", "标准与体检"
            ),
            navigation.NavItem("示范点", "standards:honours", "award", "standards.view", "标准与体检"),
            navigation.NavItem("社区经费", "standards:funding", "coin-yuan", "standards.view", "标准与体检"),
            navigation.NavItem(
                "街道职责清单", "standards:duties", "list-details", "standards.view", "标准与体检"
            ),
        )
