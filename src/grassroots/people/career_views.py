"""Pages of community workers' careers: the worker page (grade history, training, qualification, pay against
the scale), promotion and training forms, the pay scale list (Excel in and out through the import
framework), and the community summary of qualified social workers against GOV-10."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from grassroots.core.errors import ServiceError
from grassroots.core.pages import (
    PageListView,
    ServiceFormView,
    apply_service_error,
    get_visible,
    require_perm,
)
from grassroots.core.scoping import covers
from grassroots.regions.choices import RegionLevel
from grassroots.regions.models import Region

from . import careers
from .forms import CareerFilterForm, PayScaleFilterForm, PromoteForm, TrainingForm
from .models import GradeChange, PayScale, TrainingRecord, Worker


@login_required
def worker_detail(request, pk: int):
    require_perm(request.user, "people.view")
    w = get_visible(Worker, request.user, pk=pk, select_related=("region", "member"))
    today = timezone.localdate()
    params = careers.career_params()
    lo, hi = params.grade_range(w.post)
    scale = careers.scale_for(w, today.year)
    since, years = careers.years_in_grade(w, today)
    history = list(GradeChange.objects.filter(worker=w).order_by("-effective_on", "-id"))
    trainings = list(TrainingRecord.objects.filter(worker=w).order_by("-held_on", "-id"))
    from django.contrib.contenttypes.models import ContentType

    from grassroots.core.models import Attachment

    ct = ContentType.objects.get_for_model(TrainingRecord)
    files: dict[int, list] = {}
    for a in Attachment.objects.filter(
        content_type=ct, object_id__in=[t.pk for t in trainings], role="certificate"
    ):
        files.setdefault(int(a.object_id), []).append(a)
    for t in trainings:
        t.files = files.get(t.pk, [])
    ctx = {
        "obj": w,
        "title": w.name,
        "age": w.age_on(today),
        "grade_range": f"{lo}–{hi} 级",
        "in_range": lo <= w.grade <= hi,
        "scale": scale,
        "below_scale": scale is not None and (w.monthly_pay is None or w.monthly_pay < scale),
        "since": since,
        "years": f"{years:.1f}" if years is not None else None,
        "years_needed": params.years_in_grade,
        "history": history,
        "trainings": trainings,
        "hours": sum(t.hours for t in trainings),
        "can_change": covers(request.user, w, "change"),
        "year": today.year,
        "service": _service_summary(w),
    }
    return render(request, "people/worker_detail.html", ctx)


def _service_summary(worker) -> str:
    """The worker's 战时档案 (service in emergencies) in one line; the records list has the rows."""
    return careers.worker_summary("service", worker)


class _WorkerAction(ServiceFormView):
    perm = "people.change"

    def get_object(self):
        return get_visible(
            Worker, self.request.user, action="change", pk=self.kwargs["pk"], select_related=("region",)
        )

    def url_for(self, obj):
        return reverse("people:worker_detail", args=[self.object.pk])

    def breadcrumbs(self):
        return [("社区工作者", reverse("people:workers")), (self.object.name, self.url_for(None))]


class PromoteView(_WorkerAction):
    form_class = PromoteForm
    submit_label = "登记"
    success_message = "等级变动已登记"

    def get_title(self):
        return f"等级变动：{self.object.name}（{self.object.get_post_display()} {self.object.grade} 级）"

    def get_initial(self):
        w = self.object
        return {
            "to_post": w.post,
            "to_grade": max(1, w.grade - 1),
            "effective_on": timezone.localdate(),
            "assessment": "competent",
        }

    def save(self, form):
        d = form.cleaned_data
        return careers.promote(
            self.request.user,
            self.object,
            to_grade=d["to_grade"],
            reason=d["reason"],
            assessment=d["assessment"],
            effective_on=d["effective_on"],
            to_post=d["to_post"] or None,
            approved_by=d["approved_by"],
            note=d["note"],
        )


class TrainingAddView(_WorkerAction):
    form_class = TrainingForm
    template_name = "people/upload_form.html"
    success_message = "培训记录已登记"

    def get_title(self):
        return f"登记培训：{self.object.name}"

    def post(self, request, *args, **kwargs):
        form = self.get_form(request.POST)
        if form.is_valid():
            try:
                careers.add_training(
                    request.user, self.object, certificate=request.FILES.getlist("files"), **form.cleaned_data
                )
            except ServiceError as exc:
                apply_service_error(form, exc)
            else:
                messages.success(request, self.success_message)
                return redirect(self.url_for(None))
        return self.render_form(form, status=400)


class PayScaleListView(PageListView):
    importer = "grassroots.people.importers.PayScaleImporter"
    model = PayScale
    template_name = "people/payscale_list.html"
    title = "社区工作者薪酬标准"
    filter_form_class = PayScaleFilterForm
    filters = {"year": "year", "post": "post"}
    search_fields = ("region__name", "region__name")
    select_related = ("region",)
    region_filter = "region"
    ordering = ("region__path", "-year", "post", "grade")
    empty_hint = "按市、年度导入三岗十八级月薪标准（Excel）。"
    export_title = "薪酬标准"

    def filter_queryset(self, qs):
        year = self.request.GET.get("year", "").strip()
        if year and not year.isdigit():
            return qs.none()
        return super().filter_queryset(qs)


def _region_or_404(user, code: str) -> Region:
    from django.http import Http404

    node = Region.objects.visible_to(user).filter(code=code).first()
    if node is None:
        raise Http404
    return node


@login_required
def career_summary(request, code: str = ""):
    """Communities: workers, qualified social workers against the GOV-10 target, and GOV-10 findings."""
    from grassroots.core import rules
    from grassroots.core.rules import Rule

    require_perm(request.user, "people.view")
    form = CareerFilterForm(request.GET or None, user=request.user)
    form.is_valid()
    code = code or (form.cleaned_data.get("region") if form.is_bound else "") or ""
    within = _region_or_404(request.user, code) if code else None
    rows = careers.community_rows(request.user, within)
    if form.is_bound and form.cleaned_data.get("short"):
        rows = [r for r in rows if r["short"]]
    findings = []
    rule = Rule.objects.filter(code=careers.RULE).first()
    if rule is not None and rule.enabled:
        checker = rules.checker(request.user, within=within, rules=[rule])
        findings = [f for f in checker.run() if f.object_type == "worker"]
    totals = {
        "communities": len(rows),
        "short": sum(1 for r in rows if r["short"]),
        "workers": sum(r["workers"] for r in rows),
        "qualified": sum(r["qualified"] for r in rows),
    }
    page = Paginator(rows, 30).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    ctx = {
        "querystring_without_page": f"{query.urlencode()}&" if query else "",
        "filters": {k: v for k, v in query.items() if v},
        "title": f"社工持证与薪酬：{within.name}" if within else "社工持证与薪酬",
        "within": within,
        "filter_form": form,
        "page_obj": page,
        "rows": page.object_list,
        "totals": totals,
        "target": careers.career_params(rule).min_qualified,
        "findings": findings[:50],
        "finding_count": len(findings),
        "is_community": within is not None and within.level == RegionLevel.COMMUNITY,
    }
    return render(request, "people/careers.html", ctx)
