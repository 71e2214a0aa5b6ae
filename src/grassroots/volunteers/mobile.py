"""Mobile-first pages of residents, party members and unit liaisons (volunteers.join): the public
wish wall, the wish pool and my wishes, volunteer activities and the QR scan page, my points and the
爱心超市. Writes go through volunteers.services; the staff pages are in views.py."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Sum
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from grassroots.core.errors import ServiceError
from grassroots.core.masking import mask
from grassroots.core.pages import require_perm, service_messages
from grassroots.core.scoping import has_perm
from grassroots.orglife.models import Signup
from grassroots.regions.models import Region

from . import services, wishes
from .models import CatalogItem, PointEntry, Redemption, Volunteer, VolunteerActivity, Wish, WishState


def wall(request, code: str):
    """The public H5 page of a community's published wishes: no login, no personal data."""
    region = Region.objects.filter(code=code, level="community").first()
    if region is None:
        raise Http404("社区不存在")
    wishes = list(
        Wish.objects.filter(region=region, state__in=(WishState.PUBLISHED, WishState.CLAIMED))
        .order_by("state", "-published_at")
        .only(
            "id",
            "title",
            "category",
            "description",
            "state",
            "published_at",
            "claimant_name",
            "claimant_unit_id",
            "region_id",
        )[:100]
    )
    for w in wishes:  # a person's name (party membership is sensitive) is masked; a unit's is shown
        w.public_claimant = w.claimant_name if w.claimant_unit_id else mask("name", w.claimant_name)
    done = Wish.objects.filter(region=region, state__in=(WishState.FULFILLED, WishState.CONFIRMED)).count()
    return render(request, "volunteers/wall.html", {"region": region, "wishes": wishes, "done": done})


@login_required
def pool(request):
    """Published wishes a party member or unit liaison can claim, by community."""
    require_perm(request.user, "volunteers.join")
    code = request.GET.get("community", "").strip()
    qs = Wish.objects.filter(state=WishState.PUBLISHED).select_related("region").order_by("-published_at")
    if code:
        qs = qs.filter(region__code=code)
    q = request.GET.get("q", "").strip()
    if q:
        qs = qs.filter(title__icontains=q)

    page = Paginator(qs, 20).get_page(request.GET.get("page"))
    ctx = {
        "page_obj": page,
        "object_list": page.object_list,
        "units": list(services.units_for(request.user)),
        "community": code,
        "q": q,
        "querystring_without_page": request.GET.copy().urlencode() + "&" if request.GET else "",
    }
    return render(request, "volunteers/pool.html", ctx)


@login_required
def my_wishes(request):
    require_perm(request.user, "volunteers.join")
    rows = list(
        Wish.objects.visible_to(request.user, "join")
        .select_related("region")
        .order_by("-claimed_at", "-id")[:100]
    )
    for w in rows:
        w.actions = [v for v in wishes.available_wish_actions(request.user, w) if v in ("abandon", "fulfil")]
    return render(request, "volunteers/my_wishes.html", {"wishes": rows})


@login_required
def my_activities(request):
    """Open volunteer activities to sign up for, and the user's own sign-ups with hours."""
    require_perm(request.user, "volunteers.join")
    now = timezone.now()
    mine = list(
        Signup.objects.filter(user=request.user, activity__kind="volunteer")
        .select_related("activity__region", "activity__volunteer")
        .order_by("-activity__starts_at")[:50]
    )
    taken = {s.activity_id for s in mine if s.status != "cancelled"}
    vol = Volunteer.objects.filter(user=request.user).select_related("region").first()
    open_qs = VolunteerActivity.objects.filter(
        activity__status__in=services.OPEN_STATUSES, activity__ends_at__gt=now
    ).select_related("activity__region", "team")
    code = request.GET.get("community", "").strip()
    if code:
        open_qs = open_qs.filter(activity__region__code=code)
    elif vol is not None:
        street = vol.region.path[: len(vol.region.path) - vol.region.steplen]
        open_qs = open_qs.filter(activity__region__path__startswith=street)
    upcoming = list(open_qs.order_by("activity__starts_at")[:30])
    hours = sum(s.hours for s in mine if s.checked_out_at)
    ctx = {"mine": mine, "upcoming": upcoming, "taken": taken, "hours": hours, "community": code}
    return render(request, "volunteers/my_activities.html", ctx)


@login_required
@require_POST
def activity_signup(request, pk: int):
    require_perm(request.user, "volunteers.join")
    va = VolunteerActivity.objects.select_related("activity__region").filter(pk=pk).first()
    if va is None:
        raise Http404
    with service_messages(request, lambda: f"报名成功：{va.title}"):
        services.sign_up(request.user, va)
    return redirect("volunteers:my_activities")


@login_required
@require_POST
def signup_cancel(request, pk: int):
    require_perm(request.user, "volunteers.join")
    signup = Signup.objects.filter(pk=pk, user=request.user, activity__kind="volunteer").first()
    if signup is None:
        raise Http404
    with service_messages(request, "已取消报名"):
        services.cancel_signup(request.user, signup)
    return redirect("volunteers:my_activities")


@login_required
def scan(request, token: str):
    """The page the volunteer's phone opens from the organizer's QR code: confirm, then check in/out."""
    try:
        va, kind = services.read_checkin_token(token)
    except ServiceError as exc:
        return render(request, "volunteers/scan.html", {"error": exc.message}, status=exc.status)
    if not has_perm(request.user, "volunteers.join"):
        return render(request, "volunteers/scan.html", {"error": "请使用志愿者账号扫码"}, status=403)
    label = "签到" if kind == "in" else "签退"
    result = error = None
    status = 200
    if request.method == "POST":
        try:
            fn = services.check_in if kind == "in" else services.check_out
            result = fn(request.user, va)
        except ServiceError as exc:
            error = exc.message
            status = 409 if exc.status == 409 else exc.status
    ctx = {"activity": va.activity, "kind": kind, "label": label, "result": result, "error": error}
    return render(request, "volunteers/scan.html", ctx, status=status)


@login_required
def my_points(request):
    require_perm(request.user, "volunteers.join")
    entries = list(PointEntry.objects.filter(account=request.user).select_related("region")[:100])
    redemptions = list(Redemption.objects.filter(account=request.user).select_related("item")[:50])
    earned = (
        PointEntry.objects.filter(account=request.user, amount__gt=0)
        .exclude(source_type="redemption")
        .aggregate(s=Sum("amount"))["s"]
        or 0
    )
    ctx = {
        "balance": services.balance(request.user),
        "earned": earned,
        "entries": entries,
        "redemptions": redemptions,
    }
    return render(request, "volunteers/my_points.html", ctx)


@login_required
def shop(request):
    require_perm(request.user, "volunteers.join")
    vol = Volunteer.objects.filter(user=request.user).select_related("region").first()
    code = request.GET.get("community", "").strip() or (vol.region.code if vol else "")
    items = CatalogItem.objects.filter(is_active=True).select_related("region").order_by("price", "name")
    items = list(items.filter(region__code=code)[:100]) if code else []
    ctx = {"items": items, "balance": services.balance(request.user), "community": code, "vol": vol}
    return render(request, "volunteers/shop.html", ctx)


@login_required
@require_POST
def shop_redeem(request, pk: int):
    require_perm(request.user, "volunteers.join")
    item = CatalogItem.objects.filter(pk=pk, is_active=True).select_related("region").first()
    if item is None:
        raise Http404
    with service_messages(request, lambda: f"兑换成功：{item.name}，请到社区爱心超市领取"):
        services.redeem(request.user, item, quantity=request.POST.get("quantity", "1") or "1")
    return redirect(reverse("volunteers:shop") + f"?community={item.region.code}")
