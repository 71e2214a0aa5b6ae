"""红色物业 pages: lists (companies, committees, contracts, inspections, elections) with Excel export,
detail pages with the actions the user may take, create forms, the neighborhoods without property
management going to zero, the annual grading with the red/black list, and the residents' phone page
rating the company of their neighborhood. Thin: every write is a call into services.py."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from grassroots.core.errors import ServiceError
from grassroots.core.excel import Column
from grassroots.core.pages import PageListView, get_visible, require_perm, service_messages
from grassroots.core.scoping import covers, has_perm
from grassroots.regions.models import Region

from . import grading, services, stats
from .forms import (
    CommitteeFilterForm,
    CommitteeForm,
    CommitteeMemberForm,
    CompanyFilterForm,
    CompanyForm,
    ContractFilterForm,
    ContractForm,
    CrossPostForm,
    ElectionFilterForm,
    ElectionForm,
    InspectionForm,
    PartyForm,
    TakeoverForm,
)
from .models import (
    CommitteeMember,
    CrossPost,
    Election,
    Grade,
    Inspection,
    ListPublication,
    OwnersCommittee,
    PropertyCompany,
    Rating,
    ServiceContract,
    Takeover,
    active_contract_q,
)

VIEW, MANAGE, GRADE, RATE = services.VIEW, services.MANAGE, services.GRADE, services.RATE
TABS = [
    ("物业企业", "redproperty:companies"),
    ("业委会", "redproperty:committees"),
    ("服务合同", "redproperty:contracts"),
    ("物业检查", "redproperty:inspections"),
    ("业委会选举", "redproperty:elections"),
    ("弃管小区清零", "redproperty:unmanaged"),
    ("年度等级与红黑榜", "redproperty:grades"),
]


def _d(value) -> str:
    return value.strftime("%Y-%m-%d") if value else ""


def _error_text(form) -> str:
    return "；".join(e for errs in form.errors.values() for e in errs)


class _List(PageListView):
    template_name = "redproperty/list.html"
    row_template = ""

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["can_change"] = has_perm(self.request.user, MANAGE)
        ctx["create_url_name"] = self.create_url_name if ctx["can_change"] else None
        ctx["tabs"] = TABS
        ctx["row_template"] = self.row_template
        ctx["head"] = self.head
        return ctx


class CompanyListView(_List):
    model = PropertyCompany
    title = "红色物业 · 物业服务企业"
    filter_form_class = CompanyFilterForm
    filters = {"state_owned": "is_state_owned"}
    search_fields = ("unit__name", "unit__name_initials")
    region_filter = "unit__region"
    select_related = ("unit__region", "unit__party_org", "unit__instructor")
    ordering = ("unit__name", "id")
    create_url_name = "redproperty:company_create"
    empty_hint = "登记辖区内的物业服务企业，关联其服务小区、党组织和党建指导员。"
    row_template = "redproperty/_company_row.html"
    head = ["企业", "所在区域", "党组织", "党建指导员", "服务小区", "性质"]
    export_title = "物业服务企业"
    export_columns = [
        Column("企业名称", "unit.name", width=28),
        Column("所在区域", "unit.region.name", width=14),
        Column("统一社会信用代码", "credit_code", width=20),
        Column("项目负责人", "manager_name", width=10),
        Column("负责人电话", "manager_phone", personal="phone", width=14),
        Column("党组织设置", lambda c: c.unit.get_party_work_display(), width=14),
        Column("党组织", lambda c: c.unit.party_org.name if c.unit.party_org else "", width=24),
        Column("党建指导员", lambda c: c.unit.instructor.name if c.unit.instructor else "", width=10),
        Column("履约小区数", "n_hoods", width=10),
        Column("国有物业", lambda c: "是" if c.is_state_owned else "否", width=8),
    ]

    def base_queryset(self):
        today = timezone.localdate()
        return (
            super()
            .base_queryset()
            .annotate(
                n_hoods=Count("contracts", filter=active_contract_q(today, "contracts__"), distinct=True)
            )
        )


class CommitteeListView(_List):
    model = OwnersCommittee
    title = "红色物业 · 业主委员会"
    filter_form_class = CommitteeFilterForm
    search_fields = None
    region_filter = "neighborhood"
    select_related = ("unit__party_org", "neighborhood")
    ordering = ("neighborhood__path", "id")
    create_url_name = "redproperty:committee_create"
    empty_hint = "登记小区业主委员会，记录成员、选举与任期。"
    row_template = "redproperty/_committee_row.html"
    head = ["业委会", "小区", "党组织", "在任成员（党员）", "任期届满"]
    export_title = "业主委员会"
    export_columns = [
        Column("业委会", "unit.name", width=28),
        Column("小区", "neighborhood.name", width=16),
        Column("党组织", lambda c: c.unit.party_org.name if c.unit.party_org else "", width=24),
        Column("在任成员", "n_members", width=8),
        Column("其中党员", "n_party", width=8),
        Column("任期开始", lambda c: _d(c.term_start), width=12),
        Column("任期届满", lambda c: _d(c.term_end), width=12),
    ]

    def filter_queryset(self, qs):
        qs = super().filter_queryset(qs)
        q = self.applied_filters().get("q")
        return qs.filter(Q(unit__name__icontains=q) | Q(neighborhood__name__icontains=q)) if q else qs

    def base_queryset(self):
        active = Q(members__left_on__isnull=True)
        return (
            super()
            .base_queryset()
            .annotate(
                n_members=Count("members", filter=active, distinct=True),
                n_party=Count(
                    "members", filter=active & Q(members__party_member__isnull=False), distinct=True
                ),
            )
        )

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["warnings"] = list(
            services.term_warnings(OwnersCommittee.objects.visible_to(self.request.user))[:20]
        )
        ctx["today"] = timezone.localdate()
        return ctx


class ContractListView(_List):
    model = ServiceContract
    title = "红色物业 · 物业服务合同"
    filter_form_class = ContractFilterForm
    filters = {"state": "state"}
    search_fields = None
    region_filter = "neighborhood"
    select_related = ("company__unit", "neighborhood", "committee__unit")
    ordering = ("-start", "-id")
    create_url_name = "redproperty:contract_create"
    empty_hint = "登记物业服务企业与小区签订的服务合同。"
    row_template = "redproperty/_contract_row.html"
    head = ["小区", "物业服务企业", "合同期", "收费标准", "状态", ""]
    export_title = "物业服务合同"
    export_columns = [
        Column("小区", "neighborhood.name", width=16),
        Column("物业服务企业", "company.unit.name", width=28),
        Column("签约业委会", lambda c: c.committee.unit.name if c.committee else "", width=24),
        Column("合同开始", lambda c: _d(c.start), width=12),
        Column("合同到期", lambda c: _d(c.end), width=12),
        Column("收费标准（元/㎡·月）", lambda c: str(c.fee), width=12),
        Column("状态", "get_state_display", width=8),
        Column("终止日期", lambda c: _d(c.ended_on), width=12),
    ]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["row_extra"] = {"today": timezone.localdate()}
        return ctx


class InspectionListView(_List):
    model = Inspection
    title = "红色物业 · 物业检查"
    search_fields = None
    region_filter = "neighborhood"
    select_related = ("company__unit", "neighborhood")
    ordering = ("-inspected_on", "-id")
    create_url_name = "redproperty:inspection_create"
    empty_hint = "街道、社区对物业服务的检查记录（0–100 分），计入年度等级。"
    row_template = "redproperty/_inspection_row.html"
    head = ["检查日期", "物业服务企业", "小区", "得分", "发现问题", "检查人"]
    export_title = "物业检查"
    export_columns = [
        Column("检查日期", lambda i: _d(i.inspected_on), width=12),
        Column("物业服务企业", "company.unit.name", width=28),
        Column("小区", "neighborhood.name", width=16),
        Column("得分", "score", width=6),
        Column("发现问题", "findings", width=40),
        Column("检查人", "inspector_name", width=10),
    ]


class ElectionListView(_List):
    model = Election
    title = "红色物业 · 业委会选举"
    filter_form_class = ElectionFilterForm
    filters = {"state": "state"}
    search_fields = None
    region_filter = "committee__neighborhood"
    select_related = ("committee__unit", "committee__neighborhood")
    ordering = ("-planned_on", "-id")
    row_template = "redproperty/_election_row.html"
    head = ["业委会", "小区", "计划日期", "任期", "状态", "选举日期"]
    export_title = "业委会选举"
    export_columns = [
        Column("业委会", "committee.unit.name", width=28),
        Column("小区", "committee.neighborhood.name", width=16),
        Column("计划选举日期", lambda e: _d(e.planned_on), width=12),
        Column("任期（年）", "term_years", width=8),
        Column("状态", "get_state_display", width=10),
        Column("选举日期", lambda e: _d(e.held_on), width=12),
        Column("候选人", "nominees", width=30),
        Column("结果说明", "note", width=30),
    ]


# --------------------------------------------------------------------------- create forms
def _form_page(request, form_class, title, save, *, back, intro=""):
    require_perm(request.user, MANAGE)
    form = form_class(request.POST or None, user=request.user)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                obj_url = save(form.cleaned_data)
            except ServiceError as exc:
                if exc.status == 404:
                    raise Http404 from None
                form.add_error(None, exc.message)
            else:
                messages.success(request, f"{title}已保存")
                return redirect(obj_url)
        status = 400
    return render(
        request,
        "redproperty/form.html",
        {"form": form, "title": title, "back": back, "intro": intro, "tabs": TABS},
        status=status,
    )


def _create_page(form_class, title, service, *, back, done="", intro=""):
    """A create page whose form fields are the service's keyword arguments: saved, it goes to the new
    object's page (`done`, by pk) or back to the list (`back`)."""

    @login_required
    def view(request):
        def save(d):
            obj = service(request.user, **d)
            return reverse(done, args=[obj.pk]) if done else reverse(back)

        return _form_page(request, form_class, title, save, back=back, intro=intro)

    return view


company_create = _create_page(
    CompanyForm,
    "登记物业服务企业",
    services.register_company,
    back="redproperty:companies",
    done="redproperty:company_detail",
    intro="物业服务企业同时登记为驻区单位（类型“物业服务企业”），其党组织和党建指导员在企业页设置。",
)
committee_create = _create_page(
    CommitteeForm,
    "登记业主委员会",
    services.register_committee,
    back="redproperty:committees",
    done="redproperty:committee_detail",
)
contract_create = _create_page(
    ContractForm, "登记物业服务合同", services.sign_contract, back="redproperty:contracts"
)
inspection_create = _create_page(
    InspectionForm,
    "登记物业检查",
    services.inspect,
    back="redproperty:inspections",
    intro="检查得分（0–100）计入物业服务企业的年度等级。",
)
takeover_create = _create_page(
    TakeoverForm,
    "登记兜底接管",
    services.record_takeover,
    back="redproperty:unmanaged",
    intro="无物业管理的小区由国有物业企业兜底接管、街道社区托管或党建引领居民自治，推动弃管小区动态清零。",
)


# --------------------------------------------------------------------------- detail pages
def _grades_of(company):
    return list(Grade.objects.filter(company=company).order_by("-year")[:5])


@login_required
def company_detail(request, pk):
    company = get_visible(
        PropertyCompany,
        request.user,
        pk=pk,
        select_related=("unit__region", "unit__party_org", "unit__instructor"),
    )
    today = timezone.localdate()
    manage = covers(request.user, company, "manage")
    community_path = company.unit.region.path
    return render(
        request,
        "redproperty/company_detail.html",
        {
            "company": company,
            "tabs": TABS,
            "manage": manage,
            "contracts": company.contracts.select_related("neighborhood").order_by("-start")[:50],
            "today": today,
            "cross_posts": company.cross_posts.select_related("member__party_org").order_by("-start")[:50],
            "inspections": company.inspections.select_related("neighborhood").order_by("-inspected_on")[:10],
            "grades": _grades_of(company),
            "ratings": Rating.objects.filter(company=company, year=today.year).values("stars"),
            "party_form": PartyForm(
                user=request.user,
                initial={
                    "party_work": company.unit.party_work,
                    "party_org": company.unit.party_org_id,
                    "instructor": company.unit.instructor_id,
                },
            )
            if manage
            else None,
            "cross_form": CrossPostForm(
                user=request.user, community_path=community_path[: Region.steplen * 3]
            )
            if manage
            else None,
        },
    )


@login_required
def committee_detail(request, pk):
    committee = get_visible(
        OwnersCommittee,
        request.user,
        pk=pk,
        select_related=("unit__party_org", "unit__instructor", "neighborhood"),
    )
    manage = covers(request.user, committee, "manage")
    community_path = committee.neighborhood.path[: Region.steplen * 4]
    days = committee.days_to_term_end()
    return render(
        request,
        "redproperty/committee_detail.html",
        {
            "committee": committee,
            "tabs": TABS,
            "manage": manage,
            "days_left": days,
            "term_warning": days is not None and days <= services.TERM_WARN_DAYS,
            "members": committee.members.select_related("party_member").order_by("left_on", "role", "id"),
            "elections": committee.elections.order_by("-planned_on", "-id"),
            "cross_posts": committee.cross_posts.select_related("member__party_org").order_by("-start"),
            "contracts": committee.neighborhood.property_contracts.select_related("company__unit").order_by(
                "-start"
            )[:10],
            "party_form": PartyForm(
                user=request.user,
                initial={
                    "party_work": committee.unit.party_work,
                    "party_org": committee.unit.party_org_id,
                    "instructor": committee.unit.instructor_id,
                },
            )
            if manage
            else None,
            "member_form": CommitteeMemberForm(user=request.user, community_path=community_path)
            if manage
            else None,
            "cross_form": CrossPostForm(user=request.user, community_path=community_path) if manage else None,
            "election_form": ElectionForm(user=request.user) if manage else None,
            "actions": services.ELECTION_TRANSITIONS,
        },
    )


def _run(request, fn, ok: str):
    with service_messages(request, ok):
        fn()


def _party_and_cross(request, entity, action, *, community_path):
    post = request.POST
    if action == "party":
        form = PartyForm(post, user=request.user)
        if not form.is_valid():
            messages.error(request, _error_text(form))
            return
        d = form.cleaned_data
        _run(request, lambda: services.set_party_status(request.user, entity, **d), "党建状态已更新")
    elif action == "crosspost":
        form = CrossPostForm(post, user=request.user, community_path=community_path)
        if not form.is_valid():
            messages.error(request, _error_text(form))
            return
        d = form.cleaned_data
        kw = {"committee": entity} if isinstance(entity, OwnersCommittee) else {"company": entity}
        _run(
            request,
            lambda: services.add_cross_post(
                request.user, member=d["member"], role=d["role"], start=d["start"], **kw
            ),
            "交叉任职已登记",
        )
    else:
        raise Http404


@login_required
@require_POST
def company_act(request, pk, action):
    company = get_visible(PropertyCompany, request.user, pk=pk, select_related=("unit__region",))
    _party_and_cross(request, company, action, community_path=company.unit.region.path[: Region.steplen * 3])
    return redirect("redproperty:company_detail", pk=company.pk)


@login_required
@require_POST
def committee_act(request, pk, action):
    committee = get_visible(OwnersCommittee, request.user, pk=pk, select_related=("unit", "neighborhood"))
    post = request.POST
    community_path = committee.neighborhood.path[: Region.steplen * 4]
    if action == "member":
        form = CommitteeMemberForm(post, user=request.user, community_path=community_path)
        if form.is_valid():
            d = form.cleaned_data
            _run(request, lambda: services.add_committee_member(request.user, committee, **d), "成员已登记")
        else:
            messages.error(request, _error_text(form))
    elif action == "election":
        form = ElectionForm(post, user=request.user)
        if form.is_valid():
            d = form.cleaned_data
            _run(request, lambda: services.plan_election(request.user, committee, **d), "选举已列入计划")
        else:
            messages.error(request, _error_text(form))
    else:
        _party_and_cross(request, committee, action, community_path=community_path)
    return redirect("redproperty:committee_detail", pk=committee.pk)


@login_required
@require_POST
def election_act(request, pk, action):
    election = get_visible(Election, request.user, pk=pk, select_related=("committee__neighborhood",))
    post = request.POST
    if action == "nominate":
        _run(
            request,
            lambda: services.nominate(request.user, election, nominees=post.get("nominees", "")),
            "候选人已确定",
        )
    elif action == "elect":
        _run(
            request,
            lambda: services.elect(
                request.user, election, held_on=post.get("held_on"), note=post.get("note", "")
            ),
            "选举结果已登记，业委会任期已更新",
        )
    elif action == "fail":
        _run(
            request,
            lambda: services.fail(request.user, election, note=post.get("note", "")),
            "已登记选举未成功",
        )
    else:
        raise Http404
    return redirect("redproperty:committee_detail", pk=election.committee_id)


@login_required
@require_POST
def contract_end(request, pk):
    contract = get_visible(ServiceContract, request.user, pk=pk, select_related=("neighborhood",))
    terminate = request.POST.get("terminate") == "1"
    _run(
        request,
        lambda: services.end_contract(
            request.user, contract, terminate=terminate, ended_on=request.POST.get("ended_on")
        ),
        "合同已解约" if terminate else "合同已到期终止",
    )
    return redirect("redproperty:contracts")


@login_required
@require_POST
def member_leave(request, pk):
    member = get_visible(CommitteeMember, request.user, pk=pk, select_related=("committee__neighborhood",))
    _run(
        request,
        lambda: services.member_leaves(request.user, member, left_on=request.POST.get("left_on")),
        "已登记离任",
    )
    return redirect("redproperty:committee_detail", pk=member.committee_id)


@login_required
@require_POST
def crosspost_end(request, pk):
    post = get_visible(CrossPost, request.user, pk=pk, select_related=("region",))
    _run(
        request,
        lambda: services.end_cross_post(request.user, post, end=request.POST.get("end")),
        "任职已结束",
    )
    if post.committee_id:
        return redirect("redproperty:committee_detail", pk=post.committee_id)
    return redirect("redproperty:company_detail", pk=post.company_id)


# --------------------------------------------------------------------------- neighborhoods to zero
@login_required
def unmanaged(request):
    require_perm(request.user, VIEW)
    today = timezone.localdate()
    qs = stats.unmanaged_neighborhoods(request.user, today).order_by("taken_over", "path")
    if request.GET.get("export") == "xlsx":
        from grassroots.core.excel import export_response

        rows = list(qs[:5000])
        return export_response(
            request.user,
            "无物业管理小区",
            [
                Column("小区", "name", width=20),
                Column("编码", "code", width=18),
                Column("户数", "household_count", width=8),
                Column("兜底接管", lambda r: "已兜底" if r.taken_over else "待清零", width=10),
            ],
            rows,
            model_label="regions.region",
            filters={"view": "redproperty.unmanaged"},
        )
    rows = list(qs[:500])
    takeovers = {
        t.neighborhood_id: t
        for t in Takeover.objects.filter(neighborhood__in=rows, end__isnull=True).select_related(
            "company__unit"
        )
    }
    for r in rows:
        r.takeover = takeovers.get(r.pk)
    per_street = stats.to_zero(request.user, today)
    return render(
        request,
        "redproperty/unmanaged.html",
        {
            "tabs": TABS,
            "rows": rows,
            "per_street": per_street,
            "per_district": stats.to_zero_by_district(request.user, today),
            "chart": stats.chart_option(per_street),
            "total": sum(r["total"] for r in per_street),
            "left": sum(r["left"] for r in per_street),
            "taken": sum(r["taken_over"] for r in per_street),
            "can_manage": has_perm(request.user, MANAGE),
            "recent": Takeover.objects.visible_to(request.user).select_related(
                "neighborhood", "company__unit"
            )[:20],
        },
    )


@login_required
@require_POST
def takeover_end(request, pk):
    takeover = get_visible(Takeover, request.user, pk=pk, select_related=("neighborhood",))
    _run(
        request,
        lambda: services.end_takeover(request.user, takeover, end=request.POST.get("end")),
        "兜底接管已结束",
    )
    return redirect("redproperty:unmanaged")


# --------------------------------------------------------------------------- annual grades
def _districts(user):
    return list(Region.objects.visible_to(user).filter(level="district").order_by("path"))


def _pick(request, districts):
    code = request.GET.get("district") or request.POST.get("district") or ""
    district = next((d for d in districts if d.code == code), None) or (districts[0] if districts else None)
    today = timezone.localdate()
    raw = request.GET.get("year") or request.POST.get("year") or ""
    year = int(raw) if raw.isdigit() and 2000 <= int(raw) <= today.year else today.year
    return district, year


@login_required
def grades(request):
    require_perm(request.user, VIEW)
    districts = _districts(request.user)
    district, year = _pick(request, districts)
    rows = []
    publication = None
    if district is not None:
        rows = list(
            Grade.objects.visible_to(request.user)
            .filter(district=district, year=year)
            .select_related("company__unit__region")
            .order_by("-score", "company__unit__name")
        )
        publication = ListPublication.objects.filter(district=district, year=year).first()
    if request.GET.get("export") == "xlsx":
        from grassroots.core.excel import export_response

        return export_response(
            request.user,
            f"物业年度等级{year}",
            [
                Column("企业", "company.unit.name", width=28),
                Column("服务户数", "households", width=8),
                Column("诉求件数", "cases", width=8),
                Column("诉求量得分", lambda g: str(g.volume_score), width=8),
                Column("按时办结得分", lambda g: str(g.ontime_score), width=8),
                Column("满意度得分", lambda g: str(g.satisfaction_score), width=8),
                Column("居民评价得分", lambda g: str(g.rating_score), width=8),
                Column("检查得分", lambda g: str(g.inspection_score), width=8),
                Column("综合得分", lambda g: str(g.score), width=8),
                Column("等级", "grade", width=6),
            ],
            rows,
            model_label="redproperty.grade",
            filters={"district": district.code if district else "", "year": year},
        )
    p = grading.params()
    red, black = services.list_entries(rows) if rows else ([], [])
    can_grade = district is not None and covers(request.user, district, GRADE)
    return render(
        request,
        "redproperty/grades.html",
        {
            "tabs": TABS,
            "districts": districts,
            "district": district,
            "year": year,
            "years": list(range(timezone.localdate().year, timezone.localdate().year - 5, -1)),
            "rows": rows,
            "red": publication.red if publication else red,
            "black": publication.black if publication else black,
            "publication": publication,
            "can_grade": can_grade,
            "p": p,
            "weights": [(grading.COMPONENT_LABELS[k], p["weights"][k]) for k in grading.COMPONENTS],
            "grade_labels": grading.GRADE_LABELS,
        },
    )


@login_required
@require_POST
def grades_act(request, action):
    require_perm(request.user, GRADE)
    districts = _districts(request.user)
    district, year = _pick(request, districts)
    if action == "compute":
        _run(
            request,
            lambda: services.compute_grades(request.user, district=district, year=year),
            "年度等级已计算",
        )
    elif action == "publish":
        _run(
            request, lambda: services.publish_list(request.user, district=district, year=year), "红黑榜已发布"
        )
    else:
        raise Http404
    code = district.code if district else ""
    return redirect(f"{reverse('redproperty:grades')}?district={code}&year={year}")


# --------------------------------------------------------------------------- residents' phone page
@login_required
def h5_rate(request):
    """物业评价: the resident rates the company serving their neighborhood (once a year)."""
    require_perm(request.user, RATE)
    hood = services.home_neighborhood(request.user)
    company = services.current_company(hood) if hood else None
    year = timezone.localdate().year
    mine = Rating.objects.filter(user=request.user, company=company, year=year).first() if company else None
    error, status = "", 200
    if request.method == "POST":
        try:
            services.rate(
                request.user, stars=request.POST.get("stars"), comment=request.POST.get("comment", "")[:300]
            )
        except ServiceError as exc:
            error, status = exc.message, exc.status if 400 <= exc.status < 500 else 400
        else:
            messages.success(request, "感谢您的评价，评价结果计入物业年度等级")
            return redirect("redproperty:h5_rate")
    grade = Grade.objects.filter(company=company).order_by("-year").first() if company else None
    publication = None
    if company is not None:
        district_path = company.unit.region.path[: Region.steplen * 2]
        publication = ListPublication.objects.filter(district__path=district_path).order_by("-year").first()
    on_list = ""
    if publication is not None and company is not None:
        if any(e.get("company_id") == company.pk for e in publication.red):
            on_list = "red"
        elif any(e.get("company_id") == company.pk for e in publication.black):
            on_list = "black"
    return render(
        request,
        "redproperty/h5_rate.html",
        {
            "tab": "home",
            "hood": hood,
            "company": company,
            "mine": mine,
            "grade": grade,
            "publication": publication,
            "on_list": on_list,
            "error": error,
            "stars": range(1, 6),
            "year": year,
        },
        status=status,
    )
