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
