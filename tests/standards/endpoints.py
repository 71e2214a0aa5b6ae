"""Access matrix entries of standards (contract: tests/access/registry.py). Rules, the catalog and health
runs are not scoped; evaluations, branch results, rectifications, funding, demonstration sites and street
duties are scoped by region (community A in scope, community B / street 1 out of scope)."""

import datetime

from tests.access.registry import ALL_ROLES, api, holders, page

VIEW = holders("standards.view")
CHANGE = holders("standards.change")
ASSESS = holders("standards.assess")
VIEW_ONLY = VIEW - ASSESS
# Rules are one table for the whole installation: no scope, so a missing permission may answer 403.
EVERYONE = ALL_ROLES | {"nobody"}
# A street-level record (street 0) is seen by the roles whose scope covers the street.
STREET_VIEW = VIEW & {"city_admin", "district_admin", "street_admin", "auditor"}
STREET_ASSESS = STREET_VIEW & ASSESS
YEAR = datetime.date.today().year - 1

ENDPOINTS = [
    page("standards:health", VIEW),
    page("standards:rules", VIEW),
    page("standards:rule_edit", CHANGE, kwargs=lambda w: {"code": "ORG-1"}, forbidden=EVERYONE),
    api("GET", "/api/v1/standards/rules", VIEW),
    api(
        "GET", "/api/v1/standards/rules/{code}", VIEW, params=lambda w: {"code": "ORG-1"}, forbidden=EVERYONE
    ),
    api(
        "PATCH",
        "/api/v1/standards/rules/{code}",
        CHANGE,
        params=lambda w: {"code": "ORG-1"},
        body=lambda w: {"enabled": True},
        forbidden=EVERYONE,
    ),
]

ENDPOINTS += [
    api("GET", "/api/v1/standards/findings", VIEW),
    api("GET", "/api/v1/standards/coverage", VIEW),
]


# --- objects of community A (in scope) and B (out of scope), created on demand ------------------------
def _evaluation(region):
    from grassroots.standards.models import Evaluation

    return Evaluation.objects.get_or_create(period=YEAR, region=region, defaults={"level": region.level})[0]


def _run():
    from grassroots.standards.models import HealthRun

    return HealthRun.objects.get_or_create(trigger="manual", state="done")[0]


def _rect(org):
    from grassroots.standards.models import Rectification

    return Rectification.objects.get_or_create(
        org=org, problem="矩阵整改任务", defaults={"owner_name": "书记", "deadline": datetime.date.today()}
    )[0]


def _funding(community):
    from grassroots.standards.models import FundingRecord

    return FundingRecord.objects.get_or_create(
        community=community,
        year=YEAR,
        direction="received",
        kind="finance",
        amount=1000,
        on_date=datetime.date(YEAR, 1, 2),
    )[0]


def _honour(region):
    from grassroots.standards.models import Honour

    return Honour.objects.get_or_create(
        region=region, name="矩阵示范点", year=YEAR, level="street", defaults={"citation": "示范"}
    )[0]


def _duty(street):
    from grassroots.standards.models import StreetDuty

    return StreetDuty.objects.get_or_create(
        street=street, code="M-1", defaults={"kind": "duty", "title": "矩阵事项"}
    )[0]


_EV_A = lambda w: {"pk": _evaluation(w.A).pk}  # noqa: E731
_EV_B = lambda w: {"pk": _evaluation(w.B).pk}  # noqa: E731

ENDPOINTS += [
    page("standards:catalog", VIEW),
    page("standards:indicators", VIEW),
    page("standards:evaluations", VIEW),
    page("standards:evaluation_create", ASSESS),
    page("standards:evaluation_detail", VIEW, kwargs=_EV_A, out=_EV_B),
    # Writes answer with a redirect and a message (saved, or why not) to whoever sees the evaluation.
    page("standards:evaluation_scores", VIEW, method="POST", kwargs=_EV_A, out=_EV_B, ok=(302,)),
    page(
        "standards:evaluation_act",
        VIEW,
        method="POST",
        kwargs=lambda w: {**_EV_A(w), "verb": "submit"},
        out=lambda w: {**_EV_B(w), "verb": "submit"},
        ok=(302,),
    ),
    page("standards:rankings", VIEW),
    page("standards:branch_health", VIEW),
    page("standards:health_run_start", VIEW, method="POST", ok=(302,)),
    page("standards:health_run_progress", VIEW, kwargs=lambda w: {"pk": _run().pk}),
    page(
        "standards:branch_detail",
        VIEW,
        kwargs=lambda w: {"code": w.branch_a.code},
        out=lambda w: {"code": w.branch_b.code},
    ),
    page(
        "standards:rect_create",
        VIEW,
        method="POST",
        kwargs=lambda w: {"code": w.branch_a.code},
        out=lambda w: {"code": w.branch_b.code},
        ok=(302,),
    ),
    page("standards:rectifications", VIEW),
    page(
        "standards:rect_act",
        VIEW,
        method="POST",
        kwargs=lambda w: {"pk": _rect(w.branch_a).pk, "verb": "start"},
        out=lambda w: {"pk": _rect(w.branch_b).pk, "verb": "start"},
        ok=(302,),
    ),
    page("standards:funding", VIEW),
    page("standards:funding_create", ASSESS),
    page(
        "standards:funding_delete",
        VIEW,
        method="POST",
        kwargs=lambda w: {"pk": _funding(w.A).pk},
        out=lambda w: {"pk": _funding(w.B).pk},
        ok=(302,),
    ),
    page("standards:honours", VIEW),
    page("standards:honour_create", ASSESS),
    page(
        "standards:honour_revoke",
        VIEW,
        method="POST",
        kwargs=lambda w: {"pk": _honour(w.A).pk},
        out=lambda w: {"pk": _honour(w.B).pk},
        data=lambda w: {"reason": "矩阵撤销"},
        ok=(302,),
    ),
    page("standards:duties", VIEW),
    page("standards:duty_create", ASSESS),
    page(
        "standards:duty_detail",
        STREET_VIEW,
        kwargs=lambda w: {"pk": _duty(w.streets[0]).pk},
        out=lambda w: {"pk": _duty(w.streets[1]).pk},
    ),
]

ENDPOINTS += [
    api("GET", "/api/v1/standards/catalog", VIEW),
    api("GET", "/api/v1/standards/indicators", VIEW),
    api("GET", "/api/v1/standards/evaluations", VIEW),
    api(
        "POST",
        "/api/v1/standards/evaluations",
        ASSESS,
        body=lambda w: {"region": w.A.code, "period": YEAR},
        body_out=lambda w: {"region": w.B.code, "period": YEAR},
        ok=(201,),
    ),
    api(
        "GET",
        "/api/v1/standards/evaluations/{evaluation_id}",
        VIEW,
        params=lambda w: {"evaluation_id": _evaluation(w.A).pk},
        out=lambda w: {"evaluation_id": _evaluation(w.B).pk},
    ),
    # Self-assessment is the community's own step: everyone else who sees it is refused (403).
    api(
        "PATCH",
        "/api/v1/standards/evaluations/{evaluation_id}/scores",
        {"community_admin"},
        params=lambda w: {"evaluation_id": _evaluation(w.A).pk},
        out=lambda w: {"evaluation_id": _evaluation(w.B).pk},
        body=lambda w: {"scores": {}},
        forbidden=VIEW - {"community_admin"},
    ),
    api(
        "POST",
        "/api/v1/standards/evaluations/{evaluation_id}/actions/{verb}",
        {"community_admin"},
        params=lambda w: {"evaluation_id": _evaluation(w.A).pk, "verb": "submit"},
        out=lambda w: {"evaluation_id": _evaluation(w.B).pk, "verb": "submit"},
        body=lambda w: {"comment": "自评完成"},
        forbidden=VIEW - {"community_admin"},
    ),
    api("GET", "/api/v1/standards/rankings", VIEW, query={"period": YEAR}),
    api("GET", "/api/v1/standards/health-runs", VIEW),
    api("POST", "/api/v1/standards/health-runs", ASSESS, ok=(202,)),
    api(
        "GET",
        "/api/v1/standards/health-runs/{run_id}",
        VIEW,
        params=lambda w: {"run_id": _run().pk},
        forbidden=EVERYONE,
    ),
    api("GET", "/api/v1/standards/branches", VIEW),
    api("GET", "/api/v1/standards/rectifications", VIEW),
    api(
        "POST",
        "/api/v1/standards/rectifications",
        ASSESS,
        body=lambda w: {
            "org": w.branch_a.code,
            "problem": "党费",
            "owner_name": "书记",
            "deadline": str(datetime.date.today()),
        },
        body_out=lambda w: {
            "org": w.branch_b.code,
            "problem": "党费",
            "owner_name": "书记",
            "deadline": str(datetime.date.today()),
        },
        ok=(201,),
    ),
    api(
        "POST",
        "/api/v1/standards/rectifications/{rect_id}/actions/{verb}",
        ASSESS,
        params=lambda w: {"rect_id": _rect(w.branch_a).pk, "verb": "start"},
        out=lambda w: {"rect_id": _rect(w.branch_b).pk, "verb": "start"},
        forbidden=VIEW_ONLY,
    ),
    api("GET", "/api/v1/standards/funding", VIEW),
    api(
        "POST",
        "/api/v1/standards/funding",
        ASSESS,
        body=lambda w: {
            "community": w.A.code,
            "direction": "received",
            "kind": "finance",
            "amount": "50000",
            "on_date": f"{YEAR}-03-01",
        },
        body_out=lambda w: {
            "community": w.B.code,
            "direction": "received",
            "kind": "finance",
            "amount": "50000",
            "on_date": f"{YEAR}-03-01",
        },
        ok=(201,),
    ),
    api("GET", "/api/v1/standards/funding/status", VIEW, query={"year": YEAR}),
    api("GET", "/api/v1/standards/honours", VIEW),
    api(
        "POST",
        "/api/v1/standards/honours",
        ASSESS,
        body=lambda w: {
            "region": w.A.code,
            "name": "新示范点",
            "year": YEAR,
            "level": "street",
            "citation": "示范",
        },
        body_out=lambda w: {
            "region": w.B.code,
            "name": "新示范点",
            "year": YEAR,
            "level": "street",
            "citation": "示范",
        },
        ok=(201,),
    ),
    api(
        "POST",
        "/api/v1/standards/honours/{honour_id}/revoke",
        ASSESS,
        params=lambda w: {"honour_id": _honour(w.A).pk},
        out=lambda w: {"honour_id": _honour(w.B).pk},
        body=lambda w: {"reason": "撤销"},
        forbidden=VIEW_ONLY,
    ),
    api("GET", "/api/v1/standards/street-duties", VIEW),
    api(
        "POST",
        "/api/v1/standards/street-duties/{duty_id}/check",
        STREET_ASSESS,
        params=lambda w: {"duty_id": _duty(w.streets[0]).pk},
        out=lambda w: {"duty_id": _duty(w.streets[1]).pk},
        body=lambda w: {"status": "ok", "note": ""},
        forbidden=STREET_VIEW - ASSESS,
    ),
]
