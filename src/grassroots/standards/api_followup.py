"""/api/v1/standards/ (mounted on standards.api.router): health runs and branch results, rectifications,
funding, demonstration sites (honours) and street duties."""

import datetime
from decimal import Decimal
from typing import Literal

from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import ConfigDict

from grassroots.core.api import CursorPagination, given, pick, require_perm, visible_or_404
from grassroots.core.crud import action_route, endpoint, list_route, returned
from grassroots.core.errors import NotFound as _NotFound
from grassroots.core.resolvers import display, from_attr
from grassroots.regions.models import Region

from . import health, services
from .api_assess import _region
from .checks import PERM
from .filters import BranchHealthFilters
from .models import (
    BranchHealth,
    FundingRecord,
    HealthRun,
    Honour,
    Rectification,
    StreetDuty,
)

router = Router(tags=["standards"])


# --- health runs and branch results -------------------------------------------------------------
class StdRunOut(Schema):
    id: int
    state: str
    trigger: str
    created_at: datetime.datetime
    finished_at: datetime.datetime | None
    total: int
    done: int
    progress: int
    red: int
    yellow: int
    green: int
    error: str


class StdBranchOut(Schema):
    org: str
    org_name: str
    region_name: str
    score: int
    light: str = Field(description="red / yellow / green")
    violations: int
    warnings: int
    findings: list[dict]

    resolve_org = from_attr("org.code")
    resolve_org_name = from_attr("org.name")
    resolve_region_name = from_attr("org.region.name")


@endpoint(router.get, "/health-runs", list[StdRunOut], "standards_runs", "支部体检批次")
def runs(request):
    require_perm(request.user, PERM)
    return list(HealthRun.objects.order_by("-created_at", "-id")[:20])


@endpoint(
    router.post, "/health-runs", StdRunOut, "standards_runs_start", "立即体检",
    status=202, description="排队运行一次支部体检；已有体检在排队或运行时返回 409。",
)  # fmt: skip
def run_start(request):
    require_perm(request.user, PERM)
    return Status(202, health.start_run(request.user))


@endpoint(router.get, "/health-runs/{int:run_id}", StdRunOut, "standards_runs_get", "体检进度")
def run_get(request, run_id: int):
    require_perm(request.user, PERM)
    run = HealthRun.objects.filter(pk=run_id).first()
    if run is None:
        raise _NotFound("体检批次不存在")
    return run


@endpoint(router.get, "/branches", list[StdBranchOut], "standards_branches", "最近一次支部体检结果")
@paginate(CursorPagination)
def branches(request, filters: Query[BranchHealthFilters.schema()]):
    require_perm(request.user, PERM)
    run = health.latest_run()
    qs = BranchHealth.objects.visible_to(request.user, PERM).select_related("org__region")
    if run is None:
        return qs.none()
    return BranchHealthFilters.from_request(request).apply(qs.filter(run=run))


# --- rectifications ----------------------------------------------------------------------------
class StdRectOut(Schema):
    id: int
    org: str
    org_name: str
    rule: str
    problem: str
    measure: str
    owner_name: str
    deadline: datetime.date
    state: str = Field(description="open 待整改 / in_progress 整改中 / done 已整改 / verified 已验收")
    overdue: bool
    result: str

    resolve_org = from_attr("org.code")
    resolve_org_name = from_attr("org.name")


class StdRectIn(Schema):
    model_config = ConfigDict(extra="forbid")
    org: str = Field(max_length=32, description="党组织编码")
    problem: str = Field(max_length=500)
    owner_name: str = Field(max_length=50)
    deadline: datetime.date
    rule: str = Field("", max_length=16)
    measure: str = Field("", max_length=500)


class StdRectActIn(Schema):
    model_config = ConfigDict(extra="forbid")
    result: str = Field("", max_length=500)


def _rectifications(user, state: str | None, overdue: bool | None):
    qs = given(Rectification.objects.visible_to(user, PERM).select_related("org"), state=state)
    if overdue is True:
        qs = qs.filter(health.overdue_q())
    elif overdue is False:
        qs = qs.exclude(health.overdue_q())
    return qs


RECT_QUERY = {
    "state": (Literal["open", "in_progress", "done", "verified"] | None, None),
    "overdue": (bool | None, None),
}
list_route(
    router, "/rectifications", StdRectOut, "standards_rects", "整改任务",
    read=_rectifications, perm=PERM, params=RECT_QUERY,
)  # fmt: skip


@endpoint(router.post, "/rectifications", StdRectOut, "standards_rects_create", "下达整改任务", status=201)
def rect_create(request, payload: StdRectIn):
    from grassroots.party.models import PartyOrg

    org = PartyOrg.objects.visible_to(request.user, PERM).filter(code=payload.org).first()
    if org is None:
        raise _NotFound(f"党组织“{payload.org}”不存在或不在管辖范围内")
    source = BranchHealth.objects.filter(org=org).order_by("-run__created_at").first()
    rect = health.create_rectification(
        request.user,
        org=org,
        **pick(payload, "problem", "owner_name", "deadline", "rule", "measure"),
        source=source,
    )
    return Status(201, rect)


@endpoint(
    router.post, "/rectifications/{int:rect_id}/actions/{verb}", StdRectOut, "standards_rects_act",
    "整改任务流转",
    description="start 开始整改、finish 整改完成（须填整改结果）、"
    "verify 验收通过、reject 验收不通过（须填原因）。",
)  # fmt: skip
def rect_act(
    request, rect_id: int, verb: Literal["start", "finish", "verify", "reject"], payload: StdRectActIn
):
    # Objects: missing, out of scope and without the permission all answer 404.
    rect = visible_or_404(Rectification, request.user, PERM, select_related=("org",), pk=rect_id)
    return health.act_rectification(request.user, rect, verb, result=payload.result)


# --- funding -------------------------------------------------------------------------------------
class StdFundingOut(Schema):
    id: int
    community: str
    community_name: str
    year: int
    direction: str = Field(description="received 收入 / spent 支出")
    kind: str
    kind_label: str
    amount: float
    on_date: datetime.date
    note: str

    resolve_community = from_attr("community.code")
    resolve_community_name = from_attr("community.name")
    resolve_kind_label = display("kind")


class StdFundingIn(Schema):
    model_config = ConfigDict(extra="forbid")
    community: str = Field(max_length=24)
    direction: Literal["received", "spent"]
    kind: Literal[
        "finance",
        "service",
        "party",
        "other_in",
        "activity",
        "services",
        "operation",
        "training",
        "other_out",
    ]
    amount: Decimal = Field(description="金额（元）")
    on_date: datetime.date
    note: str = Field("", max_length=200)


class StdFundingStatusOut(Schema):
    community: str
    community_name: str
    year: int
    received: float = Field(description="全部收入（元）")
    counted: float = Field(0, description="计入 GOV-9 标准的收入（规则所列收入类别，默认服务群众专项经费）")
    spent: float
    balance: float
    minimum: int = Field(description="GOV-9 年度经费标准（元）")
    meets: bool
    records: int


def _funding(user, year: int | None, community: str | None):
    qs = given(FundingRecord.objects.visible_to(user, PERM).select_related("community"), year=year)
    if community:
        qs = qs.filter(community__path__startswith=_region(user, community).path)
    return qs


FUNDING_QUERY = {"year": (int | None, None), "community": (str | None, Query(None, max_length=24))}
list_route(
    router, "/funding", StdFundingOut, "standards_funding", "社区经费",
    read=_funding, perm=PERM, params=FUNDING_QUERY,
)  # fmt: skip


@endpoint(router.post, "/funding", StdFundingOut, "standards_funding_create", "登记社区经费", status=201)
def funding_create(request, payload: StdFundingIn):
    node = _region(request.user, payload.community)
    rec = services.record_funding(
        request.user,
        community=node,
        year=payload.on_date.year,
        **pick(payload, "direction", "kind", "amount", "on_date", "note"),
    )
    return Status(201, rec)


@endpoint(
    router.get, "/funding/status", list[StdFundingStatusOut], "standards_funding_status",
    "社区经费达标情况（GOV-9）",
)  # fmt: skip
def funding_status(
    request, year: int = Query(..., ge=2000, le=2100), region: str | None = Query(None, max_length=24)
):
    require_perm(request.user, PERM)
    qs = Region.objects.visible_to(request.user, PERM).filter(level="community")
    if region:
        qs = qs.filter(path__startswith=_region(request.user, region).path)
    communities = list(qs.order_by("path")[:2000])
    status = services.funding_status(communities, year)
    return [
        {
            "community": c.code,
            "community_name": c.name,
            "year": year,
            "received": float(status[c.pk]["received"]),
            "counted": float(status[c.pk]["counted"]),
            "spent": float(status[c.pk]["spent"]),
            "balance": float(status[c.pk]["balance"]),
            "minimum": status[c.pk]["minimum"],
            "meets": status[c.pk]["meets"],
            "records": status[c.pk]["records"],
        }
        for c in communities
    ]


# --- demonstration sites -------------------------------------------------------------------------
class StdHonourOut(Schema):
    id: int
    name: str
    region: str
    region_name: str
    year: int
    level: str
    citation: str
    revoked_at: datetime.date | None
    revoke_reason: str

    resolve_region = from_attr("region.code")
    resolve_region_name = from_attr("region.name")


class StdHonourIn(Schema):
    model_config = ConfigDict(extra="forbid")
    region: str = Field(max_length=24)
    name: str = Field(max_length=100)
    year: int = Field(ge=2000, le=2100)
    level: Literal["city", "district", "street"]
    citation: str = Field(max_length=500)


class StdRevokeIn(Schema):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(max_length=300)


def _honours(user, year: int | None, revoked: bool | None):
    qs = given(Honour.objects.visible_to(user, PERM).select_related("region"), year=year)
    if revoked is not None:
        qs = qs.filter(revoked_at__isnull=not revoked)
    return qs


HONOUR_QUERY = {"year": (int | None, None), "revoked": (bool | None, None)}
list_route(
    router, "/honours", StdHonourOut, "standards_honours", "示范点",
    read=_honours, perm=PERM, params=HONOUR_QUERY,
)  # fmt: skip


@endpoint(router.post, "/honours", StdHonourOut, "standards_honours_create", "命名示范点", status=201)
def honour_create(request, payload: StdHonourIn):
    node = _region(request.user, payload.region)
    site = services.designate_site(
        request.user, region=node, **pick(payload, "name", "year", "level", "citation")
    )
    return Status(201, site)


# Objects: missing, out of scope and without the permission all answer 404.
action_route(
    router, "/honours/{int:honour_id}/revoke", StdHonourOut, "standards_honours_revoke", "撤销示范点",
    fetch=lambda user, pk: visible_or_404(Honour, user, PERM, select_related=("region",), pk=pk),
    payload=StdRevokeIn, reply=returned,
    act=lambda user, honour, p: services.revoke_site(user, honour, reason=p.reason),
)  # fmt: skip


# --- street duties -------------------------------------------------------------------------------
class StdStreetDutyOut(Schema):
    id: int
    street: str
    street_name: str
    kind: str = Field(description="duty 街道职责清单 / power 赋权事项")
    code: str
    category: str
    title: str
    basis: str
    status: str = Field(description="pending 未核查 / ok 已落实 / issue 未落实")
    check_note: str
    checked_at: datetime.datetime | None

    resolve_street = from_attr("street.code")
    resolve_street_name = from_attr("street.name")


class StdDutyCheckIn(Schema):
    model_config = ConfigDict(extra="forbid")
    status: Literal["ok", "issue"]
    note: str = Field("", max_length=300)


def _street_duties(user, kind: str | None, status: str | None, street: str | None):
    qs = given(StreetDuty.objects.visible_to(user, PERM).select_related("street"), kind=kind, status=status)
    if street:
        qs = qs.filter(street__path__startswith=_region(user, street).path)
    return qs


DUTY_QUERY = {
    "kind": (Literal["duty", "power"] | None, None),
    "status": (Literal["pending", "ok", "issue"] | None, None),
    "street": (str | None, Query(None, max_length=24)),
}
list_route(
    router, "/street-duties", StdStreetDutyOut, "standards_duties", "街道职责清单与赋权事项",
    read=_street_duties, perm=PERM, params=DUTY_QUERY,
)  # fmt: skip
# Objects: missing, out of scope and without the permission all answer 404.
action_route(
    router, "/street-duties/{int:duty_id}/check", StdStreetDutyOut, "standards_duties_check", "核查街道事项",
    fetch=lambda user, pk: visible_or_404(StreetDuty, user, PERM, select_related=("street",), pk=pk),
    payload=StdDutyCheckIn, reply=returned,
    act=lambda user, duty, p: services.check_street_duty(user, duty, status=p.status, note=p.note),
    description="记录事项是否落实；未落实须说明原因。佐证材料在页面上传。",
)  # fmt: skip
