"""Access matrix entries of the inbox (contract: tests/access/registry.py).

Everyone signed in has an inbox of their own messages; there is no scope to widen. Opening or marking
a message names one user's own row: another user gets 404 (tests/notifications/test_inbox.py)."""

from tests.access.registry import ALL_ROLES, api, excluded, holders, page

EVERYONE = ALL_ROLES | {"nobody"}
OWN = "a message belongs to one user only; others get 404 (tests/notifications/test_inbox.py)"

ENDPOINTS = [
    page("notifications:inbox", EVERYONE),
    page("notifications:read_all", EVERYONE, method="POST", ok=(302,)),
    excluded("notifications:open", OWN),
    api("GET", "/api/v1/notifications/", EVERYONE),
    api("GET", "/api/v1/notifications/unread", EVERYONE),
    api("POST", "/api/v1/notifications/read-all", EVERYONE),
    excluded("POST /api/v1/notifications/{pk}/read", OWN),
    # Failed outbox messages of the users an administrator manages (test_outbox_retry.py: scope, audit).
    page("notifications:outbox_failed", holders("accounts.manage")),
    # Nothing selected: the administrator is sent back with the reason, nothing changes.
    page(
        "notifications:outbox_retry", holders("accounts.manage"), method="POST", data=lambda w: {}, ok=(302,)
    ),
]
