"""Access matrix entries of the resident H5 (contract: tests/access/registry.py).

Every page shows only the signed-in user's own records (their cases, their inbox), so every logged-in
subject may open them; 查询进度 is public."""

from tests.access.registry import ALL_ROLES, holders, page

EVERYONE = ALL_ROLES | {"nobody"}
JOIN = holders("volunteers.join", own=True)

ENDPOINTS = [
    page("h5:home", EVERYONE),
    page("h5:cases", EVERYONE),
    page("h5:notifications", EVERYONE),
    page("h5:me", EVERYONE),
    page("h5:track", EVERYONE, public=True),
    page(
        "h5:track",
        EVERYONE,
        method="POST",
        data=lambda w: {"number": w.case_a.number, "phone": "13800000000"},
        ok=(302, 404),
        public=True,
    ),
]

ENDPOINTS += [
    # whoever may take part (volunteers.join); others: 404
    page("h5:wishes", JOIN),
    page(
        "h5:wishes",
        JOIN,
        method="POST",
        data=lambda w: {"title": "想要一台收音机听戏", "category": "daily", "community": w.A.pk},
        ok=(302,),
    ),
]
