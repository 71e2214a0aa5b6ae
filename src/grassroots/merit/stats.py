"""Merit figures: the home page section (branches per star level, this year's points), the branch
staff who review a member's study records, and the star history of a branch."""

from __future__ import annotations

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from grassroots.core.scoping import grants_for, has_perm

from .models import RatingState, StarRating


def _staff(user) -> bool:
    return user.is_superuser or any("merit.view" in g.perms and not g.own for g in grants_for(user))


def star_counts(user, year: int | None = None) -> tuple[int | None, dict[int, int]]:
    """(year, {stars: branches}) of the latest year with published ratings in the user's scope."""
    qs = StarRating.objects.visible_to(user, "view").filter(state=RatingState.PUBLISHED)
    if year is None:
        year = qs.order_by("-year").values_list("year", flat=True).first()
    if year is None:
        return None, {}
    rows = qs.filter(year=year).values("stars").annotate(n=Count("id")).order_by()
    return year, {r["stars"]: r["n"] for r in rows}


def home_figures(user) -> list[dict]:
    """Branches per star level of the latest published year, ratings awaiting review and study records
    awaiting review, in the user's scope: read from the precomputed buckets (merit.figures; one query)."""
    if not has_perm(user, "merit.view") or not _staff(user):
        return []
    from grassroots.core.tallies import served, total

    from . import figures

    codes = figures.CODES if has_perm(user, "merit.change") else figures.CODES[:2]
    this_year = timezone.localdate().year
    v = served(user, codes, ranges={"merit.pending_ratings": (str(this_year - 1), None)})
    figures_ = []
    stars = {tuple(int(x) for x in k.split(":")): n for k, n in v["merit.stars"].items() if n}
    if stars:
        year = max(y for y, _s in stars)
        url = reverse("merit:ratings") + f"?year={year}&state=published"
        for n in (5, 4, 3):
            figures_.append(
                {"label": f"{year} 年度{n}星支部", "value": int(stars.get((year, n), 0)), "url": url}
            )
    figures_.append(
        {
            "label": "待审核或待发布的星级",
            "value": int(total(v["merit.pending_ratings"], lambda k: int(k) >= this_year - 1)),
            "url": reverse("merit:ratings") + "?state=proposed",
        }
    )
    if "merit.pending_studies" in v:
        figures_.append(
            {
                "label": "待审核学习记录",
                "value": int(total(v["merit.pending_studies"])),
                "url": reverse("merit:studies") + "?state=pending",
            }
        )
    return figures_


def branch_staff(member) -> list:
    """The users who review a member's study records: holders of merit.change assigned on the member's
    org (or the org above it) or on the community the org belongs to."""
    from grassroots.accounts.models import RoleAssignment
    from grassroots.regions.models import Region

    org = member.party_org
    org_paths = [org.path[:i] for i in range(org.steplen, len(org.path) + 1, org.steplen)][-2:]
    community = (
        Region.objects.filter(level="community", path__in=_prefixes(org.region.path, Region.steplen))
        .values_list("pk", flat=True)
        .first()
    )
    q = Q(party_org__path__in=org_paths)
    if community:
        q |= Q(region_id=community)
    rows = RoleAssignment.objects.filter(q).select_related("role", "user")
    users = {
        a.user_id: a.user for a in rows if "merit.change" in (a.role.permissions or []) and a.user.is_active
    }
    return list(users.values())


def _prefixes(path: str, steplen: int) -> list[str]:
    return [path[:i] for i in range(steplen, len(path) + 1, steplen)]


def org_history(org) -> list[StarRating]:
    return list(StarRating.objects.filter(org=org).order_by("-year")[:10])
