"""联户 API (/api/v1/outreach/): a hub member's linked households and logging a contact (the phone
pages' operations for an app). Thin: reads through visible_to(), writes through outreach.services."""

import datetime as dt
from typing import Literal

from ninja import Field, Router, Schema, Status

from grassroots.core.api import ERRORS, pick
from grassroots.core.errors import NotFound

from . import services
from .models import ContactKind, HubLink, LinkState
from .rules import cutoff_for, hub_params

router = Router(tags=["联户与民情日志"])

ContactKindEnum = Literal[tuple(ContactKind.values)]  # type: ignore[valid-type]


class LinkOut(Schema):
    id: int
    household: str = Field(description="住户（户主姓名已脱敏）")
    entrance: str
    state: str
    last_contact_at: dt.datetime | None
    contact_count: int
    overdue: bool = Field(description="超过 GOV-12 联系间隔未联系")


class ContactIn(Schema):
    kind: ContactKindEnum
    note: str
    matter: str = Field("", description="需要办理的事项：填写即转为工单，派往住户所在网格")


class ContactOut(Schema):
    id: int
    kind: str
    at: dt.datetime
    case_number: str | None


def _link_out(link: HubLink, cutoff) -> dict:
    ref = link.last_contact_at or link.confirmed_at
    return {
        "id": link.pk,
        "household": str(link.household),
        "entrance": link.household.entrance.name,
        "state": link.state,
        "last_contact_at": link.last_contact_at,
        "contact_count": link.contact_count,
        "overdue": link.state == LinkState.CONFIRMED and ref is not None and ref < cutoff,
    }


@router.get("/links", response={200: list[LinkOut], **ERRORS}, summary="我的联系户（党员中心户本人）")
def my_links(request):
    hub = services.hub_member_of(request.user)
    if hub is None:
        raise NotFound("您不是党员中心户")
    cutoff = cutoff_for(hub_params().interval_days)
    links = (
        HubLink.objects.visible_to(request.user, "outreach.log")
        .filter(hub=hub, state=LinkState.CONFIRMED)
        .select_related("household", "household__entrance")
        .order_by("last_contact_at", "pk")
    )
    return [_link_out(lk, cutoff) for lk in links]


@router.post("/links/{link_id}/contacts", response={201: ContactOut, **ERRORS}, summary="登记联户联系")
def log_contact(request, link_id: int, payload: ContactIn):
    link = services.get_link(request.user, link_id)
    log = services.log_contact(request.user, link, **pick(payload, "kind", "note", "matter"))
    return Status(
        201,
        {
            "id": log.pk,
            "kind": log.kind,
            "at": log.at,
            "case_number": log.case.number if log.case_id else None,
        },
    )
