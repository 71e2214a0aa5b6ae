"""Pages of deputies' studios (代表委员工作室): list, studio page (deputies, schedule, logs), schedule and
log forms, the reception log page (matters and the state of the cases they became), the yearly
report of deputies (page and Excel), and the residents' list of published receptions (H5)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Prefetch
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from grassroots.core.errors import ServiceError
from grassroots.core.excel import Column, export_response
from grassroots.core.pages import PageListView, ServiceFormView, get_visible, require_perm
from grassroots.core.scoping import covers, has_perm
from grassroots.regions.models import Region

from . import studios
from .forms import (
    MatterCaseForm,
    MatterForm,
    ReceptionForm,
    ReceptionLogForm,
    StudioForm,
)
from .models import Deputy, Matter, Reception, ReceptionLog, Studio


class StudioListView(PageListView):
    model = Studio
    template_name = "people/studio_list.html"
    title = "代表委员工作室"
    search_fields = ("name", "name")
    select_related = ("region",)
    region_filter = "region"
    ordering = ("region__path", "name")
    create_url_name = "people:studio_add"
    empty_hint = "设立代表委员工作室，安排代表委员进站接待群众。"
    export_title = "代表委员工作室"
    export_columns = [
        Column("名称", "name", width=24),
        Column("所在街道/社区", "region.name", width=16),
        Column("地址", "address", width=30),
        Column("进站代表委员", lambda s: s.n_deputies, width=10),
        Column("接待次数", lambda s: s.n_logs, width=10),
    ]

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .annotate(
                n_deputies=Count("deputies", distinct=True),
                n_logs=Count("logs", distinct=True),
            )
        )


def _studio(request, pk, action="view"):
    require_perm(request.user, "people.view" if action == "view" else "people.change")
    return get_visible(Studio, request.user, action=action, pk=pk, select_related=("region", "room"))


@login_required
def studio_detail(request, pk: int):
    studio = _studio(request, pk)
    today = timezone.localdate()
    receptions = list(
        Reception.objects.filter(studio=studio, date__gte=today)
        .prefetch_related("deputies")
        .order_by("date", "starts_at")[:20]
    )
    logs = list(
        ReceptionLog.objects.filter(studio=studio)
        .annotate(n_matters=Count("matters", distinct=True), n_cases=Count("matters__case", distinct=True))
        .prefetch_related("deputies")
        .order_by("-held_on", "-id")[:20]
    )
    pending = list(
        Reception.objects.filter(studio=studio, date__lt=today, log__isnull=True).order_by("-date")[:5]
    )
    ctx = {
        "studio": studio,
        "title": studio.name,
        "deputies": list(studio.deputies.select_related("region").order_by("kind", "name")),
        "receptions": receptions,
        "logs": logs,
        "pending": pending,
        "can_change": covers(request.user, studio, "change"),
    }
    return render(request, "people/studio_detail.html", ctx)


class _StudioForm(ServiceFormView):
    perm = "people.change"
    model = Studio

    def url_for(self, obj):
        return reverse("people:studio_detail", args=[obj.pk])

    def breadcrumbs(self):
        return [("代表委员工作室", reverse("people:studios"))]

    def cancel_url(self):
        return self.url_for(self.object) if self.object is not None else reverse("people:studios")


class StudioCreateView(_StudioForm):
    form_class, title = StudioForm, "设立代表委员工作室"

    def get_instance(self):
        return Studio()

    def save(self, form):
        data = form.service_data()
        return studios.add_studio(self.request.user, **data)


class StudioEditView(_StudioForm):
    form_class = StudioForm

    def get_object(self):
        return get_visible(
            Studio, self.request.user, action="change", pk=self.kwargs["pk"], select_related=("region",)
        )

    def get_title(self):
        return f"编辑：{self.object.name}"

    def save(self, form):
        return studios.update_studio(self.request.user, self.object, **form.service_data())


class _InStudio(ServiceFormView):
    perm = "people.change"

    def get_object(self):
        return get_visible(
            Studio, self.request.user, action="change", pk=self.kwargs["pk"], select_related=("region",)
        )

    def get_form(self, data=None):
        return self.form_class(data, user=self.request.user, studio=self.object, initial=self.get_initial())

    def url_for(self, obj):
        return reverse("people:studio_detail", args=[self.object.pk])

    def breadcrumbs(self):
        return [("代表委员工作室", reverse("people:studios")), (self.object.name, self.url_for(None))]


class ReceptionCreateView(_InStudio):
    form_class = ReceptionForm
    success_message = "接待安排已保存"

    def get_title(self):
        return f"安排接待：{self.object.name}"

    def get_initial(self):
        return {"publish": True, "starts_at": "09:00", "ends_at": "11:30"}

    def save(self, form):
        d = dict(form.cleaned_data)
        return studios.schedule_reception(
            self.request.user,
            self.object,
            deputies=d.pop("deputies"),
            publish=d.pop("publish"),
            **d,
        )


class ReceptionLogCreateView(_InStudio):
    form_class = ReceptionLogForm
    success_message = "接待记录已保存"

    def reception(self):
        rid = self.request.GET.get("reception", "")
        if not rid.isdigit():
            return None
        return Reception.objects.filter(studio=self.object, pk=int(rid)).prefetch_related("deputies").first()

    def get_title(self):
        return f"登记接待记录：{self.object.name}"

    def get_initial(self):
        r = self.reception()
        if r is None:
            return {"held_on": timezone.localdate()}
        return {"held_on": r.date, "deputies": [d.pk for d in r.deputies.all()]}

    def success_url(self, obj):
        return reverse("people:log_detail", args=[obj.pk])

    def save(self, form):
        d = form.cleaned_data
        return studios.log_reception(
            self.request.user,
            self.object,
            held_on=d["held_on"],
            residents=d["residents"],
            deputies=d["deputies"],
            summary=d["summary"],
            matters=form.matter_lines(),
            reception=self.reception(),
        )


@login_required
def log_detail(request, pk: int):
    require_perm(request.user, "people.view")
    log = get_visible(
        ReceptionLog, request.user, pk=pk, select_related=("studio", "studio__region", "reception")
    )
    matters = list(Matter.objects.filter(log=log).select_related("case").order_by("id"))
    can_change = covers(request.user, log, "change")
    can_cases = has_perm(request.user, "cases.view")
    ctx = {
        "log": log,
        "studio": log.studio,
        "title": f"{log.held_on:%Y-%m-%d} 接待记录",
        "deputies": list(log.deputies.order_by("kind", "name")),
        "matters": matters,
        "can_change": can_change,
        "can_cases": can_cases,
        "needs_region": log.studio.region.level != "community",
        "matter_form": MatterForm(),
        "case_form": MatterCaseForm(user=request.user),
    }
    return render(request, "people/log_detail.html", ctx)


def _log_for_change(request, pk):
    require_perm(request.user, "people.change")
    return get_visible(
        ReceptionLog, request.user, action="change", pk=pk, select_related=("studio", "studio__region")
    )


@login_required
@require_POST
def matter_add(request, pk: int):
    log = _log_for_change(request, pk)
    form = MatterForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请填写反映事项（不超过 500 字）")
    else:
        try:
            studios.add_matter(request.user, log, form.cleaned_data["text"])
        except ServiceError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "反映事项已添加")
    return redirect("people:log_detail", pk=log.pk)


@login_required
@require_POST
def matter_case(request, pk: int):
    require_perm(request.user, "people.change")
    matter = get_visible(
        Matter,
        request.user,
        action="change",
        pk=pk,
        select_related=("log", "log__studio", "log__studio__region"),
    )
    form = MatterCaseForm(request.POST, user=request.user)
    if not form.is_valid():
        messages.error(request, "；".join(e for errs in form.errors.values() for e in errs))
        return redirect("people:log_detail", pk=matter.log_id)
    try:
        case = studios.matter_to_case(
            request.user,
            matter,
            region=form.cleaned_data.get("region"),
            description=form.cleaned_data.get("description", ""),
        )
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"已转为诉求 {case.number}")
    return redirect("people:log_detail", pk=matter.log_id)


@login_required
@require_POST
def reception_publish(request, pk: int):
    require_perm(request.user, "people.change")
    reception = get_visible(Reception, request.user, action="change", pk=pk, select_related=("studio",))
    publish = request.POST.get("published", "1") == "1"
    try:
        studios.publish_reception(request.user, reception, published=publish)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "已发布，居民可在手机上查看" if publish else "已撤回发布")
    return redirect("people:studio_detail", pk=reception.studio_id)


# ---- yearly report per deputy ------------------------------------------------------------------


def _year(request) -> int:
    raw = request.GET.get("year", "")
    today = timezone.localdate()
    if raw.isdigit() and 2000 <= int(raw) <= today.year + 1:
        return int(raw)
    return today.year


@login_required
def deputy_reports(request):
    require_perm(request.user, "people.view")
    year = _year(request)
    qs = (
        Deputy.objects.visible_to(request.user)
        .select_related("region")
        .order_by("region__path", "kind", "name")
    )
    code = request.GET.get("region", "").strip()
    if code:
        node = Region.objects.visible_to(request.user).filter(code=code).first()
        if node is None:
            raise Http404
        qs = qs.filter(region__path__startswith=node.path)
    one = request.GET.get("deputy", "")
    if one.isdigit():
        qs = qs.filter(pk=int(one))
    rows = studios.deputy_reports(qs, year)
    if request.GET.get("export") == "xlsx":
        columns = [
            Column("姓名", lambda r: r.deputy.name, width=10),
            Column("类别", lambda r: r.deputy.get_kind_display(), width=10),
            Column("层级", lambda r: r.deputy.get_level_display(), width=10),
            Column("联系社区", lambda r: r.deputy.region.name, width=16),
            Column("安排接待（次）", "scheduled", width=12),
            Column("参加接待（次）", "receptions", width=12),
            Column("接待群众（人次）", "residents", width=14),
            Column("反映事项", "matters", width=10),
            Column("转为诉求", "cases", width=10),
            Column("已办结", "closed", width=10),
        ]
        return export_response(
            request.user, f"{year}年代表委员履职报告", columns, rows, model_label="people.deputy"
        )
    from django.core.paginator import Paginator

    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    ctx = {
        "page_obj": page,
        "querystring_without_page": f"{query.urlencode()}&" if query else "",
        "title": f"{year} 年代表委员进站履职",
        "year": year,
        "years": list(range(timezone.localdate().year, timezone.localdate().year - 4, -1)),
        "rows": page.object_list,
        "region": code,
        "totals": {
            "receptions": sum(r.receptions for r in rows),
            "matters": sum(r.matters for r in rows),
            "cases": sum(r.cases for r in rows),
            "closed": sum(r.closed for r in rows),
        },
    }
    return render(request, "people/deputy_reports.html", ctx)


# ---- residents (H5): published receptions where they live ---------------------------------------


def published_receptions(region: Region | None, today=None):
    """Published receptions from today on, in studios of the resident's community or its street."""
    today = today or timezone.localdate()
    qs = Reception.objects.filter(published=True, date__gte=today).select_related("studio", "studio__region")
    if region is not None:
        qs = qs.filter(studio__region__path__in=[region.path, region.path[: -Region.steplen]])
    return qs.prefetch_related(
        Prefetch("deputies", queryset=Deputy.objects.order_by("kind", "name"))
    ).order_by("date", "starts_at")[:30]


def public_receptions(request):
    """代表委员接待日: the published schedule for residents (no login), by community."""
    from grassroots.regions.forms import community_choices as _community_choices

    raw = request.GET.get("community", "")
    region = Region.objects.filter(pk=int(raw), level="community").first() if raw.isdigit() else None
    ctx = {
        "receptions": list(published_receptions(region)),
        "region": region,
        "communities": _community_choices(),
        "selected": raw,
    }
    return render(request, "people/h5_receptions.html", ctx)
