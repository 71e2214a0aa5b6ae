"""/api/v1/cobuild/: co-building lists (registrations, needs, resources, projects, meetings,
resolutions), two-way claiming and scope counts.

Thin: reads through visible_to(), writes through cobuild.services (scope, validation, audit).
"""

import datetime
from decimal import Decimal
from enum import Enum

from django.db.models import Sum
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from grassroots.core.api import ERRORS, CursorPagination, reference, require_perm, visible_or_404
from grassroots.core.errors import NotFound
from grassroots.core.masking import mask
from grassroots.core.resolvers import display, from_attr
from grassroots.regions.models import Region

from . import services, stats
from .filters import ItemFilters, RegistrationFilters, ResolutionFilters
from .models import (
    Category,
    Meeting,
    Need,
    Project,
    Registration,
    Resolution,
    Resource,
)

router = Router(tags=["共驻共建"])

CategoryEnum = Enum("CobuildCategory", {c: c for c in Category.values}, type=str)


class NeedOut(Schema):
    id: int
    title: str
    category: str
    category_label: str
    quantity: int
    community_code: str
    community_name: str
    place: str
    lng: float | None
    lat: float | None
    valid_until: datetime.date | None
    state: str
    state_label: str
    claimed_unit_code: str | None
    claimed_at: datetime.datetime | None
    project_id: int | None

    resolve_category_label = display("category")
    resolve_community_code = from_attr("community.code")
    resolve_community_name = from_attr("community.name")
    resolve_state_label = display("state")
    resolve_claimed_unit_code = from_attr("claimed_unit.code")


class ResourceOut(NeedOut):
    unit_code: str
    unit_name: str
    claimed_community_code: str | None
    claimed_unit_code: str | None = None

    resolve_unit_code = from_attr("unit.code")
    resolve_unit_name = from_attr("unit.name")
    resolve_claimed_community_code = from_attr("claimed_community.code")

    @staticmethod
    def resolve_claimed_unit_code(obj):
        return None


class NeedCreate(Schema):
    community_code: str = Field(..., max_length=24)
    title: str = Field(..., min_length=1, max_length=100)
    category: CategoryEnum
    quantity: int = Field(1, ge=1, le=1_000_000)
    description: str = Field("", max_length=2000)
    place: str = Field("", max_length=100)
    lng: float | None = Field(None, ge=-180, le=180)
    lat: float | None = Field(None, ge=-90, le=90)
    valid_until: datetime.date | None = None
    on_behalf_of: str = Field("", max_length=50)


class ClaimNeed(Schema):
    unit_code: str = Field(..., min_length=1, max_length=32, description="代表认领的单位编码")


class ClaimResource(Schema):
    community_code: str = Field(..., min_length=1, max_length=24, description="认领社区编码")


class Release(Schema):
    reason: str = Field("", max_length=200)


class CobuildSuggestionOut(Schema):
    id: int
    title: str
    community_name: str
    score: float
    why: str


class RegistrationOut(Schema):
    id: int
    kind: str
    community_code: str
    community_name: str
    unit_code: str | None
    name: str
    state: str
    state_label: str
    contact_name: str
    contact_phone: str
    posts: list[str]
    hours: Decimal
    submitted_at: datetime.datetime
    confirmed_at: datetime.datetime | None


class ProjectOut(Schema):
    id: int
    title: str
    community_code: str
    community_name: str
    budget_fen: int
    state: str
    unit_codes: list[str]
    evaluation_score: int | None

    resolve_community_code = from_attr("community.code")
    resolve_community_name = from_attr("community.name")

    @staticmethod
    def resolve_unit_codes(obj):
        return [u.code for u in obj.units.all()]


class MeetingOut(Schema):
    id: int
    committee_id: int
    committee_name: str
    region_code: str
    starts_at: datetime.datetime
    place: str
    theme: str
    state: str

    resolve_committee_name = from_attr("committee.name")
    resolve_region_code = from_attr("committee.community.code")


class ResolutionOut(Schema):
    id: int
    meeting_id: int
    issue: str
    decision: str
    owner: str
    duty: str
    due: datetime.date | None
    done_on: datetime.date | None
    status: str

    @staticmethod
    def resolve_status(obj):
        return obj.status()


class CobuildStatsOut(Schema):
    units: int
    members: int
    open_needs: int
    open_resources: int
    projects: int
    meetings: int
    issues: int
    resolved: int


def _region_path(user, code: str) -> str:
    node = Region.objects.visible_to(user).filter(code=code).only("path").first()
    if node is None:
        raise NotFound(f"区划“{code}”不存在或不在您的管辖范围内")
    return node.path


def _items(model, request):
    require_perm(request.user, "cobuild.view")
    related = ("community", "claimed_unit") if model is Need else ("community", "unit", "claimed_community")
    qs = model.objects.visible_to(request.user).select_related(*related)
    return ItemFilters.from_request(request).apply(qs)


@router.get(
    "/needs/", response={200: list[NeedOut], **ERRORS}, operation_id="cobuild_needs_list", summary="需求清单"
)
@paginate(CursorPagination)
def needs_list(request, filters: Query[ItemFilters.schema()]):
    return _items(Need, request)


@router.post(
    "/needs/", response={201: NeedOut, **ERRORS}, operation_id="cobuild_needs_create", summary="发布需求"
)
def needs_create(request, payload: NeedCreate):
    data = payload.dict()
    community = reference(Region, request.user, "community_code", "社区", data.pop("community_code"))
    data["category"] = payload.category.value
    need = services.post_need(request.user, community=community, **data)
    return Status(201, Need.objects.select_related("community", "claimed_unit").get(pk=need.pk))


def _need(request, need_id):
    return visible_or_404(Need, request.user, select_related=("community", "claimed_unit", "org"), pk=need_id)


def _resource(request, resource_id):
    return visible_or_404(
        Resource,
        request.user,
        select_related=("community", "unit", "claimed_community", "org"),
        pk=resource_id,
    )


@router.get(
    "/needs/{int:need_id}",
    response={200: NeedOut, **ERRORS},
    operation_id="cobuild_needs_get",
    summary="需求详情",
)
def needs_get(request, need_id: int):
    return _need(request, need_id)


@router.post(
    "/needs/{int:need_id}/claim",
    response={200: NeedOut, **ERRORS},
    operation_id="cobuild_needs_claim",
    summary="单位认领需求（并发安全：同一需求只有一个单位认领成功，其余返回 409）",
)
def needs_claim(request, need_id: int, payload: ClaimNeed):
    need = _need(request, need_id)
    unit = services.acting_units(request.user).filter(code=payload.unit_code).first()
    if unit is None:
        raise NotFound(f"单位“{payload.unit_code}”不存在或您无权代表该单位")
    services.claim_need(request.user, need, unit)
    return _need(request, need_id)


@router.post(
    "/needs/{int:need_id}/release",
    response={200: NeedOut, **ERRORS},
    operation_id="cobuild_needs_release",
    summary="退回已认领的需求",
)
def needs_release(request, need_id: int, payload: Release):
    services.release_need(request.user, _need(request, need_id), payload.reason)
    return _need(request, need_id)


@router.get(
    "/needs/{int:need_id}/suggestions",
    response={200: list[CobuildSuggestionOut], **ERRORS},
    operation_id="cobuild_needs_suggestions",
    summary="为需求推荐资源（附推荐理由）",
)
def needs_suggestions(request, need_id: int):
    need = _need(request, need_id)
    return [
        {
            "id": s.item.pk,
            "title": s.item.title,
            "community_name": s.item.community.name,
            "score": s.score,
            "why": s.why,
        }
        for s in stats.suggest_resources(request.user, need)
    ]


@router.get(
    "/resources/",
    response={200: list[ResourceOut], **ERRORS},
    operation_id="cobuild_resources_list",
    summary="资源清单",
)
@paginate(CursorPagination)
def resources_list(request, filters: Query[ItemFilters.schema()]):
    return _items(Resource, request)


@router.get(
    "/resources/{int:resource_id}",
    response={200: ResourceOut, **ERRORS},
    operation_id="cobuild_resources_get",
    summary="资源详情",
)
def resources_get(request, resource_id: int):
    return _resource(request, resource_id)


@router.post(
    "/resources/{int:resource_id}/claim",
    response={200: ResourceOut, **ERRORS},
    operation_id="cobuild_resources_claim",
    summary="社区认领资源（并发安全：同一资源只有一个社区认领成功，其余返回 409）",
)
def resources_claim(request, resource_id: int, payload: ClaimResource):
    res = _resource(request, resource_id)
    community = Region.objects.filter(code=payload.community_code, level="community").first()
    if community is None:
        raise NotFound(f"社区“{payload.community_code}”不存在或不在您的管辖范围内")
    services.claim_resource(request.user, res, community)
    return _resource(request, resource_id)


@router.post(
    "/resources/{int:resource_id}/release",
    response={200: ResourceOut, **ERRORS},
    operation_id="cobuild_resources_release",
    summary="退回已认领的资源",
)
def resources_release(request, resource_id: int, payload: Release):
    services.release_resource(request.user, _resource(request, resource_id), payload.reason)
    return _resource(request, resource_id)


@router.get(
    "/registrations/",
    response={200: list[RegistrationOut], **ERRORS},
    operation_id="cobuild_registrations_list",
    summary="双报到记录（联系电话按权限脱敏）",
)
@paginate(CursorPagination)
def registrations_list(request, filters: Query[RegistrationFilters.schema()]):
    require_perm(request.user, "cobuild.view")
    qs = (
        Registration.objects.visible_to(request.user)
        .select_related("community", "unit", "member", "org")
        .prefetch_related("posts")
        .annotate(hours=Sum("records__hours"))
    )
    return _RegistrationRows(RegistrationFilters.from_request(request).apply(qs), request.user)


class _RegistrationRows:
    """The paginated queryset, turned into rows with the phone masked (unmask: /api/v1/personal/unmask)."""

    def __init__(self, qs, user):
        self.qs, self.user = qs, user

    def order_by(self, *a):
        return _RegistrationRows(self.qs.order_by(*a), self.user)

    def filter(self, *a, **kw):
        return _RegistrationRows(self.qs.filter(*a, **kw), self.user)

    def __getitem__(self, s):
        return [self._row(r) for r in self.qs[s]]

    def _row(self, r):
        phone = mask("phone", r.contact_phone) if r.contact_phone else ""
        return _Row(
            id=r.pk,
            pk=r.pk,
            kind=r.kind,
            community_code=r.community.code,
            community_name=r.community.name,
            unit_code=r.unit.code if r.unit_id else None,
            name=r.unit.name if r.unit_id else r.member.name,
            state=r.state,
            state_label=r.get_state_display(),
            contact_name=r.contact_name,
            contact_phone=phone,
            posts=[p.name for p in r.posts.all()],
            hours=r.hours or Decimal(0),
            submitted_at=r.submitted_at,
            confirmed_at=r.confirmed_at,
        )


class _Row(dict):
    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError as exc:
            raise AttributeError(name) from exc


@router.get(
    "/projects/",
    response={200: list[ProjectOut], **ERRORS},
    operation_id="cobuild_projects_list",
    summary="项目清单",
)
@paginate(CursorPagination)
def projects_list(request, region: str | None = None):
    require_perm(request.user, "cobuild.view")
    qs = Project.objects.visible_to(request.user).select_related("community").prefetch_related("units")
    if region:
        qs = qs.filter(community__path__startswith=_region_path(request.user, region))
    return qs


@router.get(
    "/meetings/",
    response={200: list[MeetingOut], **ERRORS},
    operation_id="cobuild_meetings_list",
    summary="联席会议",
)
@paginate(CursorPagination)
def meetings_list(request, held: bool | None = None):
    require_perm(request.user, "cobuild.view")
    qs = Meeting.objects.visible_to(request.user).select_related("committee__community")
    if held is not None:
        qs = qs.filter(state="held") if held else qs.exclude(state="held")
    return qs


@router.get(
    "/resolutions/",
    response={200: list[ResolutionOut], **ERRORS},
    operation_id="cobuild_resolutions_list",
    summary="联席会议决议事项（办理状态由期限推算）",
)
@paginate(CursorPagination)
def resolutions_list(request, filters: Query[ResolutionFilters.schema()]):
    require_perm(request.user, "cobuild.view")
    qs = Resolution.objects.visible_to(request.user)
    return ResolutionFilters.from_request(request).apply(qs)


@router.get(
    "/stats",
    response={200: CobuildStatsOut, **ERRORS},
    operation_id="cobuild_stats",
    summary="共驻共建统计（本人管辖范围）",
)
def stats_get(request):
    require_perm(request.user, "cobuild.view")
    return stats.scope_counts(request.user)
