"""红色物业 API: companies, owners' committees, contracts, inspections, yearly grades, neighborhoods
without property management, and a resident's rating. Reads are scoped; writes call services.py."""

import datetime as dt
from decimal import Decimal

from django.db.models import Count, Q
from django.utils import timezone
from ninja import Router, Schema, Status
from ninja.pagination import paginate

from grassroots.core.api import ERRORS, CursorPagination, given, pick, reference, require_perm, visible_or_404
from grassroots.core.masking import mask_phone
from grassroots.core.resolvers import display, from_attr
from grassroots.regions.models import Region

from . import services, stats
from .models import (
    ContractState,
    Grade,
    Inspection,
    OwnersCommittee,
    PropertyCompany,
    ServiceContract,
    active_contract_q,
)

router = Router(tags=["红色物业"])


class PropertyCompanyOut(Schema):
    id: int
    name: str
    unit_code: str
    region: str
    credit_code: str
    manager_name: str
    manager_phone: str
    is_state_owned: bool
    party_work: str
    party_org: str | None
    instructor: str | None
    neighborhoods: int

    resolve_name = from_attr("unit.name")
    resolve_unit_code = from_attr("unit.code")
    resolve_region = from_attr("unit.region.name")

    @staticmethod
    def resolve_manager_phone(obj):
        return mask_phone(obj.manager_phone)

    @staticmethod
    def resolve_party_work(obj):
        return obj.unit.get_party_work_display()

    @staticmethod
    def resolve_party_org(obj):
        return obj.unit.party_org.name if obj.unit.party_org else None

    @staticmethod
    def resolve_instructor(obj):
        return obj.unit.instructor.name if obj.unit.instructor else None

    @staticmethod
    def resolve_neighborhoods(obj):
        return getattr(obj, "n_hoods", 0)


class PropertyCompanyIn(Schema):
    region_code: str
    name: str
    credit_code: str = ""
    manager_name: str = ""
    manager_phone: str = ""
    is_state_owned: bool = False


class OwnersCommitteeOut(Schema):
    id: int
    name: str
    neighborhood: str
    neighborhood_code: str
    party_org: str | None
    term_start: dt.date | None
    term_end: dt.date | None
    members: int
    party_members: int

    resolve_name = from_attr("unit.name")
    resolve_neighborhood = from_attr("neighborhood.name")
    resolve_neighborhood_code = from_attr("neighborhood.code")

    @staticmethod
    def resolve_party_org(obj):
        return obj.unit.party_org.name if obj.unit.party_org else None

    @staticmethod
    def resolve_members(obj):
        return getattr(obj, "n_members", 0)

    @staticmethod
    def resolve_party_members(obj):
        return getattr(obj, "n_party", 0)


class PropertyContractOut(Schema):
    id: int
    company_id: int
    company: str
    neighborhood: str
    neighborhood_code: str
    start: dt.date
    end: dt.date
    fee: Decimal
    state: ContractState
    state_label: str
    ended_on: dt.date | None

    resolve_company = from_attr("company.unit.name")
    resolve_neighborhood = from_attr("neighborhood.name")
    resolve_neighborhood_code = from_attr("neighborhood.code")
    resolve_state_label = display("state")


class PropertyContractIn(Schema):
    company_id: int
    neighborhood_code: str
    start: dt.date
    end: dt.date
    fee: Decimal
    note: str = ""


class PropertyInspectionOut(Schema):
    id: int
    company_id: int
    company: str
    neighborhood: str
    inspected_on: dt.date
    score: int
    findings: str
    inspector_name: str

    resolve_company = from_attr("company.unit.name")
    resolve_neighborhood = from_attr("neighborhood.name")


class PropertyInspectionIn(Schema):
    company_id: int
    neighborhood_code: str
    inspected_on: dt.date
    score: int
    findings: str = ""


class PropertyGradeOut(Schema):
    company_id: int
    company: str
    district: str
    year: int
    households: int
    cases: int
    resolved: int
    on_time: int
    evaluations: int
    ratings: int
    inspections: int
    volume_score: Decimal
    ontime_score: Decimal
    satisfaction_score: Decimal
    rating_score: Decimal
    inspection_score: Decimal
    score: Decimal
    grade: str

    resolve_company = from_attr("company.unit.name")
    resolve_district = from_attr("district.name")


class UnmanagedNeighborhoodOut(Schema):
    code: str
    name: str
    households: int
    taken_over: bool

    resolve_households = from_attr("household_count")


class PropertyRatingIn(Schema):
    stars: int
    comment: str = ""


class PropertyRatingOut(Schema):
    company: str
    neighborhood: str
    year: int
    stars: int


def _companies(user):
    today = timezone.localdate()
    return (
        PropertyCompany.objects.visible_to(user)
        .select_related("unit__region", "unit__party_org", "unit__instructor")
        .annotate(n_hoods=Count("contracts", filter=active_contract_q(today, "contracts__"), distinct=True))
    )


@router.get("/companies", response={200: list[PropertyCompanyOut], **ERRORS}, summary="物业服务企业列表")
@paginate(CursorPagination)
def list_companies(request, state_owned: bool | None = None):
    require_perm(request.user, services.VIEW)
    qs = _companies(request.user)
    if state_owned is not None:
        qs = qs.filter(is_state_owned=state_owned)
    return qs


@router.get("/companies/{company_id}", response={200: PropertyCompanyOut, **ERRORS}, summary="物业企业详情")
def get_company(request, company_id: int):
    obj = _companies(request.user).filter(pk=company_id).first()
    if obj is None:
        visible_or_404(PropertyCompany, request.user, pk=company_id)
    return obj


@router.post("/companies", response={201: PropertyCompanyOut, **ERRORS}, summary="登记物业服务企业")
def create_company(request, payload: PropertyCompanyIn):
    require_perm(request.user, services.MANAGE)
    region = reference(Region, request.user, "region_code", "街道或社区", payload.region_code)
    company = services.register_company(
        request.user,
        region=region,
        **pick(payload, "name", "credit_code", "manager_name", "manager_phone", "is_state_owned"),
    )
    return Status(201, _companies(request.user).get(pk=company.pk))


@router.get("/committees", response={200: list[OwnersCommitteeOut], **ERRORS}, summary="业主委员会列表")
@paginate(CursorPagination)
def list_committees(request):
    require_perm(request.user, services.VIEW)
    active = Q(members__left_on__isnull=True)
    return (
        OwnersCommittee.objects.visible_to(request.user)
        .select_related("unit__party_org", "neighborhood")
        .annotate(
            n_members=Count("members", filter=active, distinct=True),
            n_party=Count("members", filter=active & Q(members__party_member__isnull=False), distinct=True),
        )
    )


@router.get("/contracts", response={200: list[PropertyContractOut], **ERRORS}, summary="物业服务合同列表")
@paginate(CursorPagination)
def list_contracts(request, state: ContractState | None = None):
    require_perm(request.user, services.VIEW)
    qs = ServiceContract.objects.visible_to(request.user).select_related("company__unit", "neighborhood")
    return given(qs, state=state)


@router.post("/contracts", response={201: PropertyContractOut, **ERRORS}, summary="登记物业服务合同")
def create_contract(request, payload: PropertyContractIn):
    require_perm(request.user, services.MANAGE)
    hood = reference(Region, request.user, "neighborhood_code", "小区", payload.neighborhood_code)
    company = visible_or_404(PropertyCompany, request.user, pk=payload.company_id, select_related=("unit",))
    contract = services.sign_contract(
        request.user, company=company, neighborhood=hood, **pick(payload, "start", "end", "fee", "note")
    )
    return Status(201, contract)


@router.get("/inspections", response={200: list[PropertyInspectionOut], **ERRORS}, summary="物业检查记录")
@paginate(CursorPagination)
def list_inspections(request, company_id: int | None = None):
    require_perm(request.user, services.VIEW)
    qs = Inspection.objects.visible_to(request.user).select_related("company__unit", "neighborhood")
    return given(qs, company_id=company_id)


@router.post("/inspections", response={201: PropertyInspectionOut, **ERRORS}, summary="登记物业检查")
def create_inspection(request, payload: PropertyInspectionIn):
    require_perm(request.user, services.MANAGE)
    hood = reference(Region, request.user, "neighborhood_code", "小区", payload.neighborhood_code)
    company = PropertyCompany.objects.select_related("unit").filter(pk=payload.company_id).first()
    inspection = services.inspect(
        request.user, company=company, neighborhood=hood, **pick(payload, "inspected_on", "score", "findings")
    )
    return Status(201, inspection)


@router.get("/grades", response={200: list[PropertyGradeOut], **ERRORS}, summary="物业年度等级")
@paginate(CursorPagination)
def list_grades(request, year: int | None = None):
    require_perm(request.user, services.VIEW)
    qs = Grade.objects.visible_to(request.user).select_related("company__unit", "district")
    return given(qs, year=year)


@router.get("/unmanaged", response={200: list[UnmanagedNeighborhoodOut], **ERRORS}, summary="无物业管理小区")
@paginate(CursorPagination)
def list_unmanaged(request):
    require_perm(request.user, services.VIEW)
    return stats.unmanaged_neighborhoods(request.user)


@router.post("/ratings", response={201: PropertyRatingOut, **ERRORS}, summary="居民评价本小区物业")
def create_rating(request, payload: PropertyRatingIn):
    rating = services.rate(request.user, stars=payload.stars, comment=payload.comment)
    return Status(
        201,
        {
            "company": rating.company.unit.name,
            "neighborhood": rating.neighborhood.name,
            "year": rating.year,
            "stars": rating.stars,
        },
    )
