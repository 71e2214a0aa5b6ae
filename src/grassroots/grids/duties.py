"""五级包保 on the region tree: the chain of duties from the top (province → city) down to the grids."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from grassroots.core.errors import ServiceError
from grassroots.core.scoping import covers, has_perm
from grassroots.regions.models import Region

from .models import DUTY_LEVEL_ORDER, DUTY_REGION_LEVEL, Duty, DutyLevel, Grid

ORDER = {v: i for i, v in enumerate(DUTY_LEVEL_ORDER)}


def ancestor_paths(path: str) -> list[str]:
    step = Region.steplen
    return [path[:i] for i in range(step, len(path) + 1, step)]


def chain_for_region(region: Region) -> list[Duty]:
    """Region-level duties of the region and all its ancestors, top down (province first)."""
    rows = Duty.objects.filter(
        grid__isnull=True, region__path__in=ancestor_paths(region.path)
    ).select_related("region")
    return sorted(rows, key=lambda d: (ORDER[d.level], d.region.depth, d.cadre_name))


def chain_for_grid(grid: Grid) -> list[Duty]:
    """The whole 包保 chain of a grid: its ancestors' duties, then its own grid-level duty."""
    rows = Duty.objects.filter(
        Q(grid=grid) | Q(grid__isnull=True, region__path__in=ancestor_paths(grid.region.path))
    ).select_related("region", "grid")
    return sorted(rows, key=lambda d: (ORDER[d.level], d.region.depth, d.cadre_name))


def region_of_level(region: Region, level: str) -> Region | None:
    want = DUTY_REGION_LEVEL.get(level)
    if want is None:
        return None
    return Region.objects.filter(path__in=ancestor_paths(region.path), level=want).first()


@login_required
def duty_chain(request):
    """包保 page per region: the chain above the region, the duties at it, and each grid below with
    its grid-level cadre (or a gap)."""
    if not has_perm(request.user, "regions.view"):
        raise Http404
    code = request.GET.get("region", "").strip()
    visible = Region.objects.visible_to(request.user).filter(
        level__in=("city", "district", "street", "community")
    )
    node = visible.filter(code=code).first() if code else visible.order_by("depth", "path").first()
    if node is None:
        raise Http404
    chain = chain_for_region(node)
    levels = []
    for value, label in DutyLevel.choices:
        if value == DutyLevel.GRID:
            continue
        levels.append((label, [d for d in chain if d.level == value]))
    children = []
    if node.level != "community":
        kids = list(Region.objects.filter(path__startswith=node.path, depth=node.depth + 1).order_by("path"))
        own = {d.region_id for d in Duty.objects.filter(grid__isnull=True, region__in=kids).only("region_id")}
        children = [(k, k.pk in own) for k in kids]
    grids = list(
        Grid.objects.filter(region__path__startswith=node.path)
        .select_related("region")
        .order_by("code")[:300]
    )
    grid_duties = {
        d.grid_id: d for d in Duty.objects.filter(grid__in=grids, level=DutyLevel.GRID).select_related("grid")
    }
    grid_rows = [(g, grid_duties.get(g.pk)) for g in grids]
    settable = [
        (v, label)
        for v, label in DutyLevel.choices
        if v != DutyLevel.GRID and DUTY_REGION_LEVEL[v] == node.level
    ]
    can_change = bool(settable) and covers(request.user, node, "regions.change")
    return render(
        request,
        "grids/duties.html",
        {
            "node": node,
            "levels": levels,
            "children": children,
            "grid_rows": grid_rows,
            "grid_gaps": sum(1 for _g, d in grid_rows if d is None),
            "settable": settable,
            "can_change": can_change,
            "regions": list(visible.order_by("path").only("code", "name", "level")[:300]),
        },
    )


@login_required
@require_POST
def duty_set(request):
    from . import services

    if not has_perm(request.user, "regions.change"):
        raise Http404
    node = Region.objects.visible_to(request.user).filter(code=request.POST.get("region", "")).first()
    if node is None:
        raise Http404
    try:
        services.set_region_duty(
            request.user,
            node,
            request.POST.get("level", ""),
            request.POST.get("cadre_name", ""),
            request.POST.get("post", ""),
            request.POST.get("phone", ""),
        )
    except ServiceError as exc:
        if exc.status == 404:
            raise Http404 from exc
        messages.error(request, exc.message)
    else:
        messages.success(request, "已保存包保责任")
    return redirect(f"{reverse('grids:duties')}?region={node.code}")
