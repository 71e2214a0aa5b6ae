"""Emergency pages: the list, declaring, the emergency's page (actions, call-ups, needs, reports), the
live progress page (polled), the phone pages of the people called up (my tasks, the sweep) and the
战时档案. Thin: reads through visible_to(), every change through emergency.services."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.dateparse import parse_date
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from grassroots.core.errors import NotFound, ServiceError
from grassroots.core.excel import Column, export_response
from grassroots.core.pages import require_perm, service_messages
from grassroots.core.personal import masked_value
from grassroots.core.scoping import grants_for, has_perm
from grassroots.core.views import ScopedListView, export_querystring, querystring_without_page
from grassroots.regions.models import Household, Region

from . import services
from .filters import EmergencyFilters
from .forms import CallupFilterForm, DeclareForm, NeedFilterForm, NeedForm
from .models import (
    DECLARE_LEVELS,
    Callup,
    CallupKind,
    DailyReport,
    Emergency,
    EmergencyNeed,
    ServiceRecord,
    SweepResult,
    SweepTask,
    callup_owner_q,
)
from .workflow import STEP_LABELS, CallupState, NeedState, TaskState


def _found(getter, *args):
    """A service getter's NotFound (missing or out of scope) is a page's 404."""
    try:
        return getter(*args)
    except NotFound:
        raise Http404 from None


def _form_errors(form) -> str:
    return "；".join(e for errs in form.errors.values() for e in errs)


def _back(request, default: str):
    nxt = request.POST.get("next") or request.GET.get("next") or ""
    if nxt and url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()}):
        return redirect(nxt)
    return redirect(default)


# ---------------------------------------------------------------- list and declare


class EmergencyListView(ScopedListView):
    model = Emergency
    template_name = "emergency/list.html"
    list_filters = EmergencyFilters
    select_related = ("region", "declared_by")
    ordering = ("-declared_at", "-id")
    export_title = "应急事件"
    export_columns = [
        Column("编号", "number"),
        Column("事件名称", "title", width=24),
        Column("类型", lambda e: e.get_kind_display()),
        Column("响应级别", lambda e: e.get_severity_display()),
        Column("区域", lambda e: e.region.name),
        Column("状态", lambda e: e.get_state_display()),
        Column("宣布时间", lambda e: e.declared_at),
        Column("解除时间", lambda e: e.stood_down_at),
    ]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        rows = list(ctx["object_list"])
        counts = {}
        if rows:
            from django.db.models import Count

            for r in (
                SweepTask.objects.filter(emergency__in=rows)
                .values("emergency_id")
                .annotate(total=Count("id"), done=Count("id", filter=~Q(result="")))
            ):
                counts[r["emergency_id"]] = r
        for e in rows:
            c = counts.get(e.pk, {"total": 0, "done": 0})
            e.sweep_total, e.sweep_done = c["total"], c["done"]
            e.sweep_pct = round(100 * c["done"] / c["total"]) if c["total"] else 0
        ctx.update(
            object_list=rows,
            filter_form=self.list_filter_form(),
            export_querystring=export_querystring(self.request.GET),
            can_declare=has_perm(self.request.user, "emergency.declare"),
        )
        return ctx


def declare_regions(user):
    qs = Region.objects.filter(level__in=DECLARE_LEVELS).order_by("path")
    if user.is_superuser:
        return qs
    q = Q(pk__in=[])
    for g in grants_for(user):
        if "emergency.declare" in g.perms and g.region_path is not None:
            q |= Q(path__startswith=g.region_path)
    return qs.filter(q)


@login_required
def declare(request):
    require_perm(request.user, "emergency.declare")
    regions = list(declare_regions(request.user).only("code", "name", "level")[:500])
    form = DeclareForm(request.POST or None, regions=regions)
    if request.method == "POST":
        if form.is_valid():
            d = form.cleaned_data
            region = next((r for r in regions if r.code == d["region"]), None)
            try:
                if region is None:
                    raise ServiceError("请选择您管辖范围内的市、区或街道")
                emergency = services.declare(
                    request.user,
                    region=region,
                    title=d["title"],
                    kind=d["kind"],
                    severity=d["severity"],
                    instructions=d["instructions"],
                    sweep_tags=d["sweep_tags"],
                    starts_at=d["starts_at"],
                )
            except ServiceError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(
                    request,
                    f"已宣布应急状态：召集 {emergency.callups.count()} 人（单位），"
                    f"生成摸排任务 {emergency.tasks.count()} 户",
                )
                return redirect("emergency:detail", pk=emergency.pk)
        else:
            messages.error(request, _form_errors(form))
    return render(
        request, "emergency/declare.html", {"form": form}, status=400 if request.method == "POST" else 200
    )


# ---------------------------------------------------------------- the emergency's page


def _summary(user, emergency: Emergency) -> dict:
    callups = Callup.objects.visible_to(user).filter(emergency=emergency)
    needs = EmergencyNeed.objects.visible_to(user).filter(emergency=emergency)
    tasks = SweepTask.objects.visible_to(user)
    return {
        "progress": services.progress(emergency, tasks),
        "callup_counts": services.callup_counts(callups),
        "callup_total": {
            s: sum(v[s] for v in services.callup_counts(callups).values()) for s in CallupState.values
        },
        "need_counts": services.need_counts(needs),
    }


@login_required
def detail(request, pk: int):
    emergency = _found(services.get_emergency, request.user, pk)
    ctx = {
        "e": emergency,
        "actions": services.emergency_actions(request.user, emergency),
        "labels": STEP_LABELS,
        "kinds": CallupKind.choices,
        "callup_states": CallupState.choices,
        "need_states": NeedState.choices,
        "mine": Callup.objects.filter(callup_owner_q(request.user), emergency=emergency)
        .select_related("grid")
        .first(),
        "is_staff_view": has_perm(request.user, "emergency.respond") and not _own_only(request.user),
        **_summary(request.user, emergency),
    }
    return render(request, "emergency/detail.html", ctx)


def _own_only(user) -> bool:
    return not user.is_superuser and all(
        g.region_path is None and g.org_path is None for g in grants_for(user)
    )


@login_required
@require_POST
def act(request, pk: int, verb: str):
    emergency = _found(services.get_emergency, request.user, pk)
    with service_messages(request, lambda: f"已{STEP_LABELS.get(verb, verb)}", not_found=False):
        services.transition(request.user, emergency, verb, note=request.POST.get("note", ""))
    return redirect("emergency:detail", pk=emergency.pk)


def _map_data(user, emergency: Emergency, progress: dict) -> dict:
    grids = [g for g in progress["grids"] if g["grid"] is not None and g["grid"].polygon]
    backdrop = [
        {"type": "Feature", "geometry": r.polygon, "properties": {"name": f"bg:{r.code}", "label": r.name}}
        for r in Region.objects.visible_to(user)
        .filter(
            path__startswith=emergency.region.path, level__in=("street", "community"), polygon__isnull=False
        )
        .only("code", "name", "polygon")
    ]
    features = [
        {
            "type": "Feature",
            "geometry": g["grid"].polygon,
            "properties": {"name": g["code"], "label": g["name"]},
        }
        for g in grids
    ]
    return {
        "metricLabel": "已摸排（%）",
        "geojson": {"type": "FeatureCollection", "features": backdrop + features},
        "backdrop": [f["properties"]["name"] for f in backdrop],
        "items": [
            {
                "name": g["code"],
                "label": f"{g['name']} {g['done']}/{g['total']}",
                "value": g["pct"],
                "url": "",
            }
            for g in grids
        ],
    }


def _poll_seconds(request) -> int:
    try:
        return min(60, max(2, int(request.GET.get("poll", 10))))
    except ValueError:
        return 10


@login_required
def live(request, pk: int):
    emergency = _found(services.get_emergency, request.user, pk)
    summary = _summary(request.user, emergency)
    return render(
        request,
        "emergency/live.html",
        {
            "e": emergency,
            "poll": _poll_seconds(request),
            "map_data": _map_data(request.user, emergency, summary["progress"]),
            **summary,
        },
    )


@login_required
def live_fragment(request, pk: int):
    emergency = _found(services.get_emergency, request.user, pk)
    return render(request, "emergency/_live.html", {"e": emergency, **_summary(request.user, emergency)})


# ---------------------------------------------------------------- call-ups


@login_required
def callups(request, pk: int):
    emergency = _found(services.get_emergency, request.user, pk)
    qs = (
        Callup.objects.visible_to(request.user)
        .filter(emergency=emergency)
        .select_related("community", "grid")
        .order_by("kind", "community__path", "name", "id")
    )
    form = CallupFilterForm(request.GET or None)
    term = request.GET.get("q", "").strip()
    if term:
        qs = qs.filter(name__icontains=term)
    for key in ("kind", "state"):
        value = request.GET.get(key, "").strip()
        if value:
            qs = qs.filter(**{key: value})
    if request.GET.get("export") == "xlsx":
        return export_response(
            request.user,
            f"{emergency.title}召集名单",
            [
                Column("类别", lambda c: c.get_kind_display()),
                Column("姓名/单位", "name"),
                Column("社区", lambda c: c.community.name),
                Column("分配网格", lambda c: c.grid.name if c.grid_id else ""),
                Column("状态", lambda c: c.get_state_display()),
                Column("召集时间", "called_at"),
                Column("到岗时间", "confirmed_at"),
                Column("说明", "note"),
            ],
            qs.iterator(chunk_size=1000),
            model_label="emergency.callup",
            filters=dict(request.GET.items()),
        )
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    can_assign = services.can_command(request.user, emergency) and emergency.is_open
    grids = []
    if can_assign:
        from grassroots.grids.models import Grid

        grids = list(
            Grid.objects.filter(region__path__startswith=emergency.region.path).only("code", "name")[:500]
        )
    params = request.GET.copy()
    params.pop("page", None)
    export = params.copy()
    export["export"] = "xlsx"
    return render(
        request,
        "emergency/callups.html",
        {
            "e": emergency,
            "page_obj": page,
            "object_list": page.object_list,
            "filter_form": form,
            "filters": {k: v for k, v in request.GET.items() if v and k != "page"},
            "querystring_without_page": (params.urlencode() + "&") if params else "",
            "export_querystring": export.urlencode(),
            "can_assign": can_assign,
            "grids": grids,
            "can_answer": {
                c.pk
                for c in page.object_list
                if c.state == CallupState.CALLED and services.can_answer_callup(request.user, c)
            },
        },
    )


@login_required
@require_POST
def callup_assign(request, pk: int, callup_pk: int):
    from grassroots.grids.models import Grid

    emergency = _found(services.get_emergency, request.user, pk)
    callup = (
        Callup.objects.visible_to(request.user)
        .filter(emergency=emergency, pk=callup_pk)
        .select_related("emergency__region")
        .first()
    )
    if callup is None:
        raise Http404
    grid = Grid.objects.select_related("region").filter(code=request.POST.get("grid", "")).first()
    with service_messages(request, lambda: f"已将{callup.name}分配到{grid.name}", not_found=False):
        services.assign_grid(request.user, callup, grid)
    return _back(request, reverse("emergency:callups", args=[emergency.pk]))


@login_required
@require_POST
def callup_respond(request, callup_pk: int, verb: str):
    callup = _found(services.get_callup, request.user, callup_pk)
    done = "已确认到岗，请按分配网格开展工作" if verb == "confirm" else "已回复无法到岗"
    with service_messages(request, done, not_found=False):
        services.respond(request.user, callup, verb, note=request.POST.get("note", ""))
    return _back(request, reverse("emergency:mine"))


# ---------------------------------------------------------------- phone pages


@login_required
def mine(request):
    """我的应急任务: my call-ups to confirm, the open emergencies I work in, the needs I deliver."""
    require_perm(request.user, "emergency.respond")
    my = list(
        Callup.objects.filter(callup_owner_q(request.user))
        .select_related("emergency__region", "grid", "community")
        .order_by("-called_at")[:50]
    )
    staff = []
    if not _own_only(request.user):
        staff = list(
            Emergency.objects.visible_to(request.user, "respond").open().select_related("region")[:20]
        )
    deliveries = list(
        EmergencyNeed.objects.filter(callup__user=request.user, state=NeedState.MATCHED)
        .select_related("community", "household", "emergency")
        .order_by("matched_at")[:50]
    )
    for n in deliveries:
        n.who = masked_value(n.household, "head_name") if n.household_id else ""
    return render(
        request,
        "emergency/mine.html",
        {"callups": my, "staff_emergencies": staff, "deliveries": deliveries, "tab": "me"},
    )


def _sweep_scope(request, emergency: Emergency):
    """The tasks the user sweeps: staff — the tasks in scope (their own grids first); a called-up
    person — the tasks of their assigned grid."""
    callup = services.my_callup(request.user, emergency.pk)
    staff_qs = SweepTask.objects.visible_to(request.user, "respond").filter(emergency=emergency)
    if not _own_only(request.user) and has_perm(request.user, "emergency.respond"):
        return staff_qs, callup
    if callup is not None and callup.grid_id:
        return SweepTask.objects.filter(emergency=emergency, grid_id=callup.grid_id), callup
    return None, callup


@login_required
def sweep(request, pk: int):
    emergency = _found(services.get_emergency, request.user, pk)
    qs, callup = _sweep_scope(request, emergency)
    if qs is None:
        raise Http404("您在本次应急中没有摸排任务")
    from grassroots.grids.models import Grid

    grid_ids = list(qs.values_list("grid_id", flat=True).distinct()[:200])
    grids = list(Grid.objects.filter(pk__in=[g for g in grid_ids if g]).only("code", "name").order_by("code"))
    code = request.GET.get("grid", "").strip()
    if not code and len(grids) > 1:
        worker = getattr(request.user, "worker", None) if hasattr(request.user, "worker") else None
        if worker is not None:
            own = worker.grid_assignments.filter(grid_id__in=[g.pk for g in grids]).values_list(
                "grid__code", flat=True
            )
            code = next(iter(own), "")
    current = next((g for g in grids if g.code == code), None)
    if current is not None:
        qs = qs.filter(grid=current)
    counts = services.progress(emergency, qs)["total"]
    show = request.GET.get("show", "pending")
    if show == "pending":
        qs = qs.filter(result="")
    elif show == "done":
        qs = qs.exclude(result="")
    qs = qs.select_related("household__entrance", "grid").order_by(
        "household__entrance__path", "household__room", "id"
    )
    page = Paginator(qs, 20).get_page(request.GET.get("page"))
    for t in page.object_list:
        h = t.household
        t.who = masked_value(h, "head_name")
        t.room = masked_value(h, "room")
        t.place = h.entrance.name
    return render(
        request,
        "emergency/sweep.html",
        {
            "e": emergency,
            "page_obj": page,
            "object_list": page.object_list,
            "grids": grids,
            "current": current,
            "show": show,
            "counts": counts,
            "results": SweepResult.choices,
            "querystring_without_page": querystring_without_page(request.GET),
            "here": request.get_full_path(),
            "open": emergency.is_open,
            "tab": "me",
        },
    )


@login_required
@require_POST
def sweep_record(request, task_pk: int):
    task = _found(services.get_task, request.user, task_pk)
    with service_messages(
        request, lambda: f"已记录：{task.household} {task.get_result_display()}", not_found=False
    ):
        services.record_sweep(
            request.user, task, request.POST.get("result", ""), note=request.POST.get("note", "")
        )
    return _back(request, reverse("emergency:sweep", args=[task.emergency_id]))


# ---------------------------------------------------------------- needs


@login_required
def needs(request, pk: int):
    emergency = _found(services.get_emergency, request.user, pk)
    qs = (
        EmergencyNeed.objects.visible_to(request.user)
        .filter(emergency=emergency)
        .select_related("community", "household", "callup", "resource__unit", "grid")
    )
    for key in ("state", "category"):
        value = request.GET.get(key, "").strip()
        if value:
            qs = qs.filter(**{key: value})
    page = Paginator(qs, 25).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    matchable = [n for n in rows if n.state in (NeedState.RAISED, NeedState.MATCHED)]
    people, resources = ([], [])
    if matchable and emergency.is_open:
        people, resources = services.match_candidates(emergency, matchable[0])
    for n in rows:
        n.who = masked_value(n.household, "head_name") if n.household_id else ""
        n.can_act = emergency.is_open and services.can_staff(request.user, n.community)
    return render(
        request,
        "emergency/needs.html",
        {
            "e": emergency,
            "page_obj": page,
            "object_list": rows,
            "filter_form": NeedFilterForm(request.GET or None),
            "filters": {k: v for k, v in request.GET.items() if v and k != "page"},
            "querystring_without_page": querystring_without_page(request.GET),
            "people": people,
            "resources": resources,
            "counts": services.need_counts(
                EmergencyNeed.objects.visible_to(request.user).filter(emergency=emergency)
            ),
        },
    )


@login_required
def need_create(request, pk: int):
    emergency = _found(services.get_emergency, request.user, pk)
    task = None
    task_pk = request.GET.get("task") or request.POST.get("task")
    if task_pk:
        task = _found(services.get_task, request.user, task_pk)
        if task.emergency_id != emergency.pk:
            raise Http404
    communities = list(
        Region.objects.filter(path__startswith=emergency.region.path, level="community").order_by("path")
    )
    communities = [c for c in communities if services.can_raise(request.user, emergency, c)]
    if not communities and task is None:
        raise Http404("您无权在本次应急中登记需求")
    form = NeedForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            household = None
            community = None
            if task is not None:
                household = Household.objects.select_related("entrance").get(pk=task.household_id)
            else:
                community = next((c for c in communities if c.code == request.POST.get("community")), None)
            with service_messages(request, lambda: f"已登记需求 {need.number}", not_found=False):
                need = services.raise_need(
                    request.user,
                    emergency,
                    category=form.cleaned_data["category"],
                    description=form.cleaned_data["description"],
                    household=household,
                    community=community,
                )
                return _back(request, reverse("emergency:needs", args=[emergency.pk]))
        else:
            messages.error(request, _form_errors(form))
    who = masked_value(task.household, "head_name") if task else ""
    return render(
        request,
        "emergency/need_form.html",
        {
            "e": emergency,
            "form": form,
            "task": task,
            "who": who,
            "communities": communities,
            "next": request.POST.get("next") or request.GET.get("next", ""),
            "chosen": request.POST.get("community", ""),
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_POST
def need_act(request, need_pk: int, verb: str):
    from grassroots.cobuild.models import Resource

    need = _found(services.get_need, request.user, need_pk)
    with service_messages(
        request, lambda: f"需求 {need.number} 已{STEP_LABELS.get(verb, verb)}", not_found=False
    ):
        if verb == "match":
            callup = resource = None
            target = request.POST.get("target", "")
            kind, _, ident = target.partition(":")
            if kind == "c" and ident.isdigit():
                callup = Callup.objects.filter(pk=int(ident), emergency=need.emergency).first()
            elif kind == "r" and ident.isdigit():
                resource = Resource.objects.select_related("community").filter(pk=int(ident)).first()
            services.match_need(request.user, need, callup=callup, resource=resource)
        elif verb == "deliver":
            services.deliver_need(request.user, need, note=request.POST.get("note", ""))
        elif verb == "cancel":
            services.cancel_need(request.user, need, note=request.POST.get("note", ""))
        else:
            raise ServiceError("未知的操作")
    return _back(request, reverse("emergency:needs", args=[need.emergency_id]))


# ---------------------------------------------------------------- daily reports


@login_required
def reports(request, pk: int):
    emergency = _found(services.get_emergency, request.user, pk)
    qs = DailyReport.objects.visible_to(request.user).filter(emergency=emergency).select_related("region")
    dates = list(qs.order_by("-date").values_list("date", flat=True).distinct()[:60])
    day = parse_date(request.GET.get("date", "") or "") or (dates[0] if dates else None)
    rows = list(qs.filter(date=day).order_by("region__path")) if day else []
    if request.GET.get("export") == "xlsx" and day:
        return export_response(
            request.user,
            f"{emergency.title}日报{day:%Y%m%d}",
            [
                Column("层级", lambda r: r.region.get_level_display()),
                Column("区域", lambda r: r.region.name),
                Column("摸排户数", lambda r: r.data["tasks"]["total"]),
                Column("已摸排", lambda r: r.data["tasks"]["done"]),
                Column("摸排进度%", lambda r: r.data["tasks"]["pct"]),
                Column("当日摸排", lambda r: r.data.get("swept_today", 0)),
                Column("需帮扶", lambda r: r.data["tasks"]["needs_help"]),
                Column("无人应答", lambda r: r.data["tasks"]["no_answer"]),
                Column("已转移", lambda r: r.data["tasks"]["relocated"]),
                Column("召集人数", lambda r: sum(r.data["callups"].values())),
                Column("已到岗", lambda r: r.data["callups"]["confirmed"]),
                Column("待确认", lambda r: r.data["callups"]["called"]),
                Column("需求待匹配", lambda r: r.data["needs"]["raised"]),
                Column("需求已匹配", lambda r: r.data["needs"]["matched"]),
                Column("需求已送达", lambda r: r.data["needs"]["delivered"]),
            ],
            rows,
            model_label="emergency.dailyreport",
            filters={"date": str(day)},
        )
    for r in rows:
        r.callup_total = sum(r.data["callups"].values())
    return render(
        request,
        "emergency/reports.html",
        {
            "e": emergency,
            "rows": rows,
            "dates": dates,
            "day": day,
            "can_generate": services.can_command(request.user, emergency)
            or services.can_staff(request.user, emergency.region),
        },
    )


@login_required
@require_POST
def report_generate(request, pk: int):
    emergency = _found(services.get_emergency, request.user, pk)
    with service_messages(request, lambda: f"已生成今日日报（{n} 个层级）", not_found=False):
        n = services.generate_now(request.user, emergency)
    return redirect("emergency:reports", pk=emergency.pk)


# ---------------------------------------------------------------- 战时档案


class RecordListView(ScopedListView):
    model = ServiceRecord
    template_name = "emergency/records.html"
    filters = {"kind": "kind", "emergency": "emergency__number"}
    search_fields = ("name", "name")
    select_related = ("emergency", "community", "grid")
    ordering = ("-computed_at", "-days_on_duty", "name")
    region_filter = "community"
    export_title = "战时档案"
    export_columns = [
        Column("姓名/单位", "name"),
        Column("类别", lambda r: r.get_kind_display()),
        Column("应急事件", lambda r: r.emergency.title, width=24),
        Column("社区", lambda r: r.community.name),
        Column("网格", lambda r: r.grid.name if r.grid_id else ""),
        Column("到岗", lambda r: "是" if r.confirmed else "否"),
        Column("在岗天数", "days_on_duty"),
        Column("完成摸排户数", "tasks_done"),
        Column("送达需求数", "needs_delivered"),
        Column("记录时间", "computed_at"),
    ]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(export_querystring=export_querystring(self.request.GET), kinds=CallupKind.choices)
        return ctx


__all__ = ["EmergencyListView", "RecordListView", "TaskState"]
