"""Pages of units (驻区单位) and instructors. Reads are scoped; writes call units.services."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.html import format_html_join

from grassroots.core.excel import Column
from grassroots.core.pages import PageListView, ServiceFormView, get_visible, require_perm
from grassroots.core.text import name_search_q

from . import services
from .choices import PartyWork
from .filters import InstructorFilters, UnitFilters
from .forms import InstructorForm, UnitForm
from .models import Instructor, Unit, full_members_expr

TABS = [("驻区单位", "units:list"), ("党建指导员", "units:instructors")]


def unit_url(u: Unit) -> str:
    return reverse("units:detail", args=[u.pk])


def instructor_url(i: Instructor) -> str:
    return reverse("units:instructor_detail", args=[i.pk])


@login_required
def lookup(request):
    """Datalist options: visible units matching the typed text (at most 20). Forms shown to members and
    residents carry this look-up too: without units.view the list is simply empty, never a 404."""
    q = next((v for v in request.GET.values() if v.strip()), "").strip().split(" ")[0]
    qs = Unit.objects.visible_to(request.user)
    if q:
        qs = qs.filter(name_search_q(q) | Q(code__istartswith=q))
    rows = qs.order_by("name")[:20]
    return HttpResponse(
        format_html_join("", '<option value="{}">{}</option>', ((u.code, u.name) for u in rows))
    )


class UnitListView(PageListView):
    importer = "grassroots.units.importers.UnitImporter"
    model = Unit
    template_name = "units/unit_list.html"
    title = "驻区单位"
    list_filters = UnitFilters
    select_related = ("region", "party_org")
    ordering = ("region__path", "name")
    create_url_name = "units:add"
    empty_hint = "登记辖区内的机关、企事业单位、社会组织、物业和业委会。"
    export_title = "驻区单位"
    export_columns = [
        Column("单位编码", "code", width=18),
        Column("名称", "name", width=30),
        Column("单位类型", "get_type_display", width=12),
        Column("行业", "industry", width=12),
        Column("从业人数", "employees", width=10),
        Column("所在区划", "region.name", width=16),
        Column("党组织设置", "get_party_work_display", width=14),
        Column("覆盖党组织", "party_org.name", width=28),
        Column("正式党员数", "full_members", width=10),
        Column("地址", "address", width=30),
    ]

    def filter_queryset(self, qs):
        return super().filter_queryset(qs.annotate(full_count=full_members_expr()))

    def applied_filters(self):
        out = super().applied_filters()
        if self.request.GET.get("covered") in ("true", "false"):
            out["covered"] = self.request.GET["covered"]
        return out

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["tabs"] = [(label, reverse(name), name == "units:list") for label, name in TABS]
        return ctx


@login_required
def unit_detail(request, pk: int):
    from grassroots.party.models import Member, PartyOrg

    require_perm(request.user, "units.view")
    user = request.user
    unit = get_visible(Unit, user, pk=pk, select_related=("region", "party_org", "instructor"))
    orgs = list(PartyOrg.objects.visible_to(user).filter(unit=unit).order_by("path"))
    employed = Member.objects.visible_to(user).filter(workplace_unit=unit).count()
    seats = list(unit.seats.select_related("org").order_by("org__path"))
    ctx = {"unit": unit, "orgs": orgs, "employed": employed, "seats": seats}
    return render(request, "units/unit_detail.html", ctx)


class UnitFormMixin:
    perm = "units.change"
    form_class = UnitForm

    def url_for(self, obj):
        return unit_url(obj)

    def breadcrumbs(self):
        return [("驻区单位", reverse("units:list"))]


class UnitCreateView(UnitFormMixin, ServiceFormView):
    title = "登记驻区单位"

    def get_instance(self):
        return Unit()

    def get_initial(self):
        return {"region": self.request.GET.get("region", ""), "party_work": PartyWork.NONE}

    def cancel_url(self):
        return reverse("units:list")

    def save(self, form):
        return services.add_unit(self.request.user, **form.service_data())


class UnitEditView(UnitFormMixin, ServiceFormView):
    def get_object(self):
        return get_visible(
            Unit, self.request.user, action="change", pk=self.kwargs["pk"], select_related=("region",)
        )

    def get_title(self):
        return f"编辑：{self.object.name}"

    def get_instance(self):
        return Unit.objects.select_related("region", "party_org").get(pk=self.object.pk)

    def save(self, form):
        return services.update_unit(self.request.user, self.object, **form.service_data())


class InstructorListView(PageListView):
    model = Instructor
    template_name = "units/instructor_list.html"
    title = "党建指导员"
    list_filters = InstructorFilters
    select_related = ("region", "org")
    ordering = ("region__path", "name")
    create_url_name = "units:instructor_add"
    empty_hint = "为党员不足 3 人或未建党组织的单位选派党建指导员。"
    export_title = "党建指导员"
    export_columns = [
        Column("姓名", "name", width=10),
        Column("手机号", "phone", personal="phone", width=14),
        Column("所属区划", "region.name", width=16),
        Column("选派党组织", "org.name", width=28),
    ]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["tabs"] = [(label, reverse(name), name == "units:instructors") for label, name in TABS]
        return ctx


@login_required
def instructor_detail(request, pk: int):
    require_perm(request.user, "units.view")
    ins = get_visible(Instructor, request.user, pk=pk, select_related=("region", "org"))
    units = list(Unit.objects.visible_to(request.user).filter(instructor=ins).order_by("name"))
    return render(request, "units/instructor_detail.html", {"ins": ins, "units": units})


class InstructorFormMixin:
    perm = "units.change"
    form_class = InstructorForm

    def url_for(self, obj):
        return instructor_url(obj)

    def breadcrumbs(self):
        return [("党建指导员", reverse("units:instructors"))]


class InstructorCreateView(InstructorFormMixin, ServiceFormView):
    title = "新增党建指导员"

    def get_instance(self):
        return Instructor()

    def cancel_url(self):
        return reverse("units:instructors")

    def save(self, form):
        return services.add_instructor(self.request.user, **form.service_data())


class InstructorEditView(InstructorFormMixin, ServiceFormView):
    def get_object(self):
        return get_visible(
            Instructor, self.request.user, action="change", pk=self.kwargs["pk"], select_related=("region",)
        )

    def get_title(self):
        return f"编辑党建指导员：{self.object.name}"

    def get_instance(self):
        return Instructor.objects.select_related("region", "org").get(pk=self.object.pk)

    def save(self, form):
        return services.update_instructor(self.request.user, self.object, **form.service_data())
