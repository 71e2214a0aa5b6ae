"""Case pages: the staff list and detail (with only the allowed actions), and the resident's
evaluation page behind a signed single-use link (no login)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from grassroots.core.errors import ServiceError
from grassroots.core.excel import Column
from grassroots.core.scoping import has_perm
from grassroots.core.views import ScopedListView, export_querystring
from grassroots.regions.models import Region

from . import moderation, services, stats
from .forms import (
    CaseFilterForm,
    DispatchForm,
    EvaluationForm,
    MergeForm,
    ModerationForm,
    NoteForm,
    ResolveForm,
    ReturnForm,
    TriageForm,
    WorkLogForm,
)
from .models import Case, Visit, handler_ids_for
from .workdays import missing_calendar_years
from .workflow import VERB_LABELS


def can_see_cases(user) -> bool:
    return has_perm(user, "cases.view") or bool(handler_ids_for(user))


class CaseListView(ScopedListView):
    model = Case
    export_kind = "cases.list"  # registered in cases/exports.py (department members may export too)
    template_name = "cases/case_list.html"
    filters = {"state": "state", "tier": "tier", "channel": "channel", "category": "category__parent_id"}
    search_fields = None
    select_related = ("region", "category__parent", "handler")
    ordering = ("-submitted_at", "-id")
    paginate_by = 25
    export_title = "诉求工单"
    export_columns = [
        Column("编号", "number", width=16),
        Column("渠道", "get_channel_display", width=12),
        Column("类别", lambda c: str(c.category or ""), width=20),
        Column("三事分流", "get_tier_display", width=8),
        Column("状态", "get_state_display", width=10),
        Column("所属社区", "region.name", width=14),
        Column("承办单位", lambda c: str(c.handler or ""), width=18),
        Column("问题描述", "description", width=40),
        Column("联系人", "reporter_name", personal="name", width=10),
        Column("联系电话", "reporter_phone", personal="phone", width=14),
        Column("提交时间", lambda c: timezone.localtime(c.submitted_at).strftime("%Y-%m-%d %H:%M"), width=17),
        Column(
            "办理期限",
            lambda c: timezone.localtime(c.due_at).strftime("%Y-%m-%d %H:%M") if c.due_at else "",
            width=17,
        ),
        Column("时限状态", "get_deadline_status_display", width=8),
    ]

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not can_see_cases(request.user):
            raise Http404
        return super(ScopedListView, self).dispatch(request, *args, **kwargs)

    DEADLINES = ("overdue", "due_soon", "open", "response_overdue", "response_due_soon")

    def applied_filters(self):
        out = super().applied_filters()
        get = self.request.GET
        if get.get("deadline") in self.DEADLINES:
            out["deadline"] = get["deadline"]
        # Drill-down from the statistics page: the cases submitted in a period, and one side of a 三率.
        for name in ("start", "end"):
            if get.get(name, "").strip():
                out[name] = get[name].strip()
        if get.get("rate") in stats.RATES and get.get("part") in stats.RATE_PARTS:
            out["rate"], out["part"] = get["rate"], get["part"]
        # The home page's queues: one grid's cases, and today's reports.
        if self.request.GET.get("grid", "").isdigit():
            out["grid"] = self.request.GET["grid"]
        if self.request.GET.get("submitted") == "today":
            out["submitted"] = "today"
        return out

    def filter_queryset(self, qs):
        params = self.applied_filters()
        q = params.pop("q", "")
        for name, lookup in self.filters.items():
            if name in params:
                qs = qs.filter(**{lookup: params[name]})
        if q:
            qs = qs.filter(Q(number__startswith=q) | Q(description__contains=q))
        if params.get("region"):
            node = (
                Region.objects.visible_to(self.request.user)
                .filter(code=params["region"])
                .only("path")
                .first()
            )
            qs = qs.filter(region__path__startswith=node.path) if node else qs.none()
        deadline = params.get("deadline")
        if deadline:
            qs = getattr(qs, deadline)()
        if "start" in params or "end" in params:
            try:
                start, end = stats.parse_period(params.get("start"), params.get("end"))
            except ServiceError:
                return qs.none()
            lo, hi = stats.period_bounds(start, end)
            qs = qs.filter(submitted_at__gte=lo, submitted_at__lt=hi)
        if "rate" in params:
            qs = qs.filter(stats.rate_q(params["rate"], params["part"], timezone.now()))
        if "grid" in params:
            qs = qs.filter(grid_id=int(params["grid"]))
        if params.get("submitted") == "today":
            import datetime

            midnight = datetime.datetime.combine(
                timezone.localdate(), datetime.time.min, tzinfo=timezone.get_current_timezone()
            )
            qs = qs.filter(submitted_at__gte=midnight)
        return qs.order_by(*self.ordering)

    def _rate_label(self) -> str:
        params = self.applied_filters()
        if "rate" not in params:
            return ""
        label, formula = stats.RATES[params["rate"]]
        side = "分子" if params["part"] == "num" else "分母"
        period = f"{params.get('start', '')} 至 {params.get('end', '')}".strip(" 至")
        return f"{label}{side}：{formula}" + (f"（受理时间 {period}）" if period else "")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        year = timezone.localdate().year
        ctx.update(
            title="诉求工单",
            filter_form=CaseFilterForm(self.request.GET or None),
            export_querystring=export_querystring(self.request.GET),
            empty_hint="居民随手拍、网格巡查和热线转办的诉求会出现在这里。",
            now=timezone.now(),
            rate_filter=self._rate_label(),
            calendar_missing=missing_calendar_years([year, year + 1])
            if has_perm(self.request.user, "cases.config") or has_perm(self.request.user, "cases.dispatch")
            else [],
        )
        return ctx


def _case_or_404(user, pk) -> Case:
    try:
        return services.get_case(user, pk)
    except ServiceError as exc:
        raise Http404(exc.message) from exc


FORMS = {
    "triage": TriageForm,
    "dispatch": DispatchForm,
    "return": ReturnForm,
    "log_work": WorkLogForm,
    "resolve": ResolveForm,
    "merge": MergeForm,
}


def _action_forms(user, case):
    out = []
    for verb in services.available_actions(user, case):
        form_class = FORMS.get(verb, NoteForm)
        form = form_class(prefix=verb)
        if verb == "dispatch":
            form.fields["handler"].queryset = services.dispatchable_handlers(case)
            suggested = services.route(case) if case.category_id else None
            form.fields["handler"].initial = case.suggested_handler_id or (
                suggested.pk if suggested else None
            )
        if verb == "triage" and case.category_id:
            form.fields["category"].initial = case.category_id
        entry = {"verb": verb, "label": VERB_LABELS[verb], "form": form, "multipart": verb in MULTIPART}
        if verb == "triage":
            from .suggest import suggest_categories

            entry["suggestions"] = suggest_categories(case.description)
            if entry["suggestions"] and not case.category_id:
                form.fields["category"].initial = entry["suggestions"][0].category.pk
        out.append(entry)
    return out


MULTIPART = {"log_work", "resolve"}
PHOTO_ROLES = {"photo": "群众上传", "work": "办理过程", "evidence": "办结佐证"}


@login_required
def case_detail(request, pk: int):
    from grassroots.core.attachments import attachments_of

    from .models import CaseFollower
    from .suggest import duplicates_of

    case = _case_or_404(request.user, pk)
    events = list(case.events.select_related("handler").all())
    # A deadline computed while the year's holiday schedule was missing is an estimate: say so.
    timed = [e for e in events if e.step in ("dispatch", "reopen")]
    last_timed = max(timed, key=lambda e: (e.created_at, e.pk)) if timed else None
    estimated_years = (last_timed.data or {}).get("missing_calendar_years", []) if last_timed else []
    evaluations = case.evaluations.select_related("handler").all()
    photos = [(label, attachments_of(case, role)) for role, label in PHOTO_ROLES.items()]
    actions = _action_forms(request.user, case)
    duplicates = []
    if any(a["verb"] == "merge" for a in actions):
        duplicates = duplicates_of(case, queryset=Case.objects.visible_to(request.user))
    return render(
        request,
        "cases/case_detail.html",
        {
            "case": case,
            "events": events,
            "evaluations": evaluations,
            "actions": actions,
            "deadline_status": case.deadline_status(),
            "deadline_estimated_years": estimated_years,
            "photos": [(label, rows) for label, rows in photos if rows],
            "duplicates": duplicates,
            "followers": CaseFollower.objects.filter(case=case).select_related("source").count(),
            "visit": case.visit if case.visit_id else None,
            # The visit's page follows the visit's own scope (a department handling the case may not
            # see the community's visit log): the label is shown, the link only where it answers.
            "visit_visible": case.visit_id is not None
            and Visit.objects.visible_to(request.user).filter(pk=case.visit_id).exists(),
            "moderation": (
                ModerationForm(
                    initial={
                        "public_description": case.public_description,
                        "public_hidden": case.public_hidden,
                    }
                )
                if moderation.can_moderate(request.user, case)
                else None
            ),
        },
    )


@login_required
@require_POST
def case_moderate(request, pk: int):
    """Staff moderation of what the public reads of a case (Open311 without a key, the tracking page)."""
    case = _case_or_404(request.user, pk)
    form = ModerationForm(request.POST)
    if not form.is_valid():
        messages.error(request, "；".join(e for errs in form.errors.values() for e in errs))
        return redirect("cases:detail", pk=case.pk)
    try:
        moderation.moderate_public_text(request.user, case, **form.cleaned_data)
    except ServiceError as exc:
        if exc.status == 404:
            raise Http404 from exc
        messages.error(request, exc.message)
    else:
        messages.success(request, "已保存公开内容")
    return redirect("cases:detail", pk=case.pk)


@login_required
@require_POST
def case_act(request, pk: int, verb: str):
    case = _case_or_404(request.user, pk)
    if verb not in services.VERB_SERVICES:
        raise Http404
    form_class = FORMS.get(verb, NoteForm)
    form = form_class(request.POST, request.FILES, prefix=verb)
    if not form.is_valid():
        messages.error(request, "；".join(e for errs in form.errors.values() for e in errs))
        return redirect("cases:detail", pk=case.pk)
    data = form.cleaned_data
    fn = services.VERB_SERVICES[verb]
    try:
        if verb == "triage":
            fn(request.user, case, category=data["category"], tier=data["tier"], note=data["note"])
        elif verb == "dispatch":
            fn(request.user, case, handler=data["handler"], note=data["note"])
        elif verb == "return":
            fn(request.user, case, reason=data["reason"], suggested_handler=data["suggested_handler"])
        elif verb == "log_work":
            fn(request.user, case, note=data["note"], photos=request.FILES.getlist(f"{verb}-photos"))
        elif verb == "resolve":
            fn(
                request.user,
                case,
                resolution=data["note"],
                photos=request.FILES.getlist(f"{verb}-photos"),
                no_photo_reason=data["no_photo_reason"],
            )
        elif verb == "merge":
            into = Case.objects.visible_to(request.user).filter(number=data["into"].strip()).first()
            fn(request.user, case, into=into, note=data["note"])
        elif verb == "reopen":
            fn(request.user, case, reason=data["note"])
        elif verb == "close":
            fn(request.user, case, note=data["note"])
        elif verb == "accept":
            fn(request.user, case)
        else:
            raise Http404
    except ServiceError as exc:
        if exc.status == 404:
            raise Http404 from exc
        messages.error(request, exc.message)
    else:
        messages.success(request, f"已{VERB_LABELS[verb]}")
    return redirect("cases:detail", pk=case.pk)


def evaluate_page(request, token: str):
    """The resident's evaluation: no login, one action on one case, no personal data shown."""
    try:
        link = services.read_evaluation_link(token)
    except ServiceError as exc:
        return render(request, "cases/evaluate.html", {"error": exc.message}, status=exc.status)
    form = EvaluationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.evaluate_with_link(
                token, result=form.cleaned_data["result"], comment=form.cleaned_data["comment"]
            )
        except ServiceError as exc:
            form.add_error(None, exc.message)
        else:
            return render(request, "cases/evaluate.html", {"done": True})
    case = link.case
    return render(
        request,
        "cases/evaluate.html",
        {
            "form": form,
            "number": case.number,
            "category": str(case.category or ""),
            "handler": str(case.handler or ""),
            "submitted_at": case.submitted_at,
            "resolved_at": case.resolved_at,
            "round": link.round,
        },
    )
