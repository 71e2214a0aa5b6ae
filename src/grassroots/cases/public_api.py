"""身边诉求 API (cases.public): the public list and a case's public page for apps and mini-programs (no
sign-in: the same redacted data as /cases/public/ and Open311), and a signed-in resident's follow,
unfollow and 补充说明 on their own case."""

import datetime as dt

from django.utils import timezone
from ninja import Router, Schema, Status
from ninja.pagination import paginate

from grassroots.core.api import ERRORS, CursorPagination
from grassroots.core.errors import ServiceError
from grassroots.core.resolvers import from_attr

from . import public

router = Router(tags=["身边诉求"])


class PublicCaseOut(Schema):
    number: str
    category: str
    community: str
    community_code: str
    text: str
    status: str
    status_label: str
    submitted_at: dt.datetime
    resolved_at: dt.datetime | None
    hours_taken: float
    finished: bool
    lng: float | None
    lat: float | None

    @staticmethod
    def resolve_category(obj):
        return obj.category.name if obj.category_id else "待分类"

    resolve_community = from_attr("region.name")
    resolve_community_code = from_attr("region.code")

    @staticmethod
    def resolve_text(obj):
        return obj.public_text()

    @staticmethod
    def resolve_status(obj):
        return public.public_status(obj)[0]

    @staticmethod
    def resolve_status_label(obj):
        return public.public_status(obj)[1]

    @staticmethod
    def resolve_resolved_at(obj):
        return obj.resolved_at if public.public_status(obj)[0] == "fixed" else None

    @staticmethod
    def resolve_hours_taken(obj):
        return round(public.time_taken(obj)[0].total_seconds() / 3600, 1)

    @staticmethod
    def resolve_finished(obj):
        return public.time_taken(obj)[1]

    @staticmethod
    def resolve_lng(obj):
        return public.rounded(obj.lng)

    @staticmethod
    def resolve_lat(obj):
        return public.rounded(obj.lat)


class StepOut(Schema):
    step: str
    label: str
    at: dt.datetime
    handler: str
    note: str


class PublicCaseDetailOut(PublicCaseOut):
    handler: str
    resolution: str
    followers: int
    timeline: list[StepOut]

    @staticmethod
    def resolve_handler(obj):
        return obj.handler.name if obj.handler_id else ""

    @staticmethod
    def resolve_resolution(obj):
        return obj.public_resolution()

    @staticmethod
    def resolve_followers(obj):
        return public.follower_count(obj)

    @staticmethod
    def resolve_timeline(obj):
        return public.public_timeline(obj)


class FollowOut(Schema):
    number: str
    following: bool


class UpdateIn(Schema):
    text: str


class UpdateOut(Schema):
    number: str
    at: dt.datetime
    text: str


def _case(number: str):
    try:
        return public.public_case(number)
    except public.Merged as exc:
        raise ServiceError(exc.message, status=404) from None


@router.get(
    "/cases", auth=None, response={200: list[PublicCaseOut], **ERRORS}, summary="身边诉求列表（公开，已脱敏）"
)
@paginate(CursorPagination)
def list_public_cases(
    request, region: str = "", category: str = "", status: str = "", days: int = public.PERIODS[0]
):
    filters = public.Filters.parse(
        {"region": region, "category": category, "status": status, "days": str(days)}
    )
    return public.public_cases(filters, now=timezone.now())


@router.get(
    "/cases/{number}",
    auth=None,
    response={200: PublicCaseDetailOut, **ERRORS},
    summary="身边诉求详情（公开）",
)
def get_public_case(request, number: str):
    return _case(number)


@router.post("/cases/{number}/follow", response={201: FollowOut, **ERRORS}, summary="关注诉求")
def follow_case(request, number: str):
    case = _case(number)
    public.follow(request.user, case)
    return Status(201, {"number": case.number, "following": True})


@router.delete("/cases/{number}/follow", response={200: FollowOut, **ERRORS}, summary="取消关注诉求")
def unfollow_case(request, number: str):
    case = _case(number)
    public.unfollow(request.user, case)
    return {"number": case.number, "following": False}


@router.post("/cases/{number}/updates", response={201: UpdateOut, **ERRORS}, summary="反映人补充说明")
def add_case_update(request, number: str, payload: UpdateIn):
    case = _case(number)
    event = public.add_update(request.user, case, payload.text)
    return Status(201, {"number": case.number, "at": event.created_at, "text": event.note})
