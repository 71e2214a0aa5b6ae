"""Neighborhoods without property management (弃管小区) tracked to zero, and the home figures."""

from __future__ import annotations

from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone

from grassroots.core.scoping import has_perm
from grassroots.regions.models import Region

from .models import ServiceContract, Takeover, active_contract_q, active_takeover_q


def unmanaged_neighborhoods(user, today=None):
    """Neighborhoods in the user's scope with no service contract in force today, annotated with
    `taken_over` (an ongoing takeover covers them)."""
    today = today or timezone.localdate()
    contracts = ServiceContract.objects.filter(active_contract_q(today), neighborhood=OuterRef("pk"))
    takeovers = Takeover.objects.filter(active_takeover_q(today), neighborhood=OuterRef("pk"))
    return (
        Region.objects.visible_to(user)
        .filter(level="neighborhood")
        .annotate(has_contract=Exists(contracts), taken_over=Exists(takeovers))
        .filter(has_contract=False)
    )


def to_zero(user, today=None) -> list[dict]:
    """Per street in scope: neighborhoods without management, how many are taken over and how many are
    left (the count going to zero). One query for the rows, one for the street names."""
    rows = unmanaged_neighborhoods(user, today).values_list("path", "taken_over")
    by_street: dict[str, list[int]] = {}
    for path, taken in rows:
        counts = by_street.setdefault(path[: Region.steplen * 3], [0, 0])
        counts[0] += 1
        counts[1] += taken
    names = dict(Region.objects.filter(path__in=list(by_street)).values_list("path", "name"))
    out = [
        {"street": names.get(p, p), "path": p, "total": t, "taken_over": k, "left": t - k}
        for p, (t, k) in sorted(by_street.items())
    ]
    return out


def to_zero_by_district(user, today=None) -> list[dict]:
    rows = unmanaged_neighborhoods(user, today).values_list("path", "taken_over")
    by_district: dict[str, list[int]] = {}
    for path, taken in rows:
        counts = by_district.setdefault(path[: Region.steplen * 2], [0, 0])
        counts[0] += 1
        counts[1] += taken
    names = dict(Region.objects.filter(path__in=list(by_district)).values_list("path", "name"))
    return [
        {"district": names.get(p, p), "total": t, "taken_over": k, "left": t - k}
        for p, (t, k) in sorted(by_district.items())
    ]


def chart_option(rows: list[dict]) -> dict:
    """ECharts option: stacked bars per street (taken over / left)."""
    return {
        "tooltip": {"trigger": "axis"},
        "legend": {"data": ["已兜底", "待清零"]},
        "grid": {"left": 40, "right": 16, "top": 36, "bottom": 60},
        "xAxis": {
            "type": "category",
            "data": [r["street"] for r in rows],
            "axisLabel": {"interval": 0, "rotate": 30},
        },
        "yAxis": {"type": "value", "minInterval": 1},
        "series": [
            {
                "name": "已兜底",
                "type": "bar",
                "stack": "n",
                "data": [r["taken_over"] for r in rows],
                "color": "#2fb344",
            },
            {
                "name": "待清零",
                "type": "bar",
                "stack": "n",
                "data": [r["left"] for r in rows],
                "color": "#d63939",
            },
        ],
    }


def home_figures(user) -> list[dict]:
    if not has_perm(user, "redproperty.view"):
        return []
    rows = to_zero(user)
    left = sum(r["left"] for r in rows)
    return [{"label": "待清零弃管小区", "value": left, "url": reverse("redproperty:unmanaged")}]
