from django.apps import AppConfig
from django.db.models.signals import post_migrate


def merge_defaults(current: list[str], applied: list[str], defaults: list[str]) -> list[str]:
    """A built-in role's permissions after a release changed its defaults: defaults new since the last
    sync are added, defaults the code no longer grants are withdrawn, and what an administrator added
    or removed by hand stays as it is."""
    added = [p for p in defaults if p not in applied]
    dropped = set(applied) - set(defaults)
    out = [p for p in current if p not in dropped]
    out += [p for p in added if p not in out]
    return out


def ensure_builtin_roles(sender, using="default", **kwargs):
    """Create missing built-in roles and keep existing ones current with the code's defaults (see
    merge_defaults); custom roles are never touched."""
    from .models import Role
    from .permissions import BUILTIN_ROLES

    for code, (name, perms, _kind) in BUILTIN_ROLES.items():
        role, created = Role.objects.using(using).get_or_create(
            code=code,
            defaults={"name": name, "permissions": perms, "builtin": True, "applied_defaults": perms},
        )
        if created or not role.builtin or role.applied_defaults == perms:
            continue
        role.permissions = merge_defaults(role.permissions or [], role.applied_defaults or [], perms)
        role.applied_defaults = perms
        role.save(using=using, update_fields=["permissions", "applied_defaults"])


class AccountsConfig(AppConfig):
    name = "grassroots.accounts"
    label = "accounts"
    verbose_name = "用户与权限"

    def ready(self):
        post_migrate.connect(ensure_builtin_roles, sender=self)
        from grassroots.core import hooks as core_hooks

        from . import hooks

        core_hooks.provide("grants", hooks.load_grants)
        core_hooks.provide("token_user", hooks.token_user)
        core_hooks.provide("audit_value", hooks.audit_value)
        from grassroots.core import navigation

        from . import signals  # noqa: F401  (audit of login, failed login and logout)

        navigation.register(
            navigation.NavItem("用户管理", "accounts:users", "users", "accounts.manage", section="系统"),
            navigation.NavItem("角色配置", "accounts:roles", "shield-lock", "roles.manage", section="系统"),
            navigation.NavItem("审计日志", "core:audit", "history", "audit.view", section="系统"),
        )
