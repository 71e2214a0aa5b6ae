"""/api/v1/recruitment/: candidates (masked), their files, recording a step, registering an applicant
and the pipeline. Thin: reads through visible_to(), writes through recruitment.services."""

import datetime

from ninja import Query, Router, Schema, Status
from ninja.pagination import paginate

from grassroots.core.api import CursorPagination, visible_or_404
from grassroots.core.crud import endpoint
from grassroots.core.errors import NotFound, PermissionDenied
from grassroots.core.resolvers import display, from_attr, masked
from grassroots.party.models import Member, PartyOrg

from . import access, rules, services, stats
from .filters import CandidateFilters
from .models import Candidate
from .steps import STEPS

router = Router(tags=["发展党员"])


class CandidateOut(Schema):
    id: int
    name: str
    gender: str
    stage: str
    stage_label: str
    party_org_code: str
    party_org_name: str
    last_step: int
    last_step_name: str
    last_on: datetime.date | None
    id_number: str
    phone: str
    member_id: int | None

    resolve_stage_label = display("stage")
    resolve_party_org_code = from_attr("party_org.code")
    resolve_party_org_name = from_attr("party_org.name")
    resolve_id_number = masked("id_number")
    resolve_phone = masked("phone")


class StepOut(Schema):
    step: int
    name: str
    on: datetime.date
    actor: str
    note: str
    decision: str
    people: str


class NextOut(Schema):
    step: int
    name: str
    earliest: datetime.date | None
    due: datetime.date | None
    rule: str


class CandidateDetailOut(CandidateOut):
    records: list[StepOut]
    next_steps: list[NextOut]

    @staticmethod
    def resolve_records(obj):
        return [
            {
                "step": r.step,
                "name": STEPS[r.step].name,
                "on": r.on,
                "actor": r.actor,
                "note": r.note,
                "decision": r.decision,
                "people": r.people,
            }
            for r in obj.records.all()
        ]

    @staticmethod
    def resolve_next_steps(obj):
        return [
            {"step": n.step, "name": n.info.name, "earliest": n.earliest, "due": n.due, "rule": n.why}
            for n in rules.schedule(obj, rules.params())
        ]


class ApplicantIn(Schema):
    party_org_code: str
    name: str
    gender: str
    birth_date: datetime.date
    id_number: str
    applied_on: datetime.date
    phone: str = ""
    education: str = ""
    occupation: str = ""
    note: str = ""


class StepIn(Schema):
    step: int
    on: datetime.date
    actor: str = ""
    note: str = ""
    hours: int | None = None
    people_ids: list[int] = []
    decision: str = ""
    extend_until: datetime.date | None = None


class StageCount(Schema):
    stage: str
    label: str
    count: int


class DueOut(Schema):
    candidate_id: int
    name: str
    step: int
    step_name: str
    due: datetime.date | None
    earliest: datetime.date | None
    overdue: bool


class PipelineOut(Schema):
    stages: list[StageCount]
    due: list[DueOut]


def _require_list(user) -> None:
    """Lists: a user without a party.view grant over a region or an org gets a 403."""
    if not access.can(user, "party.view"):
        raise PermissionDenied()


def _candidates(user):
    return Candidate.objects.visible_to(user).select_related("party_org")


def _org(user, code: str) -> PartyOrg:
    org = PartyOrg.objects.visible_to(user).filter(code=code).first()
    if org is None:
        raise NotFound("党组织不存在或不在您的管辖范围内")
    return org


@endpoint(router.get, "/candidates/", list[CandidateOut], "recruitment_candidates_list", "发展党员对象列表")
@paginate(CursorPagination)
def candidates_list(request, filters: Query[CandidateFilters.schema()]):
    _require_list(request.user)
    return CandidateFilters.from_request(request).apply(_candidates(request.user))


@endpoint(
    router.get, "/candidates/{candidate_id}/", CandidateDetailOut, "recruitment_candidate_detail",
    "发展党员档案",
)  # fmt: skip
def candidate_detail(request, candidate_id: int):
    c = visible_or_404(Candidate, request.user, select_related=("party_org", "member"), pk=candidate_id)
    return c


@endpoint(
    router.post, "/candidates/", CandidateDetailOut, "recruitment_candidate_create",
    "登记入党申请人（第 1 步）", status=201,
)  # fmt: skip
def candidate_create(request, payload: ApplicantIn):
    if not access.can(request.user, "party.change"):
        raise NotFound("党组织不存在或不在您的管辖范围内")
    data = payload.dict()
    org = _org(request.user, data.pop("party_org_code"))
    c = services.register_applicant(request.user, party_org=org, **data)
    return Status(201, Candidate.objects.select_related("party_org", "member").get(pk=c.pk))


@endpoint(
    router.post, "/candidates/{candidate_id}/steps/", CandidateDetailOut, "recruitment_step_record",
    "记录发展步骤", status=201,
)  # fmt: skip
def step_record(request, candidate_id: int, payload: StepIn):
    c = visible_or_404(Candidate, request.user, select_related=("party_org", "member"), pk=candidate_id)
    data = payload.dict()
    ids = data.pop("people_ids")
    people = list(Member.objects.visible_to(request.user).filter(pk__in=ids)) if ids else []
    if len(people) != len(set(ids)):
        raise NotFound("指定的党员不存在或不在您的管辖范围内")
    services.record_step(request.user, c, people=people, **data)
    return Status(201, Candidate.objects.select_related("party_org", "member").get(pk=c.pk))


@endpoint(router.get, "/pipeline/", PipelineOut, "recruitment_pipeline", "发展党员进度与待办")
def pipeline(request, org: str | None = None):
    _require_list(request.user)
    qs = Candidate.objects.visible_to(request.user)
    if org:
        qs = qs.filter(party_org__path__startswith=_org(request.user, org).path)
    counts = stats.pipeline(qs)
    due = stats.due_items(stats.active_candidates(qs))
    return {
        "stages": [
            {"stage": s["code"], "label": s["label"], "count": s["n"]}
            for s in counts["stages"] + counts["ended"]
        ],
        "due": [
            {
                "candidate_id": d.candidate.pk,
                "name": d.candidate.name,
                "step": d.step,
                "step_name": d.info.name,
                "due": d.due,
                "earliest": d.earliest,
                "overdue": d.overdue,
            }
            for d in due[:200]
        ],
    }
