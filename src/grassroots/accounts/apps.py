from django.apps import AppConfig
from django.db.models.signals import post_migrate


def ensure_builtin_roles(sender, using="default", **kwargs):
    """Create missing built-in roles. Existing roles keep whatever permissions an admin gave them."""
    from .models import Role
    from .permissions import BUILTIN_ROLES

    for code, (name, perms, _kind) in BUILTIN_ROLES.items():
        Role.objects.using(using).get_or_create(
            code=code, defaults={"name": name, "permissions": perms, "builtin": True}
        )


class AccountsConfig(AppConfig):
    name = "grassroots.accounts"
    label = "accounts"
    verbose_name = "用户与权限"

    def ready(self):
        post_migrate.connect(ensure_builtin_roles, sender=self)
        from grassroots.core import navigation

        from . import signals  # noqa: F401  (audit of login, failed login and logout)

        navigation.register(
            navigation.NavItem("用户管理", "accounts:users", "users", "accounts.manage", section="系统"),
            navigation.NavItem("角色配置", "accounts:roles", "shield-lock", "roles.manage", section="系统"),
            navigation.NavItem("审计日志", "core:audit", "history", "audit.view", section="系统"),
        )
