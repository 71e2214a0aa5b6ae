"""/api/v1/merit/: the member's own points (the phone page's data) and the star ratings in scope."""

from decimal import Decimal

from django.utils import timezone
from ninja import Query, Router, Schema
from ninja.pagination import paginate

from grassroots.core.api import CursorPagination, require_perm
from grassroots.core.crud import endpoint
from grassroots.core.errors import NotFound
from grassroots.party.models import Member

from . import services
from .filters import RatingFilters
from .models import MemberPointsEntry, StarRating

router = Router(tags=["党员积分与星级"])


class EntryOut(Schema):
    id: int
    kind: str
    kind_label: str
    points: Decimal
    on_date: str
    reason: str
    source_type: str
    source_id: int
    corrects_id: int | None = None


class MemberPointsOut(Schema):
    year: int
    member: str
    total: Decimal
    entries: list[EntryOut]


class RatingOut(Schema):
    id: int
    year: int
    org_code: str
    org_name: str
    computed_stars: int
    stars: int
    state: str
    state_label: str
    metrics: dict
    adjust_reason: str

    @staticmethod
    def resolve_org_code(obj) -> str:
        return obj.org.code

    @staticmethod
    def resolve_org_name(obj) -> str:
        return obj.org.name

    @staticmethod
    def resolve_state_label(obj) -> str:
        return obj.get_state_display()


@endpoint(router.get, "/mine", MemberPointsOut, "merit_mine", "我的积分")
def mine(request, year: int | None = None):
    require_perm(request.user, "merit.view")
    member = Member.objects.filter(user=request.user).first()
    if member is None:
        raise NotFound("账号未关联党员信息")
    year = year or timezone.localdate().year
    entries = MemberPointsEntry.objects.filter(member=member, year=year)
    return {
        "year": year,
        "member": member.name,
        "total": services.member_total(member, year),
        "entries": [
            {
                "id": e.pk,
                "kind": e.kind,
                "kind_label": e.get_kind_display(),
                "points": e.points,
                "on_date": e.on_date.isoformat(),
                "reason": e.reason,
                "source_type": {
                    "signup": "orglife.signup",
                    "dues": "party.duespayment",
                    "service": "cobuild.servicerecord",
                    "wish": "volunteers.wish",
                    "study": "merit.studyrecord",
                }[e.source_field],
                "source_id": e.source_id,
                "corrects_id": e.corrects_id,
            }
            for e in entries
        ],
    }


@endpoint(router.get, "/ratings/", list[RatingOut], "merit_ratings_list", "支部星级评定列表")
@paginate(CursorPagination)
def ratings_list(request, filters: Query[RatingFilters.schema()]):
    require_perm(request.user, "merit.view")
    qs = StarRating.objects.visible_to(request.user, "view").select_related("org")
    return RatingFilters.from_request(request).apply(qs)
