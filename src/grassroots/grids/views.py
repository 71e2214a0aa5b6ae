"""Grid pages: list, map (colored by a metric), detail, polygon editor, coverage, validation, import."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Prefetch
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from grassroots.core.errors import ServiceError
from grassroots.core.scoping import covers, has_perm
from grassroots.core.views import ScopedListView
from grassroots.party.models import Member
from grassroots.people.models import Steward, Worker
from grassroots.regions.models import Household, Region
from grassroots.units.models import Unit

from . import geometry as geo
from . import services
from .models import AssignmentRole, DutyLevel, Grid, GridAssignment, GridKind, GridLayer, GridLevel
from .stats import MAP_METRICS, METRICS, coverage, grid_metrics


def _require(request, perm: str = "regions.view"):
    if not has_perm(request.user, perm):
        raise Http404


def _visible_grids(request, action: str = "view"):
    return (
        Grid.objects.visible_to(request.user, action)
        .select_related("region", "party_org")
        .prefetch_related(Prefetch("layers", queryset=GridLayer.objects.order_by("department")))
    )


def _grid_or_404(request, code: str, action: str = "view") -> Grid:
    grid = _visible_grids(request, action).filter(code=code).first()
    if grid is None:
        raise Http404
    return grid


def _scope_region(request) -> Region | None:
    """?region=<code> (a street or community the user may see), else the user's first such node."""
    visible = Region.objects.visible_to(request.user).filter(level__in=("street", "community"))
    code = request.GET.get("region", "").strip()
    if code:
        node = Region.objects.visible_to(request.user).filter(code=code).first()
        if node is None:
            raise Http404
        return node
    return visible.order_by("depth", "path").first()


def _region_choices(request, node: Region | None) -> list[Region]:
    """Streets the user may see, plus the communities of the current street."""
    qs = Region.objects.visible_to(request.user)
    streets = list(qs.filter(level="street").order_by("path")[:200])
    if node is None:
        return streets
    street_path = node.path if node.level == "street" else node.path[: -Region.steplen]
    communities = list(qs.filter(level="community", path__startswith=street_path).order_by("path"))
    out = []
    for s in streets:
        out.append(s)
        if s.path == street_path:
            out.extend(communities)
    if not streets:
        out = communities
    return out


class GridListView(ScopedListView):
    model = Grid
    template_name = "grids/list.html"
    filters = {"level": "level", "kind": "kind"}
    select_related = ("region", "party_org")
    ordering = ("code",)
    region_filter = "region"
    export_title = "网格"

    @property
    def export_columns(self):
        return services.export_columns()

    def base_queryset(self):
        return (
            super()
            .base_queryset()
            .prefetch_related("layers")
            .annotate(n_workers=Count("assignments", distinct=True))
        )

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(levels=GridLevel.choices, kinds=GridKind.choices)
        return ctx


@login_required
def grid_map(request):
    _require(request)
    node = _scope_region(request)
    metric = request.GET.get("metric", "households")
    if metric not in METRICS:
        metric = "households"
    grids, backdrop = [], []
    if node is not None:
        grids = list(_visible_grids(request).filter(region__path__startswith=node.path).order_by("code"))
        parents = Region.objects.visible_to(request.user).filter(
            path__startswith=node.path, level__in=("street", "community"), polygon__isnull=False
        )
        backdrop = [
            {
                "type": "Feature",
                "geometry": r.polygon,
                "properties": {"name": f"bg:{r.code}", "label": r.name, "level": r.level},
            }
            for r in parents.only("code", "name", "polygon", "level")
        ]
    metrics = grid_metrics(grids)
    if metric in MAP_METRICS:
        values = MAP_METRICS[metric](request.user, [g.id for g in grids])
        for g in grids:
            metrics[g.id][metric] = values.get(g.id, 0)
    features = [
        {"type": "Feature", "geometry": g.polygon, "properties": {"name": g.code, "label": g.name}}
        for g in grids
    ]
    data = {
        "metric": metric,
        "metricLabel": METRICS[metric],
        "geojson": {"type": "FeatureCollection", "features": backdrop + features},
        "backdrop": [f["properties"]["name"] for f in backdrop],
        "items": [
            {
                "name": g.code,
                "label": g.name,
                "value": metrics[g.id][metric],
                "url": reverse("grids:detail", args=[g.code]),
            }
            for g in grids
        ],
    }
    return render(
        request,
        "grids/map.html",
        {
            "node": node,
            "metric": metric,
            "metrics": METRICS,
            "map_data": data,
            "grid_count": len(grids),
            "regions": _region_choices(request, node),
            "rows": [(g, metrics[g.id][metric]) for g in grids[:500]],
        },
    )


@login_required
def grid_detail(request, code: str):
    _require(request)
    grid = _grid_or_404(request, code)
    assignments = (
        GridAssignment.objects.filter(grid=grid)
        .select_related("worker", "worker__region")
        .order_by("role", "worker__name")
    )
    from .duties import chain_for_grid

    duties = chain_for_grid(grid)
    # Not in room order: the position among masked rooms would give the room away (core/masking.py).
    households = (
        Household.objects.visible_to(request.user)
        .filter(grid=grid)
        .select_related("entrance")
        .order_by("entrance__path", "name_initials", "id")
    )
    buildings = Region.objects.filter(grid=grid, level="building").order_by("path")
    building_paths = [b.path for b in buildings]
    stewards = []
    if building_paths:
        from functools import reduce
        from operator import or_

        from django.db.models import Q

        q = reduce(or_, [Q(region__path__startswith=p) for p in building_paths[:200]])
        stewards = list(Steward.objects.visible_to(request.user).filter(q).select_related("region")[:100])
    hubs = list(
        Member.objects.visible_to(request.user)
        .filter(residence__grid=grid, is_household_hub=True)
        .select_related("party_org")[:100]
    )
    members_count = Member.objects.filter(residence__grid=grid).count()
    org_members = Member.objects.filter(party_org=grid.party_org).count() if grid.party_org_id else 0
    units = Unit.objects.visible_to(request.user).filter(grid=grid).select_related("party_org")
    can_change = covers(request.user, grid, "regions.change")
    community_workers = []
    if can_change:
        community_workers = list(
            Worker.objects.visible_to(request.user)
            .filter(region__path__startswith=grid.region.path)
            .order_by("name")
        )
    geom = geo.from_stored(grid.polygon)
    invalid = geo.invalid_problem(geom, grid.code)
    ctx = {
        "grid": grid,
        "assignments": assignments,
        "duties": duties,
        "households": households[:50],
        "household_count": households.count(),
        "buildings": buildings[:100],
        "stewards": stewards,
        "hubs": hubs,
        "members_count": members_count,
        "org_members": org_members,
        "units": units,
        "can_change": can_change,
        "community_workers": community_workers,
        "roles": AssignmentRole.choices,
        "duty_levels": DutyLevel.choices,
        "invalid": invalid,
        "shape_data": {
            "geojson": {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "geometry": grid.polygon,
                        "properties": {"name": grid.code, "label": grid.name},
                    }
                ],
            },
            "backdrop": [],
            "items": [{"name": grid.code, "label": grid.name, "value": 1, "url": ""}],
            "metricLabel": "",
            "single": True,
        },
    }
    return render(request, "grids/detail.html", ctx)


@login_required
def grid_edit(request, code: str):
    """Vector polygon editor: drag vertices over the community boundary and the neighbouring grids."""
    _require(request, "regions.change")
    grid = _grid_or_404(request, code)
    if not covers(request.user, grid, "regions.change"):
        raise Http404
    if request.method == "POST":
        try:
            polygon = json.loads(request.POST.get("polygon", ""))
        except json.JSONDecodeError:
            messages.error(request, "边界数据不完整，请重新绘制")
            return redirect("grids:edit", code=code)
        try:
            services.update_grid(
                request.user,
                grid,
                polygon=polygon,
                name=request.POST.get("name") or None,
                repair=request.POST.get("repair") == "1",
            )
        except ServiceError as exc:
            messages.error(request, exc.message)
            return redirect("grids:edit", code=code)
        messages.success(request, "网格边界已保存")
        return redirect("grids:detail", code=code)
    siblings = (
        Grid.objects.filter(region=grid.region).exclude(pk=grid.pk).values_list("code", "name", "polygon")
    )
    data = {
        "grid": {"code": grid.code, "name": grid.name, "polygon": grid.polygon},
        "parent": grid.region.polygon,
        "parentName": grid.region.name,
        "siblings": [{"code": c, "name": n, "polygon": p} for c, n, p in siblings],
    }
    return render(request, "grids/edit.html", {"grid": grid, "edit_data": data})


@login_required
@require_POST
def grid_repair(request, code: str):
    grid = _grid_or_404(request, code)
    try:
        services.repair_grid(request.user, grid)
        messages.success(request, "已自动修复网格边界")
    except ServiceError as exc:
        messages.error(request, exc.message)
    return redirect("grids:detail", code=code)


@login_required
@require_POST
def grid_assign(request, code: str):
    grid = _grid_or_404(request, code)
    worker = Worker.objects.visible_to(request.user).filter(pk=request.POST.get("worker") or 0).first()
    try:
        services.assign_worker(request.user, grid, worker, request.POST.get("role", ""))
        messages.success(request, "已安排网格人员")
    except ServiceError as exc:
        messages.error(request, exc.message)
    return redirect("grids:detail", code=code)


@login_required
@require_POST
def grid_unassign(request, code: str, pk: int):
    grid = _grid_or_404(request, code)
    a = GridAssignment.objects.filter(grid=grid, pk=pk).select_related("worker", "grid__region").first()
    if a is None:
        raise Http404
    try:
        services.remove_assignment(request.user, a)
        messages.success(request, "已移除网格人员")
    except ServiceError as exc:
        messages.error(request, exc.message)
    return redirect("grids:detail", code=code)


@login_required
@require_POST
def grid_duty(request, code: str):
    grid = _grid_or_404(request, code)
    try:
        services.set_duty(
            request.user,
            grid,
            request.POST.get("level", ""),
            request.POST.get("cadre_name", ""),
            request.POST.get("post", ""),
            request.POST.get("phone", ""),
        )
        messages.success(request, "已保存包保责任")
    except ServiceError as exc:
        messages.error(request, exc.message)
    return redirect("grids:detail", code=code)


@login_required
def grid_coverage(request):
    _require(request)
    node = _scope_region(request)
    grids = []
    if node is not None:
        grids = list(_visible_grids(request).filter(region__path__startswith=node.path).order_by("code"))
    return render(
        request,
        "grids/coverage.html",
        {"node": node, "cov": coverage(grids), "regions": _region_choices(request, node)},
    )


@login_required
def grid_validate(request):
    _require(request)
    node = _scope_region(request)
    problems = services.validate_region(request.user, node) if node is not None else []
    return render(
        request,
        "grids/validate.html",
        {
            "node": node,
            "problems": problems,
            "labels": geo.KIND_LABELS,
            "regions": _region_choices(request, node),
        },
    )


@login_required
def grid_import(request):
    _require(request, "imports.run")
    ctx = {
        "systems": [
            ("wgs84", "WGS-84（GPS、天地图）"),
            ("gcj02", "GCJ-02（高德、腾讯）"),
            ("bd09", "BD-09（百度）"),
        ]
    }
    if request.method == "POST":
        f = request.FILES.get("file")
        system = request.POST.get("coord_system", "wgs84")
        dry = request.POST.get("dry_run") == "1"
        try:
            if f is None:
                raise ServiceError("请选择要导入的文件")
            content = f.read()
            if f.name.lower().endswith(".xlsx"):
                rows = services.rows_from_excel(content, system)
            else:
                rows = services.rows_from_geojson(content, system)
            result = services.import_rows(request.user, rows, dry_run=dry, source=f.name)
        except ServiceError as exc:
            ctx.update(error=exc.message, errors=exc.errors)
            return render(request, "grids/import.html", ctx, status=400)
        verb = "校验通过，可导入" if dry else "已导入"
        messages.success(request, f"{verb}：新增 {result.created} 个、更新 {result.updated} 个网格")
        return redirect("grids:import")
    return render(request, "grids/import.html", ctx)


@login_required
def grid_export_geojson(request):
    _require(request)
    node = _scope_region(request)
    qs = _visible_grids(request)
    if node is not None:
        qs = qs.filter(region__path__startswith=node.path)
    body = json.dumps(services.feature_collection(qs.order_by("code")), ensure_ascii=False)
    resp = HttpResponse(body, content_type="application/geo+json; charset=utf-8")
    resp["Content-Disposition"] = f'attachment; filename="grids-{node.code if node else "all"}.geojson"'
    return resp


@login_required
def grid_route(request):
    """Point lookup page backend (JSON) used by the map's search box."""
    _require(request)
    from . import routing

    try:
        lng, lat = float(request.GET["lng"]), float(request.GET["lat"])
        result = routing.route_point(lng, lat, request.GET.get("coord_system", "wgs84"))
    except (KeyError, ValueError):
        return JsonResponse({"detail": "请输入有效的经度和纬度"}, status=400)
    except ServiceError as exc:
        return JsonResponse({"detail": exc.message}, status=exc.status)
    return JsonResponse(result, json_dumps_params={"ensure_ascii": False})
