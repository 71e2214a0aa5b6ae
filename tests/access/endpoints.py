"""Access matrix entries of the project-wide and core endpoints (contract: tests/access/registry.py)."""

from tests.access.registry import ALL_ROLES, api, excluded, holders, page

EVERYONE = ALL_ROLES | {"nobody"}
UNMASKERS = holders("personal.view")
# They see the member (party.view over A, or their own record) but may not unmask it: 403.
SEE_MEMBER_NOT_UNMASK = {"unit_liaison", "auditor", "party_member"}


def _unmask_body(member):
    return {"model": "party.member", "id": member.pk, "field": "phone", "purpose": "核实联系方式"}


def _signed(attachment):
    from grassroots.core.attachments import signed_url

    return signed_url(attachment).rstrip("/").rsplit("/", 1)[-1]


def _foreign_failed_export(w) -> dict:
    """A failed export job of an account that is none of the subjects: a 404 for every one of them."""
    from grassroots.accounts.models import User
    from grassroots.core.models import ExportJob

    owner, _ = User.objects.get_or_create(username="m_export_owner")
    job = ExportJob.objects.create(owner=owner, kind="cases.list", title="诉求工单", state="failed")
    return {"pk": job.pk}


def _healthy(w) -> dict:
    """A worker heartbeat, a held scheduler lease and this year's calendar: /healthz answers 200
    (its 503 cases are tests/core/test_health.py)."""
    import datetime

    from django.utils import timezone

    from grassroots.cases.models import Holiday
    from grassroots.core import runtime
    from grassroots.core.models import Lease

    runtime.beat("worker.matrix", "worker")
    now = timezone.now()
    Lease.objects.update_or_create(
        name="scheduler",
        defaults={"holder": "matrix", "acquired_at": now, "expires_at": now + datetime.timedelta(hours=1)},
    )
    Holiday.objects.get_or_create(date=datetime.date(timezone.localdate().year, 1, 1))
    return {}


ENDPOINTS = [
    # Operations (core/health.py, core/metrics.py): no login, no personal data; /metrics is off unless
    # GRASSROOTS_METRICS=1 (404).
    page("healthz", EVERYONE, public=True, kwargs=_healthy),
    page("metrics", EVERYONE, public=True, ok=(404,)),
    # Retrying someone else's export job: 404 for everyone (tests/core/test_runtime.py covers the owner).
    page("core:export_retry", frozenset(), method="POST", kwargs=_foreign_failed_export),
    excluded("admin:*", "Django admin: superusers only, guarded by is_staff; not a product surface"),
    excluded("admin/*", "Django admin's unnamed catch-all and object redirects (is_staff only)"),
    # `/`: the public landing for visitors, the H5 (a redirect) for residents, the 工作台 for staff.
    page("home", EVERYONE, ok=(200, 302), public=True),
    page("core:audit", holders("audit.view")),
    page(
        "core:unmask",
        UNMASKERS,
        method="POST",
        kwargs=lambda w: {"model": "party.member", "pk": w.member_a.pk, "field": "phone"},
        out=lambda w: {"model": "party.member", "pk": w.member_b.pk, "field": "phone"},
        data=lambda w: {"purpose": "核实联系方式"},
        forbidden=SEE_MEMBER_NOT_UNMASK,
    ),
    # A file is visible to whoever sees its parent object (here the matrix cases).
    page(
        "core:attachment",
        holders("cases.view") | {"resident"},
        kwargs=lambda w: {"pk": w.attachment_a.pk},
        out=lambda w: {"pk": w.attachment_b.pk},
    ),
    # Signed links are the no-login route of the resident's tracking page: anyone holding one may read.
    page(
        "core:attachment_signed",
        EVERYONE,
        public=True,
        kwargs=lambda w: {"token": _signed(w.attachment_a)},
    ),
    page("api:openapi-json", EVERYONE, public=True),
    page("api:openapi-view", EVERYONE, public=True),
    # ninja's root view only serves as the reverse() anchor of the API: it answers 404 to everyone.
    page("api:api-root", EVERYONE, ok=(404,), public=True),
    api(
        "POST",
        "/api/v1/personal/unmask",
        UNMASKERS,
        body=lambda w: _unmask_body(w.member_a),
        body_out=lambda w: _unmask_body(w.member_b),
        forbidden=SEE_MEMBER_NOT_UNMASK,
    ),
]
