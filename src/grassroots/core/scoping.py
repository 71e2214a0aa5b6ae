"""Scope: which objects a user may read or change, from their (role, tree node) assignments.

Every scoped model declares how it hangs off the two trees:

    scope_region = "party_org__region"   # lookup to a Region ("" = the model is Region itself)
    scope_org = "party_org"              # lookup to a PartyOrg ("" = the model is PartyOrg itself)
    scope_owner = "user"                 # lookup to the owning user (residents see their own records)

A grant on a Region node covers everything whose region path starts with the node's path; the same
for PartyOrg nodes. Reads go through `Model.objects.visible_to(user, action)` (NetBox's restrict());
anything outside is a 404.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import reduce
from operator import or_

from django.db import models
from django.db.models import Q


@dataclass(frozen=True)
class Grant:
    role: str
    perms: frozenset[str]
    region_path: str | None = None
    org_path: str | None = None
    own: bool = False  # a grant over the user's own records only (residents, party members)


def grants_for(user) -> list[Grant]:
    """The user's grants, loaded once per user object (one query)."""
    if user is None or not user.is_authenticated:
        return []
    cached = getattr(user, "_grassroots_grants", None)
    if cached is not None:
        return cached
    from grassroots.accounts.models import RoleAssignment

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
    user._grassroots_grants = grants
    return grants


def reset_grants(user) -> None:
    if hasattr(user, "_grassroots_grants"):
        del user._grassroots_grants


def perm_code(model, action: str) -> str:
    if "." in action:
        return action
    return f"{getattr(model, 'permission_app', model._meta.app_label)}.{action}"


def has_perm(user, perm: str) -> bool:
    """Whether the user holds the permission anywhere (used for menus and buttons, never for data)."""
    if user is None or not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    return any(perm in g.perms for g in grants_for(user))


def _path_field(lookup: str | None) -> str | None:
    if lookup is None:
        return None
    return f"{lookup}__path" if lookup else "path"


def scope_q(model, user, action: str = "view") -> Q | None:
    """A filter for the objects of `model` the user may `action`; None means no restriction at all."""
    if user is None or not user.is_authenticated:
        return Q(pk__in=[])
    if user.is_superuser:
        return None
    perm = perm_code(model, action)
    region_field = getattr(model, "scope_region_path_field", None) or _path_field(
        getattr(model, "scope_region", None)
    )
    org_field = getattr(model, "scope_org_path_field", None) or _path_field(getattr(model, "scope_org", None))
    owner = getattr(model, "scope_owner", None)
    parts = []
    for g in grants_for(user):
        if perm not in g.perms:
            continue
        if g.region_path is not None and region_field:
            parts.append(Q(**{f"{region_field}__startswith": g.region_path}))
        if g.org_path is not None and org_field:
            parts.append(Q(**{f"{org_field}__startswith": g.org_path}))
        if g.own and owner:
            parts.append(Q(**{owner: user}))
    if not parts:
        return Q(pk__in=[])
    return reduce(or_, parts)


def _resolve(obj, lookup: str):
    for attr in lookup.split("__"):
        if obj is None:
            return None
        obj = getattr(obj, attr)
    return obj


def object_paths(obj) -> tuple[str | None, str | None]:
    """(region path, party-org path) of an object, following its declared scope lookups."""
    if getattr(obj, "scope_region_path_field", None):
        return (
            getattr(obj, obj.scope_region_path_field) or None,
            getattr(obj, obj.scope_org_path_field, None) or None,
        )
    region_lookup = getattr(obj, "scope_region", None)
    org_lookup = getattr(obj, "scope_org", None)
    region = obj if region_lookup == "" else (_resolve(obj, region_lookup) if region_lookup else None)
    org = obj if org_lookup == "" else (_resolve(obj, org_lookup) if org_lookup else None)
    return (getattr(region, "path", None), getattr(org, "path", None))


def covers(user, obj, action: str = "view") -> bool:
    """Object-level check in Python (no query once grants are loaded and relations selected)."""
    if user is None or not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    perm = perm_code(type(obj), action)
    region_path, org_path = object_paths(obj)
    owner = getattr(obj, "scope_owner", None)
    for g in grants_for(user):
        if perm not in g.perms:
            continue
        if g.region_path is not None and region_path and region_path.startswith(g.region_path):
            return True
        if g.org_path is not None and org_path and org_path.startswith(g.org_path):
            return True
        if g.own and owner and _owned_by(obj, owner, user):
            return True
    return False


def _owned_by(obj, lookup: str, user) -> bool:
    """Whether `lookup` from obj reaches the user. Follows forward relations in Python; a lookup that
    crosses a reverse or many-to-many relation (e.g. "residents__user") is answered by one query."""
    target = obj
    for attr in lookup.split("__"):
        if target is None:
            return False
        target = getattr(target, attr)
        if isinstance(target, models.Manager):
            return type(obj)._default_manager.filter(pk=obj.pk, **{lookup: user}).exists()
    return target == user


class ScopedQuerySet(models.QuerySet):
    def visible_to(self, user, action: str = "view"):
        q = scope_q(self.model, user, action)
        return self if q is None else self.filter(q)


# The plugin cannot follow a dynamic base; the queryset methods are typed on ScopedQuerySet.
class ScopedManager(models.Manager.from_queryset(ScopedQuerySet)):  # type: ignore[misc]
    pass


class ScopedModel(models.Model):
    """Mixin for models read through visible_to(). Subclasses set scope_region / scope_org / scope_owner."""

    scope_region: str | None = None
    scope_org: str | None = None
    scope_owner: str | None = None
    # field name -> masking kind (masking.MASKERS); masked unless the user has personal.view in scope
    personal_fields: dict[str, str] = {}

    objects = ScopedManager()

    class Meta:
        abstract = True
