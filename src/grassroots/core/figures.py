"""The figure registry: region-level figures any app contributes to the leadership dashboards.

Core keeps the registry so that an app adds its figures without importing the dashboards app (which
sits above every feature); the dashboards app registers the built-in figures and computes the nightly
rollups over all of them. See grassroots.dashboards.metrics for the contract of a figure.

    from grassroots.core.figures import Metric, register
    register(Metric("venues_bookings", "场地预约", "次", fn, period=True))
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models import Q
from django.db.models.functions import Substr


@dataclass(frozen=True)
class Metric:
    code: str
    label: str
    unit: str
    fn: Callable[[list[str], object, object], dict]
    period: bool = False  # True: an event figure over [start, end); False: a stock figure as of now
    kind: str = "count"  # "count" (summable) or "rate" (a percentage)
    higher_is_better: bool = True
    order: int = 100
    extra: dict = field(default_factory=dict)


REGISTRY: dict[str, Metric] = {}


def register(metric: Metric) -> Metric:
    REGISTRY[metric.code] = metric
    return metric


def metrics() -> list[Metric]:
    return sorted(REGISTRY.values(), key=lambda m: (m.order, m.code))


def get(code: str) -> Metric | None:
    return REGISTRY.get(code)


def by_prefix(qs, path_field: str, paths: list[str], **aggregates) -> dict[str, dict]:
    """{path: {aggregate: value}} for each path in `paths` over the rows whose `path_field` starts
    with it. One GROUP BY query per distinct path length (city, district, street, community...)."""
    out = {p: {k: 0 for k in aggregates} for p in paths}
    lengths: dict[int, list[str]] = {}
    for p in paths:
        lengths.setdefault(len(p), []).append(p)
    for width, group in lengths.items():
        flt = Q(*[Q(**{f"{path_field}__startswith": p}) for p in group], _connector=Q.OR)
        if len(group) > 50:  # many siblings: filter by their common prefix instead of a long OR
            common = _common_prefix(group)
            flt = Q(**{f"{path_field}__startswith": common})
        rows = (
            qs.filter(flt)
            .annotate(_prefix=Substr(path_field, 1, width))
            .values("_prefix")
            .annotate(**aggregates)
            .order_by()
        )
        for r in rows:
            key = r.pop("_prefix")
            # A row located above this level (a shorter path) comes back whole: it belongs to no path
            # of this length (and must not overwrite the figure of that shorter path).
            if key in out and len(key) == width:
                out[key] = {k: r[k] or 0 for k in aggregates}
    return out


def _common_prefix(paths: list[str]) -> str:
    first, last = min(paths), max(paths)
    i = 0
    while i < min(len(first), len(last)) and first[i] == last[i]:
        i += 1
    return first[:i]


def rate(part, whole) -> float | None:
    return round(100 * part / whole, 1) if whole else None


# Summary tables of other shapes (rankings, per-branch figures) refreshed wholly by every rollup run,
# after the metrics: name -> fn() -> rows written. Registered from the owning app's AppConfig.ready();
# kept here, like the metrics, so that a feature registers without importing the dashboards app.
SUMMARIES: dict[str, Callable[[], int | None]] = {}


def register_summary(name: str, fn: Callable[[], int | None]) -> None:
    SUMMARIES[name] = fn
