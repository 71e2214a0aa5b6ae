"""What accounts provides to core (core.hooks): grants, API token users, role names in the audit."""

from __future__ import annotations

import time

from django.utils import timezone

from grassroots.core.scoping import Grant


def load_grants(user) -> list[Grant]:
    """The user's grants from their role assignments (one query)."""
    from .models import RoleAssignment

    grants = []
    rows = RoleAssignment.objects.filter(user=user).select_related("role", "region", "party_org")
    for a in rows:
        perms = frozenset(a.role.permissions)
        grants.append(
            Grant(
                role=a.role.code,
                perms=perms,
                region_path=a.region.path if a.region is not None else None,
                org_path=a.party_org.path if a.party_org is not None else None,
                own=not a.region_id and not a.party_org_id,
            )
        )
    return grants


def token_user(token: str):
    """The active user of an active API token (tokens are stored hashed), or None; notes its use at
    most once a minute."""
    from .models import ApiToken, hash_token

    try:
        t = ApiToken.objects.select_related("user").get(key_hash=hash_token(token))
    except ApiToken.DoesNotExist:
        return None
    if not t.is_active or not t.user.is_active:
        return None
    now = timezone.now()
    if t.last_used_at is None or (now - t.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=t.pk).update(last_used_at=now)
    return t.user


_ROLE_NAMES: dict = {"at": 0.0, "names": {}}


def role_name(code) -> str:
    """Role names, loaded at most once a minute (an audit page shows many assignment events)."""
    from .models import Role

    if not isinstance(code, str):
        return code
    if time.monotonic() - _ROLE_NAMES["at"] > 60 or code not in _ROLE_NAMES["names"]:
        _ROLE_NAMES["names"] = dict(Role.objects.values_list("code", "name"))
        _ROLE_NAMES["at"] = time.monotonic()
    return _ROLE_NAMES["names"].get(code, code)


def audit_value(model, name, value, rule_code=""):
    """A recorded `role` value shows the role's name."""
    if name == "role":
        return role_name(value)
    return None
