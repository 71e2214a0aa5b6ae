"""Pages of the joint meetings: 党建协调委员会 (committees), 联席会议 (meetings) and their resolutions
tracked to done. Reads are scoped; writes call cobuild.services."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from grassroots.core.errors import ServiceError
from grassroots.core.excel import Column
from grassroots.core.pages import ServiceFormView, get_visible, require_perm
from grassroots.core.scoping import covers

from . import forms as f
from . import services, stats
from .filters import ResolutionFilters
from .models import (
    Committee,
    Meeting,
    Resolution,
)
from .views import CobuildList, _date, _verb, tabs


class CommitteeList(CobuildList):
    model = Committee
    tab = "cobuild:committees"
    template_name = "cobuild/committee_list.html"
    title = "联席会议与党建协调委员会"
    filter_form_class = f.CommitteeFilterForm
    filters = {"kind": "kind"}
    search_fields = ("name", "name")
    select_related = ("community",)
    ordering = ("community__path", "name")
    create_url_name = "cobuild:committee_add"
    empty_hint = "在街道、社区、小区设立联席会议，按“三定”（定时间、定地点、定主题）召开。"
    export_title = "联席会议"
    export_columns = [
        Column("名称", "name", width=28),
        Column("类别", "get_kind_display", width=14),
        Column("所在区划", "community.name", width=16),
        Column("固定日期", lambda c: f"每月{c.day_of_month}日 {c.time:%H:%M}", width=16),
        Column("固定地点", "place", width=24),
        Column("召开次数", "held", width=10),
    ]

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .annotate(
                held=Count("meetings", filter=Q(meetings__state="held")),
                unit_count=Count("units", distinct=True),
            )
        )


@login_required
def committee_detail(request, pk: int):
    require_perm(request.user, "cobuild.view")
    c = get_visible(Committee, request.user, pk=pk, select_related=("community",))
    meetings = list(
        c.meetings.annotate(
            issues=Count("resolutions", distinct=True),
            resolved=Count("resolutions", filter=Q(resolutions__done_on__isnull=False), distinct=True),
        ).order_by("-starts_at")[:24]
    )
    ctx = {
        "c": c,
        "people": list(c.people.select_related("unit").order_by("pk")),
        "units": list(c.units.order_by("name")),
        "meetings": meetings,
        "can_change": covers(request.user, c, "change"),
        "today": timezone.localdate(),
        "tabs": tabs("cobuild:committees"),
    }
    return render(request, "cobuild/committee_detail.html", ctx)


@login_required
@require_POST
def committee_action(request, pk: int, verb: str):
    require_perm(request.user, "cobuild.change")
    c = get_visible(Committee, request.user, pk=pk, select_related=("community", "org"))
    back = reverse("cobuild:committee", args=[pk])
    p, user = request.POST, request.user
    from grassroots.units.models import Unit

    def member():
        unit = None
        if p.get("unit"):
            unit = Unit.objects.visible_to(user).filter(code=p["unit"]).first()
            if unit is None:
                raise ServiceError("单位不存在或不在您的管辖范围内", field="unit")
        services.add_committee_member(
            user, c, name=p.get("name", ""), unit=unit, post=p.get("post") or "委员"
        )

    def schedule():
        try:
            months = int(p.get("months") or 12)
        except ValueError:
            raise ServiceError("月数须为整数") from None
        start = _date(p.get("start"), "开始日期") or timezone.localdate()
        made = services.schedule_meetings(user, c, start=start, months=months)
        messages.info(request, f"新排定 {len(made)} 次会议")

    actions = {"member": (member, "已添加成员"), "schedule": (schedule, "已按三定排定会议")}
    return _verb(request, actions, verb, back)


class CommitteeCreate(ServiceFormView):
    perm = "cobuild.change"
    form_class = f.CommitteeForm
    title = "设立联席会议"
    success_message = "已设立"

    list_crumb = "联席会议"
    list_url_name = "cobuild:committees"
    object_url_name = "cobuild:committee"
    service = services.create_committee


class MeetingList(CobuildList):
    model = Meeting
    tab = "cobuild:meetings"
    template_name = "cobuild/meeting_list.html"
    title = "联席会议记录"
    filter_form_class = f.MeetingFilterForm
    filters = {"state": "state"}
    search_fields = ("theme", "theme")
    select_related = ("committee__community",)
    region_filter = "committee__community"
    ordering = ("-starts_at", "-pk")
    empty_hint = "在联席会议页面按三定排定会议后，会议出现在这里。"
    export_title = "联席会议记录"
    export_columns = [
        Column("会议", "committee.name", width=28),
        Column("召开时间", "starts_at", width=18),
        Column("地点", "place", width=20),
        Column("主题", "theme", width=24),
        Column("状态", "get_state_display", width=10),
        Column("议题数", "issues", width=8),
        Column("办结数", "resolved", width=8),
    ]

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .annotate(
                issues=Count("resolutions", distinct=True),
                resolved=Count("resolutions", filter=Q(resolutions__done_on__isnull=False), distinct=True),
            )
        )


@login_required
def meeting_detail(request, pk: int):
    require_perm(request.user, "cobuild.view")
    m = get_visible(Meeting, request.user, pk=pk, select_related=("committee__community",))
    rule_warn = stats.warn_days()
    items = list(m.resolutions.select_related("owner_unit").order_by("pk"))
    today = timezone.localdate()
    for r in items:
        r.st = r.status(today, rule_warn)
    ctx = {
        "m": m,
        "items": items,
        "people": list(m.committee.people.order_by("pk")),
        "present": set(m.attendees.values_list("pk", flat=True)),
        "can_change": covers(request.user, m, "change"),
        "tabs": tabs("cobuild:meetings"),
    }
    return render(request, "cobuild/meeting_detail.html", ctx)


@login_required
@require_POST
def meeting_action(request, pk: int, verb: str):
    require_perm(request.user, "cobuild.change")
    m = get_visible(Meeting, request.user, pk=pk, select_related=("committee__community", "committee__org"))
    back = reverse("cobuild:meeting", args=[pk])
    p, user = request.POST, request.user
    actions = {
        "hold": (
            lambda: services.hold_meeting(
                user,
                m,
                attendee_ids=[int(x) for x in p.getlist("attendees") if x.isdigit()],
                minutes=p.get("minutes", ""),
            ),
            "已登记会议召开情况",
        ),
        "cancel": (lambda: services.cancel_meeting(user, m), "会议已取消"),
        "issue": (
            lambda: services.raise_issue(user, m, issue=p.get("issue", ""), raised_by=p.get("raised_by", "")),
            "已提出议题",
        ),
    }
    return _verb(request, actions, verb, back)


class ResolutionList(CobuildList):
    model = Resolution
    tab = "cobuild:resolutions"
    template_name = "cobuild/resolution_list.html"
    title = "决议事项跟踪"
    list_filters = ResolutionFilters
    select_related = ("meeting__committee__community",)
    ordering = ("done_on", "due", "pk")
    empty_hint = "联席会议提出的议题形成决议后，在此跟踪到办结。"
    export_title = "决议事项"
    export_columns = [
        Column("议题", "issue", width=30),
        Column("会议", "meeting.committee.name", width=24),
        Column("决议", "decision", width=30),
        Column("责任主体", "owner", width=16),
        Column("责任事项", "duty", width=24),
        Column("完成期限", "due", width=12),
        Column("完成日期", "done_on", width=12),
        Column("办理结果", "result", width=30),
    ]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        warn, today = stats.warn_days(), timezone.localdate()
        for r in ctx["object_list"]:
            r.st = r.status(today, warn)
        return ctx


@login_required
@require_POST
def resolution_action(request, pk: int, verb: str):
    require_perm(request.user, "cobuild.change")
    r = get_visible(Resolution, request.user, pk=pk, select_related=("meeting__committee__community",))
    back = reverse("cobuild:meeting", args=[r.meeting_id])
    p, user = request.POST, request.user
    actions = {
        "resolve": (
            lambda: services.resolve_issue(
                user,
                r,
                decision=p.get("decision", ""),
                owner=p.get("owner", ""),
                duty=p.get("duty", ""),
                due=_date(p.get("due"), "完成期限"),
            ),
            "已形成决议",
        ),
        "complete": (
            lambda: services.complete_resolution(user, r, result=p.get("result", "")),
            "决议事项已办结",
        ),
    }
    return _verb(request, actions, verb, back)
