"""Whistle pages: the scoped list, the department's inbox (phone first), the summons form, the
detail with its timeline and only the allowed actions, and the street's department ranking."""

from __future__ import annotations

from types import SimpleNamespace

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from grassroots.cases.models import Case
from grassroots.core import exports
from grassroots.core.errors import ServiceError
from grassroots.core.excel import Column
from grassroots.core.excel import local_minute as _local
from grassroots.core.models import Attachment
from grassroots.core.pages import service_messages
from grassroots.core.scoping import grants_for, has_perm
from grassroots.core.views import ScopedListView, export_querystring
from grassroots.regions.models import Region

from . import services, stats
from .filters import SummonsFilters
from .forms import (
    AssessmentForm,
    CheckinForm,
    HandlersForm,
    ReasonForm,
    ReportForm,
    SummonsForm,
)
from .models import Assessment, Summons, Target, department_ids_for
from .periods import PeriodError, current_quarter, parse_period
from .workflow import STEP_LABELS, SummonsState, TargetState


def can_see_whistle(user) -> bool:
    return has_perm(user, "whistle.view") or bool(department_ids_for(user))


class SummonsListView(ScopedListView):
    model = Summons
    template_name = "whistle/summons_list.html"
    list_filters = SummonsFilters
    select_related = ("region",)
    ordering = ("-created_at", "-id")
    paginate_by = 25
    export_title = "吹哨报到"
    export_columns = [
        Column("编号", "number", width=16),
        Column("事由", "subject", width=24),
        Column("发生地", "region.name", width=14),
        Column("层级", "get_level_display", width=10),
        Column("紧急程度", "get_urgency_display", width=8),
        Column("状态", "get_state_display", width=10),
        Column("召集部门数", "n_targets", width=10),
        Column("已报到", "n_checked_in", width=8),
        Column("超时未报到", "n_overdue", width=10),
        Column("已反馈", "n_reported", width=8),
        Column("吹哨时间", lambda s: _local(s.created_at), width=17),
        Column("上报区级", lambda s: _local(s.escalated_at), width=17),
        Column("办结时间", lambda s: _local(s.closed_at), width=17),
    ]

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not can_see_whistle(request.user):
            raise Http404
        return super(ScopedListView, self).dispatch(request, *args, **kwargs)

    def filter_queryset(self, qs):
        qs = super().filter_queryset(qs)
        now = timezone.now()
        return qs.annotate(
            n_targets=Count("targets"),
            n_checked_in=Count("targets", filter=Q(targets__checked_in_at__isnull=False)),
            n_reported=Count("targets", filter=Q(targets__state=TargetState.REPORTED)),
            n_overdue=Count(
                "targets", filter=Q(targets__state=TargetState.SUMMONED, targets__due_at__lte=now)
            ),
        ).order_by(*self.ordering)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(
            title="吹哨报到",
            filter_form=self.list_filter_form(),
            export_querystring=export_querystring(self.request.GET),
            empty_hint="街道、社区召集职能部门报到的事项会出现在这里。",
            can_summon=has_perm(self.request.user, "whistle.summon"),
            # The department ranking answers holders of whistle.view; department members reach this
            # list through their inbox without it (the crawl found the button dead for them).
            can_rank=has_perm(self.request.user, "whistle.view"),
            has_inbox=bool(department_ids_for(self.request.user)),
        )
        return ctx


def summon_regions(user):
    """Streets and communities where the user may blow the whistle (one query)."""
    qs = Region.objects.filter(level__in=["street", "community"]).order_by("path")
    if user.is_superuser:
        return qs
    paths = [g.region_path for g in grants_for(user) if "whistle.summon" in g.perms and g.region_path]
    if not paths:
        return qs.none()
    return qs.filter(Q(*[Q(path__startswith=p) for p in paths], _connector=Q.OR))


def _form_errors(form) -> str:
    return "；".join(e for errs in form.errors.values() for e in errs)


@login_required
def summons_create(request):
    if not has_perm(request.user, "whistle.summon"):
        raise Http404
    regions = list(summon_regions(request.user).only("code", "name", "level"))
    form = SummonsForm(request.POST or None, regions=regions, initial={"case": request.GET.get("case", "")})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        region = next((r for r in regions if r.code == data["region"]), None)
        case = None
        try:
            if region is None:
                raise ServiceError("请选择发生地", field="region")
            region = Region.objects.get(pk=region.pk)
            if data["case"]:
                case = Case.objects.visible_to(request.user).filter(number=data["case"].strip()).first()
                if case is None:
                    raise ServiceError("关联工单不存在或无权访问", field="case")
            summons = services.summon(
                request.user,
                region=region,
                subject=data["subject"],
                description=data["description"],
                handlers=list(data["handlers"]),
                urgency=data["urgency"],
                requested_mode=data["requested_mode"],
                case=case,
                address=data["address"],
                lng=data["lng"],
                lat=data["lat"],
            )
        except ServiceError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, f"已吹哨，召集 {summons.targets.count()} 个部门")
            return redirect("whistle:detail", pk=summons.pk)
    return render(request, "whistle/summons_form.html", {"form": form, "has_regions": bool(regions)})


def _summons_or_404(user, pk) -> Summons:
    try:
        return services.get_summons(user, pk)
    except ServiceError as exc:
        raise Http404(exc.message) from exc


SUMMONS_FORMS = {
    "add_targets": lambda **kw: HandlersForm(**kw),
    "answer": lambda **kw: HandlersForm(**kw),
    "escalate": lambda **kw: ReasonForm(label="上报理由", **kw),
    "close": lambda **kw: ReasonForm(label="办结说明", **kw),
    "cancel": lambda **kw: ReasonForm(label="撤销理由", **kw),
}


@login_required
def summons_detail(request, pk: int):
    summons = _summons_or_404(request.user, pk)
    targets = list(summons.targets.select_related("handler__region"))
    photos = {}
    if targets:
        ct = ContentType.objects.get_for_model(Target)
        for a in Attachment.objects.filter(
            content_type=ct, object_id__in=[t.pk for t in targets], role="report"
        ).order_by("pk"):
            photos.setdefault(int(a.object_id), []).append(a)
    for t in targets:
        t.photos = photos.get(t.pk, [])
        t.actions = services.target_actions(request.user, t, summons)
        t.checkin_form = CheckinForm(prefix=f"c{t.pk}") if "check_in" in t.actions else None
        t.report_form = ReportForm(prefix=f"r{t.pk}") if "report" in t.actions else None
    actions = [
        {"verb": v, "label": STEP_LABELS[v], "form": SUMMONS_FORMS[v](prefix=v)}
        for v in services.summons_actions(request.user, summons)
    ]
    return render(
        request,
        "whistle/summons_detail.html",
        {
            "summons": summons,
            "targets": targets,
            "events": summons.events.all(),
            "actions": actions,
            "now": timezone.now(),
        },
    )


@login_required
@require_POST
def summons_act(request, pk: int, verb: str):
    summons = _summons_or_404(request.user, pk)
    if verb not in SUMMONS_FORMS:
        raise Http404
    form = SUMMONS_FORMS[verb](data=request.POST, prefix=verb)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return redirect("whistle:detail", pk=summons.pk)
    data = form.cleaned_data
    user = request.user
    with service_messages(request, lambda: f"已{STEP_LABELS[verb]}"):
        if verb == "add_targets":
            services.add_targets(user, summons, handlers=list(data["handlers"]))
        elif verb == "answer":
            services.answer(user, summons, handlers=list(data["handlers"]), note=data["note"])
        elif verb == "escalate":
            services.escalate(user, summons, reason=data["reason"])
        elif verb == "close":
            services.close(user, summons, conclusion=data["reason"])
        elif verb == "cancel":
            services.cancel(user, summons, reason=data["reason"])
    return redirect("whistle:detail", pk=summons.pk)


@login_required
@require_POST
def target_act(request, pk: int, target_pk: int, verb: str):
    summons = _summons_or_404(request.user, pk)
    target = summons.targets.select_related("handler").filter(pk=target_pk).first()
    if target is None or verb not in ("check_in", "report"):
        raise Http404
    with service_messages(request, lambda: f"已{STEP_LABELS[verb]}"):
        if verb == "check_in":
            form = CheckinForm(request.POST, prefix=f"c{target.pk}")
            if not form.is_valid():
                raise ServiceError(_form_errors(form))
            d = form.cleaned_data
            services.check_in(
                request.user, summons, target, mode=d["mode"], lng=d["lng"], lat=d["lat"], note=d["note"]
            )
        else:
            form = ReportForm(request.POST, request.FILES, prefix=f"r{target.pk}")
            if not form.is_valid():
                raise ServiceError(_form_errors(form))
            services.report(
                request.user,
                summons,
                target,
                text=form.cleaned_data["text"],
                photos=request.FILES.getlist(f"r{target.pk}-photos"),
            )
    nxt = request.POST.get("next", "")
    if nxt == "inbox":
        return redirect("whistle:inbox")
    return redirect("whistle:detail", pk=summons.pk)


@login_required
def inbox(request):
    """A department's summonses, on a phone: pending check-ins first, then those to report on."""
    ids = department_ids_for(request.user)
    if not ids and not request.user.is_superuser:
        raise Http404
    now = timezone.now()
    qs = (
        Target.objects.filter(handler_id__in=ids)
        .select_related("summons__region", "handler")
        .order_by("state", "due_at", "-id")
    )
    show = request.GET.get("show", "todo")
    if show == "todo":
        qs = qs.exclude(state=TargetState.REPORTED).filter(
            summons__state__in=[SummonsState.OPEN, SummonsState.ESCALATED]
        )
    page = Paginator(qs, 20).get_page(request.GET.get("page"))
    for t in page.object_list:
        t.checkin_form = CheckinForm(prefix=f"c{t.pk}") if t.state == TargetState.SUMMONED else None
    return render(
        request,
        "whistle/inbox.html",
        {
            "page_obj": page,
            "object_list": page.object_list,
            "show": show,
            "now": now,
            "querystring_without_page": f"show={show}&",
        },
    )


# ---------------------------------------------------------------- ranking and assessment


def assess_streets(user):
    qs = Region.objects.filter(level="street").order_by("path")
    if user.is_superuser:
        return qs
    paths = [g.region_path for g in grants_for(user) if "whistle.view" in g.perms and g.region_path]
    if not paths:
        return qs.none()
    # streets under a grant, and the street above a community-level grant
    cond = Q(*[Q(path__startswith=p) for p in paths], _connector=Q.OR)
    return qs.filter(cond)


RANKING_COLUMNS = [
    Column("名次", "rank", width=6),
    Column("部门", "handler", width=20),
    Column("被召集次数", "summoned", width=10),
    Column("按时报到", "checked_in_on_time", width=10),
    Column("报到及时率(%)", "punctuality", width=12),
    Column("已反馈", "reported", width=8),
    Column("派单工单", "cases", width=10),
    Column("按期办结", "cases_on_time", width=10),
    Column("按期办结率(%)", "on_time", width=12),
    Column("评价数", "evaluations", width=8),
    Column("满意率(%)", "satisfaction", width=10),
    Column("评议得分", "manual", width=10),
    Column("综合得分", "total", width=10),
]


@login_required
def ranking(request):
    if not has_perm(request.user, "whistle.view"):
        raise Http404
    streets = list(assess_streets(request.user).only("code", "name"))
    code = request.GET.get("street") or (streets[0].code if streets else "")
    street = next((s for s in streets if s.code == code), None)
    period = (request.GET.get("period") or current_quarter(timezone.localdate())).strip()
    error = ""
    try:
        start, end = parse_period(period)
    except PeriodError as exc:
        error = str(exc)
        period = current_quarter(timezone.localdate())
        start, end = parse_period(period)
    rows = stats.department_scores(street, start, end, period=period) if street else []
    if street and request.GET.get("export") == "xlsx":
        return exports.respond(
            request,
            f"{street.name}部门考核{period}",
            RANKING_COLUMNS,
            [SimpleNamespace(**r) for r in rows],
            model_label="whistle.assessment",
            filters={"street": street.code, "period": period},
        )
    can_assess = street is not None and services._covers_path(request.user, street.path, "standards.assess")
    comments = {}
    if street:
        comments = {
            a.handler_id: a
            for a in Assessment.objects.filter(region=street, period=period).select_related("assessed_by")
        }
    for r in rows:
        r["assessment"] = comments.get(r["handler_id"])
    return render(
        request,
        "whistle/ranking.html",
        {
            "streets": streets,
            "street": street,
            "period": period,
            "rows": rows,
            "error": error,
            "can_assess": can_assess,
            "assess_form": AssessmentForm() if can_assess else None,
            "export_querystring": export_querystring(request.GET),
            "checkin_rate": stats.checkin_rate(street, start, end) if street else None,
        },
    )


@login_required
@require_POST
def assess(request):
    street = (
        Region.objects.visible_to(request.user)
        .filter(code=request.POST.get("street", ""), level="street")
        .first()
    )
    if street is None:
        raise Http404
    period = request.POST.get("period", "")
    form = AssessmentForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
    else:
        try:
            services.assess(
                request.user,
                region=street,
                handler=form.cleaned_data["handler"],
                period=period,
                score=form.cleaned_data["score"],
                comment=form.cleaned_data["comment"],
            )
        except ServiceError as exc:
            if exc.status == 404:
                raise Http404 from exc
            if exc.status == 403:
                raise DjangoPermissionDenied(exc.message) from exc
            messages.error(request, exc.message)
        else:
            messages.success(request, "评议得分已保存")
    from urllib.parse import urlencode

    from django.urls import reverse

    return redirect(reverse("whistle:ranking") + "?" + urlencode({"street": street.code, "period": period}))
