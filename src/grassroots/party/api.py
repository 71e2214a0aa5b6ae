"""/api/v1/party/: organisations (by code) with seats, members (masked), transfers and conversion.

Thin: reads through visible_to(), writes through party.services (scope, validation, audit).
"""

from django.db.models import Prefetch
from ninja import Query, Router, Status
from ninja.pagination import paginate

from grassroots.core.api import ERRORS, CursorPagination, reference, references, require_perm, visible_or_404
from grassroots.core.crypto import lookup_hash
from grassroots.core.errors import NotFound, ServiceError
from grassroots.core.services import require_in_scope
from grassroots.regions.api import with_parent_code
from grassroots.regions.models import Region
from grassroots.regions.schemas import dump

from . import services
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


@router.get(
    "/orgs/", response={200: list[OrgOut], **ERRORS}, operation_id="party_orgs_list", summary="党组织列表"
)
@paginate(CursorPagination)
def orgs_list(request, filters: Query[OrgFilters.schema()]):
    require_perm(request.user, "party.view")
    return OrgFilters.from_request(request).apply(_orgs(request.user))


@router.get(
    "/orgs/{code}",
    response={200: OrgDetail, **ERRORS},
    operation_id="party_orgs_get",
    summary="党组织详情（含委员席位）",
)
def orgs_get(request, code: str):
    return _org_detail(request.user, code)


def _org_refs(user, data: dict) -> dict:
    if "region_code" in data:
        data["region"] = reference(Region, user, "region_code", "所在区划", data.pop("region_code"))
    if "unit_code" in data:
        data["unit"] = reference(Unit, user, "unit_code", "所在单位", data.pop("unit_code"))
    if "secretary_id" in data:
        data["secretary"] = reference(Member, user, "secretary_id", "书记", data.pop("secretary_id"), "pk")
    return data


@router.post(
    "/orgs/", response={201: OrgDetail, **ERRORS}, operation_id="party_orgs_create", summary="新增下级党组织"
)
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


@router.patch(
    "/orgs/{code}",
    response={200: OrgDetail, **ERRORS},
    operation_id="party_orgs_update",
    summary="修改党组织",
)
def orgs_update(request, code: str, payload: OrgUpdate):
    org = visible_or_404(PartyOrg, request.user, select_related=ORG_RELATED, code=code)
    services.update_org(request.user, org, **_org_refs(request.user, dump(payload)))
    return _org_detail(request.user, code)


@router.delete(
    "/orgs/{code}",
    response={204: None, **ERRORS},
    operation_id="party_orgs_delete",
    summary="删除党组织（仅限无下级、无党员的组织）",
)
def orgs_delete(request, code: str):
    org = visible_or_404(PartyOrg, request.user, select_related=ORG_RELATED, code=code)
    require_in_scope(request.user, org, "change")  # 403 before the service's own checks (members, children)
    services.delete_org(request.user, org)
    return Status(204, None)


@router.post(
    "/orgs/{code}/seats",
    response={201: SeatOut, **ERRORS},
    operation_id="party_seats_create",
    summary="新增委员席位",
)
def seats_create(request, code: str, payload: SeatIn):
    org = visible_or_404(PartyOrg, request.user, select_related=ORG_RELATED, code=code)
    data = references(
        request.user,
        dump(payload),
        {"member_id": ("member", Member, "党员", "pk"), "unit_code": ("unit", Unit, "来自单位")},
    )
    seat = services.add_seat(request.user, org, **data)
    return Status(201, Seat.objects.select_related("unit").get(pk=seat.pk))


@router.delete(
    "/orgs/{code}/seats/{int:seat_id}",
    response={204: None, **ERRORS},
    operation_id="party_seats_delete",
    summary="撤销委员席位",
)
def seats_delete(request, code: str, seat_id: int):
    org = visible_or_404(PartyOrg, request.user, code=code)
    seat = visible_or_404(Seat, request.user, select_related=("org__region",), pk=seat_id, org=org)
    services.remove_seat(request.user, seat)
    return Status(204, None)


# ---- members ------------------------------------------------------------------------------------


def _members(user):
    return Member.objects.visible_to(user).select_related(*MEMBER_RELATED)


def _member(user, member_id: int, action: str = "view") -> Member:
    return visible_or_404(Member, user, action, select_related=MEMBER_RELATED, pk=member_id)


@router.get(
    "/members/",
    response={200: list[MemberOut], **ERRORS},
    operation_id="party_members_list",
    summary="党员列表（身份证号、手机号已脱敏）",
)
@paginate(CursorPagination)
def members_list(request, filters: Query[MemberFilters.schema()]):
    require_perm(request.user, "party.view")
    return MemberFilters.from_request(request).apply(_members(request.user))


@router.get(
    "/members/{int:member_id}",
    response={200: MemberOut, **ERRORS},
    operation_id="party_members_get",
    summary="党员详情（身份证号、手机号已脱敏）",
)
def members_get(request, member_id: int):
    return _member(request.user, member_id)


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


@router.post(
    "/members/", response={201: MemberOut, **ERRORS}, operation_id="party_members_create", summary="登记党员"
)
def members_create(request, payload: MemberCreate):
    data = _member_refs(request.user, dump(payload))
    # Member.save() derives the lookup hash, but full_clean() runs before save and requires it.
    data["id_number_hash"] = lookup_hash(data["id_number"].upper())
    member = services.add_member(request.user, **data)
    return Status(201, _member(request.user, member.pk))


@router.patch(
    "/members/{int:member_id}",
    response={200: MemberOut, **ERRORS},
    operation_id="party_members_update",
    summary="修改党员信息",
)
def members_update(request, member_id: int, payload: MemberUpdate):
    member = _member(request.user, member_id)
    services.update_member(request.user, member, **_member_refs(request.user, dump(payload)))
    return _member(request.user, member_id)


@router.post(
    "/members/{int:member_id}/transfer",
    response={201: TransferOut, **ERRORS},
    operation_id="party_members_transfer",
    summary="组织关系转接",
    description="向本辖区内另一个党组织开具组织关系转接（不能是功能型党组织或党小组）；"
    "党员处于转接中，接收方接收后组织关系才转入。跨辖区转接请用 POST /transfers/。",
)
def members_transfer(request, member_id: int, payload: TransferIn):
    member = _member(request.user, member_id)
    to_org = reference(PartyOrg, request.user, "to_org", "转入组织", payload.to_org)
    transfer = services.transfer_member(request.user, member, to_org, on=payload.on, reason=payload.reason)
    return Status(201, _transfer(request.user, transfer.pk))


@router.post(
    "/members/{int:member_id}/convert",
    response={200: MemberOut, **ERRORS},
    operation_id="party_members_convert",
    summary="预备党员转正",
)
def members_convert(request, member_id: int, payload: ConvertIn):
    member = _member(request.user, member_id)
    services.convert_member(request.user, member, on=payload.on)
    return _member(request.user, member_id)


@router.get(
    "/members/{int:member_id}/transfers",
    response={200: list[TransferOut], **ERRORS},
    operation_id="party_members_transfers",
    summary="党员的组织关系转接记录",
)
@paginate(CursorPagination)
def members_transfers(request, member_id: int):
    member = _member(request.user, member_id)
    return Transfer.objects.filter(member=member).select_related("from_org", "to_org", "member")


# ------------------------------------------------------------------------- two-sided transfers
TRANSFER_RELATED = ("from_org__region", "to_org__region", "member")


def _transfer(user, pk: int) -> Transfer:
    t = Transfer.objects.visible_to(user).select_related(*TRANSFER_RELATED).filter(pk=pk).first()
    if t is None:
        raise NotFound("转接记录不存在或无权访问")
    return t


@router.get(
    "/transfers/",
    response={200: list[TransferOut], **ERRORS},
    operation_id="party_transfers_list",
    summary="组织关系转接列表（转入或转出）",
)
@paginate(CursorPagination)
def transfers_list(
    request,
    filters: Query[TransferFilters.schema()],
    direction: str = Query("in", description="in：转入（接收方）；out：转出（转出方）"),
):
    require_perm(request.user, "party.view")
    from .transfers import side_q

    if direction not in ("in", "out"):
        raise ServiceError("direction 只能是 in 或 out", field="direction")
    qs = Transfer.objects.visible_to(request.user).filter(side_q(request.user, direction))
    return TransferFilters.from_request(request).apply(qs.select_related(*TRANSFER_RELATED))


@router.get(
    "/transfers/{int:transfer_id}",
    response={200: TransferOut, **ERRORS},
    operation_id="party_transfers_get",
    summary="组织关系转接详情",
)
def transfers_get(request, transfer_id: int):
    return _transfer(request.user, transfer_id)


@router.post(
    "/transfers/",
    response={201: TransferOut, **ERRORS},
    operation_id="party_transfers_issue",
    summary="开具组织关系转接（介绍信）",
    description="转出党组织开具：转入平台内任一非功能型党组织（to_org），或转往平台外（outside_org_name）。",
)
def transfers_issue(request, payload: TransferIssueIn):
    from . import transfers

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
        outside_org_name=payload.outside_org_name,
        outside_org_address=payload.outside_org_address,
        reason=payload.reason,
        on=payload.on,
    )
    return Status(201, _transfer(request.user, t.pk))


@router.post(
    "/transfers/incoming",
    response={201: TransferOut, **ERRORS},
    operation_id="party_transfers_incoming",
    summary="登记平台外转入",
    description="接收党组织登记平台外党组织开具的介绍信；接收后建立党员档案。",
)
def transfers_incoming(request, payload: TransferIncomingIn):
    from . import transfers

    data = payload.dict()
    to_org = reference(PartyOrg, request.user, "to_org", "接收党组织", data.pop("to_org"))
    t = transfers.register_incoming(request.user, to_org, **data)
    return Status(201, _transfer(request.user, t.pk))


@router.post(
    "/transfers/{int:transfer_id}/accept",
    response={200: TransferOut, **ERRORS},
    operation_id="party_transfers_accept",
    summary="接收组织关系（接收方）",
)
def transfers_accept(request, transfer_id: int):
    from . import transfers

    transfers.accept_transfer(request.user, _transfer(request.user, transfer_id))
    return _transfer(request.user, transfer_id)


@router.post(
    "/transfers/{int:transfer_id}/return",
    response={200: TransferOut, **ERRORS},
    operation_id="party_transfers_return",
    summary="退回组织关系转接（接收方，须说明原因）",
)
def transfers_return(request, transfer_id: int, payload: TransferReasonIn):
    from . import transfers

    transfers.return_transfer(request.user, _transfer(request.user, transfer_id), reason=payload.reason)
    return _transfer(request.user, transfer_id)


@router.post(
    "/transfers/{int:transfer_id}/cancel",
    response={200: TransferOut, **ERRORS},
    operation_id="party_transfers_cancel",
    summary="撤销组织关系转接（转出方，接收前）",
)
def transfers_cancel(request, transfer_id: int, payload: TransferReasonIn):
    from . import transfers

    transfers.cancel_transfer(request.user, _transfer(request.user, transfer_id), reason=payload.reason)
    return _transfer(request.user, transfer_id)


@router.post(
    "/transfers/{int:transfer_id}/receipt",
    response={200: TransferOut, **ERRORS},
    operation_id="party_transfers_receipt",
    summary="登记平台外回执并办结（转出方）",
)
def transfers_receipt(request, transfer_id: int, payload: TransferReceiptIn):
    from . import transfers

    transfers.record_receipt(
        request.user,
        _transfer(request.user, transfer_id),
        receipt_on=payload.receipt_on,
        receipt_ref=payload.receipt_ref,
    )
    return _transfer(request.user, transfer_id)
