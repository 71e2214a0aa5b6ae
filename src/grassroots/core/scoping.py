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
    from . import hooks

    grants = hooks.required("grants")(user)
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


def model_scope_q(model, user, action: str = "view") -> Q | None:
    """The one scope declaration of a model: its `scope_q_for(user, action)` classmethod when it has
    rules of its own (cases: handler membership; summonses: summoned departments; activities: a
    member's own org; ...), else scope_q from scope_region / scope_org / scope_owner. Both
    `visible_to` and `covers` are computed from it, so they agree by construction."""
    custom = getattr(model, "scope_q_for", None)
    if custom is not None:
        return custom(user, action)
    return scope_q(model, user, action)


_UNDECIDED = object()


def _lookup_value(obj, parts: list[str]):
    """Follow forward relations in Python; _UNDECIDED when a step is a reverse / many-to-many manager."""
    target = obj
    for i, attr in enumerate(parts):
        if target is None:
            return None
        if attr == "pk":
            target = target.pk
            continue
        try:
            field = target._meta.get_field(attr)
        except Exception:  # noqa: BLE001 (not a model field: a property or attname such as handler_id)
            field = None
        if field is not None and field.many_to_one and i == len(parts) - 1:
            return ("_id", getattr(target, field.attname))
        if field is not None and (field.one_to_many or field.many_to_many):
            return _UNDECIDED
        target = getattr(target, attr)
        if isinstance(target, models.Manager):
            return _UNDECIDED
    return target


_OPERATORS = {"exact", "startswith", "in", "isnull"}


def q_matches(obj, q: Q):
    """Whether obj satisfies q, evaluated in Python for the lookups scope filters use (exact, startswith,
    in, isnull over forward relations); None when it cannot tell (a subquery, a reverse relation)."""
    decisive = q.connector != Q.AND  # True settles an OR, False settles an AND
    undecided = False
    for child in q.children:
        if isinstance(child, Q):
            r = q_matches(obj, child)
        else:
            lookup, value = child  # type: ignore[misc]  # a Q's leaf is a (lookup, value) pair
            r = _condition(obj, lookup, value)
        if r is None:
            undecided = True
        elif r is decisive:
            return not decisive if q.negated else decisive
    if undecided:
        return None
    return decisive if q.negated else not decisive


def _condition(obj, lookup: str, value):
    parts = lookup.split("__")
    op = parts.pop() if parts[-1] in _OPERATORS and len(parts) > 1 else "exact"
    if isinstance(value, models.QuerySet | models.expressions.BaseExpression):
        return None
    got = _lookup_value(obj, parts)
    if got is _UNDECIDED:
        return None
    if isinstance(got, tuple) and len(got) == 2 and got[0] == "_id":
        got = got[1]
        if isinstance(value, models.Model):
            value = value.pk
        elif op == "in":
            value = [v.pk if isinstance(v, models.Model) else v for v in value]
    elif isinstance(got, models.Model) and not isinstance(value, models.Model) and op != "isnull":
        got = got.pk
    if op == "isnull":
        return (got is None) == bool(value)
    if got is None:
        return False
    if op == "exact":
        return got == value
    if op == "startswith":
        return str(got).startswith(str(value))
    return got in list(value)


def _resolve(obj, lookup: str):
    for attr in lookup.split("__"):
        if obj is None:
            return None
        obj = getattr(obj, attr)
    return obj


def object_paths(obj) -> tuple[str | None, str | None]:
    """(region path, party-org path) of an object, following its declared scope lookups."""
    if getattr(obj, "scope_region_path_field", None):
        # A denormalised path may be declared for the region only (a summary row has no party org).
        org_field = getattr(obj, "scope_org_path_field", None)
        return (
            getattr(obj, obj.scope_region_path_field) or None,
            (getattr(obj, org_field, None) or None) if org_field else None,
        )
    region_lookup = getattr(obj, "scope_region", None)
    org_lookup = getattr(obj, "scope_org", None)
    region = obj if region_lookup == "" else (_resolve(obj, region_lookup) if region_lookup else None)
    org = obj if org_lookup == "" else (_resolve(obj, org_lookup) if org_lookup else None)
    return (getattr(region, "path", None), getattr(org, "path", None))


def covers(user, obj, action: str = "view") -> bool:
    """Object-level twin of `visible_to`: whether obj is among the objects the user may `action`.

    Computed from the same declaration (model_scope_q): for a model with its own `scope_q_for`, the
    filter is evaluated on the object in Python (q_matches), or by one query when it cannot be (a
    subquery); for the others, by the declared scope lookups (no query once grants are loaded and
    relations selected)."""
    if user is None or not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    if getattr(type(obj), "scope_q_for", None) is not None:
        q = model_scope_q(type(obj), user, action)
        if q is None:
            return True
        matched = q_matches(obj, q)
        if matched is None:
            if obj.pk is None:
                return False
            matched = type(obj)._default_manager.filter(pk=obj.pk).filter(q).exists()
        return matched
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
        q = model_scope_q(self.model, user, action)
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
