"""The leadership dashboard (领导驾驶舱) of one region node within the user's scope: key figures,
12-month trends and the ranking of the child regions, for every registered metric.

`leader_data(user, code=None, source="rollup")` reads the precomputed Rollup rows (O(children)
rows, a fixed number of queries); `source="direct"` computes the same figures from the underlying
tables through the metric functions (the benchmark's baseline and the equality test's reference).
"""

from __future__ import annotations

import datetime

from django.utils import timezone

from grassroots.core.errors import NotFound
from grassroots.regions.models import Region

from . import metrics as registry
from .rollups import LAST_12, LEVELS, NOW, aware, last_run, month_starts, next_month, read
from .services import _geometry, resolve_region, scope_roots


def _period_key(m: registry.Metric) -> str:
    return LAST_12 if m.period else NOW


def _node(user, code: str | None) -> tuple[Region, list[Region]]:
    roots = scope_roots(user)
    if not roots:
        raise NotFound("没有可查看的统计范围")
    node = resolve_region(user, code) if code else roots[0]
    if node.level not in LEVELS:
        raise NotFound("驾驶舱统计到社区一级")
    return node, roots


def breadcrumbs(node: Region, roots: list[Region]) -> list[dict]:
    """From the user's scope root down to the node (one query)."""
    root = next((r for r in roots if node.path.startswith(r.path)), node)
    step = Region.steplen
    paths = [node.path[:i] for i in range(len(root.path), len(node.path) + 1, step)]
    rows = {r.path: r for r in Region.objects.filter(path__in=paths).only("code", "name", "path", "level")}
    return [{"code": rows[p].code, "name": rows[p].name} for p in paths if p in rows]


def leader_data(
    user, code: str | None = None, source: str = "rollup", today: datetime.date | None = None
) -> dict:
    node, roots = _node(user, code)
    children = [
        c
        for c in Region.objects.get_children(node)
        .filter(level__in=LEVELS)
        .order_by("path")
        .only("code", "name", "path", "level", "polygon", "numchild")
    ]
    ms = registry.metrics()
    today = today or timezone.localdate()
    months = month_starts(today)
    month_keys = [d.strftime("%Y-%m") for d in months]
    paths = [node.path] + [c.path for c in children]
    computed_at = None
    if source == "rollup":
        values = read(paths, [NOW, LAST_12, *month_keys])
        stamps = [at for (_v, at) in values.values()]
        computed_at = min(stamps) if stamps else None

        def get(metric, path, period):
            hit = values.get((metric.code, path, period))
            return hit[0] if hit else None

        has_data = bool(values)
    else:
        direct: dict[tuple[str, str, str], float | None] = {}
        first, after = aware(months[0]), aware(next_month(months[-1]))
        for m in ms:
            if m.period:
                for p, v in m.fn(paths, first, after).items():
                    direct[(m.code, p, LAST_12)] = v
                for d, key in zip(months, month_keys, strict=True):
                    for p, v in m.fn([node.path], aware(d), aware(next_month(d))).items():
                        direct[(m.code, p, key)] = v
            else:
                for p, v in m.fn(paths, None, None).items():
                    direct[(m.code, p, NOW)] = v

        def get(metric, path, period):
            return direct.get((metric.code, path, period))

        has_data = True
        computed_at = timezone.now()

    figures = [
        {
            "code": m.code,
            "label": m.label + ("（近12个月）" if m.period else ""),
            "unit": m.unit,
            "kind": m.kind,
            "value": _num(get(m, node.path, _period_key(m))),
        }
        for m in ms
    ]
    trend_metrics = [m for m in ms if m.period]
    trends = {
        "months": month_keys,
        "series": [
            {
                "code": m.code,
                "label": m.label,
                "unit": m.unit,
                "kind": m.kind,
                "values": [_num(get(m, node.path, k)) for k in month_keys],
            }
            for m in trend_metrics
        ],
    }
    ranking = []
    for c in children:
        row = {"code": c.code, "name": c.name, "has_children": c.numchild > 0 and c.level != "community"}
        for m in ms:
            row[m.code] = _num(get(m, c.path, _period_key(m)))
        ranking.append(row)
    features = []
    for c in children:
        g = _geometry(c.polygon)
        if g:
            features.append(
                {"type": "Feature", "properties": {"name": c.code, "label": c.name}, "geometry": g}
            )
    run = last_run() if source == "rollup" else None
    return {
        "region": {
            "code": node.code,
            "name": node.name,
            "level": node.get_level_display(),
            "path": node.path,
        },
        "roots": [{"code": r.code, "name": r.name} for r in roots],
        "breadcrumbs": breadcrumbs(node, roots),
        "metrics": [
            {
                "code": m.code,
                "label": m.label,
                "unit": m.unit,
                "kind": m.kind,
                "period": m.period,
                "higher_is_better": m.higher_is_better,
            }
            for m in ms
        ],
        "figures": figures,
        "trends": trends,
        "ranking": ranking,
        "geojson": {"type": "FeatureCollection", "features": features},
        "has_data": has_data,
        "computed_at": computed_at,
        "last_run": run,
        "source": source,
    }


def _num(v):
    if v is None:
        return None
    f = float(v)
    return int(f) if f.is_integer() else round(f, 1)


def ranked(data: dict, code: str) -> list[dict]:
    """The ranking rows sorted by one metric (best first; no data last)."""
    metric = next((m for m in data["metrics"] if m["code"] == code), None)
    if metric is None:
        return data["ranking"]
    sign = -1 if metric["higher_is_better"] else 1
    return sorted(data["ranking"], key=lambda r: (r[code] is None, sign * (r[code] or 0), r["code"]))
