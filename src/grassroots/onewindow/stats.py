"""Figures of 一窗受理 per community, in the user's scope: applications, done, on time, satisfaction.

On time = done no later than its deadline (forwarded_at + the item's legal time limit in working
days); the on-time rate is over the applications done. Satisfaction = average rating of the evaluated
applications and the share rated 4 or 5 stars."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Avg, Count, F, Q
from django.utils import timezone

from grassroots.core.excel import Column, export_response
from grassroots.core.scoping import grants_for
from grassroots.regions.models import Region

from .models import OPEN_STATES, Application, ApplicationState


@dataclass
class Row:
    code: str
    name: str
    street: str
    total: int = 0
    open: int = 0
    done: int = 0
    on_time: int = 0
    overdue: int = 0
    door: int = 0
    rated: int = 0
    satisfied: int = 0
    rating_sum: float = 0.0

    @property
    def on_time_rate(self) -> float | None:
        return round(100 * self.on_time / self.done, 1) if self.done else None

    @property
    def avg_rating(self) -> float | None:
        return round(self.rating_sum / self.rated, 2) if self.rated else None

    @property
    def satisfied_rate(self) -> float | None:
        return round(100 * self.satisfied / self.rated, 1) if self.rated else None


def _scope_paths(user) -> list[str] | None:
    if user.is_superuser:
        return None
    return [
        g.region_path for g in grants_for(user) if "onewindow.view" in g.perms and g.region_path is not None
    ]


def community_figures(user) -> list[Row]:
    """One row per community in the user's region scope (communities without applications included).
    Two queries: the communities, and one GROUP BY over the applications."""
    paths = _scope_paths(user)
    communities = Region.objects.filter(level="community")
    apps = Application.objects.all()
    if paths is not None:
        q = Q(pk__in=[])
        aq = Q(pk__in=[])
        for p in paths:
            q |= Q(path__startswith=p)
            aq |= Q(community__path__startswith=p)
        communities = communities.filter(q)
        apps = apps.filter(aq)
    streets = {
        r.path: r.name
        for r in Region.objects.filter(
            level="street", path__in={c.path[: Region.steplen * 3] for c in communities}
        )
    }
    rows = {
        c.pk: Row(code=c.code, name=c.name, street=streets.get(c.path[: Region.steplen * 3], ""))
        for c in communities.order_by("path").only("pk", "code", "name", "path")
    }
    now = timezone.now()
    done = Q(state=ApplicationState.DONE)
    figures = apps.values("community_id").annotate(
        total=Count("id"),
        open=Count("id", filter=Q(state__in=OPEN_STATES)),
        done=Count("id", filter=done),
        on_time=Count("id", filter=done & Q(finished_at__lte=F("due_at"))),
        overdue=Count("id", filter=Q(state__in=OPEN_STATES, due_at__lt=now)),
        door=Count("id", filter=Q(channel="door")),
        rated=Count("id", filter=Q(rating__isnull=False)),
        satisfied=Count("id", filter=Q(rating__gte=4)),
        avg=Avg("rating"),
    )
    for f in figures:
        row = rows.get(f["community_id"])
        if row is None:
            continue
        for key in ("total", "open", "done", "on_time", "overdue", "door", "rated", "satisfied"):
            setattr(row, key, f[key])
        row.rating_sum = (f["avg"] or 0) * f["rated"]
    return list(rows.values())


def total(rows: list[Row]) -> Row:
    t = Row(code="", name="合计", street="")
    for r in rows:
        for key in (
            "total",
            "open",
            "done",
            "on_time",
            "overdue",
            "door",
            "rated",
            "satisfied",
            "rating_sum",
        ):
            setattr(t, key, getattr(t, key) + getattr(r, key))
    return t


def _pct(v) -> str:
    return "" if v is None else f"{v}%"


COLUMNS = [
    Column("街道", "street", width=14),
    Column("社区", "name", width=14),
    Column("申请件数", "total", width=10),
    Column("办理中", "open", width=8),
    Column("已办结", "done", width=8),
    Column("按期办结", "on_time", width=10),
    Column("按期办结率", lambda r: _pct(r.on_time_rate), width=10),
    Column("超期未结", "overdue", width=8),
    Column("上门代办", "door", width=8),
    Column("已评价", "rated", width=8),
    Column("平均满意度", lambda r: "" if r.avg_rating is None else r.avg_rating, width=10),
    Column("满意率（4-5星）", lambda r: _pct(r.satisfied_rate), width=12),
]


def export(request, rows: list[Row], t: Row):
    return export_response(
        request.user,
        "一窗受理社区统计",
        COLUMNS,
        [*rows, t],
        model_label="onewindow.application",
        filters={"统计": "各社区"},
    )
