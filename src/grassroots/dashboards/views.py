from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.shortcuts import render

from grassroots.core.errors import NotFound

from . import services


@login_required
def home(request):
    return render(request, "dashboards/home.html", services.home_data(request.user))


@login_required
def map_json(request):
    """Sub-regions of ?region=<code> (default: the user's scope root) with metrics and GeoJSON."""
    if not services.has_scope(request.user):
        raise Http404
    try:
        data = services.map_data(request.user, request.GET.get("region") or None)
    except NotFound as exc:
        raise Http404 from exc
    return JsonResponse(data, json_dumps_params={"ensure_ascii": False})


# Leadership dashboard ---------------------------------------------------------------------------
def _leader_or_404(request):
    from .leader import leader_data

    if not services.has_scope(request.user):
        raise Http404
    try:
        return leader_data(request.user, request.GET.get("region") or None)
    except NotFound as exc:
        raise Http404 from exc


def _export_leader(request, data, table: str):
    from types import SimpleNamespace

    from grassroots.core import exports
    from grassroots.core.excel import Column

    name = data["region"]["name"]

    def unit(m):
        return f"{m['label']}({m['unit']})"

    if table == "figures":
        cols = [
            Column("指标", "label", width=24),
            Column("数值", "value", width=14),
            Column("单位", "unit", width=8),
        ]
        rows = [SimpleNamespace(**f) for f in data["figures"]]
        title = f"{name}主要指标"
    elif table == "trends":
        cols = [Column("月份", "month", width=10)] + [
            Column(unit(s), s["code"], width=16) for s in data["trends"]["series"]
        ]
        rows = [
            SimpleNamespace(month=month, **{s["code"]: s["values"][i] for s in data["trends"]["series"]})
            for i, month in enumerate(data["trends"]["months"])
        ]
        title = f"{name}月度趋势"
    else:
        cols = [Column("区划编码", "code", width=14), Column("名称", "name", width=16)] + [
            Column(unit(m), m["code"], width=14) for m in data["metrics"]
        ]
        rows = [SimpleNamespace(**r) for r in data["ranking"]]
        title = f"{name}下级排名"
    return exports.respond(
        request,
        title,
        cols,
        rows,
        model_label="dashboards.rollup",
        filters={"region": data["region"]["code"]},
    )


@login_required
def leader(request):
    """The leader dashboard of ?region=<code> (default: the user's scope root), from the rollups."""
    from .leader import ranked

    data = _leader_or_404(request)
    table = request.GET.get("export")
    if table in ("figures", "trends", "ranking"):
        return _export_leader(request, data, table)
    sort = request.GET.get("sort") or ""
    if not any(m["code"] == sort for m in data["metrics"]):
        sort = data["metrics"][0]["code"] if data["metrics"] else ""
    data["ranking"] = ranked(data, sort) if sort else data["ranking"]
    for r in data["ranking"]:
        r["cells"] = [r[m["code"]] for m in data["metrics"]]
    chart_data = {
        "region": data["region"],
        "metrics": data["metrics"],
        "ranking": data["ranking"],
        "geojson": data["geojson"],
        "trends": data["trends"],
        "sort": sort,
        "url": request.path,
    }
    from django.utils import timezone

    from .models import RollupRun

    pending = RollupRun.objects.filter(state__in=[RollupRun.State.QUEUED, RollupRun.State.RUNNING]).first()
    return render(
        request,
        "dashboards/leader.html",
        {
            **data,
            "chart_data": chart_data,
            "sort": sort,
            "pending": pending,
            "can_refresh": _can_refresh(request.user),
            "now": timezone.now(),
        },
    )


def _can_refresh(user) -> bool:
    from grassroots.core.scoping import has_perm

    return has_perm(user, "dashboards.view") and has_perm(user, "standards.assess")


@login_required
def rollup_request(request):
    """POST: queue a rollup now (leaders with assessment rights); GET: the progress fragment."""
    from django.shortcuts import redirect

    from .models import RollupRun
    from .rollups import request_rollup

    if not services.has_scope(request.user) or not services.scope_roots(request.user):
        raise Http404
    if request.method == "POST":
        if not _can_refresh(request.user):
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied
        request_rollup(request.user, trigger="manual")
        target = request.POST.get("next") or ""
        return redirect(target if target.startswith("/dashboards/") else "dashboards:leader")
    run = RollupRun.objects.order_by("-created_at", "-id").first()
    return render(request, "dashboards/_rollup_progress.html", {"run": run})
