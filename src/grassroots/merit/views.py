"""Merit pages: 我的积分 (phone), the branch ranking of members' points, a member's ledger, study
records, the star ratings with their workflow, and the star criteria. Views are thin: writes go
through merit.services; reads through visible_to (out of scope = 404)."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, DecimalField, F, FilteredRelation, Q, Value
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from grassroots.core.errors import ServiceError
from grassroots.core.excel import Column
from grassroots.core.models import AuditEvent
from grassroots.core.pages import FilterForm, PageListView, get_visible
from grassroots.core.scoping import covers, grants_for, has_perm
from grassroots.party.models import Member
from grassroots.regions.models import Region

from . import services
from .filters import RatingFilters
from .models import (
    MemberPointsEntry,
    StarCriterion,
    StarRating,
    StudyRecord,
    StudyState,
)

ENTRY_RELATED = ("signup__activity", "dues", "service", "wish", "study")


def staff_perm(user, perm: str) -> bool:
    """The permission held through a region or org grant (not only over one's own records)."""
    if user.is_superuser:
        return True
    return any(perm in g.perms and not g.own for g in grants_for(user))


def require_staff(user, perm: str) -> None:
    if not staff_perm(user, perm):
        raise Http404


def _year(request) -> int:
    this = timezone.localdate().year
    try:
        year = int(request.GET.get("year", "") or this)
    except ValueError:
        return this
    return year if this - 10 <= year <= this else this


def _years() -> list[int]:
    this = timezone.localdate().year
    return list(range(this, this - 5, -1))


def _fail(request, exc: ServiceError):
    if exc.status == 404:
        raise Http404(exc.message) from exc
    messages.error(request, exc.message)


def source_links(user, entries) -> None:
    """Set `e.link` to the source record's page for the entries whose source the user may see
    (one query per source kind)."""
    from grassroots.orglife.models import Activity
    from grassroots.volunteers.models import Wish

    activity_ids = {e.signup.activity_id for e in entries if e.signup_id}
    wish_ids = {e.wish_id for e in entries if e.wish_id}
    seen_acts = set(
        Activity.objects.visible_to(user).filter(pk__in=activity_ids).values_list("pk", flat=True)
    )
    seen_wishes = set(Wish.objects.visible_to(user).filter(pk__in=wish_ids).values_list("pk", flat=True))
    for e in entries:
        e.link = ""
        if e.signup_id and e.signup.activity_id in seen_acts:
            e.link = reverse("orglife:detail", args=[e.signup.activity_id])
        elif e.wish_id and e.wish_id in seen_wishes:
            e.link = reverse("volunteers:wish_detail", args=[e.wish_id])


def source_label(e) -> str:
    if e.signup_id:
        return f"{e.signup.activity.title}（{timezone.localtime(e.signup.activity.starts_at):%Y-%m-%d}）"
    if e.dues_id:
        return f"{e.dues.month:%Y 年 %m 月}党费，{e.dues.paid_on:%m 月 %d 日}交纳"
    if e.service_id:
        return f"{e.service.activity}（{e.service.served_on:%Y-%m-%d}）"
    if e.wish_id:
        return e.wish.title
    return f"{e.study.course}（{e.study.hours.normalize()} 学时）"


# ---------------------------------------------------------------------------- 我的积分 (phone)
class StudyForm(forms.Form):
    course = forms.CharField(label="课程或学习内容", max_length=100)
    hours = forms.DecimalField(label="学时", min_value=Decimal("0.5"), max_value=100, decimal_places=1)
    studied_on = forms.DateField(label="学习日期", widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for f in self.fields.values():
            f.widget.attrs.setdefault("class", "form-control")
        self.fields["hours"].widget.attrs.update(step="0.5", inputmode="decimal")


@login_required
def mine(request):
    if not (has_perm(request.user, "merit.study") or has_perm(request.user, "merit.view")):
        raise Http404
    year = _year(request)
    member = Member.objects.filter(user=request.user).select_related("party_org").first()
    ctx = {"year": year, "years": _years(), "member": member, "form": StudyForm()}
    if member is not None:
        entries = list(
            MemberPointsEntry.objects.filter(member=member, year=year).select_related(*ENTRY_RELATED)[:300]
        )
        source_links(request.user, entries)
        for e in entries:
            e.source_text = source_label(e)
        qs = MemberPointsEntry.objects.filter(member=member, year=year)
        ctx.update(
            entries=entries,
            total=services.member_total(member, year),
            kinds=services.by_kind(qs),
            studies=list(StudyRecord.objects.filter(member=member).order_by("-entered_at")[:10]),
            can_study=has_perm(request.user, "merit.study"),
        )
    return render(request, "merit/mine.html", ctx)


@login_required
@require_POST
def mine_study(request):
    if not has_perm(request.user, "merit.study"):
        raise Http404
    form = StudyForm(request.POST)
    if not form.is_valid():
        first = next(iter(form.errors.values()))[0]
        messages.error(request, f"学习记录未保存：{first}")
        return redirect("merit:mine")
    try:
        services.submit_study(request.user, **form.cleaned_data)
    except ServiceError as exc:
        _fail(request, exc)
    else:
        messages.success(request, "学习记录已提交，党支部审核通过后计入积分。")
    return redirect("merit:mine")


# ---------------------------------------------------------------------------- ranking and ledger
class RankingFilter(FilterForm):
    q = forms.CharField(
        label="搜索", required=False, widget=forms.TextInput(attrs={"placeholder": "姓名或拼音首字母"})
    )
    org = forms.CharField(label="党组织编码", required=False)
    year = forms.TypedChoiceField(label="年度", coerce=int, required=False, choices=())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [(y, f"{y} 年") for y in _years()]


class RankingView(PageListView):
    model = Member
    action = "merit.view"
    template_name = "merit/ranking.html"
    title = "党员积分排行"
    filter_form_class = RankingFilter
    filters = {"org": "party_org__code"}
    select_related = ("party_org",)
    region_filter = "party_org__region"
    ordering = ("-year_total", "name", "id")
    empty_hint = (
        "党员参加组织生活、按时交纳党费、参与志愿和双报到服务、完成微心愿、学习后，每日自动记入积分。"
    )
    export_title = "党员积分排行"
    export_columns = [
        Column("姓名", "name", width=12),
        Column("所在党组织", "party_org.name", width=30),
        Column("年度积分", lambda m: str(m.year_total), width=10),
        Column("积分记录数", "entry_count", width=10),
    ]

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            require_staff(request.user, "merit.view")
        return super().dispatch(request, *args, **kwargs)

    def filter_queryset(self, qs):
        # The year's totals are kept per member (MemberYearPoints): one LEFT JOIN of at most one row per
        # member, not an aggregate over the year's whole ledger; a member without entries ranks with 0.
        year = _year(self.request)
        zero = Value(Decimal(0), output_field=DecimalField(max_digits=10, decimal_places=1))
        qs = qs.annotate(
            points_year=FilteredRelation("year_points", condition=Q(year_points__year=year)),
            year_total=Coalesce(F("points_year__total"), zero),
            entry_count=Coalesce(F("points_year__entry_count"), Value(0)),
        )
        return super().filter_queryset(qs)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["year"] = _year(self.request)
        page = ctx["page_obj"]
        start = (page.number - 1) * self.paginate_by
        # Rank narrow rows (the member ids) first, then read the page's 25 members whole: sorting every
        # visible member with all its columns and its org's was most of the page's time.
        qs = self.get_queryset()
        ids = list(qs.values_list("pk", flat=True)[start : start + self.paginate_by])
        rows = {m.pk: m for m in qs.filter(pk__in=ids)}
        page.object_list = ctx["object_list"] = [rows[pk] for pk in ids if pk in rows]
        for i, m in enumerate(ctx["object_list"], start=1):
            m.rank = start + i
        return ctx


@login_required
def member_ledger(request, pk: int):
    require_staff(request.user, "merit.view")
    member = get_visible(Member, request.user, action="merit.view", select_related=("party_org",), pk=pk)
    year = _year(request)
    qs = MemberPointsEntry.objects.filter(member=member, year=year)
    entries = list(qs.select_related(*ENTRY_RELATED)[:500])
    source_links(request.user, entries)
    for e in entries:
        e.source_text = source_label(e)
    ctx = {
        "member": member,
        "year": year,
        "years": _years(),
        "entries": entries,
        "total": services.member_total(member, year),
        "kinds": services.by_kind(qs),
        "studies": list(StudyRecord.objects.filter(member=member)[:20]),
        "can_record": covers(request.user, StudyRecord(member=member), "change"),
    }
    return render(request, "merit/member_ledger.html", ctx)


# ---------------------------------------------------------------------------- study records
class StudyFilter(FilterForm):
    q = forms.CharField(
        label="搜索", required=False, widget=forms.TextInput(attrs={"placeholder": "党员姓名"})
    )
    state = forms.ChoiceField(label="状态", required=False, choices=[("", "全部")] + StudyState.choices)


class StudyListView(PageListView):
    model = StudyRecord
    action = "view"
    template_name = "merit/study_list.html"
    title = "学习记录"
    filter_form_class = StudyFilter
    filters = {"state": "state"}
    search_fields = ("member__name", "member__name_initials")
    select_related = ("member", "member__party_org")
    region_filter = "member__party_org__region"
    ordering = ("state", "-studied_on", "-id")
    empty_hint = "在党员积分台账页为党员登记学习，或由党员在手机上自行登记后在此审核。"
    export_title = "学习记录"
    export_columns = [
        Column("党员", "member.name", width=12),
        Column("所在党组织", "member.party_org.name", width=28),
        Column("课程或学习内容", "course", width=30),
        Column("学时", lambda r: str(r.hours), width=8),
        Column("学习日期", lambda r: r.studied_on.isoformat(), width=12),
        Column("状态", "get_state_display", width=8),
        Column("本人登记", lambda r: "是" if r.self_reported else "否", width=8),
    ]

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            require_staff(request.user, "merit.view")
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["can_change"] = has_perm(self.request.user, "merit.change")
        return ctx


@login_required
def study_add(request, pk: int):
    if not has_perm(request.user, "merit.change"):
        raise Http404
    member = get_visible(Member, request.user, action="merit.change", select_related=("party_org",), pk=pk)
    form = StudyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.record_study(request.user, member, **form.cleaned_data)
        except ServiceError as exc:
            _fail(request, exc)
            for field, errs in exc.errors.items():
                if field in form.fields:
                    form.add_error(field, errs)
        else:
            messages.success(request, "学习记录已登记并计入积分。")
            return redirect("merit:member", pk=member.pk)
    return render(request, "merit/study_form.html", {"form": form, "member": member})


@login_required
@require_POST
def study_act(request, pk: int, verb: str):
    rec = get_visible(
        StudyRecord, request.user, select_related=("member", "member__party_org__region"), pk=pk
    )
    try:
        services.review_study(request.user, rec, verb, note=request.POST.get("note", ""))
    except ServiceError as exc:
        _fail(request, exc)
    else:
        messages.success(request, "已通过，积分已计入。" if verb == "approve" else "已退回。")
    return redirect(request.POST.get("next") or reverse("merit:studies"))


# ---------------------------------------------------------------------------- star ratings
def proposal_regions(user) -> list[Region]:
    """Streets and communities the user may propose ratings for."""
    if not has_perm(user, "merit.rate"):
        return []
    regions = Region.objects.visible_to(user).filter(level__in=["street", "community"]).order_by("path")[:200]
    return [r for r in regions if covers(user, r, "merit.rate")]


class RatingListView(PageListView):
    model = StarRating
    action = "view"
    template_name = "merit/rating_list.html"
    title = "支部星级评定"
    list_filters = RatingFilters
    select_related = ("org", "org__region")
    ordering = ("-year", "-stars", "org__path")
    empty_hint = "街道或区级管理员选择年度和区域后“测算提名”，系统按星级标准为每个党支部测算星级。"
    export_title = "支部星级评定"
    export_columns = [
        Column("年度", "year", width=8),
        Column("党支部", "org.name", width=30),
        Column("所在区划", "org.region.name", width=16),
        Column("测算星级", "computed_stars", width=10),
        Column("评定星级", "stars", width=10),
        Column("状态", "get_state_display", width=8),
        Column("调整理由", "adjust_reason", width=30),
    ]

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            require_staff(request.user, "merit.view")
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        qs = self.get_queryset()
        counts = {r["stars"]: r["n"] for r in qs.values("stars").annotate(n=Count("id")).order_by()}
        top = max(counts.values(), default=0)
        ctx["star_counts"] = [
            {"stars": s, "n": counts.get(s, 0), "pct": round(100 * counts.get(s, 0) / top) if top else 0}
            for s in range(5, 0, -1)
        ]
        ctx["regions"] = proposal_regions(self.request.user)
        ctx["years"] = _years()
        ctx["can_change"] = False
        return ctx


@login_required
@require_POST
def rating_propose(request):
    if not has_perm(request.user, "merit.rate"):
        raise Http404
    region = Region.objects.visible_to(request.user).filter(code=request.POST.get("region", "")).first()
    if region is None:
        messages.error(request, "请选择评定区域")
        return redirect("merit:ratings")
    try:
        year = int(request.POST.get("year", ""))
    except ValueError:
        messages.error(request, "请选择评定年度")
        return redirect("merit:ratings")
    try:
        result = services.propose_ratings(request.user, year=year, region=region)
    except ServiceError as exc:
        _fail(request, exc)
    else:
        messages.success(
            request,
            f"{region.name} {year} 年度：新提名 {result['created']} 个，重新测算 {result['updated']} 个，"
            f"已审核或已发布未改动 {result['kept']} 个。",
        )
    return redirect(f"{reverse('merit:ratings')}?year={year}")


@login_required
def rating_detail(request, pk: int):
    require_staff(request.user, "merit.view")
    rating = get_visible(StarRating, request.user, select_related=("org", "org__region"), pk=pk)
    history = list(
        AuditEvent.objects.filter(model="merit.starrating", object_id=str(rating.pk)).order_by("at", "id")[
            :50
        ]
    )
    others = list(StarRating.objects.filter(org=rating.org).exclude(pk=rating.pk).order_by("-year")[:10])
    can_act = covers(request.user, rating, "merit.rate")
    ctx = {
        "rating": rating,
        "history": history,
        "others": others,
        "verbs": services.rating_verbs(rating) if can_act else [],
        "star_choices": range(5, 0, -1),
    }
    return render(request, "merit/rating_detail.html", ctx)


@login_required
@require_POST
def rating_act(request, pk: int, verb: str):
    rating = get_visible(StarRating, request.user, select_related=("org", "org__region"), pk=pk)
    try:
        services.act_rating(
            request.user, rating, verb, stars=request.POST.get("stars"), reason=request.POST.get("reason", "")
        )
    except ServiceError as exc:
        _fail(request, exc)
    else:
        messages.success(
            request, {"review": "已审核", "reopen": "已退回重审", "publish": "已发布"}.get(verb, "已处理")
        )
    return redirect("merit:rating", pk=rating.pk)


@login_required
def criteria_view(request):
    require_staff(request.user, "merit.view")
    rows = services.criteria()
    can_edit = has_perm(request.user, "standards.change")
    if request.method == "POST":
        if not can_edit:
            raise Http404
        crit = StarCriterion.objects.filter(pk=request.POST.get("pk")).first()
        if crit is None:
            raise Http404
        try:
            services.update_criterion(request.user, crit, request.POST)
        except ServiceError as exc:
            _fail(request, exc)
        else:
            messages.success(request, f"{crit.stars} 星标准已保存。")
        return redirect("merit:criteria")
    from grassroots.core.rules import Rule

    rule = Rule.objects.filter(code=services.RULE_CODE).first()
    return render(
        request,
        "merit/criteria.html",
        {"rows": rows, "can_edit": can_edit, "grades": ["优秀", "良好", "一般", "较差"], "rule": rule},
    )
