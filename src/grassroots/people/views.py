"""Pages of workers (社区工作者), stewards (三长) and deputies (两代表一委员).

Reads are scoped; writes call people.services. The three kinds share one detail template.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from grassroots.core.excel import Column
from grassroots.core.pages import PageListView, ServiceFormView, get_visible, require_perm

from . import services
from .filters import DeputyFilters, StewardFilters, WorkerFilters
from .forms import (
    DeputyForm,
    StewardForm,
    WorkerForm,
)
from .models import Deputy, Steward, Worker

# ---- workers ---------------------------------------------------------------------------------------


class WorkerListView(PageListView):
    importer = "grassroots.people.importers.WorkerImporter"
    model = Worker
    template_name = "people/worker_list.html"
    title = "社区工作者"
    list_filters = WorkerFilters
    select_related = ("region",)
    ordering = ("region__path", "grade", "name")
    create_url_name = "people:worker_add"
    empty_hint = "登记社区工作者的岗位、等级（三岗十八级）和职责。"
    export_title = "社区工作者"
    export_columns = [
        Column("工号", "code", width=16),
        Column("姓名", "name", width=10),
        Column("性别", "get_gender_display", width=6),
        Column("手机号", "phone", personal="phone", width=14),
        Column("所在社区/街道", "region.name", width=16),
        Column("岗位", "get_post_display", width=20),
        Column("等级", "grade", width=6),
        Column("职责", "get_role_display", width=12),
        Column("入职日期", "hired_on", width=12),
    ]


class StewardListView(PageListView):
    model = Steward
    template_name = "people/steward_list.html"
    title = "三长"
    list_filters = StewardFilters
    select_related = ("region", "member")
    ordering = ("region__path", "role", "name")
    create_url_name = "people:steward_add"
    empty_hint = "登记小区长、楼长、单元长，可关联党员身份（双三长）。"
    export_title = "三长"
    export_columns = [
        Column("姓名", "name", width=10),
        Column("类别", "get_role_display", width=8),
        Column("负责区域", "region.name", width=16),
        Column("区域编码", "region.code", width=22),
        Column("手机号", "phone", personal="phone", width=14),
        Column("党员", lambda s: s.member_id is not None, width=6),
    ]


class DeputyListView(PageListView):
    model = Deputy
    template_name = "people/deputy_list.html"
    title = "两代表一委员"
    list_filters = DeputyFilters
    select_related = ("region",)
    ordering = ("region__path", "kind", "name")
    create_url_name = "people:deputy_add"
    empty_hint = "登记联系本社区的人大代表、党代表和政协委员。"
    export_title = "两代表一委员"
    export_columns = [
        Column("姓名", "name", width=10),
        Column("类别", "get_kind_display", width=10),
        Column("层级", "get_level_display", width=10),
        Column("联系社区", "region.name", width=16),
        Column("工作单位", "unit_name", width=24),
        Column("手机号", "phone", personal="phone", width=14),
    ]


def _detail(request, model, pk, *, title, rows, list_url, edit_url):
    require_perm(request.user, "people.view")
    obj = get_visible(model, request.user, pk=pk, select_related=("region",))
    ctx = {
        "obj": obj,
        "title": title(obj),
        "rows": rows(obj),
        "list_url": reverse(list_url),
        "list_label": model._meta.verbose_name,
        "edit_url": reverse(edit_url, args=[obj.pk]),
    }
    return render(request, "people/detail.html", ctx)


class Link(tuple):
    """A (url, text) value of a detail row: the template renders it as a link (plain strings as text)."""

    def __new__(cls, url: str, text: str):
        return super().__new__(cls, (url, text))

    @property
    def url(self) -> str:
        return self[0]

    @property
    def text(self) -> str:
        return self[1]


def _region_link(obj):
    return Link(reverse("regions:detail", args=[obj.region.code]), obj.region.name)


@login_required
def steward_detail(request, pk: int):
    return _detail(
        request,
        Steward,
        pk,
        title=lambda s: s.name,
        rows=lambda s: [
            ("类别", s.get_role_display(), None),
            ("负责区域", _region_link(s), None),
            ("手机号", None, "phone"),
            ("党员身份", "是（双三长）" if s.member_id else "否", None),
        ],
        list_url="people:stewards",
        edit_url="people:steward_edit",
    )


def _deputy_work(d) -> list:
    """Rows of a deputy's studios and this year's work at them (receptions, matters, cases closed)."""
    from .studios import deputy_reports

    rows = [
        ("进站工作室", Link(reverse("people:studio_detail", args=[s.pk]), s.name), None)
        for s in d.studios.all()
    ]
    year = timezone.localdate().year
    (r,) = deputy_reports([d], year)
    text = (
        f"参加接待 {r.receptions} 次，接待群众 {r.residents} 人次，反映事项 {r.matters} 件，"
        f"转为诉求 {r.cases} 件、已办结 {r.closed} 件"
    )
    url = reverse("people:deputy_reports") + f"?year={year}&deputy={d.pk}"
    rows.append((f"{year} 年履职", Link(url, text), None))
    return rows


@login_required
def deputy_detail(request, pk: int):
    return _detail(
        request,
        Deputy,
        pk,
        title=lambda d: d.name,
        rows=lambda d: [
            ("类别", d.get_kind_display(), None),
            ("层级", d.get_level_display(), None),
            ("联系社区", _region_link(d), None),
            ("工作单位", d.unit_name or "—", None),
            ("手机号", None, "phone"),
            *_deputy_work(d),
        ],
        list_url="people:deputies",
        edit_url="people:deputy_edit",
    )


class _PeopleForm(ServiceFormView):
    perm = "people.change"
    model = None

    def breadcrumbs(self):
        return [(self.model._meta.verbose_name, reverse(self.list_url_name))]

    def cancel_url(self):
        return self.url_for(self.object) if self.object is not None else reverse(self.list_url_name)

    def get_instance(self):
        if self.object is None:
            return self.model()
        return self.model.objects.select_related("region").get(pk=self.object.pk)

    def get_initial(self):
        return {"region": self.request.GET.get("region", "")} if self.object is None else {}


class _Edit(_PeopleForm):
    title = "编辑：{object.name}"

    def get_object(self):
        return get_visible(
            self.model, self.request.user, action="change", pk=self.kwargs["pk"], select_related=("region",)
        )


def _form_pages(model, form_class, title, add, change, list_url_name, object_url_name):
    """The create and edit pages of one register: the same form, pages and services."""
    attrs = {"model": model, "form_class": form_class, "list_url_name": list_url_name}
    attrs["object_url_name"] = object_url_name
    create = type(f"{model.__name__}CreateView", (_PeopleForm,), {**attrs, "title": title, "service": add})
    edit = type(f"{model.__name__}EditView", (_Edit,), {**attrs, "service": change})
    return create, edit


WorkerCreateView, WorkerEditView = _form_pages(
    Worker,
    WorkerForm,
    "新增社区工作者",
    services.add_worker,
    services.update_worker,
    "people:workers",
    "people:worker_detail",
)
StewardCreateView, StewardEditView = _form_pages(
    Steward,
    StewardForm,
    "新增三长",
    services.add_steward,
    services.update_steward,
    "people:stewards",
    "people:steward_detail",
)
DeputyCreateView, DeputyEditView = _form_pages(
    Deputy,
    DeputyForm,
    "新增代表委员",
    services.add_deputy,
    services.update_deputy,
    "people:deputies",
    "people:deputy_detail",
)
