"""Visit pages (GOV-7): leaders' contact-point visits and night visits — list with search, filters,
pagination and Excel export; the form; the detail with "open a case from this visit"."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone

from grassroots.core.errors import ServiceError
from grassroots.core.excel import Column
from grassroots.core.scoping import has_perm
from grassroots.core.views import ScopedListView, export_querystring
from grassroots.regions.models import Region

from . import visits
from .forms import VisitCaseForm, VisitFilterForm, VisitForm
from .intake_views import _community_choices, can_intake
from .models import Category, Visit


def can_see_visits(user) -> bool:
    from .models import case_grants

    return user.is_superuser or any(g.region_path is not None for g in case_grants(user, "view"))


class VisitListView(ScopedListView):
    model = Visit
    template_name = "cases/visit_list.html"
    filters = {"kind": "kind"}
    search_fields = None
    select_related = ("region",)
    ordering = ("-visited_at", "-id")
    paginate_by = 25
    export_title = "走访记录"
    export_columns = [
        Column("走访类型", "get_kind_display", width=12),
        Column("走访时间", lambda v: timezone.localtime(v.visited_at).strftime("%Y-%m-%d %H:%M"), width=17),
        Column("社区", "region.name", width=14),
        Column("走访人", "visitor_name", width=14),
        Column("地点", "place", width=24),
        Column("走访对象", "whom", width=20),
        Column("听取的意见", "heard", width=50),
        Column("转办工单数", "case_count", width=10),
    ]

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not can_see_visits(request.user):
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self):
        return super().get_queryset().annotate(case_count=Count("cases"))

    def filter_queryset(self, qs):
        params = self.applied_filters()
        q = params.pop("q", "")
        if params.get("kind"):
            qs = qs.filter(kind=params["kind"])
        if q:
            qs = qs.filter(
                Q(place__contains=q)
                | Q(whom__contains=q)
                | Q(heard__contains=q)
                | Q(visitor_name__contains=q)
            )
        return qs.order_by(*self.ordering)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(
            title="走访记录",
            filter_form=VisitFilterForm(self.request.GET or None),
            export_querystring=export_querystring(self.request.GET),
            empty_hint="领导干部联系点走访、夜访民情听取的意见记录在这里，可直接转为诉求工单办理。",
            create_url_name="cases:visit_create" if can_intake(self.request.user) else None,
        )
        return ctx


@login_required
def visit_create(request):
    if not can_intake(request.user):
        raise Http404
    communities = _community_choices(Region.objects.visible_to(request.user))
    status = 200
    if request.method == "POST":
        form = VisitForm(request.POST, communities=communities)
        if form.is_valid():
            d = form.cleaned_data
            try:
                visit = visits.record_visit(
                    request.user,
                    kind=d["kind"],
                    region=Region.objects.filter(pk=d["community"]).first(),
                    visitor_name=d["visitor_name"],
                    visited_at=d["visited_at"],
                    place=d["place"],
                    whom=d["whom"],
                    heard=d["heard"],
                )
            except ServiceError as exc:
                if exc.status == 404:
                    raise Http404 from exc
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
                status = 400
            else:
                messages.success(request, "走访记录已保存")
                return redirect("cases:visit_detail", pk=visit.pk)
        else:
            status = 400
    else:
        form = VisitForm(
            communities=communities,
            initial={
                "visitor_name": request.user.get_full_name() or request.user.username,
                "visited_at": timezone.localtime().replace(second=0, microsecond=0),
            },
        )
    return render(request, "cases/visit_form.html", {"form": form}, status=status)


def _visit_or_404(user, pk) -> Visit:
    visit = Visit.objects.visible_to(user).select_related("region").filter(pk=pk).first()
    if visit is None:
        raise Http404
    return visit


@login_required
def visit_detail(request, pk: int):
    visit = _visit_or_404(request.user, pk)
    status = 200
    form = VisitCaseForm(request.POST or None)
    if request.method == "POST":
        if not can_intake(request.user):
            raise Http404
        if form.is_valid():
            d = form.cleaned_data
            category = Category.objects.filter(pk=d["category"]).first() if d.get("category") else None
            try:
                case = visits.open_case_from_visit(
                    request.user, visit, description=d["description"], category=category
                )
            except ServiceError as exc:
                if exc.status == 404:
                    raise Http404 from exc
                form.add_error(None, exc.message)
                status = 400
            else:
                messages.success(request, f"已由走访转为工单 {case.number}")
                return redirect("cases:visit_detail", pk=visit.pk)
        else:
            status = 400
    cases = visit.cases.select_related("category", "handler").order_by("-submitted_at")
    return render(
        request,
        "cases/visit_detail.html",
        {
            "visit": visit,
            "cases": cases,
            "form": form,
            "can_open": can_intake(request.user) and has_perm(request.user, "cases.submit"),
        },
        status=status,
    )
