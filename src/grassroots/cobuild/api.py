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

from grassroots.core.api import CursorPagination, reference, require_perm, visible_or_404
from grassroots.core.crud import action_route, endpoint, get_route, list_route
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


def _items(model):
    related = ("community", "claimed_unit") if model is Need else ("community", "unit", "claimed_community")
    return lambda user: model.objects.visible_to(user).select_related(*related)


list_route(
    router, "/needs/", NeedOut, "cobuild_needs_list", "需求清单",
    read=_items(Need), filters=ItemFilters, perm="cobuild.view",
)  # fmt: skip


@endpoint(router.post, "/needs/", NeedOut, "cobuild_needs_create", "发布需求", status=201)
def needs_create(request, payload: NeedCreate):
    data = payload.dict()
    community = reference(Region, request.user, "community_code", "社区", data.pop("community_code"))
    data["category"] = payload.category.value
    need = services.post_need(request.user, community=community, **data)
    return Status(201, Need.objects.select_related("community", "claimed_unit").get(pk=need.pk))


def _need(user, need_id):
    return visible_or_404(Need, user, select_related=("community", "claimed_unit", "org"), pk=need_id)


def _resource(user, resource_id):
    related = ("community", "unit", "claimed_community", "org")
    return visible_or_404(Resource, user, select_related=related, pk=resource_id)


def _claim_need(user, need: Need, payload: ClaimNeed) -> None:
    unit = services.acting_units(user).filter(code=payload.unit_code).first()
    if unit is None:
        raise NotFound(f"单位“{payload.unit_code}”不存在或您无权代表该单位")
    services.claim_need(user, need, unit)


def _claim_resource(user, res: Resource, payload: ClaimResource) -> None:
    community = Region.objects.filter(code=payload.community_code, level="community").first()
    if community is None:
        raise NotFound(f"社区“{payload.community_code}”不存在或不在您的管辖范围内")
    services.claim_resource(user, res, community)


NEED = "/needs/{int:need_id}"
get_route(router, NEED, NeedOut, "cobuild_needs_get", "需求详情", _need)
action_route(
    router, f"{NEED}/claim", NeedOut, "cobuild_needs_claim",
    "单位认领需求（并发安全：同一需求只有一个单位认领成功，其余返回 409）",
    fetch=_need, payload=ClaimNeed, act=_claim_need,
)  # fmt: skip
action_route(
    router, f"{NEED}/release", NeedOut, "cobuild_needs_release", "退回已认领的需求", fetch=_need,
    payload=Release, act=lambda user, need, p: services.release_need(user, need, p.reason),
)  # fmt: skip


@endpoint(
    router.get, "/needs/{int:need_id}/suggestions", list[CobuildSuggestionOut], "cobuild_needs_suggestions",
    "为需求推荐资源（附推荐理由）",
)  # fmt: skip
def needs_suggestions(request, need_id: int):
    need = _need(request.user, need_id)
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


RESOURCE = "/resources/{int:resource_id}"
list_route(
    router, "/resources/", ResourceOut, "cobuild_resources_list", "资源清单",
    read=_items(Resource), filters=ItemFilters, perm="cobuild.view",
)  # fmt: skip
get_route(router, RESOURCE, ResourceOut, "cobuild_resources_get", "资源详情", _resource)
action_route(
    router, f"{RESOURCE}/claim", ResourceOut, "cobuild_resources_claim",
    "社区认领资源（并发安全：同一资源只有一个社区认领成功，其余返回 409）",
    fetch=_resource, payload=ClaimResource, act=_claim_resource,
)  # fmt: skip
action_route(
    router, f"{RESOURCE}/release", ResourceOut, "cobuild_resources_release", "退回已认领的资源",
    fetch=_resource, payload=Release, act=lambda user, res, p: services.release_resource(user, res, p.reason),
)  # fmt: skip


@endpoint(
    router.get, "/registrations/", list[RegistrationOut], "cobuild_registrations_list",
    "双报到记录（联系电话按权限脱敏）",
)  # fmt: skip
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


def _projects(user, region: str | None):
    qs = Project.objects.visible_to(user).select_related("community").prefetch_related("units")
    if region:
        qs = qs.filter(community__path__startswith=_region_path(user, region))
    return qs


def _meetings(user, held: bool | None):
    qs = Meeting.objects.visible_to(user).select_related("committee__community")
    if held is not None:
        qs = qs.filter(state="held") if held else qs.exclude(state="held")
    return qs


list_route(
    router, "/projects/", ProjectOut, "cobuild_projects_list", "项目清单",
    read=_projects, perm="cobuild.view", params={"region": (str | None, None)},
)  # fmt: skip
list_route(
    router, "/meetings/", MeetingOut, "cobuild_meetings_list", "联席会议",
    read=_meetings, perm="cobuild.view", params={"held": (bool | None, None)},
)  # fmt: skip
list_route(
    router, "/resolutions/", ResolutionOut, "cobuild_resolutions_list",
    "联席会议决议事项（办理状态由期限推算）", read=lambda user: Resolution.objects.visible_to(user),
    filters=ResolutionFilters, perm="cobuild.view",
)  # fmt: skip


@endpoint(router.get, "/stats", CobuildStatsOut, "cobuild_stats", "共驻共建统计（本人管辖范围）")
def stats_get(request):
    require_perm(request.user, "cobuild.view")
    return stats.scope_counts(request.user)
