"""Pages of service centers, rooms, bookings, calendar feeds, the 15-minute circle and statistics.

Reads are scoped (visible_to, out of scope = 404); writes call venues.services. Residents and members
find bookable rooms in the public directory (预约场地) and see only their own bookings.
"""

from __future__ import annotations

import datetime
import io

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from grassroots.core import exports
from grassroots.core.errors import ServiceError
from grassroots.core.excel import Column
from grassroots.core.pages import PageListView, ServiceFormView, get_visible, require_perm
from grassroots.core.scoping import covers, has_perm
from grassroots.regions.models import Region

from . import availability, circle, ical, services, stats
from .filters import BookingFilters, CenterFilters
from .forms import (
    BookingForm,
    CenterForm,
    CircleForm,
    RejectForm,
    RoomFilterForm,
    RoomForm,
)
from .models import LIVE_STATES, Booking, BookingState, CalendarToken, Room, ServiceCenter

TABS = [
    ("服务阵地", "venues:centers"),
    ("预约管理", "venues:bookings"),
    ("15分钟服务圈", "venues:circle"),
    ("统计", "venues:stats"),
]
BOOK_TABS = [("预约场地", "venues:rooms"), ("我的预约", "venues:mine")]


def tabs(user, current: str, items=TABS) -> list:
    out = []
    for label, name in items:
        if name in ("venues:rooms", "venues:mine") or has_perm(user, "venues.view"):
            out.append((label, reverse(name), name == current))
    return out


def _region_param(request):
    code = request.GET.get("region", "").strip()
    if not code:
        return None
    node = Region.objects.visible_to(request.user).filter(code=code.split(" ")[0]).first()
    if node is None:
        raise Http404
    return node


# ---- centers ------------------------------------------------------------------------------------


class CenterListView(PageListView):
    model = ServiceCenter
    template_name = "venues/center_list.html"
    title = "党群服务阵地"
    list_filters = CenterFilters
    select_related = ("region", "owner_unit")
    ordering = ("region__path", "level", "name")
    create_url_name = "venues:center_add"
    empty_hint = (
        "登记区域党群服务中心、街道和社区党群服务中心、小区微站和红星驿站，以及向社区开放的单位阵地。"
    )
    export_title = "党群服务阵地"
    export_columns = [
        Column("阵地编码", "code", width=16),
        Column("名称", "name", width=30),
        Column("层级", "get_level_display", width=16),
        Column("所在区划", "region.name", width=16),
        Column("产权单位", "owner_unit.name", width=24),
        Column("地址", "address", width=30),
        Column("经度", "lng", width=12),
        Column("纬度", "lat", width=12),
        Column("面积(㎡)", "area_m2", width=10),
        Column("开放时间", "opening_hours", width=22),
        Column("服务项目", lambda c: "、".join(c.service_list), width=30),
        Column("联系人", "contact_name", width=10),
        Column("联系电话", "contact_phone", personal="phone", width=14),
        Column("功能室数", "room_count", width=10),
        Column("启用", "is_active", width=8),
    ]

    def base_queryset(self):
        return super().base_queryset().annotate(room_count=Count("rooms"))

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["tabs"] = tabs(self.request.user, "venues:centers")
        return ctx


CENTER_RELATED = ("region", "owner_unit__party_org")


@login_required
def center_detail(request, pk: int):
    require_perm(request.user, "venues.view")
    center = get_visible(ServiceCenter, request.user, pk=pk, select_related=CENTER_RELATED)
    now = timezone.now()
    rooms = list(
        center.rooms.annotate(
            upcoming=Count("bookings", filter=Q(bookings__state__in=LIVE_STATES, bookings__end__gt=now))
        ).order_by("name")
    )
    ctx = {
        "center": center,
        "rooms": rooms,
        "can_change": covers(request.user, center, "change"),
        "tabs": tabs(request.user, "venues:centers"),
    }
    return render(request, "venues/center_detail.html", ctx)


class CenterFormMixin:
    perm = "venues.change"
    form_class = CenterForm

    def url_for(self, obj):
        return reverse("venues:center_detail", args=[obj.pk])

    def breadcrumbs(self):
        return [("党群服务阵地", reverse("venues:centers"))]


class CenterCreateView(CenterFormMixin, ServiceFormView):
    title = "新增服务阵地"

    def get_instance(self):
        return ServiceCenter()

    def get_initial(self):
        return {"region": self.request.GET.get("region", ""), "open_days": "1234567"}

    def cancel_url(self):
        return reverse("venues:centers")

    def save(self, form):
        return services.add_center(self.request.user, **form.service_data())


class CenterEditView(CenterFormMixin, ServiceFormView):
    def get_object(self):
        return get_visible(
            ServiceCenter,
            self.request.user,
            action="change",
            pk=self.kwargs["pk"],
            select_related=CENTER_RELATED,
        )

    def get_title(self):
        return f"编辑：{self.object.name}"

    def save(self, form):
        return services.update_center(self.request.user, self.object, **form.service_data())


# ---- rooms --------------------------------------------------------------------------------------

ROOM_RELATED = ("center__region", "center__owner_unit__party_org")


class RoomCreateView(ServiceFormView):
    perm = "venues.change"
    form_class = RoomForm
    title = "新增功能室"

    def get_object(self):
        return get_visible(
            ServiceCenter,
            self.request.user,
            action="change",
            pk=self.kwargs["pk"],
            select_related=CENTER_RELATED,
        )

    def get_instance(self):
        return Room(center=self.object)

    def get_title(self):
        return f"新增功能室：{self.object.name}"

    def url_for(self, obj):
        return (
            reverse("venues:room_detail", args=[obj.pk])
            if isinstance(obj, Room)
            else reverse("venues:center_detail", args=[obj.pk])
        )

    def breadcrumbs(self):
        return [("党群服务阵地", reverse("venues:centers")), (self.object.name, self.url_for(self.object))]

    def save(self, form):
        return services.add_room(self.request.user, self.object, **form.service_data())


class RoomEditView(ServiceFormView):
    perm = "venues.change"
    form_class = RoomForm

    def get_object(self):
        return get_visible(
            Room, self.request.user, action="change", pk=self.kwargs["pk"], select_related=ROOM_RELATED
        )

    def get_title(self):
        return f"编辑功能室：{self.object.name}"

    def url_for(self, obj):
        return reverse("venues:room_detail", args=[obj.pk])

    def breadcrumbs(self):
        c = self.object.center
        return [
            ("党群服务阵地", reverse("venues:centers")),
            (c.name, reverse("venues:center_detail", args=[c.pk])),
        ]

    def save(self, form):
        return services.update_room(self.request.user, self.object, **form.service_data())


@login_required
def room_detail(request, pk: int):
    """The manager's view of a room: its week, upcoming bookings, the check-in QR code and feeds."""
    require_perm(request.user, "venues.view")
    room = get_visible(Room, request.user, pk=pk, select_related=ROOM_RELATED)
    monday = availability.parse_week(request.GET.get("week"))
    upcoming = list(
        room.bookings.live()
        .filter(end__gt=timezone.now())
        .select_related("booker", "unit", "org")
        .order_by("start")[:20]
    )
    ctx = {
        "room": room,
        "center": room.center,
        "week": availability.week(room, monday, request.user),
        "upcoming": upcoming,
        "can_change": covers(request.user, room, "change"),
        "can_decide": services.can_decide(request.user, room),
        "checkin_url": request.build_absolute_uri(reverse("venues:checkin", args=[room.checkin_token])),
        "tabs": tabs(request.user, "venues:centers"),
    }
    return render(request, "venues/room_detail.html", ctx)


@login_required
def room_qr(request, pk: int):
    """The check-in QR code of a room (SVG) to print at the door."""
    require_perm(request.user, "venues.view")
    room = get_visible(Room, request.user, pk=pk, select_related=ROOM_RELATED)
    url = request.build_absolute_uri(reverse("venues:checkin", args=[room.checkin_token]))
    buf = io.BytesIO()
    # A standalone image needs the SVG namespace (svg_inline() leaves it out).
    segno.make(url, error="m").save(buf, kind="svg", scale=6, dark="#1d273b", xmldecl=False)
    return HttpResponse(buf.getvalue(), content_type="image/svg+xml")


# ---- booking (residents, members, units, branches) ----------------------------------------------


def bookable_rooms():
    """The public directory of bookable rooms (service centers are open to every resident)."""
    return Room.objects.filter(bookable=True, center__is_active=True).select_related(
        "center__region", "center__owner_unit"
    )


@login_required
def room_list(request):
    require_perm(request.user, "venues.book")
    form = RoomFilterForm(request.GET or None, user=request.user)
    form.is_valid()
    qs = bookable_rooms()
    q = request.GET.get("q", "").strip()
    if q:
        qs = qs.filter(
            Q(name__icontains=q)
            | Q(center__name__icontains=q)
            | Q(center__name_initials__startswith=q.lower())
        )
    level = request.GET.get("level", "")
    if level:
        qs = qs.filter(center__level=level)
    code = request.GET.get("region", "").strip()
    if code:
        node = Region.objects.filter(code=code.split(" ")[0]).only("path").first()
        qs = qs.filter(center__region__path__startswith=node.path) if node else qs.none()
    from django.core.paginator import Paginator

    page = Paginator(qs.order_by("center__region__path", "center__name", "name"), 20).get_page(
        request.GET.get("page")
    )
    params = request.GET.copy()
    params.pop("page", None)
    ctx = {
        "page_obj": page,
        "object_list": page.object_list,
        "filter_form": form,
        "filters": {k: v for k, v in request.GET.items() if v and k != "page"},
        "querystring_without_page": (params.urlencode() + "&") if params else "",
        "tabs": tabs(request.user, "venues:rooms", BOOK_TABS),
    }
    return render(request, "venues/room_list.html", ctx)


@login_required
def room_week(request, pk: int):
    """Week view of free/busy slots and the booking form (POST books)."""
    require_perm(request.user, "venues.book")
    room = bookable_rooms().filter(pk=pk).first()
    if room is None:
        raise Http404
    status = 200
    if request.method == "POST":
        form = BookingForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                booking = services.book(request.user, room, **form.service_data())
            except ServiceError as exc:
                from grassroots.core.pages import apply_service_error

                apply_service_error(form, exc)
                status = exc.status if exc.status in (403, 409) else 400
            else:
                messages.success(
                    request, "预约已提交，等待审批" if booking.state == BookingState.PENDING else "预约成功"
                )
                return redirect("venues:booking_detail", pk=booking.pk)
        else:
            status = 400
        monday = availability.week_start(form.cleaned_data.get("date") or timezone.localdate())
    else:
        day = request.GET.get("date")
        form = BookingForm(
            initial={"date": day or timezone.localdate().isoformat(), "attendees": 1}, user=request.user
        )
        monday = availability.parse_week(request.GET.get("week") or day)
    ctx = {
        "room": room,
        "center": room.center,
        "week": availability.week(room, monday, request.user),
        "form": form,
        "ban": services.booking_block(request.user),
        "tabs": tabs(request.user, "venues:rooms", BOOK_TABS),
    }
    return render(request, "venues/room_week.html", ctx, status=status)


@login_required
def my_bookings(request):
    require_perm(request.user, "venues.book")
    from django.core.paginator import Paginator

    qs = (
        Booking.objects.filter(booker=request.user)
        .select_related("room__center", "unit", "org")
        .order_by("-start")
    )
    state = request.GET.get("state", "")
    if state in BookingState.values:
        qs = qs.filter(state=state)
    page = Paginator(qs, 20).get_page(request.GET.get("page"))
    ctx = {
        "page_obj": page,
        "object_list": page.object_list,
        "querystring_without_page": f"state={state}&" if state else "",
        "state": state,
        "states": BookingState.choices,
        # The secret URL is shown once, right after it was made (only its hash is stored).
        "feed_url": request.session.pop(FEED_URL_ONCE, ""),
        "has_feed": CalendarToken.objects.filter(user=request.user).exists(),
        "ban": services.booking_block(request.user),
        "no_shows": Booking.objects.no_shows().filter(booker=request.user).count(),
        "late_cancels": Booking.objects.filter(booker=request.user, late_cancel=True).count(),
        "tabs": tabs(request.user, "venues:mine", BOOK_TABS),
    }
    return render(request, "venues/my_bookings.html", ctx)


FEED_URL_ONCE = "venues_feed_url"


@login_required
@require_POST
def calendar_feed(request):
    """Create (or replace) the secret URL of the user's own calendar feed; it is shown once."""
    require_perm(request.user, "venues.book")
    replaced = CalendarToken.objects.filter(user=request.user).exists()
    token = services.issue_calendar_token(request.user)
    request.session[FEED_URL_ONCE] = request.build_absolute_uri(reverse("venues:ical_user", args=[token]))
    messages.success(request, "已重置订阅地址，旧地址已失效" if replaced else "已生成日历订阅地址")
    return redirect("venues:mine")


# ---- managing bookings --------------------------------------------------------------------------


class BookingListView(PageListView):
    model = Booking
    template_name = "venues/booking_list.html"
    title = "预约管理"
    list_filters = BookingFilters
    select_related = ("room__center__region", "booker", "unit", "org")
    ordering = ("-start",)
    empty_hint = "居民、党员、驻区单位和党组织在线预约功能室后，预约记录显示在这里。"
    export_title = "场地预约"
    export_columns = [
        Column("活动名称", "title", width=24),
        Column("阵地", "room.center.name", width=26),
        Column("功能室", "room.name", width=14),
        Column("开始", "start", width=18),
        Column("结束", "end", width=18),
        Column("状态", "get_state_display", width=10),
        Column("预约主体", "get_booker_kind_display", width=10),
        Column("预约方", "booker_label", width=24),
        Column("预计人数", "attendees", width=10),
        Column("联系电话", "contact_phone", personal="phone", width=14),
        Column("逾期取消", "late_cancel", width=10),
        Column("爽约", "is_no_show", width=8),
        Column("签到时间", "checked_in_at", width=18),
    ]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["tabs"] = tabs(self.request.user, "venues:bookings")
        ctx["can_change"] = False
        return ctx


BOOKING_RELATED = ("room__center__region", "room__center__owner_unit__party_org", "booker", "unit", "org")


def _visible_booking(user, pk):
    b = Booking.objects.select_related(*BOOKING_RELATED).filter(pk=pk).first()
    if b is None:
        raise Http404
    if b.booker_id == user.pk:
        return b
    if has_perm(user, "venues.view") and Booking.objects.visible_to(user).filter(pk=pk).exists():
        return b
    raise Http404


@login_required
def booking_detail(request, pk: int):
    booking = _visible_booking(request.user, pk)
    now = timezone.now()
    is_booker = booking.booker_id == request.user.pk
    decider = services.can_decide(request.user, booking)
    live_future = booking.state in (BookingState.PENDING, BookingState.CONFIRMED) and booking.start > now
    ctx = {
        "b": booking,
        "can_approve": decider and booking.state == BookingState.PENDING and booking.start > now,
        "can_reject": decider and live_future,
        "can_cancel": (is_booker or decider) and live_future,
        "can_checkin": decider
        and booking.state == BookingState.CONFIRMED
        and booking.start - services.CHECKIN_EARLY <= now < booking.end,
        "reject_form": RejectForm(user=request.user),
        "is_booker": is_booker,
    }
    return render(request, "venues/booking_detail.html", ctx)


@login_required
@require_POST
def booking_action(request, pk: int, action: str):
    booking = _visible_booking(request.user, pk)
    try:
        if action == "approve":
            services.approve(request.user, booking)
            messages.success(request, "已通过")
        elif action == "reject":
            services.reject(request.user, booking, request.POST.get("reason", ""))
            messages.success(request, "已驳回")
        elif action == "cancel":
            b = services.cancel(request.user, booking, request.POST.get("reason", ""))
            messages.success(
                request, "已取消（开始前不足时限取消，记逾期取消一次）" if b.late_cancel else "已取消"
            )
        elif action == "checkin":
            services.check_in(request.user, booking)
            messages.success(request, "已签到")
        else:
            raise Http404
    except ServiceError as exc:
        if exc.status == 404:
            raise Http404 from exc
        messages.error(request, exc.message)
    return redirect("venues:booking_detail", pk=booking.pk)


@login_required
def checkin(request, token: str):
    """The page a booker reaches by scanning the room's QR code; POST checks in."""
    require_perm(request.user, "venues.book")
    room = Room.objects.select_related("center").filter(checkin_token=token).first()
    if room is None:
        raise Http404
    now = timezone.now()
    current = (
        Booking.objects.filter(
            room=room,
            booker=request.user,
            state__in=(BookingState.CONFIRMED, BookingState.CHECKED_IN),
            start__lte=now + services.CHECKIN_EARLY,
            end__gt=now,
        )
        .order_by("start")
        .first()
    )
    if request.method == "POST":
        try:
            b = services.check_in_by_qr(request.user, token)
        except ServiceError as exc:
            messages.error(request, exc.message)
            return redirect("venues:checkin", token=token)
        messages.success(request, "签到成功")
        return redirect("venues:booking_detail", pk=b.pk)
    return render(request, "venues/checkin.html", {"room": room, "current": current})


# ---- iCalendar feeds ----------------------------------------------------------------------------


def _feed_rows(qs):
    since = timezone.now() - datetime.timedelta(days=30)
    return qs.live().filter(end__gte=since).select_related("room__center").order_by("start")[:2000]


@login_required
def ical_room(request, pk: int):
    require_perm(request.user, "venues.view")
    room = get_visible(Room, request.user, pk=pk, select_related=ROOM_RELATED)
    return ical.response(
        str(room), _feed_rows(room.bookings.all()), private=False, filename=f"room-{room.pk}"
    )


@login_required
def ical_center(request, pk: int):
    require_perm(request.user, "venues.view")
    center = get_visible(ServiceCenter, request.user, pk=pk, select_related=CENTER_RELATED)
    rows = _feed_rows(Booking.objects.filter(room__center=center))
    return ical.response(center.name, rows, private=False, filename=f"center-{center.code}")


def ical_user(request, token: str):
    """The personal feed, for calendar apps: no login, the secret token in the URL identifies the user."""
    user = CalendarToken.user_for(token)
    if user is None:
        raise Http404
    rows = _feed_rows(Booking.objects.filter(booker=user))
    return ical.response("我的场地预约", rows, private=True, filename="my-bookings")


# ---- 15-minute circle and statistics ------------------------------------------------------------


def _default_region(user):
    from grassroots.core.pages import scope_roots

    return scope_roots(Region, user).order_by("depth", "path").first()


@login_required
def circle_view(request):
    require_perm(request.user, "venues.view")
    region = _region_param(request) or _default_region(request.user)
    data = request.GET.copy()
    if region is not None and not data.get("region"):
        data["region"] = region.code
    data.setdefault("distance", str(circle.default_distance()))
    form = CircleForm(data, user=request.user)
    error = None
    rep = None
    if region is not None:
        try:
            rep = circle.report(region, request.GET.get("distance"), request.GET.get("k") or 0)
        except ServiceError as exc:
            error = exc.message
            rep = circle.report(region, None, 0)
    ctx = {
        "form": form,
        "region": region,
        "rep": rep,
        "error": error,
        "option": circle.chart_option(rep) if rep is not None and rep.demand else None,
        "levels": circle.summary_by_level(rep) if rep else {},
        "tabs": tabs(request.user, "venues:circle"),
    }
    if request.GET.get("export") == "xlsx" and rep is not None:
        cols = [
            Column("编码", "code", width=16),
            Column("名称", "name", width=20),
            Column("层级", lambda a: "街道" if a.level == "street" else "社区", width=8),
            Column("单元数", "entrances", width=10),
            Column("覆盖单元", "entrances_covered", width=10),
            Column("单元覆盖率(%)", "entrance_rate", width=14),
            Column("户数", "households", width=10),
            Column("覆盖户数", "households_covered", width=10),
            Column("住户覆盖率(%)", "household_rate", width=14),
        ]
        return exports.respond(
            request,
            f"15分钟服务圈覆盖（{rep.distance}米）",
            cols,
            rep.areas,
            model_label="venues.servicecenter",
        )
    return render(request, "venues/circle.html", ctx, status=400 if error else 200)


@login_required
def stats_view(request):
    require_perm(request.user, "venues.view")
    region = _region_param(request)
    lo, hi = stats.period(request.GET.get("start"), request.GET.get("end"))
    usage = stats.room_usage(request.user, lo, hi, region)
    if request.GET.get("export") == "xlsx":
        cols = [
            Column("阵地", "room.center.name", width=28),
            Column("功能室", "room.name", width=16),
            Column("所在区划", "room.center.region.name", width=16),
            Column("预约次数", "bookings", width=10),
            Column("预约时长(小时)", "booked_hours", width=14),
            Column("开放时长(小时)", "open_hours", width=14),
            Column("使用率(%)", "rate", width=10),
            Column("爽约次数", "no_shows", width=10),
        ]
        return exports.respond(request, f"功能室使用率 {lo}至{hi}", cols, usage, model_label="venues.booking")
    from django.core.paginator import Paginator

    page = Paginator(usage, 25).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    export = params.copy()
    export["export"] = "xlsx"
    ctx = {
        "summary": stats.summary(request.user, lo, hi, region),
        "page_obj": page,
        "object_list": page.object_list,
        "lo": lo,
        "hi": hi,
        "region": region,
        "querystring_without_page": (params.urlencode() + "&") if params else "",
        "export_querystring": export.urlencode(),
        "tabs": tabs(request.user, "venues:stats"),
    }
    return render(request, "venues/stats.html", ctx)
