from django.apps import AppConfig
from django.db.models.signals import post_migrate

# Case permissions: the catalog lives in accounts.permissions; this app adds its own entries at start-up.
CASE_PERMISSIONS = {
    "cases.view": "查看诉求工单",
    "cases.submit": "代录诉求",
    "cases.dispatch": "分拨、派单与结案",
    "cases.handle": "承办工单（接单、退单、纪实、办结）",
    "cases.config": "维护事项类别、节假日与准入清单",
}
# Built-in role -> case permissions it receives the first time the cases app is migrated.
CASE_ROLE_PERMISSIONS = {
    "city_admin": ["cases.view", "cases.submit", "cases.dispatch", "cases.handle", "cases.config"],
    "district_admin": ["cases.view", "cases.submit", "cases.dispatch", "cases.handle"],
    "street_admin": ["cases.view", "cases.submit", "cases.dispatch", "cases.handle"],
    "community_admin": ["cases.view", "cases.submit", "cases.dispatch", "cases.handle"],
    "grid_worker": ["cases.view", "cases.submit", "cases.handle"],
    "department_handler": ["cases.handle"],
    "resident": ["cases.view"],
    "auditor": ["cases.view"],
}


def ensure_case_defaults(sender, using="default", **kwargs):
    """Default categories, the admission list, holidays from chinesecalendar and the case permissions of
    built-in roles: created when missing, never overwriting what an administrator changed."""
    from grassroots.accounts.apps import ensure_builtin_roles

    from .seed import seed_admission, seed_categories, seed_holidays, seed_role_permissions

    seed_categories(using)
    seed_admission(using)
    seed_holidays(using)
    ensure_builtin_roles(sender, using=using)
    seed_role_permissions(using)


class CasesConfig(AppConfig):
    name = "grassroots.cases"
    label = "cases"
    verbose_name = "诉求办理"

    def ready(self):
        from grassroots.accounts.permissions import PERMISSIONS
        from grassroots.core import navigation

        for code, label in CASE_PERMISSIONS.items():
            PERMISSIONS.setdefault(code, label)
        post_migrate.connect(ensure_case_defaults, sender=self)
        navigation.register(
            navigation.NavItem("诉求工单", "cases:list", "clipboard-list", "cases.view", section="基层治理"),
        )
