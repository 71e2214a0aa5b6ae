"""Who works on recruitment: holders of party.view / party.change over a region or an org. A party
member's own-records grant (party.view over their own member record) sees no recruitment file."""

from __future__ import annotations

from grassroots.core.scoping import grants_for


def can(user, perm: str = "party.view") -> bool:
    if user is None or not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    return any(perm in g.perms and not g.own for g in grants_for(user))
