"""Access matrix entries of 一窗受理 (contract: tests/access/registry.py).

app_a (community A, forwarded to dept_a, whose member is the matrix department handler; household_a,
the matrix resident's) and app_b (community B, forwarded to dept_b: no matrix member); done_a/done_b
are done and await evaluation; item_a is street 0's catalog item, item_b street 1's; offer_a/offer_b
are open door-to-door offers to household_a/household_b."""

from tests.access.registry import api, holders, page

VIEW = holders("onewindow.view")
HANDLE = holders("onewindow.handle")
CATALOG = holders("onewindow.manage_catalog")
DEPT = holders("onewindow.department")
RESIDENT = holders("onewindow.view", own=True) - VIEW
SEE = VIEW | DEPT | RESIDENT  # staff in scope, the department it was forwarded to, the applicant
CATALOG_READERS = VIEW | HANDLE | CATALOG
_A = lambda w: {"number": w.app_a.number}  # noqa: E731
_B = lambda w: {"number": w.app_b.number}  # noqa: E731
_DONE_A = lambda w: {"number": w.done_a.number}  # noqa: E731
_DONE_B = lambda w: {"number": w.done_b.number}  # noqa: E731

ENDPOINTS = [
    page("onewindow:list", SEE),
    page("onewindow:create", HANDLE),
    page("onewindow:detail", SEE, kwargs=_A, out=_B),
    # Steps answer with a redirect to the application and a message (done, or why not).
    page(
        "onewindow:act",
        HANDLE,
        method="POST",
        kwargs=lambda w: {**_A(w), "action": "withdraw"},
        out=lambda w: {**_B(w), "action": "withdraw"},
        data=lambda w: {"reason": "居民已自行办理"},
        ok=(302,),
        forbidden=SEE - HANDLE,
        refused=(302,),
    ),
    page("onewindow:items", CATALOG_READERS),
    page("onewindow:item_create", CATALOG),
    page(
        "onewindow:item_edit",
        CATALOG,
        kwargs=lambda w: {"pk": w.item_a.pk},
        out=lambda w: {"pk": w.item_b.pk},
    ),
    page("onewindow:stats", VIEW),
    page("onewindow:proactive", HANDLE),
    page(
        "onewindow:offer_create",
        HANDLE,
        method="POST",
        data=lambda w: {"household": w.household_a.pk, "offered_on": "2026-01-05"},
        data_out=lambda w: {"household": w.household_b.pk, "offered_on": "2026-01-05"},
        ok=(302,),
    ),
    page(
        "onewindow:offer",
        HANDLE,
        kwargs=lambda w: {"pk": w.offer_a.pk},
        out=lambda w: {"pk": w.offer_b.pk},
    ),
    page("onewindow:h5_list", VIEW | RESIDENT),
    # The phone pages show the signed-in resident's own applications only.
    page("onewindow:h5_detail", RESIDENT, kwargs=_A, out=_B),
    page(
        "onewindow:h5_evaluate",
        RESIDENT,
        method="POST",
        kwargs=_DONE_A,
        out=_DONE_B,
        data=lambda w: {"rating": "5"},
        ok=(302,),
    ),
    api("GET", "/api/v1/onewindow/items", CATALOG_READERS),
    api("GET", "/api/v1/onewindow/applications", SEE),
    api("GET", "/api/v1/onewindow/applications/{number}", SEE, params=_A, out=_B),
    api(
        "POST",
        "/api/v1/onewindow/applications/{number}/steps",
        HANDLE,
        params=_A,
        out=_B,
        body=lambda w: {"action": "withdraw", "text": "居民已自行办理"},
        forbidden=SEE - HANDLE,
    ),
    api(
        "POST",
        "/api/v1/onewindow/applications/{number}/evaluation",
        HANDLE | RESIDENT,
        params=_DONE_A,
        out=_DONE_B,
        body=lambda w: {"rating": 5, "comment": "满意"},
        forbidden=SEE - HANDLE - RESIDENT,
    ),
]
