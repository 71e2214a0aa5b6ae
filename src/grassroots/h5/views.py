"""The resident's own phone app (H5): thin pages over the apps' services, without the staff chrome.

`/` sends an anonymous visitor to the public landing (随手拍 and 查询进度), a resident to the H5 home and
staff to their 工作台. The H5 sections reuse the pages and services of the owning apps: cases (report,
tracking, evaluation), volunteers (wishes, activities, points, shop), venues (bookings), cobuild
(在职党员报到) and notifications (the inbox)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import redirect, render
from django.urls import reverse

from grassroots.cases import services as case_services
from grassroots.cases.workflow import CaseState
from grassroots.core.errors import ServiceError
from grassroots.core.scoping import has_perm

PAGE_SIZE = 10
OPEN_STATES = [
    CaseState.SUBMITTED,
    CaseState.TRIAGED,
    CaseState.DISPATCHED,
    CaseState.ACCEPTED,
    CaseState.IN_PROGRESS,
    CaseState.RETURNED,
    CaseState.RESOLVED,
]
# The steps a resident sees on the progress bar of a case, in order.
PROGRESS = [
    ("submitted", "已受理"),
    ("dispatched", "办理中"),
    ("resolved", "已办结"),
    ("closed", "已结案"),
]
STEP_OF_STATE = {
    CaseState.SUBMITTED: 0,
    CaseState.TRIAGED: 0,
    CaseState.DISPATCHED: 1,
    CaseState.ACCEPTED: 1,
    CaseState.IN_PROGRESS: 1,
    CaseState.RETURNED: 1,
    CaseState.RESOLVED: 2,
    CaseState.EVALUATED: 2,
    CaseState.CLOSED: 3,
    CaseState.CLOSED_UNRESOLVED: 3,
    CaseState.MERGED: 1,
}


def is_resident(user) -> bool:
    """A signed-in resident without any staff role (their home is the H5, not the 工作台)."""
    if not user.is_authenticated or user.is_superuser:
        return False
    codes = set(user.assignments.values_list("role__code", flat=True))
    return codes == {"resident"} or (not codes and hasattr(user, "resident_profile"))


def root(request):
    """`/`: the public landing for visitors, the H5 for residents, the 工作台 for staff."""
    if not request.user.is_authenticated:
        return landing(request)
    if is_resident(request.user):
        return redirect("h5:home")
    from grassroots.dashboards.views import home

    return home(request)


def landing(request):
    return render(request, "h5/landing.html", {"tab": "home"})


def _sections(user) -> list[dict]:
    """The H5 tiles this user may use (the same permissions the target pages check)."""
    tiles = [
        {"label": "随手拍", "icon": "camera", "url": reverse("cases:report"), "color": "red"},
        {"label": "我的诉求", "icon": "list-details", "url": reverse("h5:cases"), "color": "blue"},
    ]
    if has_perm(user, "volunteers.join"):
        tiles += [
            {"label": "我的心愿", "icon": "heart-handshake", "url": reverse("h5:wishes"), "color": "pink"},
            {
                "label": "活动",
                "icon": "calendar-event",
                "url": reverse("volunteers:my_activities"),
                "color": "green",
            },
            {"label": "积分", "icon": "coin", "url": reverse("volunteers:my_points"), "color": "yellow"},
            {
                "label": "爱心超市",
                "icon": "shopping-cart",
                "url": reverse("volunteers:shop"),
                "color": "orange",
            },
        ]
    if has_perm(user, "venues.book"):
        tiles += [
            {"label": "预约", "icon": "building-community", "url": reverse("venues:rooms"), "color": "teal"},
            {"label": "我的预约", "icon": "calendar-check", "url": reverse("venues:mine"), "color": "cyan"},
        ]
    if has_perm(user, "cobuild.register"):
        tiles.append({"label": "报到", "icon": "flag", "url": reverse("cobuild:join"), "color": "red"})
    if has_perm(user, "deliberation.take_part"):
        tiles.append(
            {"label": "议事厅", "icon": "messages", "url": reverse("deliberation:h5_list"), "color": "indigo"}
        )
    if has_perm(user, "redproperty.rate"):
        tiles.append(
            {
                "label": "物业评价",
                "icon": "building-skyscraper",
                "url": reverse("redproperty:h5_rate"),
                "color": "red",
            }
        )
    if has_perm(user, "cases.follow"):
        tiles.append(
            {"label": "身边诉求", "icon": "map-pin", "url": reverse("cases:public_map"), "color": "green"}
        )
    if has_perm(user, "onewindow.view"):
        tiles.append(
            {
                "label": "我的代办",
                "icon": "file-certificate",
                "url": reverse("onewindow:h5_list"),
                "color": "azure",
            }
        )
    tiles.append({"label": "通知", "icon": "bell", "url": reverse("h5:notifications"), "color": "purple"})
    return tiles


@login_required
def home(request):
    from grassroots.notifications.services import unread_count

    cases = case_services.my_cases(request.user)
    open_count = cases.filter(state__in=OPEN_STATES).count()
    to_evaluate = cases.filter(state=CaseState.RESOLVED).count()
    latest = [_row(c) for c in cases[:3]]
    return render(
        request,
        "h5/home.html",
        {
            "tab": "home",
            "tiles": _sections(request.user),
            "open_count": open_count,
            "to_evaluate": to_evaluate,
            "unread": unread_count(request.user),
            "latest": latest,
        },
    )


def _row(case) -> dict:
    step = STEP_OF_STATE.get(case.state, 0)
    evaluate_url = ""
    if case.state == CaseState.RESOLVED:
        evaluate_url = reverse("cases:evaluate", args=[case_services.evaluation_token(case)])
    return {
        "case": case,
        "url": reverse("cases:track", args=[case_services.tracking_token(case)]),
        "evaluate_url": evaluate_url,
        "steps": [{"label": label, "done": i <= step} for i, (_code, label) in enumerate(PROGRESS)],
    }


@login_required
def my_cases(request):
    """我的诉求: the resident's reports (also those left with the phone they signed in with), each with
    its progress and, once resolved, the evaluation."""
    show = request.GET.get("show", "")
    qs = case_services.my_cases(request.user)
    if show == "open":
        qs = qs.filter(state__in=OPEN_STATES)
    elif show == "evaluate":
        qs = qs.filter(state=CaseState.RESOLVED)
    elif show == "done":
        qs = qs.filter(Q(state__in=[CaseState.EVALUATED, CaseState.CLOSED, CaseState.CLOSED_UNRESOLVED]))
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "h5/cases.html",
        {
            "tab": "cases",
            "page_obj": page,
            "rows": [_row(c) for c in page],
            "show": show,
            "querystring_without_page": f"show={show}&" if show else "",
        },
    )


def track_lookup(request):
    """查询进度 without an account: case number + the phone left on the report."""
    error = ""
    status = 200
    number = request.POST.get("number", "")[:32]
    if request.method == "POST":
        try:
            case = case_services.case_by_number_and_phone(number, request.POST.get("phone", ""))
        except ServiceError as exc:
            error, status = exc.message, (404 if exc.status == 404 else 400)
        else:
            return redirect("cases:track", token=case_services.tracking_token(case))
    return render(request, "h5/track.html", {"tab": "track", "error": error, "number": number}, status=status)


@login_required
def inbox(request):
    """通知: the resident's messages, newest first (opening one marks it read)."""
    from grassroots.notifications.models import Notification

    qs = Notification.objects.filter(user=request.user).only(
        "id", "kind", "title", "body", "url", "created_at", "read_at"
    )
    page = Paginator(qs, 20).get_page(request.GET.get("page"))
    return render(
        request,
        "h5/notifications.html",
        {"tab": "notifications", "page_obj": page, "querystring_without_page": ""},
    )


@login_required
def wishes(request):
    """心愿: a resident posts their own wish (reviewed by the community, then claimed by a volunteer or a
    unit) and follows each one's state here."""
    from grassroots.core.pages import require_perm
    from grassroots.regions.forms import community_choices as _community_choices
    from grassroots.regions.models import Region
    from grassroots.volunteers import wishes as volunteer_wishes
    from grassroots.volunteers.models import WishCategory

    require_perm(request.user, "volunteers.join")
    error, status = "", 200
    form = {"title": "", "description": "", "category": WishCategory.DAILY, "community": ""}
    if request.method == "POST":
        form = {k: request.POST.get(k, "")[:2000] for k in form}
        region = (
            Region.objects.filter(pk=form["community"], level="community").first()
            if form["community"].isdigit()
            else None
        )
        try:
            volunteer_wishes.post_own_wish(
                request.user,
                region=region,
                title=form["title"],
                description=form["description"],
                category=form["category"],
                photos=request.FILES.getlist("photos"),
            )
        except ServiceError as exc:
            error, status = exc.message, exc.status if 400 <= exc.status < 500 else 400
        else:
            from django.contrib import messages

            messages.success(request, "心愿已提交，社区审核后将发布到心愿池")
            return redirect("h5:wishes")
    page = Paginator(volunteer_wishes.own_wishes(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "h5/wishes.html",
        {
            "tab": "wishes",
            "page_obj": page,
            "querystring_without_page": "",
            "form": form,
            "error": error,
            "categories": WishCategory.choices,
            "communities": _community_choices(),
        },
        status=status,
    )


@login_required
def me(request):
    profile = getattr(request.user, "resident_profile", None)
    return render(request, "h5/me.html", {"tab": "me", "profile": profile, "tiles": _sections(request.user)})
