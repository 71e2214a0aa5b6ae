"""Pages of co-building. Reads are scoped (visible_to); every write calls one cobuild.services verb.

Action URLs take the verb in the path (`/needs/<pk>/claim/`): one POST view per object type.
A refused action comes back to the object's page with the Chinese message (302).
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q, Sum
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from grassroots.core import exports
from grassroots.core.errors import ServiceError
from grassroots.core.excel import Column
from grassroots.core.pages import (
    PageListView,
    ServiceFormView,
    get_visible,
    require_perm,
    run_service,
    run_verb,
    tab_links,
)
from grassroots.core.scoping import covers, has_perm
from grassroots.core.text import name_search_q
from grassroots.regions.models import Region

from . import forms as f
from . import services, stats
from .filters import ItemFilters, RegistrationFilters
from .models import (
    Meeting,
    Milestone,
    Need,
    Project,
    Rating,
    Registration,
    Resolution,
    Resource,
    ServicePost,
)

TABS = [
    ("概览", "cobuild:index"),
    ("双报到", "cobuild:registrations"),
    ("需求清单", "cobuild:needs"),
    ("资源清单", "cobuild:resources"),
    ("项目清单", "cobuild:projects"),
    ("联席会议", "cobuild:committees"),
    ("会议", "cobuild:meetings"),
    ("决议跟踪", "cobuild:resolutions"),
    ("双向考核", "cobuild:ratings"),
]


def tabs(active: str):
    return tab_links(TABS, active)


class CobuildList(PageListView):
    tabs = TABS
    search_fields = ("title", "title")
    region_filter = "community"


def _run(request, fn, ok_message: str, back: str):
    """Run one service call; its refusal (even a 404) comes back to the page as an error message."""
    return run_service(request, fn, ok_message, back, not_found=False, validation=True)


def _verb(request, actions, verb: str, back: str):
    """The object's action named in the URL ({verb: (service call, success message)})."""
    return run_verb(request, actions, verb, back, not_found=False, validation=True)


def _date(value: str | None, label: str):
    if not value:
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise ServiceError(f"{label}格式不正确") from None


# ---- overview ---------------------------------------------------------------------------------------


@login_required
def index(request):
    require_perm(request.user, "cobuild.view")
    counts = stats.scope_counts(request.user)
    figures = stats.home_figures(request.user)
    today = timezone.localdate()
    upcoming = list(
        Meeting.objects.visible_to(request.user)
        .filter(state="planned", starts_at__gte=timezone.now())
        .select_related("committee")
        .order_by("starts_at")[:5]
    )
    overdue = (
        Resolution.objects.visible_to(request.user)
        .filter(done_on__isnull=True, due__lt=today)
        .exclude(decision="")
        .count()
    )
    ctx = {
        "counts": counts,
        "figures": figures,
        "upcoming": upcoming,
        "overdue": overdue,
        "tabs": tabs("cobuild:index"),
    }
    return render(request, "cobuild/index.html", ctx)


# ---- dual registration ------------------------------------------------------------------------------


class RegistrationList(CobuildList):
    model = Registration
    tab = "cobuild:registrations"
    template_name = "cobuild/registration_list.html"
    title = "双报到"
    list_filters = RegistrationFilters
    select_related = ("community", "unit", "member__party_org")
    ordering = ("-submitted_at", "-pk")
    create_url_name = "cobuild:register_unit"
    empty_hint = "驻区单位向所在社区报到并签订共驻共建协议，在职党员向居住地社区报到。"
    export_title = "双报到"
    export_columns = [
        Column("类型", "get_kind_display", width=12),
        Column("单位/党员", lambda r: r.unit.name if r.unit_id else r.member.name, width=28),
        Column("报到社区", "community.name", width=16),
        Column("状态", "get_state_display", width=10),
        Column("联系人", "contact_name", width=10),
        Column("联系电话", "contact_phone", personal="phone", width=14),
        Column("提交时间", "submitted_at", width=18),
        Column("确认时间", "confirmed_at", width=18),
    ]

    def get_queryset(self):
        qs = super().get_queryset()
        if self.request.GET.get("export") != "xlsx":
            qs = qs.annotate(hours=Sum("records__hours"))
        return qs


@login_required
def registration_detail(request, pk: int):
    require_perm(request.user, "cobuild.view")
    reg = get_visible(
        Registration,
        request.user,
        pk=pk,
        select_related=("community", "unit", "member__party_org", "agreement"),
    )
    records = list(reg.records.order_by("-served_on", "-pk")[:50])
    total = reg.records.aggregate(h=Sum("hours"))["h"] or Decimal(0)
    agreement = getattr(reg, "agreement", None) if reg.kind == "unit" else None
    ctx = {
        "reg": reg,
        "agreement": agreement,
        "posts": list(reg.posts.all()),
        "records": records,
        "total_hours": total,
        "can_change": covers(request.user, reg, "change"),
        "transitions": Registration.TRANSITIONS.get(reg.state, set()),
        "today": timezone.localdate(),
        "tabs": tabs("cobuild:registrations"),
    }
    return render(request, "cobuild/registration_detail.html", ctx)


@login_required
@require_POST
def registration_action(request, pk: int, verb: str):
    require_perm(request.user, "cobuild.change")
    reg = get_visible(
        Registration, request.user, pk=pk, select_related=("community", "org", "member", "unit")
    )
    back = reverse("cobuild:registration", args=[pk])
    p = request.POST
    actions = {
        "confirm": (lambda: services.confirm_registration(request.user, reg), "已确认报到"),
        "reject": (lambda: services.reject_registration(request.user, reg, p.get("reason", "")), "已退回"),
        "end": (lambda: services.end_registration(request.user, reg), "已结束报到"),
        "agreement": (
            lambda: services.update_agreement(
                request.user,
                reg,
                items=p.get("items", "").splitlines(),
                signed_on=_date(p.get("signed_on"), "签订日期"),
                term_start=_date(p.get("term_start"), "协议起始"),
                term_end=_date(p.get("term_end"), "协议届满"),
            ),
            "已更新共驻共建协议",
        ),
        "record": (
            lambda: services.record_service(
                request.user,
                reg,
                served_on=_date(p.get("served_on"), "服务日期") or timezone.localdate(),
                activity=p.get("activity", ""),
                hours=_hours(p.get("hours")),
            ),
            "已登记服务时长",
        ),
    }
    return _verb(request, actions, verb, back)


def _hours(value):
    try:
        return Decimal(str(value or "").strip())
    except Exception:
        raise ServiceError("服务时长须为数字（小时）", field="hours") from None


class UnitRegistrationCreate(ServiceFormView):
    perm = "cobuild.claim"
    form_class = f.UnitRegistrationForm
    title = "单位到社区报到"
    submit_label = "提交报到"
    success_message = "已提交报到，待社区确认"

    list_crumb = "双报到"
    list_url_name = "cobuild:registrations"
    object_url_name = "cobuild:registration"

    def save(self, form):
        data = form.service_data()
        if (
            data["community"] is None
            and data["unit"] is not None
            and data["unit"].region.level == "community"
        ):
            data["community"] = data["unit"].region
        return services.register_unit(self.request.user, **data)


# ---- the in-service member's phone page -----------------------------------------------------------


@login_required
def join(request):
    """在职党员到社区报到 (phone page): find the community by address, location or the region tree,
    choose service posts, submit; see the status and service hours of one's registrations."""
    require_perm(request.user, "cobuild.register")
    from grassroots.party.models import Member

    member = Member.objects.filter(user=request.user).select_related("party_org").first()
    # The member's own registrations only: a staff user's scope holds every registration of the city,
    # none of which is "theirs".
    mine_qs = (
        Registration.objects.visible_to(request.user, "register")
        .filter(kind="member", member__user=request.user)
        .select_related("community")
        .prefetch_related("posts")
        .annotate(hours=Sum("records__hours"), activities=Count("records"))
        .order_by("-submitted_at", "-id")
    )
    from django.core.paginator import Paginator

    page = Paginator(mine_qs, 10).get_page(request.GET.get("page"))
    mine = list(page.object_list)
    live_states = ("pending", "active")
    community = None
    code = request.POST.get("community") or request.GET.get("community")
    if code:
        community = Region.objects.filter(code=code, level="community").first()
    error = ""
    if request.method == "POST":
        post_ids = [int(x) for x in request.POST.getlist("posts") if x.isdigit()]
        posts = list(ServicePost.objects.filter(pk__in=post_ids))
        try:
            if community is None:
                raise ServiceError("请先找到并选择报到社区", field="community")
            services.register_member(
                request.user, community=community, posts=posts, note=request.POST.get("note", "")
            )
        except ServiceError as exc:
            error = exc.message
        else:
            messages.success(request, "已提交报到，待社区确认")
            return redirect("cobuild:join")
    posts = (
        list(ServicePost.objects.filter(community=community, active=True).order_by("pk")) if community else []
    )
    ctx = {
        "member": member,
        "mine": mine,
        "page_obj": page,
        "querystring_without_page": "",
        "live": mine_qs.filter(state__in=live_states).exists(),
        "community": community,
        "posts": posts,
        "error": error,
        "streets": list(Region.objects.filter(level="street").order_by("path")[:200]),
    }
    return render(request, "cobuild/join.html", ctx, status=400 if error else 200)


@login_required
def join_find(request):
    """HTMX: communities matching an address / name (?q=), a point (?lng=&lat=) or a street (?street=)."""
    require_perm(request.user, "cobuild.register")
    rows, message = [], ""
    q = request.GET.get("q", "").strip()[:50]
    lng, lat = request.GET.get("lng"), request.GET.get("lat")
    street = request.GET.get("street", "").strip()
    if lng and lat:
        try:
            x, y = float(lng), float(lat)
            if not (-180 <= x <= 180 and -90 <= y <= 90):
                raise ValueError
        except ValueError:
            message = "定位坐标不正确"
        else:
            from grassroots.grids.routing import route_point

            hit = route_point(x, y)
            if hit.get("found"):
                rows = list(Region.objects.filter(code=hit["grid"]["community_code"], level="community"))
            else:
                message = "未能根据定位找到社区，请输入地址或按街道选择"
    elif q:
        from grassroots.grids.routing import match_building

        building = match_building(q)
        if building is not None:
            rows = list(
                Region.objects.filter(level="community", path=building.path[: Region.steplen * 4])
            ) or [a for a in Region.objects.get_ancestors(building) if a.level == "community"]
        if not rows:
            rows = list(
                Region.objects.filter(level="community")
                .filter(name_search_q(q) | Q(address__icontains=q))
                .order_by("path")[:10]
            )
        if not rows:
            message = "没有找到匹配的社区，请换个关键词或按街道选择"
    elif street:
        node = Region.objects.filter(code=street, level="street").first()
        if node is not None:
            rows = list(Region.objects.get_children(node).filter(level="community").order_by("path"))
    parents = {
        p.path: p.name for p in Region.objects.filter(path__in={r.path[: -Region.steplen] for r in rows})
    }
    return render(
        request,
        "cobuild/_join_found.html",
        {"rows": [(r, parents.get(r.path[: -Region.steplen], "")) for r in rows], "message": message},
    )


# ---- needs and resources ----------------------------------------------------------------------------


class NeedList(CobuildList):
    model = Need
    tab = "cobuild:needs"
    template_name = "cobuild/need_list.html"
    title = "需求清单"
    list_filters = ItemFilters
    select_related = ("community", "claimed_unit", "project")
    ordering = ("-created_at", "-pk")
    create_url_name = "cobuild:need_add"
    empty_hint = "社区发布需求（可代居民提出），驻区单位认领。"
    export_title = "需求清单"
    export_columns = [
        Column("需求", "title", width=28),
        Column("类别", "get_category_display", width=10),
        Column("数量", "quantity", width=8),
        Column("社区", "community.name", width=16),
        Column("地点", "place", width=20),
        Column("有效期至", "valid_until", width=12),
        Column("状态", "get_state_display", width=10),
        Column("认领单位", "claimed_unit.name", width=24),
        Column("认领时间", "claimed_at", width=18),
        Column("所属项目", "project.title", width=24),
    ]


class ResourceList(NeedList):
    model = Resource
    tab = "cobuild:resources"
    template_name = "cobuild/resource_list.html"
    title = "资源清单"
    select_related = ("community", "unit", "claimed_community", "project")
    create_url_name = "cobuild:resource_add"
    empty_hint = "驻区单位提供场地、资金、技能、设备和志愿服务，社区认领。"
    export_title = "资源清单"
    export_columns = [
        Column("资源", "title", width=28),
        Column("类别", "get_category_display", width=10),
        Column("容量", "quantity", width=8),
        Column("提供单位", "unit.name", width=24),
        Column("社区", "community.name", width=16),
        Column("有效期至", "valid_until", width=12),
        Column("状态", "get_state_display", width=10),
        Column("认领社区", "claimed_community.name", width=16),
        Column("认领时间", "claimed_at", width=18),
    ]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["can_change"] = ctx["can_change"] or has_perm(self.request.user, "cobuild.claim")
        if ctx["can_change"]:
            ctx["create_url_name"] = self.create_url_name
        return ctx


def _item_detail(request, model, pk, template):
    require_perm(request.user, "cobuild.view")
    related = (
        ("community", "claimed_unit", "project")
        if model is Need
        else ("community", "unit", "claimed_community", "project")
    )
    item = get_visible(model, request.user, pk=pk, select_related=related)
    if model is Need:
        suggestions = stats.suggest_resources(request.user, item)
    else:
        suggestions = stats.suggest_needs(request.user, item)
    units = list(services.acting_units(request.user).order_by("name")[:50]) if model is Need else []
    communities = (
        list(
            Region.objects.visible_to(request.user, "cobuild.claim")
            .filter(level="community")
            .order_by("path")[:50]
        )
        if model is Resource
        else []
    )
    ctx = {
        "item": item,
        "suggestions": suggestions,
        "units": units,
        "communities": communities,
        "can_change": covers(request.user, item, "change"),
        "can_claim": has_perm(request.user, "cobuild.claim"),
        "tabs": tabs("cobuild:needs" if model is Need else "cobuild:resources"),
    }
    return render(request, template, ctx)


@login_required
def need_detail(request, pk: int):
    return _item_detail(request, Need, pk, "cobuild/item_detail.html")


@login_required
def resource_detail(request, pk: int):
    return _item_detail(request, Resource, pk, "cobuild/item_detail.html")


def _item_action(request, model, pk, verb):
    require_perm(request.user, "cobuild.view")
    item = get_visible(model, request.user, pk=pk, select_related=("community", "org"))
    name = "cobuild:need" if model is Need else "cobuild:resource"
    back = reverse(name, args=[pk])
    p = request.POST
    if verb == "claim" and model is Need:
        from grassroots.units.models import Unit

        unit = services.acting_units(request.user).filter(code=p.get("unit", "")).first() or Unit(
            pk=0, name=""
        )

        def fn():
            if not unit.pk:
                raise ServiceError("请选择代表认领的单位", field="unit")
            services.claim_need(request.user, item, unit)

        return _run(request, fn, "认领成功", back)
    if verb == "claim":
        community = Region.objects.filter(code=p.get("community", ""), level="community").first()

        def fn():
            if community is None:
                raise ServiceError("请选择认领社区", field="community")
            services.claim_resource(request.user, item, community)

        return _run(request, fn, "认领成功", back)
    actions = {
        "release": (
            lambda: (services.release_need if model is Need else services.release_resource)(
                request.user, item, p.get("reason", "")
            ),
            "已退回，重新开放认领",
        ),
        "finish": (lambda: services.finish_item(request.user, item), "已标记完成"),
        "cancel": (lambda: services.cancel_item(request.user, item), "已撤销"),
    }
    return _verb(request, actions, verb, back)


@login_required
@require_POST
def need_action(request, pk: int, verb: str):
    return _item_action(request, Need, pk, verb)


@login_required
@require_POST
def resource_action(request, pk: int, verb: str):
    return _item_action(request, Resource, pk, verb)


class NeedCreate(ServiceFormView):
    perm = "cobuild.change"
    form_class = f.NeedForm
    title = "发布需求"
    success_message = "需求已发布"

    list_crumb = "需求清单"
    list_url_name = "cobuild:needs"
    object_url_name = "cobuild:need"
    service = services.post_need


class ResourceCreate(ServiceFormView):
    perm = "cobuild.claim"
    form_class = f.ResourceForm
    title = "提供资源"
    success_message = "资源已发布"

    list_crumb = "资源清单"
    list_url_name = "cobuild:resources"
    object_url_name = "cobuild:resource"
    service = services.offer_resource


# ---- projects ---------------------------------------------------------------------------------------


class ProjectList(CobuildList):
    model = Project
    tab = "cobuild:projects"
    template_name = "cobuild/project_list.html"
    title = "项目清单"
    filter_form_class = f.ProjectFilterForm
    filters = {"state": "state"}
    select_related = ("community",)
    ordering = ("-created_at", "-pk")
    create_url_name = "cobuild:project_add"
    empty_hint = "社区与驻区单位共同实施的共建项目：预算、节点、成果和评价。"
    export_title = "项目清单"
    export_columns = [
        Column("项目", "title", width=28),
        Column("社区", "community.name", width=16),
        Column("共建单位", lambda p: "、".join(u.name for u in p.units.all()), width=30),
        Column("预算(元)", lambda p: p.budget_fen / 100, width=12),
        Column("状态", "get_state_display", width=10),
        Column("评价得分", "evaluation_score", width=10),
    ]

    def get_queryset(self):
        return super().get_queryset().prefetch_related("units")


@login_required
def project_detail(request, pk: int):
    require_perm(request.user, "cobuild.view")
    project = get_visible(Project, request.user, pk=pk, select_related=("community",))
    from grassroots.core.attachments import attachments_of

    outputs = list(project.outputs.order_by("-created_at"))
    for o in outputs:
        o.photos = list(attachments_of(o, "photo"))
    ctx = {
        "project": project,
        "units": list(project.units.order_by("name")),
        "milestones": list(project.milestones.all()),
        "outputs": outputs,
        "needs": list(Need.objects.filter(project=project).select_related("claimed_unit")),
        "resources": list(Resource.objects.filter(project=project).select_related("unit")),
        "can_change": covers(request.user, project, "change"),
        "transitions": Project.TRANSITIONS.get(project.state, set()),
        "state_labels": dict(Project._meta.get_field("state").choices),
        "today": timezone.localdate(),
        "tabs": tabs("cobuild:projects"),
    }
    return render(request, "cobuild/project_detail.html", ctx)


@login_required
@require_POST
def project_action(request, pk: int, verb: str):
    require_perm(request.user, "cobuild.change")
    project = get_visible(Project, request.user, pk=pk, select_related=("community", "org"))
    back = reverse("cobuild:project", args=[pk])
    p, user = request.POST, request.user

    def milestone_done():
        m = Milestone.objects.filter(project=project, pk=p.get("milestone") or 0).first()
        if m is None:
            raise ServiceError("节点不存在")
        services.complete_milestone(user, m)

    actions = {
        "state": (lambda: services.set_project_state(user, project, p.get("state", "")), "项目状态已更新"),
        "milestone": (
            lambda: services.add_milestone(
                user, project, title=p.get("title", ""), due=_date(p.get("due"), "计划完成日期")
            ),
            "已新增节点",
        ),
        "milestone_done": (milestone_done, "节点已完成"),
        "output": (
            lambda: services.add_output(
                user,
                project,
                title=p.get("title", ""),
                body=p.get("body", ""),
                photos=request.FILES.getlist("photos"),
            ),
            "已上传成果",
        ),
        "evaluate": (
            lambda: services.evaluate_project(
                user, project, score=p.get("score"), evaluation=p.get("evaluation", "")
            ),
            "已评价",
        ),
    }
    return _verb(request, actions, verb, back)


class ProjectCreate(ServiceFormView):
    perm = "cobuild.change"
    form_class = f.ProjectForm
    title = "新建共建项目"
    success_message = "项目已创建"

    list_crumb = "项目清单"
    list_url_name = "cobuild:projects"
    object_url_name = "cobuild:project"

    def save(self, form):
        data = form.service_data()
        ids = [int(x) for x in self.request.GET.get("needs", "").split(",") if x.isdigit()]
        data["needs"] = list(
            Need.objects.visible_to(self.request.user).filter(pk__in=ids, state__in=["claimed", "done"])
        )
        return services.create_project(self.request.user, **data)


# ---- two-way assessment and the quarterly report ---------------------------------------------------


class RatingList(CobuildList):
    model = Rating
    tab = "cobuild:ratings"
    template_name = "cobuild/rating_list.html"
    title = "双向考核"
    filter_form_class = f.RatingFilterForm
    filters = {"side": "side", "period": "period"}
    search_fields = None
    select_related = ("community", "unit")
    ordering = ("-period", "-pk")
    create_url_name = "cobuild:rating_add"
    empty_hint = "每季度社区为共建单位打分，单位也为社区打分。"
    export_title = "双向考核"
    export_columns = [
        Column("评价方向", "get_side_display", width=12),
        Column("季度", "period", width=10),
        Column("社区", "community.name", width=16),
        Column("单位", "unit.name", width=24),
        Column("平均分", "score", width=8),
        Column("评语", "comment", width=30),
    ]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["by_unit"] = stats.rating_summary(self.request.user, side="c2u", group="unit")[:10]
        ctx["by_community"] = stats.rating_summary(self.request.user, side="u2c", group="community")[:10]
        ctx["can_change"] = ctx["can_change"] or has_perm(self.request.user, "cobuild.claim")
        ctx["create_url_name"] = self.create_url_name if ctx["can_change"] else None
        return ctx


class RatingCreate(ServiceFormView):
    perm = "cobuild.claim"
    form_class = f.RatingForm
    title = "季度双向评价"
    success_message = "评价已提交"

    def get_initial(self):
        return {"period": services.current_period()}

    list_crumb = "双向考核"
    list_url_name = "cobuild:ratings"

    def url_for(self, obj):
        return reverse("cobuild:ratings") + f"?period={obj.period}"

    service = services.rate


@login_required
def report(request):
    """双向考核 feedback to the workplace: a unit party org's members' service in communities for a
    quarter (page and Excel)."""
    require_perm(request.user, "cobuild.view")
    from grassroots.party.models import PartyOrg

    orgs = PartyOrg.objects.visible_to(request.user)
    code = request.GET.get("org", "").strip()
    period = request.GET.get("period", "").strip().upper() or services.current_period()
    org = orgs.filter(code=code).first() if code else None
    rep, error = None, ""
    if code and org is None:
        error = f"党组织“{code}”不存在或不在您的管辖范围内"
    elif org is not None:
        try:
            rep = stats.quarter_report(request.user, org, period)
        except ServiceError as exc:
            error = exc.message
    if rep is not None and request.GET.get("export") == "xlsx":
        columns = [
            Column("党员", "name", width=10),
            Column("所在党组织", "org_name", width=28),
            Column("报到社区", "community", width=16),
            Column("报到状态", "state", width=10),
            Column("服务岗位", "posts", width=24),
            Column("服务时长(小时)", lambda r: float(r.hours), width=14),
            Column("服务次数", "activities", width=10),
            Column("认领微心愿", "wishes", width=12),
            Column("认领需求/资源", "claims", width=12),
        ]
        return exports.respond(
            request,
            f"{org.name}{rep.period}在职党员社区服务",
            columns,
            rep.rows,
            model_label="cobuild.registration",
            filters={"org": org.code, "period": rep.period},
        )
    ctx = {
        "org": org,
        "code": code,
        "period": period,
        "rep": rep,
        "error": error,
        "tabs": tabs(""),
    }
    return render(request, "cobuild/report.html", ctx, status=400 if error else 200)


# ---- service posts ----------------------------------------------------------------------------------


@login_required
def posts(request):
    require_perm(request.user, "cobuild.view")
    rows = list(
        ServicePost.objects.visible_to(request.user)
        .select_related("community")
        .annotate(n=Count("registrations"))
        .order_by("community__path", "pk")[:500]
    )
    communities = list(
        Region.objects.visible_to(request.user, "cobuild.change")
        .filter(level="community")
        .order_by("path")[:200]
    )
    if request.method == "POST":
        require_perm(request.user, "cobuild.change")
        community = Region.objects.filter(code=request.POST.get("community", ""), level="community").first()

        def fn():
            services.add_post(
                request.user,
                community=community,
                name=request.POST.get("name", ""),
                description=request.POST.get("description", ""),
            )

        return _run(request, fn, "已新增服务岗位", reverse("cobuild:posts"))
    return render(
        request,
        "cobuild/posts.html",
        {"rows": rows, "communities": communities, "tabs": tabs("cobuild:registrations")},
    )
