"""Access matrix entries of accounts (contract: tests/access/registry.py)."""

from tests.access.registry import ALL_ROLES, api, holders, page

EVERYONE = ALL_ROLES | {"nobody"}
MANAGERS = holders("accounts.manage")
UNIT = {"username": "matrix_new", "display_name": "新用户", "role": "grid_worker"}

ENDPOINTS = [
    page("accounts:login", EVERYONE, ok=(200, 302), public=True),
    page("accounts:logout", EVERYONE, method="POST", ok=(302,), public=True),
    page("accounts:profile", EVERYONE),
    page(
        "accounts:token_revoke",
        {"community_admin"},
        method="POST",
        kwargs=lambda w: {"prefix": w.token_a.prefix},
        ok=(302,),
    ),
    page("accounts:users", MANAGERS),
    page(
        "accounts:user_create",
        MANAGERS,
        method="POST",
        data=lambda w: {**UNIT, "scope": w.A.code},
        ok=(302,),
    ),
    page(
        "accounts:user_detail",
        MANAGERS,
        kwargs=lambda w: {"pk": w.user_a.pk},
        out=lambda w: {"pk": w.user_b.pk},
    ),
    page(
        "accounts:user_assign",
        MANAGERS,
        method="POST",
        kwargs=lambda w: {"pk": w.user_a.pk},
        out=lambda w: {"pk": w.user_b.pk},
        data=lambda w: {"role": "grid_worker", "scope": w.A.code},
        ok=(302,),
    ),
    page(
        "accounts:revoke",
        MANAGERS,
        method="POST",
        kwargs=lambda w: {"pk": w.user_a.pk, "assignment_id": w.assignment_a.pk},
        out=lambda w: {"pk": w.user_b.pk, "assignment_id": w.assignment_b.pk},
        ok=(302,),
    ),
    page(
        "accounts:user_password",
        MANAGERS,
        method="POST",
        kwargs=lambda w: {"pk": w.user_a.pk},
        out=lambda w: {"pk": w.user_b.pk},
        ok=(302,),
    ),
    page("accounts:roles", holders("roles.manage")),
    page("accounts:role_edit", holders("roles.manage"), kwargs=lambda w: {"pk": 1}),
    page("accounts:resident_login", EVERYONE, ok=(200, 302), public=True),
    page("accounts:resident_me", {"resident"}),
    api("GET", "/api/v1/accounts/me", EVERYONE),
    api("GET", "/api/v1/accounts/tokens", EVERYONE),
    api(
        "POST",
        "/api/v1/accounts/tokens/{prefix}/revoke",
        {"community_admin"},
        params=lambda w: {"prefix": w.token_a.prefix},
        ok=(204,),
    ),
    api("GET", "/api/v1/accounts/users", MANAGERS),
    api(
        "GET",
        "/api/v1/accounts/users/{user_id}",
        MANAGERS,
        params=lambda w: {"user_id": w.user_a.pk},
        out=lambda w: {"user_id": w.user_b.pk},
    ),
]
