"""Pages of organisational life and activities. Reads are scoped; writes call orglife.services."""

from __future__ import annotations

import calendar as pycalendar
import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from grassroots.core import exports
from grassroots.core.attachments import attachments_of
from grassroots.core.errors import ServiceError
from grassroots.core.excel import Column
from grassroots.core.pages import PageListView, ServiceFormView, get_visible, require_perm
from grassroots.core.scoping import covers, has_perm
from grassroots.party.models import PartyOrg
from grassroots.regions.models import Region

from . import ical, services, stats, workflow
from .filters import OrglifeActivityFilters
from .forms import ActivityForm, CancelForm, MinutesForm, StatsFilterForm
from .models import (
    PARTY_LIFE_KINDS,
    STATUS_BADGES,
    Activity,
    ActivityKind,
    ActivityStatus,
    Signup,
    SignupStatus,
)
from .periods import parse_period, period_of

VERB_LABELS = {"publish": "发布", "start": "开始签到", "finish": "标记完成", "cancel": "取消活动"}


def activity_url(a: Activity) -> str:
    return reverse("orglife:detail", args=[a.pk])


def _fmt(dt) -> str:
    return f"{timezone.localtime(dt):%Y-%m-%d %H:%M}" if dt else ""


class ActivityListView(PageListView):
    model = Activity
    template_name = "orglife/activity_list.html"
    title = "活动列表"
    list_filters = OrglifeActivityFilters
    select_related = ("party_org", "region", "unit")
    ordering = ("-starts_at", "-id")
    create_url_name = "orglife:add"
    empty_hint = "制订三会一课、主题党日、联建共建和志愿服务活动计划，发布后党员可报名签到。"
    export_title = "活动"
    export_columns = [
        Column("标题", "title", width=30),
        Column("类型", "get_kind_display", width=14),
        Column("状态", "get_status_display", width=8),
        Column("党组织", "party_org.name", width=28),
        Column("所属区划", "region.name", width=16),
        Column("联建单位", "unit.name", width=20),
        Column("开始时间", lambda a: _fmt(a.starts_at), width=18),
        Column("结束时间", lambda a: _fmt(a.ends_at), width=18),
        Column("地点", "place", width=24),
        Column("人数上限", lambda a: a.capacity if a.capacity is not None else "不限", width=10),
        Column("报名人数", "signed_up_count", width=10),
        Column("有会议记录", lambda a: "是" if a.minutes else "否", width=10),
    ]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["badges"] = STATUS_BADGES
        return ctx


@login_required
def activity_detail(request, pk: int):
    require_perm(request.user, "orglife.view")
    user = request.user
    activity = get_visible(
        Activity, user, pk=pk, select_related=("party_org", "region", "unit", "created_by")
    )
    can_change = covers(user, activity, "change")
    signups = list(activity.signups.select_related("member").order_by("status", "signed_up_at", "id"))
    mine = next((s for s in signups if s.user_id == user.pk), None)
    counts = {k: 0 for k in SignupStatus.values}
    for s in signups:
        counts[s.status] += 1
    now = timezone.now()
    ctx = {
        "a": activity,
        "badge": STATUS_BADGES[activity.status],
        "can_change": can_change,
        "verbs": [(v, VERB_LABELS[v]) for v in workflow.allowed_verbs(activity.status)] if can_change else [],
        "signups": signups if can_change else [s for s in signups if s.user_id == user.pk],
        "counts": counts,
        "mine": mine,
        "can_sign_up": activity.signup_open(now)
        and (mine is None or mine.status == SignupStatus.CANCELLED)
        and not activity.is_full,
        "can_cancel_signup": mine is not None
        and mine.status == SignupStatus.SIGNED_UP
        and activity.starts_at > now
        and activity.status in workflow.OPEN,
        "can_record": can_change
        and activity.status in workflow.RECORDING
        and activity.starts_at - services.CHECKIN_MARGIN <= now,
        "can_edit": can_change and activity.status in workflow.EDITABLE,
        "photos": list(attachments_of(activity, "photo")),
        "files": list(attachments_of(activity, "minutes")),
        "is_party_life": activity.kind in PARTY_LIFE_KINDS,
        "counts_toward": activity.kind in PARTY_LIFE_KINDS
        and activity.status == ActivityStatus.DONE
        and bool(activity.minutes)
        and counts[SignupStatus.ATTENDED] > 0,
        "cancel_form": CancelForm(user=user),
    }
    return render(request, "orglife/activity_detail.html", ctx)


class ActivityFormMixin:
    perm = "orglife.change"
    form_class = ActivityForm

    def url_for(self, obj):
        return activity_url(obj)

    def breadcrumbs(self):
        return [("活动列表", reverse("orglife:list"))]


class ActivityCreateView(ActivityFormMixin, ServiceFormView):
    title = "新建活动计划"

    def get_instance(self):
        return Activity()

    def get_initial(self):
        kind = self.request.GET.get("kind", "")
        return {
            "party_org": self.request.GET.get("org", ""),
            "kind": kind if kind in ActivityKind.values else ActivityKind.THEME_DAY,
        }

    def cancel_url(self):
        return reverse("orglife:list")

    def save(self, form):
        return services.create_activity(self.request.user, **form.service_data())


class ActivityEditView(ActivityFormMixin, ServiceFormView):
    def get_object(self):
        return get_visible(
            Activity, self.request.user, action="change", pk=self.kwargs["pk"], select_related=("party_org",)
        )

    def get_title(self):
        return f"编辑：{self.object.title}"

    def get_instance(self):
        return Activity.objects.select_related("region", "party_org", "unit").get(pk=self.object.pk)

    def save(self, form):
        return services.update_activity(self.request.user, self.object, **form.service_data())


def _redirect_with(request, activity, fn, ok: str):
    try:
        fn()
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, ok)
    return redirect(activity_url(activity))


@login_required
@require_POST
def activity_action(request, pk: int, verb: str):
    require_perm(request.user, "orglife.change")
    if verb not in workflow.TRANSITIONS:
        raise Http404
    activity = get_visible(Activity, request.user, action="change", pk=pk, select_related=("party_org",))
    if verb == "cancel":
        reason = request.POST.get("reason", "")
        return _redirect_with(
            request, activity, lambda: services.cancel_activity(request.user, activity, reason), "活动已取消"
        )
    fn = {
        "publish": services.publish_activity,
        "start": services.start_activity,
        "finish": services.finish_activity,
    }[verb]
    return _redirect_with(request, activity, lambda: fn(request.user, activity), f"已{VERB_LABELS[verb]}")


@login_required
@require_POST
def signup(request, pk: int):
    require_perm(request.user, "orglife.view")
    activity = get_visible(Activity, request.user, pk=pk)
    return _redirect_with(request, activity, lambda: services.sign_up(request.user, activity), "报名成功")


@login_required
@require_POST
def signup_cancel(request, pk: int):
    require_perm(request.user, "orglife.view")
    activity = get_visible(Activity, request.user, pk=pk)
    return _redirect_with(
        request, activity, lambda: services.cancel_signup(request.user, activity), "已取消报名"
    )


@login_required
def attendance(request, pk: int):
    require_perm(request.user, "orglife.change")
    activity = get_visible(Activity, request.user, action="change", pk=pk, select_related=("party_org",))
    members = list(services.branch_members(activity).select_related("party_org"))
    status = {}
    for s in activity.signups.all():
        if s.member_id:
            status[s.member_id] = s.status
    error = ""
    if request.method == "POST":
        try:
            counts = services.record_attendance(request.user, activity, request.POST.getlist("members"))
        except ServiceError as exc:
            error = exc.message
        else:
            messages.success(request, f"已记录出席 {counts['attended']} 人，缺席 {counts['absent']} 人")
            return redirect(activity_url(activity))
        status = {int(x): SignupStatus.ATTENDED for x in request.POST.getlist("members") if x.isdigit()}
    rows = [(m, status.get(m.pk) == SignupStatus.ATTENDED) for m in members]
    ctx = {"a": activity, "rows": rows, "error": error}
    return render(request, "orglife/attendance.html", ctx, status=400 if error else 200)


@login_required
def record_past(request, pk: int):
    """直接记录: minutes and attendance of a planned meeting that already took place."""
    require_perm(request.user, "orglife.change")
    activity = get_visible(Activity, request.user, action="change", pk=pk, select_related=("party_org",))
    if not activity.can_record_directly:
        raise Http404
    members = []
    if activity.party_org_id:
        members = list(services.branch_members(activity).select_related("party_org"))
    form = MinutesForm(request.POST or None, initial={"minutes": activity.minutes})
    checked = {int(x) for x in request.POST.getlist("members") if x.isdigit()}
    if request.method == "POST" and form.is_valid():
        try:
            services.record_past_activity(
                request.user,
                activity,
                minutes=form.cleaned_data["minutes"],
                attended_member_ids=request.POST.getlist("members"),
                photos=request.FILES.getlist("photos"),
                files=request.FILES.getlist("files"),
            )
        except ServiceError as exc:
            form.add_error("minutes" if exc.field == "minutes" else None, exc.message)
        else:
            messages.success(request, "已直接记录本次活动")
            return redirect(activity_url(activity))
    ctx = {"a": activity, "form": form, "rows": [(m, m.pk in checked) for m in members]}
    return render(request, "orglife/record.html", ctx, status=400 if request.method == "POST" else 200)


@login_required
def minutes(request, pk: int):
    require_perm(request.user, "orglife.change")
    activity = get_visible(Activity, request.user, action="change", pk=pk, select_related=("party_org",))
    form = MinutesForm(request.POST or None, initial={"minutes": activity.minutes})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.record_minutes(
                    request.user,
                    activity,
                    form.cleaned_data["minutes"],
                    photos=request.FILES.getlist("photos"),
                    files=request.FILES.getlist("files"),
                )
            except ServiceError as exc:
                form.add_error("minutes" if exc.field == "minutes" else None, exc.message)
            else:
                messages.success(request, "会议记录已保存")
                return redirect(activity_url(activity))
        status = 400
    return render(request, "orglife/minutes.html", {"a": activity, "form": form}, status=status)


@login_required
def qr_page(request, pk: int):
    """The organizer shows this on a screen; members scan it with their phone to check in."""
    require_perm(request.user, "orglife.change")
    activity = get_visible(Activity, request.user, action="change", pk=pk)
    url = request.build_absolute_uri(services.checkin_url(activity))
    return render(request, "orglife/qr.html", {"a": activity, "url": url, "svg": ical.qr_svg(url)})


@login_required
def checkin(request, token: str):
    require_perm(request.user, "orglife.view")
    try:
        activity = services.activity_for_token(request.user, token)
    except ServiceError as exc:
        return render(request, "orglife/checkin.html", {"error": exc.message}, status=404)
    done = None
    error = ""
    if request.method == "POST":
        try:
            done = services.check_in(request.user, token)
        except ServiceError as exc:
            error = exc.message
    ctx = {"a": activity, "done": done, "error": error}
    return render(request, "orglife/checkin.html", ctx, status=409 if error else 200)


# calendar ------------------------------------------------------------------------------------------
def _month_param(value: str) -> datetime.date:
    try:
        y, m = value.split("-")
        return datetime.date(int(y), int(m), 1)
    except (ValueError, AttributeError):
        return timezone.localdate().replace(day=1)


@login_required
def calendar_view(request):
    require_perm(request.user, "orglife.view")
    month = _month_param(request.GET.get("month", ""))
    weeks = pycalendar.Calendar(firstweekday=0).monthdatescalendar(month.year, month.month)
    first, last = weeks[0][0], weeks[-1][-1] + datetime.timedelta(days=1)
    qs = (
        Activity.objects.visible_to(request.user)
        .filter(starts_at__gte=stats.local_start(first), starts_at__lt=stats.local_start(last))
        .exclude(status=ActivityStatus.CANCELLED)
        .select_related("party_org")
        .order_by("starts_at")
    )
    region_code = request.GET.get("region", "").strip()
    if region_code:
        node = Region.objects.visible_to(request.user).filter(code=region_code).first()
        qs = qs.filter(region__path__startswith=node.path) if node else qs.none()
    org_code = request.GET.get("org", "").strip()
    if org_code:
        org = PartyOrg.objects.visible_to(request.user).filter(code=org_code).first()
        qs = qs.filter(party_org__path__startswith=org.path) if org else qs.none()
    by_day: dict[datetime.date, list] = {}
    items = list(qs[:1000])
    for a in items:
        by_day.setdefault(timezone.localtime(a.starts_at).date(), []).append(a)
    today = timezone.localdate()
    grid = [[(d, by_day.get(d, []), d.month == month.month, d == today) for d in week] for week in weeks]
    in_month = [a for a in items if timezone.localtime(a.starts_at).date().month == month.month]
    prev_month = (month - datetime.timedelta(days=1)).replace(day=1)
    next_month = (month + datetime.timedelta(days=32)).replace(day=1)
    extra = "".join(f"&{k}={v}" for k, v in (("region", region_code), ("org", org_code)) if v)
    ctx = {
        "month": month,
        "grid": grid,
        "items": in_month,
        "prev": f"{prev_month:%Y-%m}",
        "next": f"{next_month:%Y-%m}",
        "this": f"{today:%Y-%m}",
        "extra": extra,
        "badges": STATUS_BADGES,
        "weekdays": ["一", "二", "三", "四", "五", "六", "日"],
        "org_code": org_code,
        "region_code": region_code,
    }
    return render(request, "orglife/calendar.html", ctx)


FEED_URL_ONCE = "orglife_feed_url"


@login_required
def feeds(request):
    """The user's calendar subscription: the secret feed URL is shown once, right after it is made or
    replaced (only its hash is stored); afterwards the page offers a new one."""
    require_perm(request.user, "orglife.view")
    if request.method == "POST":
        replaced = ical.has_token(request.user)
        token = ical.issue_token(request.user)
        request.session[FEED_URL_ONCE] = request.build_absolute_uri(
            reverse("orglife:ical_user", args=[token])
        )
        messages.success(request, "订阅地址已重置，旧地址立即失效" if replaced else "已生成订阅地址")
        return redirect("orglife:feeds")
    url = request.session.pop(FEED_URL_ONCE, "")
    return render(request, "orglife/feeds.html", {"url": url, "has_token": ical.has_token(request.user)})


def ical_user(request, token: str):
    user = ical.user_for_token(token)
    if user is None or not has_perm(user, "orglife.view"):
        raise Http404
    return ical.response(ical.user_feed(user), "my-activities")


def ical_org(request, code: str):
    """An org's feed: for a logged-in user, or for a calendar app through ?token=<the user's feed token>."""
    if request.user.is_authenticated:
        user = request.user
    elif "token" in request.GET:
        user = ical.user_for_token(request.GET["token"])
    else:
        from django.contrib.auth.views import redirect_to_login

        return redirect_to_login(request.get_full_path())
    if user is None or not has_perm(user, "orglife.view"):
        raise Http404
    org = PartyOrg.objects.visible_to(user).filter(code=code).first()
    if org is None:
        raise Http404
    return ical.response(ical.org_feed(user, org), org.code)


# member's phone page ---------------------------------------------------------------------------------
@login_required
def mine(request):
    require_perm(request.user, "orglife.view")
    now = timezone.now()
    visible = Activity.objects.visible_to(request.user).select_related("party_org")
    my_signups = {
        s.activity_id: s
        for s in Signup.objects.filter(user=request.user).exclude(status=SignupStatus.CANCELLED)
    }
    upcoming = list(
        visible.filter(status__in=list(workflow.OPEN), ends_at__gte=now).order_by("starts_at")[:50]
    )
    past = list(visible.filter(pk__in=list(my_signups), ends_at__lt=now).order_by("-starts_at")[:30])
    hours = sum((s.hours for s in my_signups.values() if s.status == SignupStatus.ATTENDED), 0)
    attended = sum(1 for s in my_signups.values() if s.status == SignupStatus.ATTENDED)
    ctx = {
        "upcoming": [(a, my_signups.get(a.pk)) for a in upcoming],
        "past": [(a, my_signups.get(a.pk)) for a in past],
        "attended": attended,
        "hours": hours,
        "badges": STATUS_BADGES,
    }
    return render(request, "orglife/mine.html", ctx)


# branch compliance and statistics ------------------------------------------------------------------
@login_required
def branch(request, code: str):
    require_perm(request.user, "orglife.view")
    org = get_visible(PartyOrg, request.user, code=code, select_related=("region",))
    rows = stats.history(org)
    recent = list(
        Activity.objects.visible_to(request.user)
        .filter(party_org__path__startswith=org.path)
        .select_related("party_org")
        .annotate(attended=Count("signups", filter=Q(signups__status=SignupStatus.ATTENDED)))
        .order_by("-starts_at")[:20]
    )
    ctx = {"org": org, "rows": rows, "recent": recent, "badges": STATUS_BADGES}
    return render(request, "orglife/branch.html", ctx)


def _stats_scope(request):
    region_code = request.GET.get("region", "").strip()
    user = request.user
    orgs = PartyOrg.objects.visible_to(user)
    activities = Activity.objects.visible_to(user)
    node = None
    if region_code:
        node = Region.objects.visible_to(user).filter(code=region_code).first()
        if node is None:
            return None, orgs.none(), activities.none()
        orgs = orgs.filter(region__path__startswith=node.path)
        activities = activities.filter(region__path__startswith=node.path)
    return node, orgs, activities


@login_required
def stats_view(request):
    require_perm(request.user, "orglife.change")
    today = timezone.localdate()
    spec = request.GET.get("period", "").strip() or str(today.year)
    form = StatsFilterForm(request.GET or None, user=request.user)
    form.is_valid()
    try:
        period = parse_period(spec)
    except ValueError as exc:
        form.add_error("period", str(exc))
        period = period_of(today, "year")
    node, orgs, activities = _stats_scope(request)
    if node is None and request.GET.get("region", "").strip():
        figures = stats.activity_stats(activities)  # a region the user cannot see: nothing
    else:
        figures = stats.served_activity_stats(request.user, period, within=node.path if node else None)
    compliance = stats.life_compliance(orgs, period, today=today)
    if request.GET.get("export") == "xlsx":
        columns = [
            Column("组织编码", lambda r: r["code"], width=16),
            Column("党支部", lambda r: r["name"], width=30),
            Column("所在区划", lambda r: r["region_name"], width=16),
            Column("应完成(期次)", lambda r: r["judged"], width=12),
            Column("已完成(期次)", lambda r: r["met"], width=12),
            Column("完成率", lambda r: "—" if r["rate"] is None else f"{r['rate'] * 100:.0f}%", width=10),
            Column(
                "达标", lambda r: "是" if r["compliant"] else ("否" if r["judged"] else "未到期"), width=8
            ),
            Column("未完成事项", lambda r: "；".join(r["missed"]), width=60),
        ]
        return exports.respond(
            request,
            f"组织生活达标情况-{period.label}",
            columns,
            compliance["rows"],
            model_label="orglife.activity",
            filters={"period": spec, "region": request.GET.get("region", "")},
        )
    from django.core.paginator import Paginator

    rows = sorted(compliance["rows"], key=lambda r: (r["compliant"], r["rate"] or 0, r["code"]))
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    qs = params.urlencode()
    params["export"] = "xlsx"
    chart = {
        "tooltip": {},
        "grid": {"left": 40, "right": 10, "top": 20, "bottom": 60},
        "xAxis": {
            "type": "category",
            "data": [v["label"] for v in figures["by_kind"].values()],
            "axisLabel": {"rotate": 40},
        },
        "yAxis": {"type": "value"},
        "series": [
            {"name": "计划及开展", "type": "bar", "data": [v["total"] for v in figures["by_kind"].values()]},
            {"name": "已完成", "type": "bar", "data": [v["done"] for v in figures["by_kind"].values()]},
        ],
    }
    ctx = {
        "title": "组织生活统计",
        "period": period,
        "node": node,
        "figures": figures,
        "compliance": compliance,
        "page_obj": page,
        "object_list": page.object_list,
        "querystring_without_page": (qs + "&") if qs else "",
        "export_querystring": params.urlencode(),
        "filter_form": form,
        "filters": {k: v for k, v in request.GET.items() if k in ("period", "region") and v},
        "chart": chart,
    }
    return render(request, "orglife/stats.html", ctx)
