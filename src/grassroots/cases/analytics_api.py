"""Case analytics API (/api/v1/cases/analytics/): alerts, rankings and statistics within the caller's
scope. Read-only and thin (cases.analytics, cases.stats); users without a region-wide case permission
get a 404; bad filters a 400 problem+json in Chinese. Personal data never appears here."""

import datetime as dt
from typing import Literal

from django.utils import timezone
from ninja import Field, Query, Router, Schema

from grassroots.core.api import ERRORS

from . import analytics, stats

router = Router(tags=["cases-analytics"])


class AlertCountsOut(Schema):
    overdue: int = Field(description="超期")
    due_soon: int = Field(description="临期")
    returned: int = Field(description="多次退单")
    repeat: int = Field(description="重复诉求涉及的工单数")
    repeat_places: int = Field(description="重复诉求地点数")
    total: int = Field(description="预警合计（重复诉求按地点计）")


class AlertFilter(Schema):
    region: str | None = Field(None, max_length=24, description="区划编码（含下级）")
    category: int | None = Field(None, description="类别 ID（大类含其小类）")


class AlertListFilter(AlertFilter):
    kind: Literal["overdue", "due_soon", "returned"] = Field(description="预警类型")
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0)


class AlertCaseOut(Schema):
    number: str
    state: str
    category: str | None
    community_code: str
    community: str
    handler: str | None
    dispatched_at: dt.datetime | None
    due_soon_at: dt.datetime | None
    due_at: dt.datetime | None
    time_used: float | None = Field(description="已用时占办理时限的比例（1 = 到期）")
    return_count: int


class AlertPage(Schema):
    count: int
    items: list[AlertCaseOut]


class ClusterOut(Schema):
    category: str | None
    count: int
    lng: float
    lat: float
    first_at: dt.datetime
    last_at: dt.datetime
    numbers: list[str]


class RepeatOut(Schema):
    radius_m: float
    days: int
    min_count: int
    count: int
    items: list[ClusterOut]


class PeriodFilter(Schema):
    start: dt.date | None = Field(None, description="开始日期（默认本月 1 日）")
    end: dt.date | None = Field(None, description="结束日期（含，默认今天）")
    region: str | None = Field(None, max_length=24, description="区划编码（含下级）")


class RankingFilter(PeriodFilter):
    level: Literal["handler", "grid", "community", "street"] = "handler"


class RankingRow(Schema):
    rank: int
    key: int | str
    name: str
    cases: int
    finished: int
    on_time_rate: float | None
    satisfaction_rate: float | None
    reopen_rate: float | None
    return_rate: float | None
    avg_hours: float | None
    closed_unresolved: int
    scored: int
    composite: float | None = Field(description="综合得分（GOV-6 赋分的平均值）")
    score_rate: float | None


class RankingOut(Schema):
    level: str
    start: dt.date
    end: dt.date
    rows: list[RankingRow]
    red: list[RankingRow]
    black: list[RankingRow]


class StatsFilter(PeriodFilter):
    granularity: Literal["day", "week", "month"] = "day"


class Bucket(Schema):
    key: int | str | None
    name: str
    count: int


class TrendPoint(Schema):
    t: str
    submitted: int
    resolved: int


class StatsOut(Schema):
    start: dt.date
    end: dt.date
    granularity: str
    totals: dict[str, int | float | None]
    trend: list[TrendPoint]
    by_category: list[Bucket]
    by_channel: list[Bucket]
    by_tier: list[Bucket]
    by_state: list[Bucket]
    by_grid: list[Bucket]
    by_handler: list[Bucket]


@router.get("/alerts/counts", response={200: AlertCountsOut, **ERRORS}, summary="预警数量（导航角标）")
def alert_counts(request, filters: Query[AlertFilter]):
    analytics.require_alerts(request.user)
    return analytics.alert_counts(request.user, region=filters.region or "", category=filters.category)


@router.get("/alerts", response={200: AlertPage, **ERRORS}, summary="超期、临期、多次退单预警")
def alert_list(request, filters: Query[AlertListFilter]):
    analytics.require_alerts(request.user)
    now = timezone.now()
    qs = analytics.scoped_cases(request.user, filters.region or "", filters.category)
    rows = analytics.alert_cases(qs, filters.kind, now)
    count = rows.count()
    page = rows.select_related("region", "category__parent", "handler")[
        filters.offset : filters.offset + filters.limit
    ]
    items = [
        {
            "number": c.number,
            "state": c.state,
            "category": str(c.category) if c.category_id else None,
            "community_code": c.region.code,
            "community": c.region.name,
            "handler": c.handler.name if c.handler_id else None,
            "dispatched_at": c.dispatched_at,
            "due_soon_at": c.due_soon_at,
            "due_at": c.due_at,
            "time_used": analytics.time_used(c, now),
            "return_count": c.return_count,
        }
        for c in page
    ]
    return {"count": count, "items": items}


@router.get("/alerts/repeats", response={200: RepeatOut, **ERRORS}, summary="同一地点重复诉求预警")
def alert_repeats(request, filters: Query[AlertFilter]):
    analytics.require_alerts(request.user)
    params = analytics.alert_params()
    qs = analytics.scoped_cases(request.user, filters.region or "", filters.category)
    clusters = analytics.repeat_clusters(qs, params=params)
    return {
        "radius_m": params.repeat_radius_m,
        "days": params.repeat_days,
        "min_count": params.repeat_count,
        "count": len(clusters),
        "items": [
            {
                "category": str(c.category) if c.category else None,
                "count": c.count,
                "lng": c.lng,
                "lat": c.lat,
                "first_at": c.first_at,
                "last_at": c.last_at,
                "numbers": [x.number for x in c.cases],
            }
            for c in clusters
        ],
    }


@router.get("/rankings", response={200: RankingOut, **ERRORS}, summary="赋分排名与红黑榜")
def rankings(request, filters: Query[RankingFilter]):
    analytics.require_alerts(request.user)
    return stats.rankings(request.user, filters.level, filters.start, filters.end, filters.region or "")


@router.get(
    "/stats",
    response={200: StatsOut, **ERRORS},
    summary="诉求统计（趋势、分类、渠道、分流、网格、承办单位、时限）",
)
def case_stats(request, filters: Query[StatsFilter]):
    analytics.require_alerts(request.user)
    return stats.case_stats(
        request.user, filters.start, filters.end, filters.region or "", filters.granularity
    )
