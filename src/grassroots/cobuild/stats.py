"""Read models of co-building: home-page figures, scope counts, the quarterly workplace report and
need/resource matching. Everything reads through visible_to(); no writes here."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Avg, Count, Q, Sum
from django.urls import reverse
from django.utils import timezone

from grassroots.core.scoping import has_perm
from grassroots.regions.models import Region

from .models import (
    ItemState,
    Meeting,
    MeetingState,
    Need,
    Project,
    RatingSide,
    Registration,
    RegKind,
    RegState,
    Resolution,
    Resource,
    ServiceRecord,
)


def warn_days() -> int:
    """GOV-8 warn_days: a resolution is "due soon" this many days before its deadline."""
    from grassroots.core.rules import Rule

    rule = Rule.objects.filter(code="GOV-8", enabled=True).first()
    return int(rule.param("warn_days", 3)) if rule else 3


def scope_counts(user) -> dict[str, int]:
    """Counts of co-building in the user's scope (Xinghualing: 261 meetings, 1,624 issues)."""
    regs = (
        Registration.objects.visible_to(user)
        .filter(state=RegState.ACTIVE)
        .values("kind")
        .annotate(n=Count("pk"))
        .order_by()
    )
    by_kind = {r["kind"]: r["n"] for r in regs}
    res = Resolution.objects.visible_to(user).aggregate(
        raised=Count("pk"), resolved=Count("pk", filter=Q(done_on__isnull=False))
    )
    return {
        "units": by_kind.get(RegKind.UNIT, 0),
        "members": by_kind.get(RegKind.MEMBER, 0),
        "open_needs": Need.objects.visible_to(user).filter(state=ItemState.OPEN).count(),
        "open_resources": Resource.objects.visible_to(user).filter(state=ItemState.OPEN).count(),
        "projects": Project.objects.visible_to(user).exclude(state="cancelled").count(),
        "meetings": Meeting.objects.visible_to(user).filter(state=MeetingState.HELD).count(),
        "issues": res["raised"],
        "resolved": res["resolved"],
    }


def home_figures(user) -> list[dict]:
    """Co-building figures for the community home page: [{label, value, url}], in the user's scope,
    read from the precomputed buckets (cobuild.figures; one query)."""
    if not has_perm(user, "cobuild.view"):
        return []
    from grassroots.core.tallies import served, total

    from . import figures

    v = {code: int(total(keys)) for code, keys in served(user, figures.CODES).items()}
    reg = reverse("cobuild:registrations")
    return [
        {"label": "报到单位", "value": v["cobuild.units"], "url": f"{reg}?kind=unit&state=active"},
        {"label": "报到在职党员", "value": v["cobuild.members"], "url": f"{reg}?kind=member&state=active"},
        {
            "label": "待认领需求",
            "value": v["cobuild.open_needs"],
            "url": reverse("cobuild:needs") + "?state=open",
        },
        {
            "label": "待认领资源",
            "value": v["cobuild.open_resources"],
            "url": reverse("cobuild:resources") + "?state=open",
        },
        {"label": "共建项目", "value": v["cobuild.projects"], "url": reverse("cobuild:projects")},
        {
            "label": "召开联席会议",
            "value": v["cobuild.meetings_held"],
            "url": reverse("cobuild:meetings") + "?state=held",
        },
        {
            "label": "办结决议事项",
            "value": v["cobuild.resolutions_done"],
            "url": reverse("cobuild:resolutions") + "?status=done",
        },
    ]


# ---- quarterly feedback to the workplace (双向考核) ---------------------------------------------------


def wish_counts(member_ids: list[int], start, end) -> tuple[dict[int, int], bool]:
    """Wishes claimed per member from the volunteers app, and whether that app answered."""
    try:
        from grassroots.volunteers.stats import member_wish_counts
    except ImportError:
        return {}, False
    return member_wish_counts(member_ids, start, end), True


@dataclass
class MemberRow:
    member_id: int
    name: str
    org_name: str
    community: str
    state: str
    posts: str
    hours: Decimal = Decimal(0)
    activities: int = 0
    wishes: int = 0
    claims: int = 0


@dataclass
class QuarterReport:
    period: str
    start: object
    end: object
    rows: list[MemberRow] = field(default_factory=list)
    wishes_available: bool = True
    unit_ratings: list[dict] = field(default_factory=list)  # how communities rated the org's units

    @property
    def total_hours(self):
        return sum((r.hours for r in self.rows), Decimal(0))


def quarter_report(user, org, period: str) -> QuarterReport:
    """Service in communities of the members of `org` (and its sub-orgs) during a quarter."""
    from .services import parse_period

    start, end = parse_period(period)
    regs = list(
        Registration.objects.visible_to(user)
        .filter(kind=RegKind.MEMBER, member__party_org__path__startswith=org.path)
        .filter(submitted_at__date__lte=end)
        .exclude(state=RegState.REJECTED)
        .select_related("member__party_org", "community")
        .prefetch_related("posts")
        .order_by("member__party_org__path", "member__name")
    )
    hours = {
        r["registration"]: r
        for r in ServiceRecord.objects.filter(
            registration__in=[r.pk for r in regs], served_on__gte=start, served_on__lte=end
        )
        .values("registration")
        .annotate(h=Sum("hours"), n=Count("pk"))
        .order_by()
    }
    member_ids = [r.member_id for r in regs]
    wishes, available = wish_counts(member_ids, start, end)
    users = {r.member.user_id: r.member_id for r in regs if r.member.user_id}
    claims = {}
    for model in (Need, Resource):
        for row in (
            model.objects.filter(
                claimed_by_id__in=list(users), claimed_at__date__gte=start, claimed_at__date__lte=end
            )
            .values("claimed_by_id")
            .annotate(n=Count("pk"))
            .order_by()
        ):
            mid = users[row["claimed_by_id"]]
            claims[mid] = claims.get(mid, 0) + row["n"]
    report = QuarterReport(period=period.upper(), start=start, end=end, wishes_available=available)
    for r in regs:
        h = hours.get(r.pk, {})
        report.rows.append(
            MemberRow(
                member_id=r.member_id,
                name=r.member.name,
                org_name=r.member.party_org.name,
                community=r.community.name,
                state=r.get_state_display(),
                posts="、".join(p.name for p in r.posts.all()),
                hours=h.get("h") or Decimal(0),
                activities=h.get("n") or 0,
                wishes=wishes.get(r.member_id, 0),
                claims=claims.get(r.member_id, 0),
            )
        )
    from .models import Rating

    report.unit_ratings = list(
        Rating.objects.visible_to(user)
        .filter(
            side=RatingSide.COMMUNITY_RATES_UNIT,
            period=report.period,
            unit__party_org__path__startswith=org.path,
        )
        .values("unit__name", "community__name", "score", "comment")
        .order_by("unit__name")
    )
    return report


def rating_summary(user, *, side: str, group: str):
    """Average score and count of ratings per rated unit (side c2u, group "unit") or per community
    (side u2c, group "community")."""
    key = "unit__name" if group == "unit" else "community__name"
    from .models import Rating

    return list(
        Rating.objects.visible_to(user)
        .filter(side=side)
        .values(key)
        .annotate(avg=Avg("score"), n=Count("pk"))
        .order_by("-avg", key)
    )


# ---- matching ---------------------------------------------------------------------------------------


def haversine_km(lng1, lat1, lng2, lat2) -> float:
    r = 6371.0088
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(a))


@dataclass
class Suggestion:
    item: object
    score: float
    reasons: list[str]

    @property
    def why(self) -> str:
        return " · ".join(self.reasons)


def _unit_scores(unit_ids) -> dict[int, float]:
    from .models import Rating

    return {
        r["unit"]: float(r["avg"])
        for r in Rating.objects.filter(unit__in=list(unit_ids), side=RatingSide.COMMUNITY_RATES_UNIT)
        .values("unit")
        .annotate(avg=Avg("score"))
        .order_by()
    }


def _score(a, b, rating: float | None) -> tuple[float, list[str]]:
    """Rank b as a match for a: category, distance (or same community/street), capacity, rating."""
    score, reasons = 0.0, []
    if a.category == b.category:
        score += 40
        reasons.append("同类别")
    if a.lng is not None and b.lng is not None:
        km = haversine_km(a.lng, a.lat, b.lng, b.lat)
        score += max(0.0, 30 - 5 * km)
        reasons.append(f"{km:.1f} 公里")
    elif a.community_id == b.community_id:
        score += 25
        reasons.append("同社区")
    elif a.community.path[: -Region.steplen] == b.community.path[: -Region.steplen]:
        score += 12
        reasons.append("同街道")
    need_qty = a.quantity if isinstance(a, Need) else b.quantity
    offer_qty = b.quantity if isinstance(a, Need) else a.quantity
    if offer_qty >= need_qty:
        score += 10
        reasons.append("容量满足")
    else:
        reasons.append(f"容量 {offer_qty}/{need_qty}")
    if rating is not None:
        score += 4 * rating
        reasons.append(f"历史评分 {rating:.1f}")
    return score, reasons


def _candidates(model, user, item, limit_pool: int = 300):
    today = timezone.localdate()
    street_path = item.community.path[: -Region.steplen]
    qs = (
        model.objects.visible_to(user)
        .filter(state=ItemState.OPEN, community__path__startswith=street_path)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=today))
        .select_related("community", *(("unit",) if model is Resource else ()))
        .order_by("-created_at")
    )
    return list(qs[:limit_pool])


def suggest_resources(user, need: Need, limit: int = 5) -> list[Suggestion]:
    """Open resources in the need's street ranked for the need, each with the reasons."""
    pool = _candidates(Resource, user, need)
    ratings = _unit_scores({r.unit_id for r in pool})
    out = [Suggestion(r, *_score(need, r, ratings.get(r.unit_id))) for r in pool]
    out.sort(key=lambda s: (-s.score, s.item.pk))
    return out[:limit]


def suggest_needs(user, resource: Resource, limit: int = 5) -> list[Suggestion]:
    """Open needs in the resource's street ranked for the resource (the offering unit's rating applies)."""
    pool = _candidates(Need, user, resource)
    rating = _unit_scores([resource.unit_id]).get(resource.unit_id)
    out = [Suggestion(n, *_score(resource, n, rating)) for n in pool]
    out.sort(key=lambda s: (-s.score, s.item.pk))
    return out[:limit]
