"""/api/v1/party/: organisations (by code) with seats, members (masked), transfers and conversion.

Thin: reads through visible_to(), writes through party.services (scope, validation, audit).
"""

from django.db.models import Prefetch
from ninja import Query, Router, Status

from grassroots.core.api import pick, reference, references, visible_or_404
from grassroots.core.crud import action_route, endpoint, get_route, list_route
from grassroots.core.crypto import lookup_hash
from grassroots.core.errors import NotFound, ServiceError
from grassroots.core.services import require_in_scope
from grassroots.regions.api import with_parent_code
from grassroots.regions.models import Region
from grassroots.regions.schemas import dump

from . import services, transfers
from .filters import MemberFilters, OrgFilters, TransferFilters
from .models import Member, PartyOrg, Seat, Transfer, unit_model
from .schemas import (
    ConvertIn,
    MemberCreate,
    MemberOut,
    MemberUpdate,
    OrgCreate,
    OrgDetail,
    OrgOut,
    OrgUpdate,
    SeatIn,
    SeatOut,
    TransferIn,
    TransferIncomingIn,
    TransferIssueIn,
    TransferOut,
    TransferReasonIn,
    TransferReceiptIn,
)

Unit = unit_model()

router = Router(tags=["party"])

ORG_RELATED = ("region", "unit")
MEMBER_RELATED = ("party_org", "workplace_unit", "residence")


def _orgs(user):
    return with_parent_code(PartyOrg.objects.visible_to(user).select_related(*ORG_RELATED), PartyOrg)


def _org_detail(user, code: str) -> PartyOrg:
    org = (
        _orgs(user)
        .prefetch_related(Prefetch("seats", queryset=Seat.objects.select_related("unit").order_by("id")))
        .filter(code=code)
        .first()
    )
    if org is None:
        visible_or_404(PartyOrg, user, code=code)
    return org


def _path(model, user, code: str) -> str | None:
    node = model.objects.visible_to(user).filter(code=code).only("path").first()
    return node.path if node else None


# ---- organisations ------------------------------------------------------------------------------


def _org(user, code: str) -> PartyOrg:
    return visible_or_404(PartyOrg, user, select_related=ORG_RELATED, code=code)


def _org_refs(user, data: dict) -> dict:
    if "region_code" in data:
        data["region"] = reference(Region, user, "region_code", "所在区划", data.pop("region_code"))
    if "unit_code" in data:
        data["unit"] = reference(Unit, user, "unit_code", "所在单位", data.pop("unit_code"))
    if "secretary_id" in data:
        data["secretary"] = reference(Member, user, "secretary_id", "书记", data.pop("secretary_id"), "pk")
    return data


def _delete_org(user, org: PartyOrg) -> None:
    require_in_scope(user, org, "change")  # 403 before the service's own checks (members, children)
    services.delete_org(user, org)


def _add_seat(user, org: PartyOrg, payload: SeatIn) -> Seat:
    refs = {"member_id": ("member", Member, "党员", "pk"), "unit_code": ("unit", Unit, "来自单位")}
    return services.add_seat(user, org, **references(user, dump(payload), refs))


def _added_seat(user, org: PartyOrg, seat: Seat) -> Seat:
    return Seat.objects.select_related("unit").get(pk=seat.pk)


list_route(
    router, "/orgs/", OrgOut, "party_orgs_list", "党组织列表",
    read=_orgs, filters=OrgFilters, perm="party.view",
)  # fmt: skip
get_route(router, "/orgs/{code}", OrgDetail, "party_orgs_get", "党组织详情（含委员席位）", _org_detail)


@endpoint(router.post, "/orgs/", OrgDetail, "party_orgs_create", "新增下级党组织", status=201)
def orgs_create(request, payload: OrgCreate):
    data = dump(payload)
    parent = reference(PartyOrg, request.user, "parent_code", "上级党组织", data.pop("parent_code"))
    if parent is not None:
        require_in_scope(request.user, parent, "change")  # visible but not changeable -> 403
    data = _org_refs(request.user, data)
    if data.get("region") is None:
        data.pop("region", None)
    org = services.add_org(request.user, parent, **data)
    return Status(201, _org_detail(request.user, org.code))


action_route(
    router, "/orgs/{code}", OrgDetail, "party_orgs_update", "修改党组织", fetch=_org, payload=OrgUpdate,
    act=lambda user, org, p: services.update_org(user, org, **_org_refs(user, dump(p))),
    reply=lambda user, org, _: _org_detail(user, org.code), method="patch",
)  # fmt: skip
action_route(
    router, "/orgs/{code}", None, "party_orgs_delete", "删除党组织（仅限无下级、无党员的组织）",
    fetch=_org, act=_delete_org, method="delete", status=204,
)  # fmt: skip
action_route(
    router, "/orgs/{code}/seats", SeatOut, "party_seats_create", "新增委员席位", fetch=_org, payload=SeatIn,
    act=_add_seat, reply=_added_seat, status=201,
)  # fmt: skip
action_route(
    router, "/orgs/{code}/seats/{int:seat_id}", None, "party_seats_delete", "撤销委员席位", method="delete",
    fetch=lambda user, code, seat_id: visible_or_404(
        Seat, user, select_related=("org__region",), pk=seat_id, org=visible_or_404(PartyOrg, user, code=code)
    ),
    act=services.remove_seat, status=204,
)  # fmt: skip


# ---- members ------------------------------------------------------------------------------------


def _members(user):
    return Member.objects.visible_to(user).select_related(*MEMBER_RELATED)


def _member(user, member_id: int, action: str = "view") -> Member:
    return visible_or_404(Member, user, action, select_related=MEMBER_RELATED, pk=member_id)


MASKED = "（身份证号、手机号已脱敏）"
list_route(
    router, "/members/", MemberOut, "party_members_list", f"党员列表{MASKED}",
    read=_members, filters=MemberFilters, perm="party.view",
)  # fmt: skip
get_route(router, "/members/{int:member_id}", MemberOut, "party_members_get", f"党员详情{MASKED}", _member)


def _member_refs(user, data: dict) -> dict:
    if "party_org_code" in data:
        data["party_org"] = reference(
            PartyOrg, user, "party_org_code", "所在党组织", data.pop("party_org_code")
        )
    if "workplace_unit_code" in data:
        data["workplace_unit"] = reference(
            Unit, user, "workplace_unit_code", "工作单位", data.pop("workplace_unit_code")
        )
    if "residence_code" in data:
        data["residence"] = reference(Region, user, "residence_code", "居住地", data.pop("residence_code"))
    return data


@endpoint(router.post, "/members/", MemberOut, "party_members_create", "登记党员", status=201)
def members_create(request, payload: MemberCreate):
    data = _member_refs(request.user, dump(payload))
    # Member.save() derives the lookup hash, but full_clean() runs before save and requires it.
    data["id_number_hash"] = lookup_hash(data["id_number"].upper())
    member = services.add_member(request.user, **data)
    return Status(201, _member(request.user, member.pk))


def _transfer_member(user, member: Member, payload: TransferIn) -> Transfer:
    to_org = reference(PartyOrg, user, "to_org", "转入组织", payload.to_org)
    return services.transfer_member(user, member, to_org, on=payload.on, reason=payload.reason)


def _member_transfers(user, member_id: int):
    member = _member(user, member_id)
    return Transfer.objects.filter(member=member).select_related("from_org", "to_org", "member")


MEMBER = "/members/{int:member_id}"
action_route(
    router, MEMBER, MemberOut, "party_members_update", "修改党员信息", fetch=_member, payload=MemberUpdate,
    act=lambda user, m, p: services.update_member(user, m, **_member_refs(user, dump(p))), method="patch",
)  # fmt: skip
action_route(
    router, f"{MEMBER}/transfer", TransferOut, "party_members_transfer", "组织关系转接", fetch=_member,
    payload=TransferIn, act=_transfer_member, reply=lambda user, m, t: _transfer(user, t.pk), status=201,
    description="向本辖区内另一个党组织开具组织关系转接（不能是功能型党组织或党小组）；"
    "党员处于转接中，接收方接收后组织关系才转入。跨辖区转接请用 POST /transfers/。",
)  # fmt: skip
action_route(
    router, f"{MEMBER}/convert", MemberOut, "party_members_convert", "预备党员转正", fetch=_member,
    payload=ConvertIn, act=lambda user, m, p: services.convert_member(user, m, on=p.on),
)  # fmt: skip
list_route(
    router, f"{MEMBER}/transfers", TransferOut, "party_members_transfers", "党员的组织关系转接记录",
    read=_member_transfers,
)  # fmt: skip


# ------------------------------------------------------------------------- two-sided transfers
TRANSFER_RELATED = ("from_org__region", "to_org__region", "member")


def _transfer(user, pk: int) -> Transfer:
    t = Transfer.objects.visible_to(user).select_related(*TRANSFER_RELATED).filter(pk=pk).first()
    if t is None:
        raise NotFound("转接记录不存在或无权访问")
    return t


def _transfers(user, direction: str):
    if direction not in ("in", "out"):
        raise ServiceError("direction 只能是 in 或 out", field="direction")
    qs = Transfer.objects.visible_to(user).filter(transfers.side_q(user, direction))
    return qs.select_related(*TRANSFER_RELATED)


DIRECTION = (str, Query("in", description="in：转入（接收方）；out：转出（转出方）"))
list_route(
    router, "/transfers/", TransferOut, "party_transfers_list", "组织关系转接列表（转入或转出）",
    read=_transfers, filters=TransferFilters, perm="party.view", params={"direction": DIRECTION},
)  # fmt: skip
get_route(
    router, "/transfers/{int:transfer_id}", TransferOut, "party_transfers_get", "组织关系转接详情", _transfer
)


@endpoint(
    router.post, "/transfers/", TransferOut, "party_transfers_issue", "开具组织关系转接（介绍信）",
    status=201,
    description="转出党组织开具：转入平台内任一非功能型党组织（to_org），或转往平台外（outside_org_name）。",
)  # fmt: skip
def transfers_issue(request, payload: TransferIssueIn):
    member = _member(request.user, payload.member_id)
    to_org = None
    if payload.to_org:
        to_org = PartyOrg.objects.filter(code=payload.to_org).first()
        if to_org is None:
            raise ServiceError(f"党组织编码“{payload.to_org}”不存在", field="to_org", status=404)
    t = transfers.issue_transfer(
        request.user,
        member,
        to_org=to_org,
        **pick(payload, "outside_org_name", "outside_org_address", "reason", "on"),
    )
    return Status(201, _transfer(request.user, t.pk))


@endpoint(
    router.post, "/transfers/incoming", TransferOut, "party_transfers_incoming", "登记平台外转入",
    status=201, description="接收党组织登记平台外党组织开具的介绍信；接收后建立党员档案。",
)  # fmt: skip
def transfers_incoming(request, payload: TransferIncomingIn):
    data = payload.dict()
    to_org = reference(PartyOrg, request.user, "to_org", "接收党组织", data.pop("to_org"))
    t = transfers.register_incoming(request.user, to_org, **data)
    return Status(201, _transfer(request.user, t.pk))


TRANSFER = "/transfers/{int:transfer_id}"
action_route(
    router, f"{TRANSFER}/accept", TransferOut, "party_transfers_accept", "接收组织关系（接收方）",
    fetch=_transfer, act=transfers.accept_transfer,
)  # fmt: skip
action_route(
    router, f"{TRANSFER}/return", TransferOut, "party_transfers_return",
    "退回组织关系转接（接收方，须说明原因）", fetch=_transfer, payload=TransferReasonIn,
    act=lambda user, t, p: transfers.return_transfer(user, t, reason=p.reason),
)  # fmt: skip
action_route(
    router, f"{TRANSFER}/cancel", TransferOut, "party_transfers_cancel", "撤销组织关系转接（转出方，接收前）",
    fetch=_transfer, payload=TransferReasonIn,
    act=lambda user, t, p: transfers.cancel_transfer(user, t, reason=p.reason),
)  # fmt: skip
action_route(
    router, f"{TRANSFER}/receipt", TransferOut, "party_transfers_receipt", "登记平台外回执并办结（转出方）",
    fetch=_transfer, payload=TransferReceiptIn,
    act=lambda u, t, p: transfers.record_receipt(u, t, receipt_on=p.receipt_on, receipt_ref=p.receipt_ref),
)  # fmt: skip
