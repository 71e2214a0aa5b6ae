"""Volunteers API (/api/v1/volunteers/): micro-wishes, points, 爱心超市, teams, activities, rankings.

Thin: reads through visible_to() (the wish pool and the catalogue are open to every holder of
volunteers.join), writes through volunteers.services; personal fields are always masked here."""

import datetime as dt
from typing import Literal

from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from grassroots.core.api import ERRORS, CursorPagination, require_perm, visible_or_404
from grassroots.core.errors import NotFound, ServiceError
from grassroots.core.resolvers import from_attr, masked
from grassroots.core.scoping import has_perm
from grassroots.regions.models import Region

from . import services, stats, wishes
from .filters import WishFilters
from .models import (
    CatalogItem,
    PointEntry,
    Redemption,
    Volunteer,
    VolunteerActivity,
    VolunteerTeam,
    Wish,
    WishCategory,
    WishState,
)

router = Router(tags=["志愿服务与积分"])

WishStateEnum = Literal[tuple(WishState.values)]  # type: ignore[valid-type]
WishCategoryEnum = Literal[tuple(WishCategory.values)]  # type: ignore[valid-type]
WishVerbEnum = Literal["approve", "reject", "claim", "abandon", "fulfil", "confirm", "release", "expire"]


def _community(user, code: str, field: str = "community") -> Region:
    region = Region.objects.visible_to(user).filter(code=code, level="community").first()
    if region is None:
        raise ServiceError(f"社区“{code}”不存在或不在您的管辖范围内", field=field, status=404)
    return region


# ---------------------------------------------------------------- wishes


class WishOut(Schema):
    id: int
    title: str
    description: str
    category: WishCategoryEnum
    community_code: str
    community: str
    state: WishStateEnum
    timing: str = Field(description="由时间推导：overdue 超期未完成 / expiring 已到认领截止 / 空")
    beneficiary_name: str = Field(description="已脱敏")
    beneficiary_phone: str = Field(description="已脱敏")
    claimant_name: str
    posted_at: dt.datetime
    published_at: dt.datetime | None
    expires_at: dt.datetime | None
    claimed_at: dt.datetime | None
    claim_due_at: dt.datetime | None
    fulfilled_at: dt.datetime | None
    confirmed_at: dt.datetime | None

    resolve_community_code = from_attr("region.code")
    resolve_community = from_attr("region.name")

    @staticmethod
    def resolve_timing(obj):
        return obj.timing()

    resolve_beneficiary_name = masked("beneficiary_name")
    resolve_beneficiary_phone = masked("beneficiary_phone")


class WishDetailOut(WishOut):
    actions: list[str] = Field(description="当前用户在当前状态下可执行的操作")
    fulfil_note: str

    resolve_actions = from_attr("_actions")


class PoolWishOut(Schema):
    """A published wish as claimers see it: no personal data."""

    id: int
    title: str
    description: str
    category: WishCategoryEnum
    community_code: str
    community: str
    published_at: dt.datetime | None
    expires_at: dt.datetime | None
    claim_days: int

    resolve_community_code = from_attr("region.code")
    resolve_community = from_attr("region.name")


class WishIn(Schema):
    community: str = Field(description="社区编码")
    title: str
    category: WishCategoryEnum = "daily"
    description: str = ""
    beneficiary_name: str
    beneficiary_phone: str = ""
    open_days: int | None = Field(None, description="认领期限（天），默认 30")
    claim_days: int | None = Field(None, description="完成期限（天），默认 7")


class WishActionIn(Schema):
    note: str = Field("", description="说明、退回原因、完成情况")
    unit_id: int | None = Field(None, description="claim：代表单位认领时的单位编号")


def _wish(user, wish_id: int) -> Wish:
    wish = (
        Wish.objects.visible_to(user).select_related("region", "posted_by", "claimed_by").filter(pk=wish_id)
    )
    wish = wish.first() or (
        Wish.objects.visible_to(user, "join")
        .select_related("region", "posted_by", "claimed_by")
        .filter(pk=wish_id)
        .first()
    )
    if wish is None:
        raise NotFound("心愿不存在或无权访问")
    wish._actions = wishes.available_wish_actions(user, wish)
    return wish


@router.get("/wishes/", response={200: list[WishOut], **ERRORS}, summary="微心愿列表（工作人员）")
@paginate(CursorPagination)
def list_wishes(request, filters: Query[WishFilters.schema()]):
    require_perm(request.user, "volunteers.view")
    return WishFilters.from_request(request).apply(
        Wish.objects.visible_to(request.user).select_related("region")
    )


@router.get("/wishes/pool", response={200: list[PoolWishOut], **ERRORS}, summary="心愿池：待认领的心愿")
@paginate(CursorPagination)
def wish_pool(request, community: str | None = None):
    require_perm(request.user, "volunteers.join")
    qs = Wish.objects.filter(state=WishState.PUBLISHED).select_related("region")
    if community:
        qs = qs.filter(region__code=community)
    return qs


@router.get("/wishes/mine", response={200: list[WishOut], **ERRORS}, summary="我（或我的单位）认领的心愿")
@paginate(CursorPagination)
def my_wishes(request):
    require_perm(request.user, "volunteers.join")
    return Wish.objects.visible_to(request.user, "join").select_related("region")


@router.get("/wishes/{wish_id}", response={200: WishDetailOut, **ERRORS}, summary="微心愿详情")
def get_wish(request, wish_id: int):
    return _wish(request.user, wish_id)


@router.post("/wishes/", response={201: WishDetailOut, **ERRORS}, summary="登记微心愿（照片请在页面上传）")
def post_wish(request, payload: WishIn):
    region = _community(request.user, payload.community)
    wish = wishes.post_wish(request.user, region=region, **payload.dict(exclude={"community"}))
    return Status(201, _wish(request.user, wish.pk))


@router.post(
    "/wishes/{wish_id}/actions/{verb}",
    response={200: WishDetailOut, **ERRORS},
    summary="心愿流转：审核、认领、放弃、确认、退回心愿池、下架（完成须在页面上传凭证照片）",
)
def wish_action(request, wish_id: int, verb: WishVerbEnum, payload: WishActionIn):
    user = request.user
    wish = None
    if verb == "claim" and has_perm(user, "volunteers.join"):
        wish = (
            Wish.objects.select_related("region", "posted_by")
            .filter(pk=wish_id, state=WishState.PUBLISHED)
            .first()
        )
    wish = wish or _wish(user, wish_id)
    data = {"note": payload.note}
    if verb == "claim" and payload.unit_id is not None:
        unit = services.units_for(user).filter(pk=payload.unit_id).first()
        if unit is None:
            raise ServiceError("您不能代表该单位认领", field="unit_id")
        data["unit"] = unit
    wishes.WISH_VERBS[verb](user, wish, data)
    return _wish(user, wish_id)


@router.get("/stats/wishes", response={200: list[dict], **ERRORS}, summary="微心愿统计（按社区）")
def wish_statistics(request, start: dt.date | None = None, end: dt.date | None = None):
    require_perm(request.user, "volunteers.view")
    return [
        {
            k: r[k]
            for k in ("region__code", "region__name", "posted", "claimed", "fulfilled", "open", "avg_days")
        }
        for r in stats.wish_stats(request.user, start=start, end=end)
    ]


# ---------------------------------------------------------------- points


class PointEntryOut(Schema):
    id: int
    amount: int
    source_type: str
    source_id: int | None
    reason: str
    community_code: str
    revokes_id: int | None
    created_at: dt.datetime
    volunteer: str

    resolve_community_code = from_attr("region.code")

    @staticmethod
    def resolve_volunteer(obj):
        vol = getattr(obj.account, "volunteer", None)
        return vol.name if vol else str(obj.account)


class MyPointsOut(Schema):
    balance: int = Field(description="积分流水之和")
    entries: list[PointEntryOut]


class PointGrantIn(Schema):
    volunteer_id: int
    amount: int = Field(description="正数发放，负数扣减")
    reason: str


class PointRevokeIn(Schema):
    reason: str


@router.get("/points/me", response={200: MyPointsOut, **ERRORS}, summary="我的积分余额与明细")
def my_points(request):
    require_perm(request.user, "volunteers.join")
    entries = list(
        PointEntry.objects.filter(account=request.user).select_related("region", "account__volunteer")[:200]
    )
    return {"balance": services.balance(request.user), "entries": entries}


@router.get("/points/", response={200: list[PointEntryOut], **ERRORS}, summary="积分流水（工作人员）")
@paginate(CursorPagination)
def list_points(request, community: str | None = None, source_type: str | None = None):
    require_perm(request.user, "volunteers.view")
    qs = PointEntry.objects.visible_to(request.user).select_related("region", "account__volunteer")
    if community:
        qs = qs.filter(region__code=community)
    if source_type:
        qs = qs.filter(source_type=source_type)
    return qs


@router.post(
    "/points/grants", response={201: PointEntryOut, **ERRORS}, summary="人工发放或扣减积分（须填写事由）"
)
def grant(request, payload: PointGrantIn):
    vol = visible_or_404(Volunteer, request.user, select_related=("region", "user"), pk=payload.volunteer_id)
    entry = services.grant_points(request.user, vol, amount=payload.amount, reason=payload.reason)
    return Status(201, PointEntry.objects.select_related("region", "account__volunteer").get(pk=entry.pk))


@router.post(
    "/points/{entry_id}/revoke",
    response={201: PointEntryOut, **ERRORS},
    summary="撤销一笔积分（另记一笔负数）",
)
def revoke(request, entry_id: int, payload: PointRevokeIn):
    entry = visible_or_404(PointEntry, request.user, select_related=("region", "account"), pk=entry_id)
    out = services.revoke_entry(request.user, entry, reason=payload.reason)
    return Status(201, PointEntry.objects.select_related("region", "account__volunteer").get(pk=out.pk))


# ---------------------------------------------------------------- 爱心超市


class CatalogItemOut(Schema):
    id: int
    name: str
    description: str
    price: int
    stock: int
    is_active: bool
    community_code: str

    resolve_community_code = from_attr("region.code")


class PointRedeemIn(Schema):
    item_id: int
    quantity: int = 1


class PointRedemptionOut(Schema):
    id: int
    item: str
    quantity: int
    points: int
    state: str
    created_at: dt.datetime

    resolve_item = from_attr("item.name")


@router.get("/items", response={200: list[CatalogItemOut], **ERRORS}, summary="爱心超市物品（按社区）")
def list_items(request, community: str):
    if not (has_perm(request.user, "volunteers.join") or has_perm(request.user, "volunteers.view")):
        raise NotFound()
    qs = CatalogItem.objects.filter(region__code=community, is_active=True).select_related("region")
    return list(qs.order_by("price", "name")[:200])


@router.post("/redemptions", response={201: PointRedemptionOut, **ERRORS}, summary="积分兑换")
def redeem(request, payload: PointRedeemIn):
    require_perm(request.user, "volunteers.join")
    item = CatalogItem.objects.filter(pk=payload.item_id, is_active=True).select_related("region").first()
    if item is None:
        raise NotFound("物品不存在或已下架")
    red = services.redeem(request.user, item, quantity=payload.quantity)
    return Status(201, red)


@router.post(
    "/redemptions/{redemption_id}/cancel",
    response={200: PointRedemptionOut, **ERRORS},
    summary="取消兑换（退回积分和库存）",
)
def cancel_redemption(request, redemption_id: int):
    red = (
        Redemption.objects.filter(pk=redemption_id, account=request.user)
        .select_related("item__region")
        .first()
    )
    if red is None:
        red = visible_or_404(
            Redemption, request.user, select_related=("item__region", "account"), pk=redemption_id
        )
    return services.cancel_redemption(request.user, red)


# ---------------------------------------------------------------- teams, activities, rankings


class VolunteerTeamOut(Schema):
    id: int
    name: str
    service_area: str
    community_code: str
    leader: str | None
    members: int

    resolve_community_code = from_attr("region.code")
    resolve_leader = from_attr("leader.name")
    resolve_members = from_attr("n_members")


class VolunteerActivityOut(Schema):
    id: int
    activity_id: int
    title: str
    place: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    capacity: int | None
    signed_up: int
    status: str
    points_per_hour: int
    community_code: str
    team: str | None

    resolve_signed_up = from_attr("activity.signed_up_count")
    resolve_status = from_attr("activity.status")
    resolve_community_code = from_attr("activity.region.code")
    resolve_team = from_attr("team.name")


class VolunteerSignupOut(Schema):
    id: int
    status: str
    signed_up_at: dt.datetime
    checked_in_at: dt.datetime | None
    checked_out_at: dt.datetime | None
    hours: float


class VolunteerRankOut(Schema):
    rank: int
    id: int
    name: str
    community: str
    points: int
    hours: float


@router.get("/teams/", response={200: list[VolunteerTeamOut], **ERRORS}, summary="志愿服务队")
@paginate(CursorPagination)
def list_teams(request, community: str | None = None):
    from django.db.models import Count

    require_perm(request.user, "volunteers.view")
    qs = VolunteerTeam.objects.visible_to(request.user).select_related("region", "leader")
    if community:
        qs = qs.filter(region__code=community)
    return qs.annotate(n_members=Count("memberships"))


@router.get(
    "/activities/",
    response={200: list[VolunteerActivityOut], **ERRORS},
    summary="志愿活动（报名中的活动，或工作人员辖区内的全部活动）",
)
@paginate(CursorPagination)
def list_activities(request, community: str | None = None):
    user = request.user
    if has_perm(user, "volunteers.view"):
        qs = VolunteerActivity.objects.visible_to(user)
    elif has_perm(user, "volunteers.join"):
        qs = VolunteerActivity.objects.filter(activity__status__in=services.OPEN_STATUSES)
    else:
        raise NotFound()
    if community:
        qs = qs.filter(activity__region__code=community)
    return qs.select_related("activity__region", "team")


@router.post(
    "/activities/{activity_id}/signup", response={201: VolunteerSignupOut, **ERRORS}, summary="报名志愿活动"
)
def signup(request, activity_id: int):
    va = VolunteerActivity.objects.select_related("activity__region").filter(pk=activity_id).first()
    if va is None or not has_perm(request.user, "volunteers.join"):
        raise NotFound("活动不存在")
    return Status(201, services.sign_up(request.user, va))


@router.get(
    "/rankings", response={200: list[VolunteerRankOut], **ERRORS}, summary="志愿者排行（积分或服务时长）"
)
def rankings(
    request,
    by: Literal["points", "hours"] = "points",
    community: str | None = None,
    team_id: int | None = None,
):
    require_perm(request.user, "volunteers.view")
    region = _community(request.user, community) if community else None
    team = visible_or_404(VolunteerTeam, request.user, pk=team_id) if team_id else None
    return stats.rankings(request.user, by=by, region=region, team=team)
