""" "What needs me today": the work queues at the top of each role's home page.

Sections are chosen by what the user may do (permissions, scope and handler membership), not by role
code, so a user holding several roles sees each of their queues. Every figure is a link to the list
it counts, with the list's own filters: figures that count a list view are computed by that view's
queryset (`_list_count`), so the figure and the list cannot disagree.

`today_sections(user) -> [{"title", "icon", "figures": [{"label", "value", "url", "tone"}]}]`
"""

from __future__ import annotations

import datetime
from urllib.parse import urlencode

from django.contrib.auth.models import AnonymousUser
from django.db.models import Sum
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from grassroots.core.scoping import grants_for, has_perm


def _url(name: str, args=None, **params) -> str:
    url = reverse(name, args=args)
    params = {k: v for k, v in params.items() if v not in (None, "")}
    return f"{url}?{urlencode(params)}" if params else url


def _list_count(view_class, user, params: dict) -> int:
    """The number of rows the list view shows the user for these query parameters."""
    request = RequestFactory().get("/", params)
    request.user = user or AnonymousUser()
    view = view_class()
    view.setup(request)
    return view.get_queryset().count()


def _figure(label: str, value, url: str, tone: str = "") -> dict:
    return {"label": label, "value": value, "url": url, "tone": tone if value else ""}


def _region_wide(user, perm: str) -> bool:
    if user.is_superuser:
        return True
    return any(perm in g.perms and g.region_path is not None for g in grants_for(user))


# Cases -------------------------------------------------------------------------------------------
def _case_section(user) -> dict | None:
    from grassroots.cases.analytics import alert_counts, can_see_alerts
    from grassroots.cases.models import handler_ids_for
    from grassroots.cases.views import CaseListView
    from grassroots.cases.workflow import CaseState
    from grassroots.core.errors import ServiceError

    staff = can_see_alerts(user)
    handles = bool(handler_ids_for(user)) or _region_wide(user, "cases.handle")
    if not staff and not handles:
        return None

    def count(label, tone="", **params):
        return _figure(label, _list_count(CaseListView, user, params), _url("cases:list", **params), tone)

    figures = []
    if _region_wide(user, "cases.dispatch"):
        figures.append(count("待分拨", "warning", state=CaseState.SUBMITTED))
        figures.append(count("待派单", "warning", state=CaseState.TRIAGED))
        figures.append(count("被退单待改派", "danger", state=CaseState.RETURNED))
    if handles:
        figures.append(count("待接单", "warning", state=CaseState.DISPATCHED))
        figures.append(count("办理中", "", state=CaseState.IN_PROGRESS))
    figures.append(count("即将超期", "warning", deadline="due_soon"))
    figures.append(count("已超期", "danger", deadline="overdue"))
    if staff:
        try:
            alerts = alert_counts(user)["total"]
        except ServiceError:
            alerts = None
        if alerts is not None:
            figures.append(_figure("诉求预警", alerts, reverse("cases:alerts"), "danger"))
    return {"title": "诉求办理", "icon": "message-report", "figures": figures}


# Grid worker --------------------------------------------------------------------------------------
def _grid_sections(user) -> list[dict]:
    from grassroots.cases.views import CaseListView
    from grassroots.grids.models import GridAssignment

    posts = list(
        GridAssignment.objects.filter(worker__user=user).select_related("grid").order_by("grid__code")[:5]
    )
    out = []
    for post in posts if has_perm(user, "cases.view") else []:
        grid = post.grid

        def count(label, tone="", grid=grid, **params):
            params = {"grid": grid.pk, **params}
            return _figure(label, _list_count(CaseListView, user, params), _url("cases:list", **params), tone)

        figures = [
            count("在办诉求", "", deadline="open"),
            count("待接单", "warning", state="dispatched"),
            count("已超期", "danger", deadline="overdue"),
            count("今日上报", "", submitted="today"),
        ]
        out.append(
            {
                "title": f"我的网格：{grid.name}",
                "icon": "grid-dots",
                "url": reverse("grids:detail", args=[grid.code]),
                "figures": figures,
            }
        )
    care = _grid_care_section(user, [p.grid_id for p in posts]) if posts else None
    if care:
        out.append(care)
    return out


def _grid_care_section(user, grid_ids) -> dict | None:
    """Patrols (GRID-1) and care-household visits (GRID-2) of the user's grids; each figure is the
    count of the list it links to (grids.care_views with ?mine=1)."""
    from grassroots.grids.care_views import (
        HouseholdVisitListView,
        PatrolDueView,
        PatrolListView,
        VisitDueView,
    )

    if not grid_ids or not has_perm(user, "regions.view"):
        return None
    mine = {"mine": "1"}
    return {
        "title": "巡查与走访",
        "icon": "walk",
        "url": reverse("grids:patrol_due") + "?mine=1",
        "figures": [
            _figure(
                "巡查待完成",
                _list_count(PatrolDueView, user, mine),
                _url("grids:patrol_due", **mine),
                "warning",
            ),
            _figure(
                "待走访住户",
                _list_count(VisitDueView, user, mine),
                _url("grids:visit_due", **mine),
                "warning",
            ),
            _figure(
                "今日巡查",
                _list_count(PatrolListView, user, {**mine, "period": "today"}),
                _url("grids:patrol_list", period="today", **mine),
            ),
            _figure(
                "本月走访",
                _list_count(HouseholdVisitListView, user, {**mine, "period": "month"}),
                _url("grids:visit_list", period="month", **mine),
            ),
        ],
    }


# Whistle (departments) ---------------------------------------------------------------------------
def whistle_todo(user):
    """The summons targets the user's departments still owe a check-in or a report on (the inbox's
    default view)."""
    from grassroots.whistle.models import SummonsState, Target, TargetState, department_ids_for

    ids = department_ids_for(user)
    return (
        Target.objects.filter(handler_id__in=ids)
        .exclude(state=TargetState.REPORTED)
        .filter(summons__state__in=[SummonsState.OPEN, SummonsState.ESCALATED])
    )


def _whistle_section(user) -> dict | None:
    from grassroots.whistle.models import department_ids_for

    if not department_ids_for(user):
        return None
    todo = whistle_todo(user)
    url = _url("whistle:inbox", show="todo")
    return {
        "title": "吹哨报到",
        "icon": "speakerphone",
        "figures": [
            _figure("待报到与反馈", todo.count(), url, "warning"),
        ],
    }


# Meetings this week (community, street) ---------------------------------------------------------
def _meetings_section(user) -> dict | None:
    from grassroots.orglife.views import ActivityListView

    if not _region_wide(user, "orglife.change"):
        return None
    today = timezone.localdate()
    monday = today - datetime.timedelta(days=today.weekday())
    sunday = monday + datetime.timedelta(days=6)
    params = {"start": monday.isoformat(), "end": sunday.isoformat()}
    value = _list_count(ActivityListView, user, params)
    today_params = {"start": today.isoformat(), "end": today.isoformat()}
    return {
        "title": "组织生活与会议",
        "icon": "calendar-event",
        "figures": [
            _figure("本周活动与会议", value, _url("orglife:list", **params)),
            _figure(
                "今日活动与会议",
                _list_count(ActivityListView, user, today_params),
                _url("orglife:list", **today_params),
                "warning",
            ),
        ],
    }


# Residents' deliberation (community, street) -----------------------------------------------------
def _deliberation_section(user) -> dict | None:
    from grassroots.deliberation.views import TopicListView

    if not _region_wide(user, "deliberation.manage"):
        return None
    figures = [
        _figure(
            label,
            _list_count(TopicListView, user, {"state": state}),
            _url("deliberation:list", state=state),
            tone,
        )
        for label, state, tone in (
            ("待审核议题", "proposed", "warning"),
            ("表决中议题", "voting", ""),
            ("实事项目办理中", "in_progress", ""),
        )
    ]
    return {"title": "居民议事", "icon": "messages", "figures": figures}


# 一窗受理 (community window staff; departments the applications are forwarded to) -----------------
def _onewindow_section(user) -> dict | None:
    from grassroots.onewindow.models import department_ids_for
    from grassroots.onewindow.views import ApplicationListView

    if _region_wide(user, "onewindow.handle"):
        rows = (
            ("待补材料", {"state": "incomplete"}, "warning"),
            ("待转交部门", {"state": "received"}, ""),
            ("超期未办结", {"overdue": "true"}, "danger"),
        )
    elif department_ids_for(user):
        rows = (
            ("转来待受理", {"state": "forwarded"}, "warning"),
            ("部门办理中", {"state": "accepted"}, ""),
            ("超期未办结", {"overdue": "true"}, "danger"),
        )
    else:
        return None
    figures = [
        _figure(label, _list_count(ApplicationListView, user, params), _url("onewindow:list", **params), tone)
        for label, params, tone in rows
    ]
    return {"title": "一窗受理 · 全程代办", "icon": "file-certificate", "figures": figures}


# Leaders (city, district) ------------------------------------------------------------------------
def _leader_section(user) -> dict | None:
    from grassroots.regions.choices import RegionLevel

    from .leader import leader_data
    from .services import has_scope, scope_roots

    if not has_scope(user) or not _region_wide(user, "party.view"):
        return None  # leaders and administrators (not departments, whose scope holds no party data)
    roots = scope_roots(user)
    if len(roots) != 1 or roots[0].level not in (RegionLevel.CITY, RegionLevel.DISTRICT):
        return None
    data = leader_data(user, roots[0].code)
    url = _url("dashboards:leader", region=roots[0].code)
    figures = [
        _figure(f["label"], "—" if f["value"] is None else f"{f['value']}{f['unit'] or ''}", url)
        for f in data["figures"]
    ]
    return {"title": f"{roots[0].name}主要指标", "icon": "presentation-analytics", "figures": figures}


# Auditor -----------------------------------------------------------------------------------------
def _audit_section(user) -> dict | None:
    from grassroots.core.audit_views import AuditListView

    if not has_perm(user, "audit.view") or (has_perm(user, "cases.dispatch") and not user.is_superuser):
        return None  # auditors' and security administrators' work; administrators open the log itself
    today = timezone.localdate()
    week = today - datetime.timedelta(days=6)
    day = {"from": today.isoformat(), "to": today.isoformat()}
    seven = {"from": week.isoformat(), "to": today.isoformat()}
    failed = {**seven, "action": "login_failed"}
    unmask = {**seven, "action": "unmask"}
    figures = [
        _figure("今日审计事件", _list_count(AuditListView, user, day), _url("core:audit", **day)),
        _figure("近7日审计事件", _list_count(AuditListView, user, seven), _url("core:audit", **seven)),
        _figure("近7日查看个人信息", _list_count(AuditListView, user, unmask), _url("core:audit", **unmask)),
        _figure(
            "近7日登录失败", _list_count(AuditListView, user, failed), _url("core:audit", **failed), "danger"
        ),
    ]
    return {"title": "审计", "icon": "history", "figures": figures}


# Party member ------------------------------------------------------------------------------------
def _member_section(user) -> dict | None:
    from grassroots.orglife.models import Activity
    from grassroots.party.models import Member

    member = Member.objects.filter(user=user).select_related("party_org").first()
    if member is None:
        return None
    now = timezone.now()
    figures = []
    if has_perm(user, "orglife.view"):
        from grassroots.orglife import workflow

        # The member's phone page lists the same: visible activities still open (their branch's).
        upcoming = (
            Activity.objects.visible_to(user, "view")
            .filter(status__in=list(workflow.OPEN), ends_at__gte=now)
            .count()
        )
        figures.append(_figure("本支部近期活动", upcoming, reverse("orglife:mine")))
    if has_perm(user, "volunteers.join"):
        from grassroots.orglife.models import Signup
        from grassroots.volunteers.models import Wish

        wishes = Wish.objects.visible_to(user, "join").count()
        figures.append(_figure("我认领的微心愿", wishes, reverse("volunteers:my_wishes")))
        served = Signup.objects.filter(user=user, activity__kind="volunteer", checked_out_at__isnull=False)
        hours = served.aggregate(h=Sum("hours"))["h"] or 0
        figures.append(
            _figure("我的志愿服务时长（小时）", round(hours, 1), reverse("volunteers:my_activities"))
        )
    if not figures:
        return None
    return {"title": f"我的支部：{member.party_org.name}", "icon": "flag", "figures": figures}


def today_sections(user) -> list[dict]:
    audit = _audit_section(user)
    sections = [audit] if audit else []
    for build in (_whistle_section, _case_section):
        s = build(user)
        if s:
            sections.append(s)
    sections.extend(_grid_sections(user))
    for build in (
        _meetings_section,
        _deliberation_section,
        _onewindow_section,
        _leader_section,
        _member_section,
    ):
        s = build(user)
        if s:
            sections.append(s)
    return sections
