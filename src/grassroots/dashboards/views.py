from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from . import services


@login_required
def home(request):
    return render(request, "dashboards/home.html", {"stats": services.scope_counts(request.user)})
