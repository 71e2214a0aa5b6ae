"""Access matrix entries of case analytics (alerts, rankings, statistics, case export) and of the
background exports pages (core:exports*). Contract: tests/access/registry.py."""

from tests.access.registry import ALL_ROLES, api, holders, page

# Region-wide case viewers (staff); residents' own-records grant and department handlers get a 404.
STAFF = holders("cases.view")
# The case list export follows the list page (tests/cases/endpoints.py LIST): residents export their own
# cases, department handlers (members of a handler in the world) the cases dispatched to it.
CASE_LIST = holders("cases.view", own=True) | {"department_handler"}
EVERYONE = ALL_ROLES | {"nobody"}
# The purpose form of an unmasked export (here: the member list): holders of personal.export with the
# list's permission; other viewers of the list are refused with 403, everyone else gets a 404.
UNMASK = holders("party.view", "personal.export")
UNMASK_REFUSED = holders("party.view", own=True) - UNMASK


def _foreign_job(w) -> dict:
    """A finished export job of an account that is none of the subjects: a 404 for every one of them."""
    from grassroots.accounts.models import User
    from grassroots.core.models import ExportJob

    owner, _ = User.objects.get_or_create(username="m_export_owner")
    job = ExportJob.objects.create(
        owner=owner, kind="cases.list", title="诉求工单", state="done", row_count=1
    )
    return {"pk": job.pk}


ENDPOINTS = [
    page("cases:alerts", STAFF),
    page("cases:rankings", STAFF),
    page("cases:stats", STAFF),
    # The nav badge answers an empty fragment to users without alerts.
    page("cases:alert_badge", EVERYONE),
    page("cases:case_export", CASE_LIST),
    page("core:exports", EVERYONE),
    page("core:export_row", frozenset(), kwargs=_foreign_job),
    page(
        "core:export_unmask",
        UNMASK,
        query={"export_kind": "list:party.MemberListView"},
        forbidden=UNMASK_REFUSED,
    ),
    page("core:export_download", frozenset(), kwargs=_foreign_job),
    api("GET", "/api/v1/cases/analytics/alerts/counts", STAFF),
    api("GET", "/api/v1/cases/analytics/alerts", STAFF, query={"kind": "overdue"}),
    api("GET", "/api/v1/cases/analytics/alerts/repeats", STAFF),
    api("GET", "/api/v1/cases/analytics/rankings", STAFF),
    api("GET", "/api/v1/cases/analytics/stats", STAFF),
]
