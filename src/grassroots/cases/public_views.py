"""身边诉求 pages (no login needed to read): the map and list of recent cases of an area, a case's
public page, and the signed-in resident's follow / unfollow / 补充说明 actions (cases.public)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.cache import cache
from django.core.paginator import Paginator
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from grassroots.core.errors import NotFound, ServiceError
from grassroots.core.scoping import has_perm
from grassroots.regions.models import Region

from . import public
from .models import Category

PAGE_SIZE = 20
# Points drawn on the map: the newest of the filtered cases (the list pages through all of them).
MAP_POINTS = 300
# Areas outlined on the map and offered as chips (a street has tens of communities; a city tens of
# districts): more than this is not a useful drill-down.
MAP_AREAS = 200
# The per-area summary is the same for every visitor: cached briefly so a busy public page does not
# aggregate on every request.
SUMMARY_SECONDS = 300


def _crumbs(region: Region | None) -> list[dict]:
    out = [{"name": "全市", "code": ""}]
    if region is not None:
        chain = list(Region.objects.get_ancestors(region).filter(depth__gte=2)) + [region]
        out += [{"name": r.name, "code": r.code} for r in chain]
    return out


def _summary(filters: public.Filters) -> list[dict]:
    key = "cases:public:summary:{}:{}:{}".format(
        filters.region.code if filters.region else "", filters.category, filters.days
    )
    rows = cache.get(key)
    if rows is None:
        rows = public.area_summary(filters)
        cache.set(key, rows, SUMMARY_SECONDS)
    return rows


def _row(case, now) -> dict:
    code, label = public.public_status(case)
    taken, finished = public.time_taken(case, now)
    return {
        "case": case,
        "status": code,
        "status_label": label,
        "taken": public.humanize(taken),
        "finished": finished,
        "text": case.public_text(),
    }


def _query(filters: public.Filters, **change) -> str:
    from urllib.parse import urlencode

    params = {
        "region": filters.region.code if filters.region else "",
        "category": filters.category,
        "status": filters.status,
        "days": filters.days if filters.days != public.PERIODS[0] else "",
    }
    params.update(change)
    return urlencode({k: v for k, v in params.items() if v not in ("", None)})


def public_map(request):
    """身边诉求: recent cases of an area on a map and a list, with a per-area summary."""
    try:
        filters = public.Filters.parse(request.GET)
    except ServiceError as exc:
        return render(request, "cases/public_map.html", {"error": exc.message, "tab": "nearby"}, status=400)
    now = timezone.now()
    qs = public.public_cases(filters, now=now)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [_row(c, now) for c in page]
    points = [
        {
            "number": c["number"],
            "lng": public.rounded(c["lng"]),
            "lat": public.rounded(c["lat"]),
            "status": public.PUBLIC_STATUS.get(c["state"], ("received", ""))[0],
            "category": c["category__name"] or "待分类",
        }
        for c in qs.filter(lng__isnull=False, lat__isnull=False).values(
            "number", "lng", "lat", "state", "category__name"
        )[:MAP_POINTS]
    ]
    # The areas one level down (a community shows itself): chips to drill down and outlines on the map.
    if filters.region is not None and filters.region.level == "community":
        areas = Region.objects.filter(pk=filters.region.pk)
    else:
        depth = filters.region.depth + 1 if filters.region else 2
        areas = Region.objects.filter(depth=depth, level__in=("district", "street", "community"))
        if filters.region is not None:
            areas = areas.filter(path__startswith=filters.region.path)
    areas = list(areas.order_by("path").values("name", "code", "level", "polygon")[:MAP_AREAS])
    children = [a for a in areas if filters.region is None or a["code"] != filters.region.code]
    outlines = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": a["polygon"],
                "properties": {"name": a["name"], "code": a["code"]},
            }
            for a in areas
            if a["polygon"]
        ],
    }
    context = {
        "tab": "nearby",
        "filters": filters,
        "page_obj": page,
        "rows": rows,
        "points": {"points": points, "areas": outlines, "base": reverse("cases:public_map")},
        "crumbs": _crumbs(filters.region),
        "children": children,
        "summary": _summary(filters),
        "categories": list(
            Category.objects.filter(parent__isnull=True, is_active=True).order_by("sort", "code")
        ),
        "statuses": public.STATUS_CHOICES,
        "periods": public.PERIODS,
        "querystring_without_page": (_query(filters) + "&") if _query(filters) else "",
        "can_follow": request.user.is_authenticated and has_perm(request.user, public.FOLLOW_PERMISSION),
    }
    return render(request, "cases/public_map.html", context)


def _find(request, number: str, tell):
    """(case, None), or (None, the answer): a merged case sends the visitor to its survivor with the
    reason (told at the `tell` message level), an unknown one gets the Chinese 404 page."""
    try:
        return public.public_case(number), None
    except public.Merged as exc:
        tell(request, exc.message)
        return None, redirect("cases:public_case", number=exc.into)
    except NotFound:
        return None, render(request, "cases/public_case.html", {"error": "诉求不存在或已不公开"}, status=404)


def public_case(request, number: str):
    case, answer = _find(request, number, messages.info)
    if answer is not None:
        return answer
    from .services import is_reporter

    user = request.user
    reporter = is_reporter(user, case)
    return render(
        request,
        "cases/public_case.html",
        {
            "tab": "nearby",
            "row": _row(case, timezone.now()),
            "case": case,
            "timeline": public.public_timeline(case),
            "resolution": case.public_resolution(),
            "followers": public.follower_count(case),
            "following": public.is_following(user, case),
            "can_follow": user.is_authenticated and has_perm(user, public.FOLLOW_PERMISSION) and not reporter,
            "reporter": reporter,
            "can_update": reporter and case.state not in public.UPDATE_CLOSED_STATES,
            "update_max": public.UPDATE_MAX,
        },
    )


def _act(request, number: str, action):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if not request.user.is_authenticated:
        return redirect_to_login(
            reverse("cases:public_case", args=[number]), login_url=reverse("accounts:resident_login")
        )
    case, answer = _find(request, number, messages.error)
    if answer is not None:
        return answer
    try:
        done = action(case)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done)
    return redirect("cases:public_case", number=case.number)


def follow(request, number: str):
    def go(case):
        public.follow(request.user, case)
        return "已关注，办理进展将通知您"

    return _act(request, number, go)


def unfollow(request, number: str):
    def go(case):
        public.unfollow(request.user, case)
        return "已取消关注"

    return _act(request, number, go)


def add_update(request, number: str):
    def go(case):
        public.add_update(request.user, case, request.POST.get("text", ""))
        return "补充说明已提交，承办人员会看到"

    return _act(request, number, go)
