"""Pages of patrols (巡查) and household visits (走访): the phone page that starts and finishes a
patrol, the lists with filters and Excel export, and the two "due" lists the grid worker's home
counts (dashboards/today.py links to them with ?mine=1)."""

from __future__ import annotations

import datetime

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Max, OuterRef, Subquery
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from grassroots.core.errors import ServiceError
from grassroots.core.excel import Column
from grassroots.core.scoping import has_perm
from grassroots.core.views import ScopedListView
from grassroots.regions.models import Household

from . import care
from .models import Grid, HouseholdVisit, Patrol


def _require(request, perm="regions.view"):
    if not has_perm(request.user, perm):
        raise Http404


def _dt(value):
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


class _MineMixin:
    """?mine=1: only the grids the user holds a post in (`mine_lookup`: the rows' grid ids)."""

    mine_lookup = "grid_id__in"

    def mine(self) -> bool:
        return self.request.GET.get("mine") == "1"

    def only_mine(self, qs):
        return qs.filter(**{self.mine_lookup: care.my_grid_ids(self.request.user)}) if self.mine() else qs

    def applied_filters(self):
        out = super().applied_filters()
        if self.mine():
            out["mine"] = "1"
        return out

    def grid_choices(self):
        return care.grids_for(self.request.user, self.mine()).only("pk", "name").order_by("code")[:300]


class PatrolListView(_MineMixin, ScopedListView):
    model = Patrol
    template_name = "grids/patrol_list.html"
    select_related = ("grid", "grid__region")
    search_fields = ("grid__name", "grid__name_initials")
    filters = {"grid": "grid_id"}
    region_filter = "grid__region"
    ordering = ("-started_at", "-id")
    export_title = "网格巡查"
    export_columns = [
        Column("网格", "grid.name", width=20),
        Column("所属社区", "grid.region.name", width=16),
        Column("巡查人", "worker_name", width=12),
        Column("开始时间", lambda p: _dt(p.started_at), width=18),
        Column("结束时间", lambda p: _dt(p.ended_at) or "进行中", width=18),
        Column("用时（分钟）", lambda p: p.minutes if p.minutes is not None else "", width=10),
        Column("巡查情况", "route_note", width=40),
    ]

    def applied_filters(self):
        out = super().applied_filters()
        for name in ("mine", "period", "state"):
            if self.request.GET.get(name):
                out[name] = self.request.GET[name]
        return out

    def filter_queryset(self, qs):
        qs = self.only_mine(qs)
        period = self.request.GET.get("period")
        if period == "today":
            start = timezone.make_aware(datetime.datetime.combine(timezone.localdate(), datetime.time.min))
            qs = qs.filter(started_at__gte=start)
        elif period == "week":
            qs = qs.filter(started_at__gte=care.week_start())
        state = self.request.GET.get("state")
        if state == "open":
            qs = qs.filter(ended_at__isnull=True)
        elif state == "finished":
            qs = qs.filter(ended_at__isnull=False)
        return super().filter_queryset(qs)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["grids"] = self.grid_choices()
        ctx["required"] = care.patrols_per_week()
        ctx["open_patrol"] = Patrol.objects.filter(
            recorded_by=self.request.user, ended_at__isnull=True
        ).first()
        return ctx


class PatrolDueView(_MineMixin, ScopedListView):
    """巡查待完成: grids whose finished patrols this week are below GRID-1."""

    model = Grid
    template_name = "grids/patrol_due.html"
    select_related = ("region",)
    region_filter = "region"
    ordering = ("week_patrols", "code")
    export_title = "本周巡查待完成网格"
    export_columns = [
        Column("网格", "name", width=20),
        Column("网格编码", "code", width=18),
        Column("所属社区", "region.name", width=16),
        Column("本周已巡查（次）", "week_patrols", width=14),
    ]

    mine_lookup = "pk__in"

    def filter_queryset(self, qs):
        return super().filter_queryset(care.patrol_due(self.only_mine(qs)))

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["required"] = care.patrols_per_week()
        ctx["week_start"] = care.week_start()
        ctx["can_patrol"] = has_perm(self.request.user, "regions.change")
        return ctx


class HouseholdVisitListView(_MineMixin, ScopedListView):
    model = HouseholdVisit
    template_name = "grids/visit_list.html"
    select_related = ("household", "household__entrance", "grid")
    search_fields = ("household__head_name", "household__name_initials")
    filters = {"grid": "grid_id"}
    region_filter = "household__entrance"
    ordering = ("-visited_at", "-id")
    export_title = "重点关爱住户走访"
    export_columns = [
        Column("走访时间", lambda v: _dt(v.visited_at), width=18),
        Column("网格", lambda v: v.grid.name if v.grid else "", width=20),
        Column("单元", "household.entrance.name", width=12),
        Column("户主", "household.head_name", personal="name", width=12),
        Column("走访人", "visitor_name", width=12),
        Column("走访情况", "note", width=40),
    ]

    def applied_filters(self):
        out = super().applied_filters()
        if self.request.GET.get("period") in ("week", "month"):
            out["period"] = self.request.GET["period"]
        return out

    def filter_queryset(self, qs):
        qs = self.only_mine(qs)
        period = self.request.GET.get("period")
        if period == "month":
            first = timezone.localdate().replace(day=1)
            qs = qs.filter(
                visited_at__gte=timezone.make_aware(datetime.datetime.combine(first, datetime.time.min))
            )
        elif period == "week":
            qs = qs.filter(visited_at__gte=care.week_start())
        return super().filter_queryset(qs)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["grids"] = self.grid_choices()
        return ctx


def _tag_labels(h) -> str:
    return "、".join(h.tag_labels)


class VisitDueView(_MineMixin, ScopedListView):
    """待走访住户: care households of the grids not visited within GRID-2 days."""

    model = Household
    template_name = "grids/visit_due.html"
    select_related = ("entrance", "grid")
    search_fields = ("head_name", "name_initials")
    filters = {"grid": "grid_id"}
    region_filter = "entrance"
    ordering = ("grid__code", "entrance__path", "name_initials", "id")
    export_title = "待走访重点关爱住户"
    export_columns = [
        Column("网格", lambda h: h.grid.name if h.grid else "", width=20),
        Column("单元", "entrance.name", width=12),
        Column("房号", "room", personal="room", width=10),
        Column("户主", "head_name", personal="name", width=12),
        Column("标签", _tag_labels, width=24),
        Column("上次走访", lambda h: _dt(h.last_visit) or "从未走访", width=18),
    ]

    def base_queryset(self):
        last = (
            HouseholdVisit.objects.filter(household=OuterRef("pk"))
            .values("household")
            .annotate(m=Max("visited_at"))
            .values("m")
        )
        return super().base_queryset().annotate(last_visit=Subquery(last))

    def filter_queryset(self, qs):
        return super().filter_queryset(self.only_mine(care.visits_due(qs)))

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["grids"] = self.grid_choices()
        ctx["visit_days"] = care.visit_days()
        ctx["can_visit"] = has_perm(self.request.user, "regions.change")
        return ctx


# ---------------------------------------------------------------- patrol on the phone


@login_required
@require_POST
def patrol_start(request):
    _require(request, "regions.change")
    grid = Grid.objects.visible_to(request.user, "view").filter(pk=request.POST.get("grid") or 0).first()
    if grid is None:
        raise Http404
    try:
        patrol = care.start_patrol(request.user, grid)
    except ServiceError as e:
        messages.error(request, e.message)
        return redirect("grids:patrol_due")
    return redirect("grids:patrol_detail", pk=patrol.pk)


class FinishForm(forms.Form):
    route_note = forms.CharField(
        label="巡查路线与情况",
        required=False,
        max_length=2000,
        widget=forms.Textarea(
            attrs={"rows": 3, "placeholder": "如：沿 3 号楼—菜市场—小区北门巡查，发现路灯损坏已上报"}
        ),
    )


@login_required
def patrol_detail(request, pk: int):
    from grassroots.core.attachments import attachments_of

    _require(request)
    patrol = (
        Patrol.objects.visible_to(request.user, "view")
        .select_related("grid", "grid__region")
        .filter(pk=pk)
        .first()
    )
    if patrol is None:
        raise Http404
    own_open = patrol.recorded_by_id == request.user.pk and patrol.ended_at is None
    form = FinishForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if not own_open:
            raise Http404
        if form.is_valid():
            try:
                care.finish_patrol(
                    request.user,
                    patrol,
                    route_note=form.cleaned_data["route_note"],
                    photos=request.FILES.getlist("photos"),
                    case_ids=[int(x) for x in request.POST.getlist("cases") if x.isdigit()],
                )
            except ServiceError as e:
                form.add_error(None, e.message)
                status = 400
            else:
                messages.success(request, "巡查已结束并记录")
                return redirect("grids:patrol_detail", pk=patrol.pk)
        else:
            status = 400
    cases = []
    if own_open:
        cases = list(
            Patrol.cases.field.related_model.objects.visible_to(request.user, "view")
            .filter(grid=patrol.grid, submitted_at__gte=patrol.started_at)
            .only("pk", "number", "description")[:20]
        )
    return render(
        request,
        "grids/patrol_detail.html",
        {
            "patrol": patrol,
            "own_open": own_open,
            "form": form,
            "photos": attachments_of(patrol, "photo"),
            "linked": list(patrol.cases.all().only("pk", "number", "description")),
            "recent_cases": cases,
        },
        status=status,
    )


# ---------------------------------------------------------------- household visit


class VisitForm(forms.Form):
    visited_at = forms.DateTimeField(
        label="走访时间",
        input_formats=["%Y-%m-%dT%H:%M"],
        widget=forms.DateTimeInput(
            attrs={"type": "datetime-local", "class": "form-control"}, format="%Y-%m-%dT%H:%M"
        ),
    )
    note = forms.CharField(
        label="走访情况",
        max_length=2000,
        widget=forms.Textarea(
            attrs={"rows": 4, "class": "form-control", "placeholder": "如：老人身体状况良好，反映楼道灯不亮"}
        ),
    )


@login_required
def visit_create(request, household: int):
    _require(request, "regions.change")
    hh = (
        Household.objects.visible_to(request.user, "view")
        .select_related("entrance", "grid")
        .filter(pk=household)
    )
    hh = hh.first()
    if hh is None:
        raise Http404
    initial = {"visited_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M")}
    form = VisitForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                care.record_visit(
                    request.user,
                    hh,
                    note=form.cleaned_data["note"],
                    visited_at=form.cleaned_data["visited_at"],
                )
            except ServiceError as e:
                form.add_error(e.field if e.field in form.fields else None, e.message)
                status = 400
            else:
                messages.success(request, "走访已登记")
                return redirect(f"{_reverse('grids:visit_due')}?mine=1")
        else:
            status = 400
    last = HouseholdVisit.objects.filter(household=hh).order_by("-visited_at").first()
    return render(
        request, "grids/visit_form.html", {"household": hh, "form": form, "last": last}, status=status
    )


def _reverse(name):
    from django.urls import reverse

    return reverse(name)
