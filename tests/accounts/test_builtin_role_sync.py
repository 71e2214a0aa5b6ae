"""Built-in roles stay current with the code's defaults on an existing database (a permission added to
a built-in role in a release reaches installations that created the role earlier), while custom roles
and an administrator's own changes to a built-in role are left alone."""

from __future__ import annotations

import pytest

from grassroots.accounts import permissions
from grassroots.accounts.apps import ensure_builtin_roles, merge_defaults
from grassroots.accounts.models import Role

pytestmark = pytest.mark.django_db


def test_merge_adds_new_defaults_withdraws_dropped_ones_and_keeps_manual_changes():
    current = ["a.view", "b.view", "manual.extra"]  # an admin added manual.extra and removed c.view
    applied = ["a.view", "b.view", "c.view"]
    defaults = ["a.view", "c.view", "d.new"]  # the release drops b.view and adds d.new
    assert merge_defaults(current, applied, defaults) == ["a.view", "manual.extra", "d.new"]


def test_sync_on_migrate_updates_builtin_roles_only(monkeypatch):
    code = "community_admin"
    name, perms, kind = permissions.BUILTIN_ROLES[code]
    role = Role.objects.get(code=code)
    assert role.applied_defaults == perms
    new, manual = [p for p in permissions.PERMISSIONS if p not in perms][:2]
    # An administrator removes one default and adds a permission of their own.
    removed = perms[0]
    role.permissions = [p for p in perms if p != removed] + [manual]
    role.save()
    custom = Role.objects.create(code="custom", name="自定义", permissions=["cases.view"], builtin=False)
    # A release adds a permission to the built-in role and drops another.
    dropped = perms[1]
    new_perms = [p for p in perms if p != dropped] + [new]
    monkeypatch.setitem(permissions.BUILTIN_ROLES, code, (name, new_perms, kind))
    ensure_builtin_roles(sender=None)
    role.refresh_from_db()
    assert new in role.permissions  # the new default reached the existing role
    assert dropped not in role.permissions  # the dropped default is withdrawn
    assert removed not in role.permissions  # the administrator's removal sticks
    assert manual in role.permissions  # and so does their addition
    assert role.applied_defaults == new_perms
    custom.refresh_from_db()
    assert custom.permissions == ["cases.view"] and custom.applied_defaults == []
    # A second sync with the same defaults changes nothing.
    before = list(role.permissions)
    ensure_builtin_roles(sender=None)
    role.refresh_from_db()
    assert role.permissions == before


@pytest.mark.django_db(transaction=True)
def test_an_old_database_gets_the_permissions_added_since_on_migrate():
    """A database whose built-in roles were created before a permission was added to them (and before
    the roles tracked their applied defaults) holds that permission after `migrate`; a custom role keeps
    exactly its own permissions."""
    from django.core.management import call_command
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    executor.migrate([("accounts", "0003_resident_otp_outbox")])
    old_role = executor.loader.project_state([("accounts", "0003_resident_otp_outbox")]).apps.get_model(
        "accounts", "Role"
    )
    code = "grid_worker"
    perms = permissions.BUILTIN_ROLES[code][1]
    added_later = perms[-1]
    old_role.objects.filter(code=code).update(permissions=[p for p in perms if p != added_later])
    old_role.objects.create(code="custom_old", name="旧自定义", permissions=["cases.view"], builtin=False)

    call_command("migrate", "accounts", verbosity=0)  # runs the migrations and post_migrate

    role = Role.objects.get(code=code)
    assert added_later in role.permissions and sorted(role.permissions) == sorted(perms)
    assert role.applied_defaults == perms
    custom = Role.objects.get(code="custom_old")
    assert custom.permissions == ["cases.view"] and custom.applied_defaults == []
