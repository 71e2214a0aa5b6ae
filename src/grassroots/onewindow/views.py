"""一窗受理 pages: applications (list, taking one, its page with the steps its state allows), the
catalog of service items, the figures per community, proactive 上门代办, and the residents' phone
pages (my applications, evaluation). Thin: writes in services.py."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from grassroots.core.attachments import attachments_of
from grassroots.core.errors import ServiceError
from grassroots.core.excel import Column
from grassroots.core.excel import local_minute as _local
from grassroots.core.pages import PageListView, get_visible, require_perm, service_messages
from grassroots.core.scoping import grants_for, has_perm
from grassroots.core.views import ScopedListView
from grassroots.regions.choices import HouseholdTag
from grassroots.regions.models import Household, Region

from . import services, stats
from .filters import ApplicationFilters
from .forms import ItemFilterForm, ItemForm, OfferForm
from .models import (
    Application,
    ApplicationChannel,
    ApplicationState,
    OfferState,
    ServiceItem,
    ServiceOffer,
    department_ids_for,
)

PAGE_SIZE = 10


def can_see_applications(user) -> bool:
    return has_perm(user, "onewindow.view") or bool(department_ids_for(user))


def catalog_reader(user) -> bool:
    """Staff reading the catalog: a region grant with a view, handle or catalog permission."""
    return any(
        _region_wide(user, p) for p in ("onewindow.view", "onewindow.handle", "onewindow.manage_catalog")
    )


def tabs(user, active: str) -> list[tuple[str, str, bool]]:
    out = [("代办申请", "onewindow:list")]
    if catalog_reader(user):
        out.append(("服务事项", "onewindow:items"))
    if has_perm(user, "onewindow.handle"):
        out.append(("主动上门代办", "onewindow:proactive"))
    if _region_wide(user, "onewindow.view"):
        out.append(("统计", "onewindow:stats"))
    return [(label, reverse(name), name == active) for label, name in out]


def _region_wide(user, perm: str) -> bool:
    return user.is_superuser or any(perm in g.perms and g.region_path is not None for g in grants_for(user))


def _form_error(form) -> str:
    return "；".join(e for errs in form.errors.values() for e in errs)


# --------------------------------------------------------------------------- applications
class ApplicationListView(PageListView):
    model = Application
    template_name = "onewindow/list.html"
    title = "一窗受理 · 全程代办"
    list_filters = ApplicationFilters
    select_related = ("community", "item", "department")
    ordering = ("-created_at", "-id")
    create_url_name = "onewindow:create"
    empty_hint = "居民在社区窗口或家中申请代办的事项会出现在这里。"
    export_title = "一窗受理代办申请"
    export_columns = [
        Column("受理编号", "number", width=14),
        Column("社区", "community.name", width=14),
        Column("服务事项", "item.name", width=20),
        Column("办理部门", "department.name", width=16),
        Column("受理方式", "get_channel_display", width=10),
        Column("申请人", "applicant_name", personal="name", width=10),
        Column("联系电话", "applicant_phone", personal="phone", width=14),
        Column("状态", "get_state_display", width=10),
        Column("受理时间", lambda a: _local(a.created_at), width=17),
        Column("转办时间", lambda a: _local(a.forwarded_at), width=17),
        Column("办理期限", lambda a: _local(a.due_at), width=17),
        Column("办结时间", lambda a: _local(a.finished_at), width=17),
        Column("按期办结", lambda a: {True: "是", False: "否", None: ""}[a.on_time], width=8),
        Column("满意度", lambda a: a.rating or "", width=8),
    ]

    def dispatch(self, request, *args, **kwargs):
        # Department staff hold no onewindow.view: membership of the department shows them the
        # applications forwarded to it (the queryset is still Application.objects.visible_to()).
        if request.user.is_authenticated and not can_see_applications(request.user):
            raise Http404
        return super(ScopedListView, self).dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["can_change"] = has_perm(self.request.user, "onewindow.handle")
        ctx["create_url_name"] = self.create_url_name if ctx["can_change"] else None
        ctx["tabs"] = tabs(self.request.user, "onewindow:list")
        return ctx


def _communities(user):
    paths = [
        g.region_path for g in grants_for(user) if "onewindow.handle" in g.perms and g.region_path is not None
    ]
    qs = Region.objects.filter(level="community")
    if not user.is_superuser:
        q = Q(pk__in=[])
        for p in paths:
            q |= Q(path__startswith=p)
        qs = qs.filter(q)
    return list(qs.order_by("path").only("pk", "name", "path"))


@login_required
def application_create(request):
    """Taking an application at the window: choose the community and the item, then check off the
    materials the resident brought against the item's checklist."""
    require_perm(request.user, "onewindow.handle")
    communities = _communities(request.user)
    data = request.POST if request.method == "POST" else request.GET
    community = next((c for c in communities if str(c.pk) == data.get("community", "")), None)
    if community is None and len(communities) == 1:
        community = communities[0]
    items = list(services.items_for(community).order_by("name")) if community else []
    item = next((i for i in items if str(i.pk) == data.get("item", "")), None)
    form = {k: data.get(k, "")[:300] for k in ("applicant_name", "applicant_phone", "note", "channel")}
    error, status = "", 200
    if request.method == "POST":
        try:
            if community is None:
                raise ServiceError("请选择受理社区")
            app = services.take_application(
                request.user,
                community=community,
                item=item,
                applicant_name=form["applicant_name"],
                applicant_phone=form["applicant_phone"],
                channel=form["channel"] or ApplicationChannel.WINDOW,
                materials_received=request.POST.getlist("materials"),
                note=form["note"],
                scans=request.FILES.getlist("scans"),
            )
        except ServiceError as exc:
            error, status = exc.message, 400 if exc.status < 500 else exc.status
        else:
            messages.success(request, f"已受理，受理编号 {app.number}")
            return redirect("onewindow:detail", number=app.number)
    return render(
        request,
        "onewindow/form.html",
        {
            "communities": communities,
            "community": community,
            "items": items,
            "item": item,
            "form": form,
            "checked": set(request.POST.getlist("materials")),
            "channels": ApplicationChannel.choices,
            "error": error,
            "tabs": tabs(request.user, "onewindow:list"),
        },
        status=status,
    )


def _actions(user, app: Application) -> set[str]:
    allowed = set(services.TRANSITIONS[app.state])
    out = set()
    if services.can_handle(user, app):
        out |= allowed & services.COMMUNITY_ACTIONS
        if "evaluate" in allowed and app.rating is None:
            out.add("evaluate")
    if services.acts_for_department(user, app):
        out |= allowed & services.DEPARTMENT_ACTIONS
    return out


def _timeline(app: Application) -> list[tuple[str, str]]:
    steps = [(f"{app.get_channel_display()}（{app.community.name}）", _local(app.created_at))]
    if app.forwarded_at:
        steps.append((f"转交{app.department.name}", _local(app.forwarded_at)))
    if app.accepted_at:
        steps.append(("部门受理", _local(app.accepted_at)))
    if app.finished_at:
        steps.append((app.get_state_display(), _local(app.finished_at)))
    if app.rated_at:
        steps.append((f"评价 {app.rating} 星", _local(app.rated_at)))
    return steps


@login_required
def application_detail(request, number):
    if not can_see_applications(request.user):
        raise Http404
    app = get_visible(
        Application,
        request.user,
        number=number,
        select_related=("community", "item", "department", "household__entrance", "taken_by"),
    )
    return render(
        request,
        "onewindow/detail.html",
        {
            "app": app,
            "actions": _actions(request.user, app),
            "received": set(app.materials_received),
            "scans": attachments_of(app, "scan"),
            "timeline": _timeline(app),
            "tabs": tabs(request.user, "onewindow:list"),
        },
    )


@login_required
@require_POST
def application_act(request, number, action):
    """One POST endpoint for the steps; the service refuses what the state or the role does not allow."""
    if action not in services.ACTION_LABELS or not can_see_applications(request.user):
        raise Http404
    app = get_visible(
        Application, request.user, number=number, select_related=("community", "item", "department")
    )
    post = request.POST
    with service_messages(request, lambda: f"已{services.ACTION_LABELS[action]}"):
        if action == "materials":
            services.check_materials(
                request.user, app, received=post.getlist("materials"), scans=request.FILES.getlist("scans")
            )
        elif action == "forward":
            services.forward(request.user, app)
        elif action == "withdraw":
            services.withdraw(request.user, app, reason=post.get("reason", ""))
        elif action == "accept":
            services.accept(request.user, app)
        elif action == "complete":
            services.complete(request.user, app, result=post.get("result", ""))
        elif action == "refuse":
            services.refuse(request.user, app, reason=post.get("reason", ""))
        elif action == "evaluate":
            services.evaluate(
                request.user, app, rating=post.get("rating", ""), comment=post.get("comment", "")
            )
    return redirect("onewindow:detail", number=app.number)


# --------------------------------------------------------------------------- catalog
class ItemListView(PageListView):
    model = ServiceItem
    template_name = "onewindow/items.html"
    title = "一窗受理服务事项"
    filter_form_class = ItemFilterForm
    filters = {"door_to_door": "door_to_door"}
    search_fields = ("name", "name_initials")
    select_related = ("region", "department")
    ordering = ("region__path", "name", "id")
    create_url_name = "onewindow:item_create"
    empty_hint = "街道、区可以在这里维护社区窗口可受理的服务事项、办理部门、材料清单和法定时限。"
    export_title = "一窗受理服务事项"
    export_columns = [
        Column("事项名称", "name", width=22),
        Column("适用区域", "region.name", width=14),
        Column("办理部门", "department.name", width=16),
        Column("法定时限（工作日）", "time_limit_days", width=10),
        Column("可上门代办", lambda i: "是" if i.door_to_door else "否", width=8),
        Column("材料清单", lambda i: "；".join(i.materials), width=50),
        Column("启用", lambda i: "是" if i.is_active else "否", width=6),
    ]

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not catalog_reader(request.user):
            raise Http404
        return super(ScopedListView, self).dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        ctx["can_change"] = has_perm(user, "onewindow.manage_catalog")
        ctx["create_url_name"] = self.create_url_name if ctx["can_change"] else None
        ctx["tabs"] = tabs(user, "onewindow:items")
        editable = set(
            ServiceItem.objects.visible_to(user, "manage_catalog")
            .filter(pk__in=[i.pk for i in ctx["object_list"]])
            .values_list("pk", flat=True)
        )
        ctx["editable"] = editable
        return ctx


def _catalog_choices(user):
    from grassroots.cases.models import Handler

    paths = [
        g.region_path
        for g in grants_for(user)
        if "onewindow.manage_catalog" in g.perms and g.region_path is not None
    ]
    q = Q(pk__in=[]) if not user.is_superuser else Q()
    for p in paths:
        q |= Q(path__startswith=p)
    regions = list(Region.objects.filter(q, level__in=["city", "district", "street"]).order_by("path"))
    departments = list(Handler.objects.filter(kind="department", is_active=True).order_by("name"))
    return regions, departments


def _item_form_page(request, item: ServiceItem | None):
    require_perm(request.user, "onewindow.manage_catalog")
    regions, departments = _catalog_choices(request.user)
    initial = {"is_active": True}
    if item is not None:
        initial = {
            "region": item.region_id,
            "name": item.name,
            "department": item.department_id,
            "materials": "\n".join(item.materials),
            "time_limit_days": item.time_limit_days,
            "door_to_door": item.door_to_door,
            "description": item.description,
            "is_active": item.is_active,
        }
        if item.region not in regions:
            regions = [item.region, *regions]
    form = ItemForm(
        request.POST or None,
        initial=initial,
        regions=regions,
        departments=departments,
        editing=item is not None,
    )
    error, status = "", 200
    if request.method == "POST":
        if not form.is_valid():
            error, status = _form_error(form), 400
        else:
            d = form.cleaned_data
            department = next((x for x in departments if x.pk == d["department"]), None)
            kwargs = dict(
                name=d["name"],
                department=department,
                materials=d["materials"],
                time_limit_days=d["time_limit_days"],
                door_to_door=d["door_to_door"],
                description=d["description"],
            )
            try:
                if item is None:
                    region = next((r for r in regions if r.pk == d["region"]), None)
                    saved = services.create_item(request.user, region=region, **kwargs)
                else:
                    saved = services.update_item(request.user, item, is_active=d["is_active"], **kwargs)
            except ServiceError as exc:
                if exc.status == 404:
                    raise Http404 from None
                error, status = exc.message, exc.status if 400 <= exc.status < 500 else 400
            else:
                messages.success(request, f"已保存服务事项“{saved.name}”")
                return redirect("onewindow:items")
    return render(
        request,
        "onewindow/item_form.html",
        {"form": form, "item": item, "error": error, "tabs": tabs(request.user, "onewindow:items")},
        status=status,
    )


@login_required
def item_create(request):
    return _item_form_page(request, None)


@login_required
def item_edit(request, pk):
    require_perm(request.user, "onewindow.manage_catalog")
    item = get_visible(ServiceItem, request.user, action="manage_catalog", pk=pk, select_related=("region",))
    return _item_form_page(request, item)


# --------------------------------------------------------------------------- figures
@login_required
def stats_page(request):
    if not _region_wide(request.user, "onewindow.view"):
        raise Http404
    rows = stats.community_figures(request.user)
    total = stats.total(rows)
    if request.GET.get("export") == "xlsx":
        return stats.export(request, rows, total)
    return render(
        request,
        "onewindow/stats.html",
        {"rows": rows, "total": total, "tabs": tabs(request.user, "onewindow:stats")},
    )


# --------------------------------------------------------------------------- proactive 上门代办
@login_required
def proactive(request):
    """Tagged households (SVC-1) with no recent application or offer, and the recent offers."""
    require_perm(request.user, "onewindow.handle")
    params = services.proactive_params()
    tag = request.GET.get("tag", "")
    households = services.proactive_households(
        request.user, tags=[tag] if tag in HouseholdTag.values else None
    )
    page = Paginator(households, 20).get_page(request.GET.get("page"))
    offers = (
        ServiceOffer.objects.visible_to(request.user)
        .select_related("household__entrance", "community", "offered_by", "application")
        .order_by("-offered_on", "-id")[:20]
    )
    return render(
        request,
        "onewindow/proactive.html",
        {
            "page_obj": page,
            "querystring_without_page": f"tag={tag}&" if tag else "",
            "offers": offers,
            "params": params,
            "tag": tag,
            "tag_choices": [(t, HouseholdTag(t).label) for t in params.tags],
            "today": timezone.localdate(),
            "tabs": tabs(request.user, "onewindow:proactive"),
        },
    )


@login_required
@require_POST
def offer_create(request):
    require_perm(request.user, "onewindow.handle")
    hid = request.POST.get("household", "")
    household = (
        Household.objects.visible_to(request.user).select_related("entrance").filter(pk=hid).first()
        if hid.isdigit()
        else None
    )
    if household is None:
        raise Http404
    form = OfferForm(request.POST)
    with service_messages(request, "已登记上门代办服务，请记录住户的答复"):
        if not form.is_valid():
            raise ServiceError(_form_error(form))
        services.offer(
            request.user,
            household,
            offered_on=form.cleaned_data["offered_on"],
            note=form.cleaned_data["note"],
        )
    return redirect("onewindow:proactive")


@login_required
def offer_detail(request, pk):
    """Record the household's answer: accepted (choose the item: a door-to-door application) or declined."""
    require_perm(request.user, "onewindow.handle")
    obj = get_visible(
        ServiceOffer, request.user, pk=pk, select_related=("household__entrance", "community", "offered_by")
    )
    items = [i for i in services.items_for(obj.community).order_by("name") if i.door_to_door]
    error, status = "", 200
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "accept":
                iid = request.POST.get("item", "")
                item = next((i for i in items if str(i.pk) == iid), None)
                if item is None:
                    raise ServiceError("请选择要代办的事项")
                app = services.accept_offer(request.user, obj, item=item, note=request.POST.get("note", ""))
                messages.success(request, f"住户已接受上门代办，已受理 {app.number}，请核对材料")
                return redirect("onewindow:detail", number=app.number)
            if action == "decline":
                services.decline_offer(request.user, obj, note=request.POST.get("note", ""))
                messages.success(request, "已记录：住户谢绝上门代办")
                return redirect("onewindow:proactive")
            raise ServiceError("请选择住户的答复")
        except ServiceError as exc:
            if exc.status == 404:
                raise Http404 from None
            error, status = exc.message, exc.status if 400 <= exc.status < 500 else 400
    return render(
        request,
        "onewindow/offer.html",
        {
            "offer": obj,
            "items": items,
            "error": error,
            "open": obj.state == OfferState.OFFERED,
            "tabs": tabs(request.user, "onewindow:proactive"),
        },
        status=status,
    )


# --------------------------------------------------------------------------- residents' phone pages
def _my_applications(user):
    return (
        Application.objects.visible_to(user)
        .filter(services_mine_q(user))
        .select_related("item", "community", "department")
        .order_by("-created_at", "-id")
    )


def services_mine_q(user) -> Q:
    """A resident's own applications (staff opening the phone page see the ones taken with their phone)."""
    q = Q(household__residents__user=user)
    if getattr(user, "phone_hash", ""):
        q |= Q(applicant_phone_hash=user.phone_hash)
    return q


@login_required
def h5_list(request):
    require_perm(request.user, "onewindow.view")
    apps = _my_applications(request.user)
    page = Paginator(apps, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "onewindow/h5_list.html",
        {"tab": "home", "page_obj": page, "querystring_without_page": ""},
    )


def _h5_app(request, number) -> Application:
    require_perm(request.user, "onewindow.view")  # 404 without it
    app = _my_applications(request.user).filter(number=number).first()
    if app is None:
        raise Http404
    return app


@login_required
def h5_detail(request, number):
    app = _h5_app(request, number)
    return render(
        request,
        "onewindow/h5_detail.html",
        {
            "tab": "home",
            "app": app,
            "timeline": _timeline(app),
            "can_evaluate": app.state == ApplicationState.DONE and app.rating is None,
            "stars": range(1, 6),
        },
    )


@login_required
@require_POST
def h5_evaluate(request, number):
    app = _h5_app(request, number)
    with service_messages(request, "感谢您的评价"):
        services.evaluate(
            request.user, app, rating=request.POST.get("rating", ""), comment=request.POST.get("comment", "")
        )
    return redirect("onewindow:h5_detail", number=number)
