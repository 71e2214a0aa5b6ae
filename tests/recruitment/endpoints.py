"""Access matrix entries of recruitment (contract: tests/access/registry.py). Recruitment uses party's
permissions: party.view reads the files and the pipeline, party.change records steps."""

from __future__ import annotations

from django.utils import timezone

from tests.access.registry import api, holders, page

VIEW = holders("party.view")
CHANGE = holders("party.change")


def _cand(w):
    return {"pk": w.candidate_a.pk}


def _cand_out(w):
    return {"pk": w.candidate_b.pk}


def _step(w):
    return {"step": "2", "on": timezone.localdate().isoformat(), "actor": "支部书记"}


def _applicant(branch):
    import datetime

    from tests.factories import id_number_born

    birth = datetime.date(1998, 3, 9)
    return {
        "party_org_code": branch.code,
        "name": "矩阵新申请人",
        "gender": "male",
        "birth_date": birth.isoformat(),
        "id_number": id_number_born(birth),
        "applied_on": timezone.localdate().isoformat(),
    }


ENDPOINTS = [
    page("recruitment:pipeline", VIEW),
    page("recruitment:list", VIEW),
    page("recruitment:add", CHANGE),
    page("recruitment:detail", VIEW, kwargs=_cand, out=_cand_out),
    page(
        "recruitment:record_step",
        CHANGE,
        method="POST",
        kwargs=_cand,
        out=_cand_out,
        data=_step,
        ok=(302,),
        forbidden=VIEW,
    ),
    page(
        "recruitment:stop",
        CHANGE,
        method="POST",
        kwargs=_cand,
        out=_cand_out,
        data=lambda w: {"on": timezone.localdate().isoformat(), "reason": "本人撤回入党申请"},
        ok=(302,),
        forbidden=VIEW,
    ),
    api("GET", "/api/v1/recruitment/candidates/", VIEW),
    api(
        "GET",
        "/api/v1/recruitment/candidates/{candidate_id}/",
        VIEW,
        params=lambda w: {"candidate_id": w.candidate_a.pk},
        out=lambda w: {"candidate_id": w.candidate_b.pk},
    ),
    api(
        "POST",
        "/api/v1/recruitment/candidates/",
        CHANGE,
        body=lambda w: _applicant(w.branch_a),
        body_out=lambda w: _applicant(w.branch_b),
        ok=(201,),
        forbidden=VIEW,
    ),
    api(
        "POST",
        "/api/v1/recruitment/candidates/{candidate_id}/steps/",
        CHANGE,
        params=lambda w: {"candidate_id": w.candidate_a.pk},
        out=lambda w: {"candidate_id": w.candidate_b.pk},
        body=lambda w: {"step": 2, "on": timezone.localdate().isoformat()},
        ok=(201,),
        forbidden=VIEW,
    ),
    api("GET", "/api/v1/recruitment/pipeline/", VIEW),
]
