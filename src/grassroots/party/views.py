"""Pages of the party organisation tree and members. Reads are scoped; writes call party.services."""

from __future__ import annotations

import datetime

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html_join
from django.views.decorators.http import require_POST

from grassroots.core.errors import ServiceError
from grassroots.core.excel import Column
from grassroots.core.pages import (
    PageListView,
    ServiceFormView,
    get_visible,
    htmx_error,
    require_perm,
    subtree_counts,
    tree_pages,
)
from grassroots.core.text import name_search_q

from . import services
from .choices import MemberStatus, SeatPost
from .filters import MemberFilters, OrgFilters
from .forms import (
    ConvertForm,
    ExtendProbationForm,
    MemberForm,
    OrgForm,
    SeatForm,
)
from .models import Member, PartyOrg, Seat

KIND_BADGE = {
    "committee": "red",
    "working_committee": "red",
    "general_branch": "orange",
    "branch": "yellow",
    "group": "secondary",
}
TERM_WARNING_DAYS = 90


def org_url(org: PartyOrg) -> str:
    return reverse("party:org_detail", args=[org.code])


def member_url(m: Member) -> str:
    return reverse("party:member_detail", args=[m.pk])


def with_counts(user, nodes: list[PartyOrg]) -> list[PartyOrg]:
    """Members (full / probationary) and sub-orgs under each node: 2 queries in all."""
    if not nodes:
        return nodes
    members = subtree_counts(
        nodes,
        Member.objects.visible_to(user),
        "party_org__path",
        extra={
            "full": Count("pk", filter=Q(status=MemberStatus.FULL)),
            "probationary": Count("pk", filter=Q(status=MemberStatus.PROBATIONARY)),
        },
    )
    orgs = subtree_counts(nodes, PartyOrg.objects.visible_to(user), "path")
    for n in nodes:
        m = members[n.path]
        n.counts = {
            "members": m["n"],
            "full": m["full"],
            "probationary": m["probationary"],
            "suborgs": max(orgs[n.path]["n"] - 1, 0),
        }
        n.badge = KIND_BADGE.get(n.kind, "secondary")
    return nodes


def term_state(org: PartyOrg) -> str:
    """ "expired", "expiring" (within 90 days) or "" — derived from the date, never stored."""
    if not org.term_end:
        return ""
    today = timezone.localdate()
    if org.term_end < today:
        return "expired"
    if org.term_end <= today + datetime.timedelta(days=TERM_WARNING_DAYS):
        return "expiring"
    return ""


def _search(user, q: str):
    cond = name_search_q(q) | Q(code__istartswith=q) | Q(short_name__icontains=q)
    return (
        PartyOrg.objects.visible_to(user).filter(cond).select_related("region").order_by("depth", "path")[:30]
    )


def _decorate(results) -> None:
    for r in results:
        r.badge = KIND_BADGE.get(r.kind, "secondary")


tree, tree_children = tree_pages(
    "party", PartyOrg, search=_search, url_of=org_url, counted=with_counts, decorate=_decorate
)


@login_required
def lookup(request):
    require_perm(request.user, "party.view")
    q = next((v for v in request.GET.values() if v.strip()), "").strip().split(" ")[0]
    qs = PartyOrg.objects.visible_to(request.user)
    if q:
        qs = qs.filter(name_search_q(q) | Q(code__istartswith=q))
    rows = qs.order_by("depth", "path")[:20]
    return HttpResponse(
        format_html_join("", '<option value="{}">{}</option>', ((o.code, o.name) for o in rows))
    )


# ---- organisations ---------------------------------------------------------------------------------


def _flags(org) -> str:
    return "、".join(org.flags_display)


class OrgListView(PageListView):
    importer = "grassroots.party.importers.PartyOrgImporter"
    model = PartyOrg
    template_name = "party/org_list.html"
    title = "党组织"
    list_filters = OrgFilters
    select_related = ("region", "unit")
    ordering = ("path",)
    empty_hint = "党组织在组织树中逐级新增：打开上级组织，点击“新增下级组织”。"
    export_title = "党组织"
    export_columns = [
        Column("组织编码", "code", width=18),
        Column("名称", "name", width=30),
        Column("类别", "get_kind_display", width=10),
        Column("标识", _flags, width=14),
        Column("所在区划", "region.name", width=16),
        Column("所在单位", "unit.name", width=20),
        Column("书记", "secretary_name", width=10),
        Column("党员数", "member_count", width=8),
        Column("本届届满", "term_end", width=12),
    ]

    def base_queryset(self):
        return super().base_queryset().annotate(member_count=Count("members"))

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        for org in ctx["object_list"]:
            org.badge = KIND_BADGE.get(org.kind, "secondary")
            org.term = term_state(org)
        return ctx


@login_required
def org_detail(request, code: str):
    require_perm(request.user, "party.view")
    user = request.user
    org = get_visible(PartyOrg, user, code=code, select_related=("region", "unit", "secretary"))
    parent = PartyOrg.objects.get_parent(org) if org.depth > 1 else None
    if parent is not None and not PartyOrg.objects.visible_to(user).filter(pk=parent.pk).exists():
        parent.hidden = True
    order = list(SeatPost.values)
    seats = sorted(
        org.seats.select_related("unit", "member").order_by("id"), key=lambda s: order.index(s.post)
    )
    members_qs = Member.objects.visible_to(user).filter(party_org=org)
    member_stats = members_qs.aggregate(
        total=Count("pk"),
        full=Count("pk", filter=Q(status=MemberStatus.FULL)),
        probationary=Count("pk", filter=Q(status=MemberStatus.PROBATIONARY)),
    )
    members = list(members_qs.order_by("name")[:50])
    children = with_counts(user, list(PartyOrg.objects.get_children(org).visible_to(user)))
    with_counts(user, [org])
    covered = list(org.covered_units.all().order_by("name")[:100])
    ctx = {
        "org": org,
        "badge": KIND_BADGE.get(org.kind, "secondary"),
        "parent": parent,
        "seats": seats,
        "part_time": sum(1 for s in seats if s.unit_id),
        "members": members,
        "member_stats": member_stats,
        "children": children,
        "covered": covered,
        "term": term_state(org),
    }
    return render(request, "party/org_detail.html", ctx)


class OrgFormMixin:
    perm = "party.change"
    form_class = OrgForm

    def url_for(self, obj):
        return org_url(obj)

    def breadcrumbs(self):
        crumbs = [("党组织", reverse("party:tree"))]
        if self.object is not None:
            crumbs.append((self.object.name, org_url(self.object)))
        return crumbs


class OrgAddChildView(OrgFormMixin, ServiceFormView):
    title = "新增下级组织"
    service = services.add_org

    def get_object(self):
        return get_visible(
            PartyOrg, self.request.user, action="change", code=self.kwargs["code"], select_related=("region",)
        )

    def get_instance(self):
        return PartyOrg()

    def get_initial(self):
        kind = {"committee": "branch", "working_committee": "committee", "general_branch": "branch"}
        return {"region": self.object.region.code, "kind": kind.get(self.object.kind, "group")}


class OrgEditView(OrgFormMixin, ServiceFormView):
    title = "编辑：{object.name}"
    service = services.update_org

    def get_object(self):
        return get_visible(
            PartyOrg,
            self.request.user,
            action="change",
            code=self.kwargs["code"],
            select_related=("region", "unit"),
        )

    def get_instance(self):
        return PartyOrg.objects.select_related("region", "unit").get(pk=self.object.pk)


class SeatAddView(OrgFormMixin, ServiceFormView):
    form_class = SeatForm
    success_message = "已添加委员"
    title = "添加委员：{object.name}"
    service = services.add_seat

    def get_object(self):
        return get_visible(PartyOrg, self.request.user, action="change", code=self.kwargs["code"])

    def get_form(self, data=None):
        return SeatForm(data, user=self.request.user, instance=Seat(), org=self.object)

    def success_url(self, obj):
        return org_url(self.object) + "#tab-seats"


@login_required
@require_POST
def seat_remove(request, pk: int):
    require_perm(request.user, "party.change")
    seat = get_visible(Seat, request.user, action="change", pk=pk, select_related=("org__region",))
    try:
        services.remove_seat(request.user, seat)
    except ServiceError as exc:
        return htmx_error(exc)
    if request.htmx:
        return HttpResponse("")
    return redirect(org_url(seat.org))


# ---- members -------------------------------------------------------------------------------------


class MemberListView(PageListView):
    importer = "grassroots.party.importers.MemberImporter"
    model = Member
    template_name = "party/member_list.html"
    title = "党员"
    list_filters = MemberFilters
    select_related = ("party_org__region",)
    ordering = ("party_org__path", "name", "id")
    create_url_name = "party:member_add"
    empty_hint = "登记党员后会显示在这里，也可以通过批量导入录入。"
    export_title = "党员"
    export_columns = [
        Column("姓名", "name", width=10),
        Column("性别", "get_gender_display", width=6),
        Column("身份证号", "id_number", personal="id_number", width=22),
        Column("手机号", "phone", personal="phone", width=14),
        Column("党员类别", "get_status_display", width=10),
        Column("所在党组织", "party_org.name", width=28),
        Column("组织编码", "party_org.code", width=16),
        Column("入党日期", "joined_on", width=12),
        Column("转正日期", "converted_on", width=12),
        Column("在职党员", "in_service", width=8),
        Column("党员中心户", "is_household_hub", width=10),
    ]


@login_required
def member_detail(request, pk: int):
    require_perm(request.user, "party.view")
    m = get_visible(
        Member, request.user, pk=pk, select_related=("party_org__region", "workplace_unit", "residence")
    )
    transfers = list(m.transfers.select_related("from_org", "to_org").order_by("-created_at", "-id"))
    from .contact import recent_logs
    from .models import MemberContact

    ctx = {
        "m": m,
        "transfers": transfers,
        "in_transit": next((t for t in transfers if t.state == "issued"), None),
        "residence_place": None,
        "contact": MemberContact.objects.filter(member=m).first(),
        "contact_logs": recent_logs(m),
    }
    if m.residence_id:
        from grassroots.regions.views import places

        ctx["residence_place"] = places([m.residence]).get(m.residence.path)
    return render(request, "party/member_detail.html", ctx)


class MemberFormMixin:
    perm = "party.change"
    form_class = MemberForm

    def url_for(self, obj):
        return member_url(obj)

    def breadcrumbs(self):
        crumbs = [("党员", reverse("party:members"))]
        if self.object is not None:
            crumbs.append((self.object.name, member_url(self.object)))
        return crumbs

    def get_object(self):
        return get_visible(
            Member,
            self.request.user,
            action="change",
            pk=self.kwargs["pk"],
            select_related=("party_org__region",),
        )


class MemberCreateView(MemberFormMixin, ServiceFormView):
    title = "登记党员"

    def get_object(self):
        return None

    def get_instance(self):
        return Member()

    def get_initial(self):
        return {"party_org": self.request.GET.get("org", ""), "status": MemberStatus.FULL}

    def cancel_url(self):
        return reverse("party:members")

    def save(self, form):
        from grassroots.core.crypto import lookup_hash

        data = form.service_data()
        # party.services.add_member validates before Member.save() computes the look-up hash, so a
        # blank hash would fail validation ("此字段不能为空"): pass it along with the ID number.
        data["id_number_hash"] = lookup_hash((data.get("id_number") or "").upper())
        return services.add_member(self.request.user, **data)


class MemberEditView(MemberFormMixin, ServiceFormView):
    title = "编辑党员：{object.name}"
    service = services.update_member

    def get_instance(self):
        return Member.objects.select_related("workplace_unit", "residence").get(pk=self.object.pk)


class MemberConvertView(MemberFormMixin, ServiceFormView):
    form_class = ConvertForm
    submit_label = "确认转正"
    success_message = "已办理转正"
    title = "预备党员转正：{object.name}"
    service = services.convert_member

    def get_initial(self):
        return {"on": timezone.localdate()}


class MemberExtendProbationView(MemberFormMixin, ServiceFormView):
    form_class = ExtendProbationForm
    submit_label = "确认延长"
    success_message = "已延长预备期"
    title = "延长预备期：{object.name}"
    service = services.extend_probation

    def get_initial(self):
        import datetime

        end = services.probation_end(self.object)
        return {"until": end + datetime.timedelta(days=services.probation_params()["min_extension_days"])}
