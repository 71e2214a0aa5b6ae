"""Sections other apps' pages include: a branch's star history (party org page) and a member's points
(member page). Each checks the viewer's permission and scope itself."""

from django import template
from django.utils import timezone

from grassroots.core.scoping import covers

from ..models import RatingState, StarRating
from ..services import member_total

register = template.Library()


@register.inclusion_tag("merit/_org_stars.html")
def org_stars(org, user):
    if not covers(user, StarRating(org=org), "view"):
        return {"show": False}
    ratings = list(StarRating.objects.filter(org=org).order_by("-year")[:10])
    staff = any(not g.own for g in getattr(user, "_grassroots_grants", []) or []) or user.is_superuser
    if not staff:
        ratings = [r for r in ratings if r.state == RatingState.PUBLISHED]
    return {"show": True, "ratings": ratings, "org": org, "staff": staff}


@register.inclusion_tag("merit/_member_points.html")
def member_points(member, user):
    from grassroots.merit.models import MemberPointsEntry

    if not covers(user, MemberPointsEntry(member=member), "view"):
        return {"show": False}
    from django.urls import reverse

    from ..views import staff_perm

    year = timezone.localdate().year
    if staff_perm(user, "merit.view"):
        url = reverse("merit:member", args=[member.pk])
    else:  # the member's own page: their phone view
        url = reverse("merit:mine")
    return {"show": True, "member": member, "year": year, "total": member_total(member, year), "url": url}
