"""Recruitment pages (staff, Tabler): the candidate list, a candidate's file (档案) with its timeline
and the form of the next step, a branch's pipeline, and the registration of an applicant. Thin:
reads in stats.py / rules.py, writes in services.py."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from grassroots.core.errors import ServiceError
from grassroots.core.excel import Column
from grassroots.core.models import Attachment
from grassroots.core.pages import PageListView, apply_service_error, get_visible
from grassroots.party.models import PartyOrg

from . import access, rules, services, stats
from .filters import CandidateFilters
from .forms import ApplicantForm, StepForm, StopForm
from .models import Candidate, StepRecord
from .steps import ACTIVE_STAGES, PHASES, STEPS


def _require(user, perm: str) -> None:
    if not access.can(user, perm):
        raise Http404


def _raise_refusal(exc: ServiceError) -> None:
    """A permission or scope refusal is a 403 / 404 page; anything else goes on the form."""
    if exc.status == 403:
        raise DjangoPermissionDenied(exc.message)
    if exc.status == 404:
        raise Http404(exc.message)


def _date(value) -> str:
    return value.strftime("%Y-%m-%d") if value else ""


def _org_filter(request):
    """The ?org=<code> narrowing: None (no filter), the org, or False (unknown / out of scope)."""
    code = request.GET.get("org", "").strip()
    if not code:
        return None
    return PartyOrg.objects.visible_to(request.user).filter(code=code).first() or False


class CandidateListView(PageListView):
    model = Candidate
    template_name = "recruitment/candidate_list.html"
    title = "发展党员"
    list_filters = CandidateFilters
    select_related = ("party_org__region",)
    ordering = ("party_org__path", "stage", "name", "id")
    create_url_name = "recruitment:add"
    empty_hint = "登记入党申请人后，其发展全过程的档案会显示在这里。"
    export_title = "发展党员"
    export_columns = [
        Column("姓名", "name", width=10),
        Column("性别", "get_gender_display", width=6),
        Column("出生日期", "birth_date", personal="birth_date", width=12),
        Column("身份证号", "id_number", personal="id_number", width=22),
        Column("手机号", "phone", personal="phone", width=14),
        Column("学历", "get_education_display", width=10),
        Column("职业或工作单位", "occupation", width=20),
        Column("所在党支部", "party_org.name", width=28),
        Column("发展阶段", "get_stage_display", width=12),
        Column("已完成步骤", "last_step_name", width=20),
        Column("最近步骤日期", lambda c: _date(c.last_on), width=12),
        Column("递交申请日期", lambda c: _date(c.step_date(1)), width=12),
    ]

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            _require(request.user, "party.view")
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        page = list(ctx["object_list"])
        p = rules.params()
        due = {d.candidate.pk: d for d in stats.due_items([c for c in page if c.stage in ACTIVE_STAGES], p)}
        for c in page:
            c.due_item = due.get(c.pk)
        ctx["object_list"] = page
        return ctx


def _file_context(request, c: Candidate, form=None, stop_form=None) -> dict:
    p = rules.params()
    ct = ContentType.objects.get_for_model(StepRecord)
    records = list(c.records.select_related("recorded_by"))
    docs: dict[int, list] = {}
    for a in Attachment.objects.filter(content_type=ct, object_id__in=[r.pk for r in records]).order_by("id"):
        docs.setdefault(a.object_id, []).append(a)
    for r in records:
        r.documents = docs.get(r.pk, [])
    can_change = access.can(request.user, "party.change")
    nexts = rules.schedule(c, p)
    if form is None and can_change and nexts:
        form = StepForm(user=request.user, candidate=c, initial={"step": nexts[0].step})
    done = {r.step for r in records}
    phases = [
        {
            "number": k,
            "name": name,
            "steps": [{"info": s, "done": s.number in done} for s in STEPS.values() if s.phase == k],
        }
        for k, name in PHASES.items()
    ]
    return {
        "c": c,
        "records": records,
        "nexts": nexts,
        "form": form,
        "stop_form": stop_form or (StopForm(user=request.user) if can_change else None),
        "can_change": can_change,
        "can_stop": can_change and c.stage in ("applicant", "activist", "prospect") and c.last_step < 17,
        "phases": phases,
        "cultivators": list(c.cultivators.all()),
        "introducers": list(c.introducers.all()),
        "params": p,
        "probation_end": rules.probation_end(c, p),
    }


def _candidate(request, pk, action="view"):
    return get_visible(Candidate, request.user, action=action, select_related=("party_org", "member"), pk=pk)


@login_required
def candidate_detail(request, pk: int):
    _require(request.user, "party.view")
    c = _candidate(request, pk)
    return render(request, "recruitment/candidate_detail.html", _file_context(request, c))


@login_required
@require_POST
def record_step(request, pk: int):
    _require(request.user, "party.view")
    c = _candidate(request, pk)
    form = StepForm(request.POST, request.FILES, user=request.user, candidate=c)
    if form.is_valid():
        data = form.service_data()
        try:
            services.record_step(request.user, c, **data)
        except ServiceError as exc:
            _raise_refusal(exc)
            apply_service_error(form, exc)
        else:
            messages.success(request, f"已记录：{STEPS[data['step']].label}")
            return redirect("recruitment:detail", pk=c.pk)
    c = _candidate(request, pk)
    return render(
        request, "recruitment/candidate_detail.html", _file_context(request, c, form=form), status=400
    )


@login_required
@require_POST
def stop(request, pk: int):
    _require(request.user, "party.view")
    c = _candidate(request, pk)
    form = StopForm(request.POST, user=request.user)
    if form.is_valid():
        try:
            services.stop_candidate(request.user, c, **form.service_data())
        except ServiceError as exc:
            _raise_refusal(exc)
            apply_service_error(form, exc)
        else:
            messages.success(request, "已终止发展")
            return redirect("recruitment:detail", pk=c.pk)
    c = _candidate(request, pk)
    return render(
        request, "recruitment/candidate_detail.html", _file_context(request, c, stop_form=form), status=400
    )


@login_required
def add(request):
    _require(request.user, "party.change")
    initial = {}
    code = request.GET.get("org", "").strip()
    if code:
        initial["party_org"] = code
    form = ApplicantForm(request.POST or None, request.FILES or None, user=request.user, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                c = services.register_applicant(request.user, **form.service_data())
            except ServiceError as exc:
                if exc.status == 403:
                    _raise_refusal(exc)
                apply_service_error(form, exc)
            else:
                messages.success(request, f"已登记入党申请人{c.name}")
                return redirect("recruitment:detail", pk=c.pk)
        status = 400
    return render(
        request,
        "recruitment/applicant_form.html",
        {"form": form, "title": "登记入党申请人", "cancel_url": reverse("recruitment:pipeline")},
        status=status,
    )


@login_required
def pipeline(request):
    """A branch's (or the user's whole scope's) pipeline: how many at each stage, what is due."""
    _require(request.user, "party.view")
    qs = Candidate.objects.visible_to(request.user, "view")
    org = _org_filter(request)
    if org is False:
        qs = qs.none()
    elif org is not None:
        qs = qs.filter(party_org__path__startswith=org.path)
    p = rules.params()
    items = stats.due_items(stats.active_candidates(qs), p)
    overdue = [d for d in items if d.overdue]
    soon = [d for d in items if not d.overdue and d.due and (d.due - d.today).days <= stats.SOON_DAYS]
    ready = [d for d in items if not d.due and d.earliest and d.ready]
    page = Paginator(overdue + soon + ready, 30).get_page(request.GET.get("page"))
    branches = stats.per_branch(qs) if org is None or org.kind != "branch" else []
    params = request.GET.copy()
    params.pop("page", None)
    qstr = params.urlencode()
    return render(
        request,
        "recruitment/pipeline.html",
        {
            "title": f"发展党员：{org.name}" if org else "发展党员",
            "org": org or None,
            "counts": stats.pipeline(qs),
            "page_obj": page,
            "items": page.object_list,
            "n_overdue": len(overdue),
            "n_soon": len(soon),
            "n_ready": len(ready),
            "branches": branches[:60],
            "more_branches": max(len(branches) - 60, 0),
            "querystring_without_page": (qstr + "&") if qstr else "",
            "can_change": access.can(request.user, "party.change"),
            "stages": stats.PIPELINE_STAGES,
        },
    )
