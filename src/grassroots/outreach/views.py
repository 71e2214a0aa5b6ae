"""Pages of 联户 and 民情日志: thin, reads through visible_to(), every change through services.

Staff pages (Tabler layout) read with regions.view (links, hubs) and people.view (workers' logs);
the hub member's and the worker's own pages use the phone (h5) layout.
"""

from __future__ import annotations

import datetime
from types import SimpleNamespace

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Max, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from grassroots.core.errors import ServiceError
from grassroots.core.excel import Column, export_response
from grassroots.core.excel import local_minute as _local
from grassroots.core.pages import get_visible
from grassroots.core.scoping import covers, grants_for
from grassroots.core.views import ScopedListView
from grassroots.party.models import Member
from grassroots.regions.models import Household, Region

from . import services
from .forms import HubFilterForm, LogFilterForm, OverdueFilterForm
from .models import ContactKind, ContactLog, HubLink, ItemKind, ItemState, LinkState, LogItem, WorkerLog
from .rules import cutoff_for, hub_params, overdue_q
from .stats import week_start, weekly_summary


def _require_staff(user, perm: str) -> None:
    """Staff pages: the permission through a region or party-org grant (a resident's own-records
    regions.view reads their household, not the community's hubs)."""
    if user.is_superuser:
        return
    if not any(perm in g.perms and not g.own for g in grants_for(user)):
        raise Http404


class _StaffList(ScopedListView):
    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            _require_staff(request.user, self.action)
        return super().dispatch(request, *args, **kwargs)


def _list_ctx(request, title, form_class, perm) -> dict:
    params = request.GET.copy()
    params["export"] = "xlsx"
    params.pop("page", None)
    return {
        "title": title,
        "filter_form": form_class(request.GET or None, user=request.user, perm=perm),
        "export_querystring": params.urlencode(),
    }


def _hub_annotations(cutoff):
    return {
        "n_linked": Count("hub_links", filter=Q(hub_links__state=LinkState.CONFIRMED), distinct=True),
        "n_suggested": Count("hub_links", filter=Q(hub_links__state=LinkState.SUGGESTED), distinct=True),
        "n_overdue": Count("hub_links", filter=overdue_q(cutoff, "hub_links__"), distinct=True),
        "last_contact": Max("hub_links__last_contact_at"),
    }


class HubListView(_StaffList):
    """党员中心户 per community: linked households, overdue ones, the latest contact."""

    model = Member
    action = "regions.view"
    template_name = "outreach/hubs.html"
    region_filter = "party_org__region"
    select_related = ("party_org", "party_org__region", "residence")
    ordering = ("-n_overdue", "party_org__region__path", "name_initials", "pk")
    filters = {}
    export_title = "党员中心户联户情况"
    export_columns = [
        Column("姓名", "name", width=10),
        Column("所在党组织", "party_org.name", width=24),
        Column("居住地", "residence.name", width=12),
        Column("联系户", "n_linked", width=8),
        Column("待确认", "n_suggested", width=8),
        Column("逾期未联系", "n_overdue", width=10),
        Column("最近联系", lambda m: _local(m.last_contact), width=17),
    ]

    def base_queryset(self):
        self.params = hub_params()
        cutoff = cutoff_for(self.params.interval_days)
        return super().base_queryset().filter(is_household_hub=True).annotate(**_hub_annotations(cutoff))

    def filter_queryset(self, qs):
        qs = super().filter_queryset(qs)
        if self.request.GET.get("overdue") == "1":
            qs = qs.filter(n_overdue__gt=0)
        return qs

    def applied_filters(self):
        out = super().applied_filters()
        if self.request.GET.get("overdue") == "1":
            out["overdue"] = "1"
        return out

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(
            _list_ctx(self.request, "党员中心户联户", HubFilterForm, "regions.view"),
            params=self.params,
            empty_hint="在党员信息中标记党员中心户后，这里列出各中心户的联系户和联系情况。",
        )
        return ctx


class OverdueListView(_StaffList):
    """Confirmed links not contacted in [interval_days] days (GOV-12), longest waiting first."""

    model = HubLink
    action = "regions.view"
    template_name = "outreach/overdue.html"
    region_filter = "community"
    search_fields = ("hub__name", "hub__name_initials")
    select_related = ("hub", "household", "household__entrance", "community")
    ordering = ("last_contact_at", "confirmed_at", "pk")
    export_title = "逾期未联系住户"
    export_columns = [
        Column("党员中心户", "hub.name", width=10),
        Column("社区", "community.name", width=14),
        Column("户主", "household.head_name", personal="name", width=10),
        Column("单元", "household.entrance.name", width=10),
        Column("房号", "household.room", personal="room", width=8),
        Column("最近联系", lambda lk: _local(lk.last_contact_at) or "从未联系", width=17),
        Column("确认时间", lambda lk: _local(lk.confirmed_at), width=17),
    ]

    def base_queryset(self):
        self.params = hub_params()
        return super().base_queryset().filter(overdue_q(cutoff_for(self.params.interval_days)))

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(
            _list_ctx(self.request, "逾期未联系住户", OverdueFilterForm, "regions.view"),
            params=self.params,
            empty_hint="所有已确认的联系户都在规定天数内联系过。",
        )
        return ctx


@login_required
def hub_detail(request, pk: int):
    """One hub: the households they keep in touch with and the contact history."""
    _require_staff(request.user, "regions.view")
    hub = get_visible(
        Member, request.user, action="regions.view", select_related=("party_org", "residence"), pk=pk
    )
    if not hub.is_household_hub:
        raise Http404
    params = hub_params()
    cutoff = cutoff_for(params.interval_days)
    links = list(
        HubLink.objects.visible_to(request.user, "regions.view")
        .filter(hub=hub)
        .exclude(state=LinkState.ENDED)
        .select_related("household", "household__entrance", "household__grid")
        .order_by("state", "last_contact_at", "pk")
    )
    for lk in links:
        lk.overdue = lk.state == LinkState.CONFIRMED and (
            (lk.last_contact_at or lk.confirmed_at or timezone.now()) < cutoff
        )
    contacts = Paginator(
        ContactLog.objects.visible_to(request.user, "regions.view")
        .filter(link__hub=hub)
        .select_related("link__household", "link__household__entrance", "case", "created_by"),
        20,
    ).get_page(request.GET.get("page"))
    community = services.community_of(hub.residence)
    return render(
        request,
        "outreach/hub_detail.html",
        {
            "hub": hub,
            "links": links,
            "page_obj": contacts,
            "params": params,
            "community": community,
            "can_manage": community is not None and services.can_manage_links(request.user, community),
            "querystring_without_page": "",
        },
    )


@login_required
def community_links(request, code: str):
    """A community's 联户 at a glance: every hub with its suggested and confirmed households, bulk
    confirmation or ending of suggestions, and new suggestions from the rule's parameters."""
    _require_staff(request.user, "regions.view")
    community = get_visible(Region, request.user, action="regions.view", code=code, level="community")
    params = hub_params()
    cutoff = cutoff_for(params.interval_days)
    state = request.GET.get("state", "suggested")
    if state not in LinkState.values:
        state = LinkState.SUGGESTED
    links = (
        HubLink.objects.visible_to(request.user, "regions.view")
        .filter(community=community, state=state)
        .select_related("hub", "household", "household__entrance")
        .order_by("hub__name_initials", "hub_id", "distance_m", "pk")
    )
    page = Paginator(links, 60).get_page(request.GET.get("page"))
    totals = HubLink.objects.filter(community=community).aggregate(
        suggested=Count("pk", filter=Q(state=LinkState.SUGGESTED)),
        confirmed=Count("pk", filter=Q(state=LinkState.CONFIRMED)),
        ended=Count("pk", filter=Q(state=LinkState.ENDED)),
        overdue=Count("pk", filter=overdue_q(cutoff)),
    )
    hubs = Member.objects.filter(is_household_hub=True, residence__path__startswith=community.path).count()
    households = Household.objects.filter(entrance__path__startswith=community.path).count()
    return render(
        request,
        "outreach/community.html",
        {
            "community": community,
            "page_obj": page,
            "state": state,
            "states": LinkState.choices,
            "totals": totals,
            "hubs": hubs,
            "households": households,
            "params": params,
            "can_manage": services.can_manage_links(request.user, community),
            "querystring_without_page": f"state={state}&",
        },
    )


@login_required
@require_POST
def community_act(request, code: str, verb: str):
    _require_staff(request.user, "regions.view")
    community = get_visible(Region, request.user, action="regions.view", code=code, level="community")
    state = request.POST.get("state", "")
    back = redirect(
        reverse("outreach:community", args=[community.code])
        + f"?state={state if state in LinkState.values else LinkState.SUGGESTED}"
    )
    try:
        if verb == "suggest":
            per_hub = request.POST.get("per_hub") or None
            try:
                per_hub = int(per_hub) if per_hub else None
            except ValueError:
                raise ServiceError("每名中心户联系户数应为整数") from None
            made = services.suggest_links(request.user, community, per_hub=per_hub)
            messages.success(request, f"已生成 {len(made)} 条推荐联系户，请核对后确认")
        elif verb == "confirm":
            n = services.confirm_links(request.user, community, request.POST.getlist("ids"))
            messages.success(request, f"已确认 {n} 条联户关系")
        elif verb == "end":
            n = services.end_links(
                request.user, community, request.POST.getlist("ids"), reason=request.POST.get("reason", "")
            )
            messages.success(request, f"已解除 {n} 条联户关系")
        else:
            raise Http404
    except ServiceError as exc:
        if exc.status == 404:
            raise Http404 from exc
        messages.error(request, exc.message)
    return back


# ---------------------------------------------------------------- the hub member's phone pages


def _hub_or_404(request):
    hub = services.hub_member_of(request.user)
    if hub is None:
        raise Http404
    return hub


@login_required
def my_links(request):
    """我的联系户: the hub's confirmed households, overdue first, with the latest contact."""
    hub = _hub_or_404(request)
    params = hub_params()
    cutoff = cutoff_for(params.interval_days)
    links = list(
        HubLink.objects.visible_to(request.user, "outreach.log")
        .filter(hub=hub, state=LinkState.CONFIRMED)
        .select_related("household", "household__entrance")
        .order_by("last_contact_at", "pk")
    )
    for lk in links:
        ref = lk.last_contact_at or lk.confirmed_at
        lk.overdue = ref is not None and ref < cutoff
        lk.days = (timezone.now() - lk.last_contact_at).days if lk.last_contact_at else None
    links.sort(key=lambda lk: (not lk.overdue, lk.last_contact_at is not None, lk.last_contact_at or 0))
    recent = list(
        ContactLog.objects.visible_to(request.user, "outreach.log")
        .filter(link__hub=hub)
        .select_related("link__household", "case")[:10]
    )
    pending = HubLink.objects.filter(hub=hub, state=LinkState.SUGGESTED).count()
    return render(
        request,
        "outreach/my_links.html",
        {
            "hub": hub,
            "links": links,
            "recent": recent,
            "params": params,
            "n_overdue": sum(1 for lk in links if lk.overdue),
            "pending": pending,
        },
    )


@login_required
def contact(request, pk: int):
    """Log a contact with one linked household in a few taps; a matter opens a case in its grid."""
    try:
        link = services.get_link(request.user, pk)
    except ServiceError as exc:
        raise Http404 from exc
    if link.hub.user_id != request.user.pk:
        raise Http404
    form = {"kind": ContactKind.VISIT, "note": "", "matter": ""}
    error = ""
    if request.method == "POST":
        form = {k: request.POST.get(k, "") for k in ("kind", "note", "matter")}
        try:
            log = services.log_contact(
                request.user,
                link,
                kind=form["kind"],
                note=form["note"],
                photos=request.FILES.getlist("photos"),
                matter=form["matter"],
            )
        except ServiceError as exc:
            error = exc.message
        else:
            text = "联系已记录"
            if log.case_id:
                text += f"，问题已转为工单 {log.case.number}，将由所在网格办理"
            messages.success(request, text)
            return redirect("outreach:my_links")
    history = list(link.contacts.select_related("case")[:10])
    return render(
        request,
        "outreach/contact.html",
        {"link": link, "form": form, "error": error, "kinds": ContactKind.choices, "history": history},
        status=400 if error else 200,
    )


# ---------------------------------------------------------------- 民情日志


def _parse_date(value) -> datetime.date | None:
    if not value:
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        return None


@login_required
def my_log(request):
    """The worker's log of a day on the phone: add items, turn each into a case or a visit."""
    worker = services.worker_of(request.user)
    if worker is None:
        raise Http404
    today = timezone.localdate()
    date = _parse_date(request.GET.get("date") or request.POST.get("date")) or today
    form = {"kind": ItemKind.OPINION, "text": "", "household": ""}
    error = ""
    if request.method == "POST":
        form = {k: request.POST.get(k, "") for k in ("kind", "text", "household")}
        household = None
        try:
            if form["household"]:
                household = (
                    Household.objects.visible_to(request.user, "regions.view")
                    .filter(pk=form["household"])
                    .select_related("entrance")
                    .first()
                )
                if household is None:
                    raise ServiceError("涉及住户不存在或不在您的管辖范围内", field="household")
            services.add_item(
                request.user, kind=form["kind"], text=form["text"], household=household, date=date
            )
        except ServiceError as exc:
            error = exc.message
        else:
            messages.success(request, "已记入民情日志")
            return redirect(f"{request.path}?date={date.isoformat()}")
    try:
        log = services.day_log(request.user, date)
    except ServiceError as exc:
        raise Http404 from exc
    items = list(log.items.select_related("household", "case", "visit")) if log else []
    community = services.community_of(worker.region)
    households = (
        services.household_choices(request.user, community, request.GET.get("hq", ""), limit=30)
        if community
        else []
    )
    days = list(
        WorkerLog.objects.filter(worker=worker, date__gte=today - datetime.timedelta(days=6))
        .annotate(n=Count("items"))
        .values_list("date", "n")
    )
    return render(
        request,
        "outreach/my_log.html",
        {
            "worker": worker,
            "date": date,
            "today": today,
            "log": log,
            "items": items,
            "form": form,
            "error": error,
            "kinds": ItemKind.choices,
            "households": households,
            "week": [
                (today - datetime.timedelta(days=k), dict(days).get(today - datetime.timedelta(days=k), 0))
                for k in range(6, -1, -1)
            ],
        },
        status=400 if error else 200,
    )


@login_required
@require_POST
def item_act(request, pk: int, verb: str):
    try:
        item = services.get_item(request.user, pk)
    except ServiceError as exc:
        raise Http404 from exc
    try:
        if verb == "case":
            case = services.item_to_case(request.user, item, description=request.POST.get("description", ""))
            messages.success(request, f"已转为工单 {case.number}")
        elif verb == "visit":
            services.item_to_visit(request.user, item, kind=request.POST.get("kind", "night"))
            messages.success(request, "已记入走访记录")
        elif verb == "done":
            services.close_item(request.user, item)
            messages.success(request, "已标记为当场办结")
        else:
            raise Http404
    except ServiceError as exc:
        messages.error(request, exc.message)
    nxt = request.POST.get("next", "")
    if nxt.startswith("/outreach/"):
        return redirect(nxt)
    return redirect(f"/outreach/log/?date={item.log.date.isoformat()}")


class LogListView(_StaffList):
    """Workers' daily logs in scope (people.view)."""

    model = WorkerLog
    action = "people.view"
    template_name = "outreach/logs.html"
    region_filter = "community"
    search_fields = ("worker__name", "worker__name_initials")
    select_related = ("worker", "community")
    ordering = ("-date", "community__path", "worker__name")
    export_title = "民情日志"
    export_columns = [
        Column("日期", lambda lg: lg.date.isoformat(), width=12),
        Column("社区", "community.name", width=14),
        Column("社区工作者", "worker.name", width=10),
        Column("条目数", "n_items", width=8),
        Column("转工单", "n_cases", width=8),
        Column("转走访", "n_visits", width=8),
    ]

    def base_queryset(self):
        return (
            super()
            .base_queryset()
            .annotate(
                n_items=Count("items"),
                n_cases=Count("items", filter=Q(items__state=ItemState.CASE)),
                n_visits=Count("items", filter=Q(items__state=ItemState.VISIT)),
            )
        )

    def filter_queryset(self, qs):
        qs = super().filter_queryset(qs)
        d = _parse_date(self.request.GET.get("date"))
        return qs.filter(date=d) if d else qs

    def applied_filters(self):
        out = super().applied_filters()
        if _parse_date(self.request.GET.get("date")):
            out["date"] = self.request.GET["date"]
        return out

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(
            _list_ctx(self.request, "民情日志", LogFilterForm, "people.view"),
            empty_hint="社区工作者在手机上记录的民情日志会出现在这里。",
        )
        return ctx


@login_required
def log_detail(request, pk: int):
    _require_staff(request.user, "people.view")
    log = get_visible(
        WorkerLog, request.user, action="people.view", select_related=("worker", "community"), pk=pk
    )
    items = list(
        LogItem.objects.filter(log=log).select_related("household", "household__entrance", "case", "visit")
    )
    can_act = covers(request.user, log, "outreach.log") and (
        log.worker.user_id == request.user.pk or covers(request.user, log.community, "regions.change")
    )
    return render(
        request,
        "outreach/log_detail.html",
        {"log": log, "items": items, "can_act": can_act, "OPEN": ItemState.OPEN},
    )


@login_required
def weekly(request, code: str):
    """The weekly summary of a community: items by kind, items turned into cases and the cases'
    states, workers' log days, hub contacts; ?export=xlsx downloads it."""
    _require_staff(request.user, "people.view")
    community = get_visible(Region, request.user, action="people.view", code=code, level="community")
    start = week_start(_parse_date(request.GET.get("week")) or timezone.localdate())
    data = weekly_summary(request.user, community, start)
    if request.GET.get("export") == "xlsx":
        rows = (
            [{"k": "类别", "a": label, "b": n} for label, n in data["by_kind"]]
            + [{"k": "工单状态", "a": label, "b": n} for label, n in data["case_states"]]
            + [{"k": "日志天数", "a": w["name"], "b": w["days"]} for w in data["workers"]]
        )
        return export_response(
            request.user,
            f"{community.name}民情日志周报{start:%Y%m%d}",
            [Column("项目", "k", width=10), Column("名称", "a", width=16), Column("数量", "b", width=8)],
            [SimpleNamespace(**r) for r in rows],
            model_label="outreach.workerlog",
            filters={"community": community.code, "week": start.isoformat()},
        )
    return render(
        request,
        "outreach/weekly.html",
        {
            "community": community,
            "start": start,
            "end": start + datetime.timedelta(days=6),
            "prev": start - datetime.timedelta(days=7),
            "next": start + datetime.timedelta(days=7)
            if start + datetime.timedelta(days=7) <= timezone.localdate()
            else None,
            **data,
        },
    )
