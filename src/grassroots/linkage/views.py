"""Pages of 四级联动 and 联系点. Thin: reads through visible_to(), writes through services."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from grassroots.core.attachments import attachments_of
from grassroots.core.errors import ServiceError
from grassroots.core.excel import Column, export_response
from grassroots.core.excel import local_minute as _local
from grassroots.core.pages import service_messages
from grassroots.core.scoping import covers, grants_for, has_perm
from grassroots.core.views import ScopedListView, export_querystring
from grassroots.regions.models import Region

from . import services, stats, workflow
from .forms import (
    AssignmentFilterForm,
    ContactPointForm,
    LeaderFilterForm,
    LeaderForm,
    TaskFilterForm,
    TaskForm,
)
from .models import OPEN_STATES, ContactPoint, Leader, LeaderLevel, LinkageTask, TaskAssignment, TaskState

VIEW = "linkage.view"


def _require(request, perm: str = VIEW) -> None:
    if not has_perm(request.user, perm):
        raise Http404


def _flag_q(flag: str, prefix: str = "") -> Q | None:
    today = timezone.localdate()
    if flag == "overdue":
        return Q(**{f"{prefix}state__in": OPEN_STATES, f"{prefix}deadline__lt": today})
    if flag == "escalated":
        return Q(**{f"{prefix}escalated_at__isnull": False})
    return None


def _scope_root(user) -> Region | None:
    """The widest region the user sees linkage data in (the shallowest grant)."""
    paths = [g.region_path for g in grants_for(user) if VIEW in g.perms and g.region_path]
    if user.is_superuser:
        return Region.objects.filter(depth=1).order_by("path").first()
    if not paths:
        return None
    return Region.objects.filter(path=min(paths, key=len)).first()


# ------------------------------------------------------------------ tasks
class TaskListView(ScopedListView):
    model = LinkageTask
    template_name = "linkage/task_list.html"
    search_fields = None
    region_filter = "issuer_region"
    select_related = ("issuer_region", "issuer")
    ordering = ("-created_at", "-id")
    export_title = "联动任务"
    export_columns = [
        Column("任务名称", "title", width=28),
        Column("下发单位", "issuer_region.name", width=14),
        Column("完成时限", lambda t: t.deadline.isoformat(), width=12),
        Column("承办单位数", "n", width=10),
        Column("已报结", "n_done", width=8),
        Column("已验收", "n_accepted", width=8),
        Column("超期", "n_overdue", width=8),
        Column("已督办", "n_escalated", width=8),
        Column("下发时间", lambda t: _local(t.created_at), width=17),
    ]

    def applied_filters(self):
        out = super().applied_filters()
        if self.request.GET.get("flag") == "overdue":
            out["flag"] = "overdue"
        return out

    def filter_queryset(self, qs):
        params = self.applied_filters()
        q = params.pop("q", "")
        flag = params.pop("flag", "")
        qs = super().filter_queryset(qs)
        if q:
            qs = qs.filter(title__contains=q)
        today = timezone.localdate()
        overdue = Q(assignments__state__in=OPEN_STATES, assignments__deadline__lt=today)
        top = Q(assignments__parent__isnull=True)
        qs = qs.annotate(
            n=Count("assignments", filter=top),
            n_done=Count("assignments", filter=top & Q(assignments__state__in=["done", "accepted"])),
            n_accepted=Count("assignments", filter=top & Q(assignments__state="accepted")),
            n_overdue=Count("assignments", filter=overdue),
            n_escalated=Count("assignments", filter=Q(assignments__escalated_at__isnull=False)),
        )
        if flag == "overdue":
            qs = qs.filter(n_overdue__gt=0)
        return qs.order_by(*self.ordering)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(
            title="四级联动任务",
            filter_form=TaskFilterForm(self.request.GET or None),
            export_querystring=export_querystring(self.request.GET),
            empty_hint="市、区、街道向下一级下发的联动任务会出现在这里。",
            can_issue=has_perm(self.request.user, "linkage.issue"),
        )
        return ctx


@login_required
def task_create(request):
    _require(request, "linkage.issue")
    regions = list(services.issuer_regions(request.user).only("code", "name", "level", "path"))
    paths = [r.path for r in regions]
    targets = []
    if regions:
        q = Q()
        for p in paths:
            q |= Q(path__startswith=p)
        targets = list(
            Region.objects.filter(q, level__in=["street", "community"])
            .order_by("path")
            .only("code", "name", "path", "level")
        )
        parents = {
            r.path: r.name
            for r in Region.objects.filter(path__in={t.path[: -Region.steplen] for t in targets})
        }
        for t in targets:
            t.parent_name = parents.get(t.path[: -Region.steplen], "")
    form = TaskForm(request.POST or None, regions=regions, targets=targets)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        issuer = next((r for r in regions if r.code == data["issuer_region"]), None)
        chosen = [t for t in targets if t.code in set(data["targets"])]
        try:
            if issuer is None:
                raise ServiceError("请选择下发单位", field="issuer_region")
            task = services.issue_task(
                request.user,
                issuer_region=Region.objects.get(pk=issuer.pk),
                title=data["title"],
                content=data["content"],
                deadline=data["deadline"],
                targets=chosen or None,
                files=request.FILES.getlist("files"),
            )
        except ServiceError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, f"已下发至 {task.assignments.count()} 个单位")
            return redirect("linkage:task_detail", pk=task.pk)
    return render(request, "linkage/task_form.html", {"form": form, "has_regions": bool(regions)})


ASSIGNMENT_COLUMNS = [
    Column("任务名称", "task.title", width=28),
    Column("承办单位", "region.name", width=14),
    Column("层级", lambda a: services.LEVEL_LABEL.get(a.region.level, ""), width=8),
    Column("上级单位", lambda a: a.issuer_region.name, width=14),
    Column("状态", "get_state_display", width=10),
    Column("进度(%)", "progress", width=8),
    Column("完成时限", lambda a: a.deadline.isoformat(), width=12),
    Column("是否超期", lambda a: "是" if a.is_overdue() else "否", width=8),
    Column("督办时间", lambda a: _local(a.escalated_at), width=17),
    Column("报结时间", lambda a: _local(a.done_at), width=17),
    Column("进展情况", "progress_note", width=30),
]


def _filter_assignments(qs, data: dict):
    if data.get("state") in TaskState.values:
        qs = qs.filter(state=data["state"])
    if data.get("level") in ("street", "community"):
        qs = qs.filter(region__level=data["level"])
    flag = _flag_q(data.get("flag", ""))
    if flag is not None:
        qs = qs.filter(flag)
    if data.get("q"):
        qs = qs.filter(Q(task__title__contains=data["q"]) | Q(region__name__contains=data["q"]))
    return qs


@login_required
def task_detail(request, pk: int):
    """The supervision page of one task: every receiver the user sees, with state, deadline, overdue
    flag and progress; filters and Excel export."""
    _require(request)
    task = (
        LinkageTask.objects.visible_to(request.user)
        .select_related("issuer_region", "issuer")
        .filter(pk=pk)
        .first()
    )
    if task is None:
        raise Http404
    base = (
        TaskAssignment.objects.visible_to(request.user)
        .filter(task=task)
        .select_related("region", "task__issuer_region", "parent__region")
        .annotate(
            n_children=Count("children"),
            n_children_done=Count("children", filter=Q(children__state__in=["done", "accepted"])),
        )
    )
    form = AssignmentFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    rows_qs = _filter_assignments(base, data)
    if not data.get("level"):
        # One row per receiver of this level; passed-down parts show as "下级 n / m" and on the
        # receiver's page, or with the 承办层级 filter.
        rows_qs = rows_qs.filter(parent__isnull=True)
    rows = list(rows_qs.order_by("region__path"))
    if request.GET.get("export") == "xlsx":
        return export_response(
            request.user,
            f"{task.title}督办表",
            ASSIGNMENT_COLUMNS,
            rows,
            model_label="linkage.taskassignment",
            filters=data,
        )
    today = timezone.localdate()
    top = [a for a in base if a.parent_id is None]
    summary = {
        "total": len(top),
        "by_state": [
            (label, sum(1 for a in top if a.state == value), value) for value, label in TaskState.choices
        ],
        "overdue": sum(1 for a in base if a.is_overdue(today)),
        "escalated": sum(1 for a in base if a.escalated_at),
    }
    return render(
        request,
        "linkage/task_detail.html",
        {
            "task": task,
            "rows": rows,
            "summary": summary,
            "filter_form": form,
            "filters": {k: v for k, v in data.items() if v},
            "export_querystring": export_querystring(request.GET),
            "files": attachments_of(task, "task"),
            "today": today,
        },
    )


class AssignmentListView(ScopedListView):
    model = TaskAssignment
    template_name = "linkage/assignment_list.html"
    search_fields = None
    region_filter = "region"
    select_related = ("region", "task", "task__issuer_region", "parent__region")
    ordering = ("deadline", "region__path", "id")
    export_title = "联动任务承办督办表"
    export_columns = ASSIGNMENT_COLUMNS

    def applied_filters(self):
        out = super().applied_filters()
        for name in ("state", "level", "flag"):
            value = self.request.GET.get(name, "").strip()
            if value:
                out[name] = value
        return out

    def filter_queryset(self, qs):
        data = self.applied_filters()
        qs = super().filter_queryset(qs)
        return _filter_assignments(qs, data).order_by(*self.ordering)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(
            title="承办督办",
            filter_form=AssignmentFilterForm(self.request.GET or None),
            export_querystring=export_querystring(self.request.GET),
            empty_hint="本级承办和下级承办的联动任务会出现在这里。",
            today=timezone.localdate(),
        )
        return ctx


def _assignment_or_404(user, pk) -> TaskAssignment:
    qs = TaskAssignment.objects.select_related(
        "task", "task__issuer_region", "task__issuer", "region", "parent__region"
    )
    a = qs.visible_to(user).filter(pk=pk).first()
    if a is None:
        # The issuer sees the assignments of a task it issued through the task itself.
        a = qs.filter(pk=pk, task__in=LinkageTask.objects.visible_to(user)).first()
    if a is None:
        raise Http404
    return a


@login_required
def assignment_detail(request, pk: int):
    _require(request)
    a = _assignment_or_404(request.user, pk)
    children = list(
        TaskAssignment.objects.visible_to(request.user)
        .filter(parent=a)
        .select_related("region")
        .order_by("region__path")
    )
    verbs = [v for v in workflow.VERBS if services.can(request.user, a, v)]
    communities = []
    if "pass_down" in verbs:
        taken = {c.region_id for c in children}
        communities = [
            r
            for r in Region.objects.filter(path__startswith=a.region.path, level="community").order_by("path")
            if r.pk not in taken
        ]
        if not communities:
            verbs.remove("pass_down")
    return render(
        request,
        "linkage/assignment_detail.html",
        {
            "a": a,
            "task": a.task,
            "children": children,
            "events": a.events.select_related("actor").all(),
            "verbs": verbs,
            "labels": workflow.LABELS,
            "communities": communities,
            "task_files": attachments_of(a.task, "task"),
            "evidence_files": attachments_of(a, "evidence"),
            "overdue": a.is_overdue(),
            "can_supervise": LinkageTask.objects.visible_to(request.user).filter(pk=a.task_id).exists(),
        },
    )


@login_required
@require_POST
def assignment_act(request, pk: int, verb: str):
    _require(request)
    a = _assignment_or_404(request.user, pk)
    if verb not in workflow.VERBS:
        raise Http404
    post = request.POST
    communities = None
    if verb == "pass_down" and post.getlist("communities"):
        communities = list(
            Region.objects.filter(
                code__in=post.getlist("communities"), path__startswith=a.region.path, level="community"
            )
        )
        if len(communities) != len(set(post.getlist("communities"))):
            messages.error(request, "只能分派给本街道所辖社区")
            return redirect("linkage:assignment_detail", pk=a.pk)
    deadline = None
    if post.get("deadline"):
        try:
            import datetime

            deadline = datetime.date.fromisoformat(post["deadline"])
        except ValueError:
            messages.error(request, "完成时限格式不正确")
            return redirect("linkage:assignment_detail", pk=a.pk)
    with service_messages(request, lambda: f"已{workflow.LABELS[verb]}"):
        services.act(
            request.user,
            a,
            verb,
            note=post.get("note", ""),
            progress=post.get("progress"),
            override=post.get("override", ""),
            files=request.FILES.getlist("files"),
            communities=communities,
            deadline=deadline,
        )
    return redirect("linkage:assignment_detail", pk=a.pk)


# ------------------------------------------------------------------ leaders and contact points
class LeaderListView(ScopedListView):
    model = Leader
    template_name = "linkage/leader_list.html"
    region_filter = "region"
    select_related = ("region",)
    filters = {"level": "level"}
    ordering = ("level", "name_initials", "id")
    export_title = "联系领导"
    export_columns = [
        Column("姓名", "name", width=10),
        Column("职务", "post", width=24),
        Column("层级", "get_level_display", width=8),
        Column("所属", "region.name", width=12),
        Column("联系点数", "n_points", width=8),
        Column("联系点", lambda x: "、".join(p.region.name for p in x.points), width=40),
    ]

    def get_queryset(self):
        from django.db.models import Prefetch

        today = timezone.localdate()
        active = stats.active_points(ContactPoint.objects.all(), today).select_related("region")
        return (
            super()
            .get_queryset()
            .annotate(
                n_points=Count(
                    "contact_points",
                    filter=Q(contact_points__start_on__lte=today)
                    & (Q(contact_points__end_on__isnull=True) | Q(contact_points__end_on__gte=today)),
                )
            )
            .prefetch_related(
                Prefetch("contact_points", queryset=active.order_by("region__path"), to_attr="points")
            )
        )

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(
            title="领导联系点",
            filter_form=LeaderFilterForm(self.request.GET or None),
            export_querystring=export_querystring(self.request.GET),
            empty_hint="市、区领导及其联系的街道、社区会出现在这里。",
            can_manage=has_perm(self.request.user, "linkage.issue"),
            limit=stats.gov7_params()["max_points_per_leader"],
        )
        return ctx


def _leader_regions(user):
    return [r for r in services.issuer_regions(user) if r.level in LeaderLevel.values]


@login_required
def leader_create(request):
    _require(request, "linkage.issue")
    regions = _leader_regions(request.user)
    form = LeaderForm(request.POST or None, regions=regions)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        region = next((r for r in regions if r.code == data["region"]), None)
        try:
            leader = services.create_leader(
                request.user, name=data["name"], post=data["post"], level=data["level"], region=region
            )
        except ServiceError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, f"已登记{leader.name}")
            return redirect("linkage:leader_detail", pk=leader.pk)
    return render(request, "linkage/leader_form.html", {"form": form, "has_regions": bool(regions)})


def _leader_or_404(user, pk) -> Leader:
    leader = Leader.objects.visible_to(user).select_related("region", "user").filter(pk=pk).first()
    if leader is None:
        raise Http404
    return leader


@login_required
def leader_detail(request, pk: int):
    _require(request)
    leader = _leader_or_404(request.user, pk)
    can_manage = covers(request.user, leader.region, "linkage.issue")
    regions = []
    if can_manage:
        regions = list(
            Region.objects.filter(path__startswith=leader.region.path, level__in=["street", "community"])
            .order_by("path")
            .only("code", "name", "level", "path")
        )
    form = ContactPointForm(request.POST or None, regions=regions, initial={"start_on": timezone.localdate()})
    if request.method == "POST":
        if not can_manage:
            raise Http404
        if form.is_valid():
            data = form.cleaned_data
            region = next((r for r in regions if r.code == data["region"]), None)
            try:
                if region is None:
                    raise ServiceError("请选择联系街道或社区", field="region")
                services.assign_contact_point(
                    request.user,
                    leader,
                    Region.objects.get(pk=region.pk),
                    start_on=data["start_on"],
                    note=data["note"],
                )
            except ServiceError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                messages.success(request, f"已将{region.name}设为{leader.name}的联系点")
                return redirect("linkage:leader_detail", pk=leader.pk)
    today = timezone.localdate()
    params = stats.gov7_params()
    points = list(
        leader.contact_points.select_related("region", "leader").order_by("-end_on", "region__path")
    )
    active = [p for p in points if p.active_on(today)]
    states = stats.point_states(active, today, params["visits_per_quarter"])
    quarter = stats.Quarter.of(today)
    return render(
        request,
        "linkage/leader_detail.html",
        {
            "leader": leader,
            "states": states,
            "ended": [p for p in points if not p.active_on(today)],
            "form": form,
            "can_manage": can_manage,
            "params": params,
            "quarter": quarter,
            "last_quarter": quarter.previous(),
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_POST
def contact_point_end(request, pk: int):
    _require(request)
    point = ContactPoint.objects.select_related("leader__region", "region").filter(pk=pk).first()
    if point is None or not Leader.objects.visible_to(request.user).filter(pk=point.leader_id).exists():
        raise Http404
    with service_messages(request, lambda: f"已结束{point.leader.name}对{point.region.name}的联系"):
        services.end_contact_point(request.user, point)
    return redirect("linkage:leader_detail", pk=point.leader_id)


@login_required
def coverage(request):
    """联系点覆盖: communities colored covered / uncovered on the map, the uncovered list, GOV-7."""
    _require(request)
    root = _scope_root(request.user)
    code = request.GET.get("region", "").strip()
    if code:
        node = (
            Region.objects.visible_to(request.user)
            .filter(code=code, level__in=["city", "district", "street"])
            .first()
        )
        if node is None:
            raise Http404
        root = node
    today = timezone.localdate()
    params = stats.gov7_params()
    ctx = {"node": root, "params": params, "quarter": stats.Quarter.of(today)}
    if root is not None:
        points_qs = ContactPoint.objects.visible_to(request.user)
        cov = stats.coverage(root, points_qs, today)
        active = list(
            stats.active_points(points_qs, today)
            .filter(region__path__startswith=root.path)
            .select_related("leader", "region")
            .order_by("region__path")
        )
        leaders_by_region: dict[int, list[str]] = {}
        for p in active:
            leaders_by_region.setdefault(p.region_id, []).append(p.leader.name)
        states = stats.point_states(active, today, params["visits_per_quarter"])
        covered_ids = {c.pk for c in cov["covered"]}
        items, features = [], []
        for i, c in enumerate(cov["communities"]):
            if not c.polygon:
                continue
            key = f"c{i}"
            features.append({"type": "Feature", "geometry": c.polygon, "properties": {"name": key}})
            items.append(
                {
                    "name": key,
                    "label": c.name,
                    "covered": c.pk in covered_ids,
                    "leaders": "、".join(leaders_by_region.get(c.pk, [])),
                }
            )
        ctx.update(
            cov=cov,
            states=states,
            met_last=sum(1 for s in states if s.last_met),
            met_current=sum(1 for s in states if s.current_met),
            map_data={"geojson": {"type": "FeatureCollection", "features": features}, "items": items},
            over=stats.over_limit(
                Leader.objects.visible_to(request.user).filter(region__path__startswith=root.path),
                today,
                params["max_points_per_leader"],
            ),
            scopes=list(
                Region.objects.visible_to(request.user)
                .filter(
                    path__startswith=root.path[: Region.steplen], level__in=["city", "district", "street"]
                )
                .order_by("path")
                .only("code", "name", "level")[:200]
            ),
        )
    return render(request, "linkage/coverage.html", ctx)
