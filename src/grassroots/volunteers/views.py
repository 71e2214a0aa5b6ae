"""Pages of volunteers: staff lists (filters, search, pagination, Excel) and the mobile pages of
residents, party members and unit liaisons (wish pool, my wishes, activities, scan check-in, my
points, 爱心超市). Views are thin: reads through visible_to(), writes through services."""

from __future__ import annotations

import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.decorators.http import require_POST

from grassroots.core import exports
from grassroots.core.attachments import attachments_of
from grassroots.core.errors import ServiceError
from grassroots.core.excel import Column
from grassroots.core.pages import (
    PageListView,
    ServiceFormView,
    get_visible,
    require_perm,
    service_messages,
    tab_links,
)
from grassroots.core.scoping import covers, has_perm
from grassroots.core.views import export_querystring
from grassroots.orglife.models import Signup
from grassroots.regions.models import Region

from . import services, stats, wishes
from .filters import WishFilters
from .forms import (
    ActivityFilterForm,
    ActivityForm,
    GrantForm,
    ItemEditForm,
    ItemFilterForm,
    ItemForm,
    NoteForm,
    PointFilterForm,
    RankingForm,
    ReasonForm,
    RedemptionFilterForm,
    StockForm,
    TeamFilterForm,
    TeamForm,
    VolunteerFilterForm,
    VolunteerForm,
    WishForm,
)
from .models import (
    CatalogItem,
    PointEntry,
    Redemption,
    TeamMember,
    Volunteer,
    VolunteerActivity,
    VolunteerTeam,
    Wish,
    WishState,
)
from .workflow import VERB_LABELS

STAFF_TABS = [
    ("微心愿", "volunteers:wishes"),
    ("志愿者", "volunteers:volunteers"),
    ("志愿服务队", "volunteers:teams"),
    ("志愿活动", "volunteers:activities"),
    ("积分流水", "volunteers:points"),
    ("爱心超市", "volunteers:items"),
    ("兑换记录", "volunteers:redemptions"),
    ("排行榜", "volunteers:rankings"),
]


def _tabs(active: str):
    return tab_links(STAFF_TABS, active)


class StaffList(PageListView):
    tabs = STAFF_TABS


def _local(value):
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


# ---------------------------------------------------------------- wishes (staff)


class WishListView(StaffList):
    model = Wish
    tab = "volunteers:wishes"
    template_name = "volunteers/wish_list.html"
    title = "微心愿"
    list_filters = WishFilters
    select_related = ("region",)
    ordering = ("-posted_at", "-id")
    create_url_name = "volunteers:wish_add"
    empty_hint = "网格员为困难群众登记的微心愿，经社区审核后发布到心愿池，由党员和驻区单位认领。"
    export_title = "微心愿"
    export_columns = [
        Column("心愿", "title", width=24),
        Column("类别", "get_category_display", width=10),
        Column("社区", "region.name", width=14),
        Column("心愿人", "beneficiary_name", personal="name", width=10),
        Column("联系电话", "beneficiary_phone", personal="phone", width=14),
        Column("状态", "get_state_display", width=8),
        Column("时限", lambda w: w.timing_display(), width=8),
        Column("认领方", "claimant_name", width=20),
        Column("登记时间", lambda w: _local(w.posted_at), width=17),
        Column("认领时间", lambda w: _local(w.claimed_at), width=17),
        Column("完成时间", lambda w: _local(w.fulfilled_at), width=17),
    ]


class WishCreateView(ServiceFormView):
    perm = "volunteers.change"
    form_class = WishForm
    title = "登记微心愿"
    template_name = "volunteers/wish_form.html"
    success_message = "已登记，等待社区审核"
    list_crumb = "微心愿"
    object_url_name = "volunteers:wish_detail"
    list_url_name = "volunteers:wishes"

    def get_initial(self):
        return {"region": self.request.GET.get("region", "")}

    def save(self, form):
        data = form.service_data()
        return wishes.post_wish(self.request.user, photos=self.request.FILES.getlist("photos"), **data)


def _wish_for(user, pk, verb: str | None = None) -> Wish:
    """A wish the user may see: staff in scope, the claimant, or any published wish for a claim."""
    base = Wish.objects.select_related("region", "claimed_by", "posted_by", "claimant_unit")
    wish = (
        base.filter(pk=pk).filter(
            Q(pk__in=Wish.objects.visible_to(user, "view").values("pk"))
            | Q(pk__in=Wish.objects.visible_to(user, "join").values("pk"))
        )
    ).first()
    if wish is None and verb == "claim" and has_perm(user, "volunteers.join"):
        wish = base.filter(pk=pk, state=WishState.PUBLISHED).first()
    if wish is None:
        raise Http404("心愿不存在或无权访问")
    return wish


@login_required
def wish_detail(request, pk: int):
    require_perm(request.user, "volunteers.view")
    wish = get_visible(
        Wish,
        request.user,
        pk=pk,
        select_related=("region", "posted_by", "reviewed_by", "claimed_by", "confirmed_by", "claimant_unit"),
    )
    actions = [
        {"verb": v, "label": VERB_LABELS[v]}
        for v in wishes.available_wish_actions(request.user, wish)
        if v not in ("claim", "abandon", "fulfil")
    ]
    ctx = {
        "wish": wish,
        "actions": actions,
        "photos": attachments_of(wish, "photo"),
        "proofs": attachments_of(wish, "proof"),
        "events": _wish_history(wish),
        "tabs": _tabs("volunteers:wishes"),
    }
    return render(request, "volunteers/wish_detail.html", ctx)


def _wish_history(wish):
    from grassroots.core.models import AuditEvent

    out = []
    for e in AuditEvent.objects.filter(model="volunteers.wish", object_id=str(wish.pk)).order_by("at", "id"):
        changes = e.changes or {}
        verb = (changes.get("verb") or [None, ""])[1]
        label = "登记" if e.action == "create" else VERB_LABELS.get(verb, e.get_action_display())
        if verb in ("release", "expire") and not e.actor_id:
            label = "到期自动" + VERB_LABELS[verb]
        out.append(
            {
                "label": label,
                "note": (changes.get("note") or [None, ""])[1],
                "actor": e.actor_name,
                "at": e.at,
            }
        )
    return out or _wish_milestones(wish)


def _wish_milestones(wish):
    """The timeline from the wish's own timestamps, for wishes entered without step records (data
    migrated from earlier ledgers)."""
    steps = [
        ("登记", wish.posted_at, wish.posted_by),
        ("审核通过", wish.reviewed_at, wish.reviewed_by),
        ("认领", wish.claimed_at, wish.claimant_unit or wish.claimed_by),
        ("完成", wish.fulfilled_at, wish.claimant_unit or wish.claimed_by),
        ("确认完成", wish.confirmed_at, wish.confirmed_by),
    ]
    return [
        {"label": label, "note": "", "actor": str(who) if who else "", "at": at}
        for label, at, who in steps
        if at is not None
    ]


@login_required
@require_POST
def wish_act(request, pk: int, verb: str):
    if verb not in wishes.WISH_VERBS:
        raise Http404
    user = request.user
    wish = _wish_for(user, pk, verb)
    form = NoteForm(request.POST)
    form.is_valid()
    data = {"note": form.cleaned_data.get("note", ""), "photos": request.FILES.getlist("photos")}
    if verb == "claim" and request.POST.get("unit"):
        unit = (
            services.units_for(user).filter(pk=request.POST.get("unit")).first()
            if request.POST["unit"].isdigit()
            else None
        )
        if unit is None:
            messages.error(request, "请选择您所代表的单位")
            return redirect(_back(request, wish))
        data["unit"] = unit
    with service_messages(request, f"已{VERB_LABELS[verb]}"):
        wishes.WISH_VERBS[verb](user, wish, data)
    return redirect(_back(request, wish))


def _back(request, wish) -> str:
    back = request.POST.get("back", "")
    if back.startswith("/") and not back.startswith("//"):
        return back
    if covers(request.user, wish, "view"):
        return reverse("volunteers:wish_detail", args=[wish.pk])
    return reverse("volunteers:my_wishes")


@login_required
def wish_stats(request):
    require_perm(request.user, "volunteers.view")
    rows = stats.wish_stats(request.user)
    totals = {k: sum(r[k] for r in rows) for k in ("posted", "claimed", "fulfilled", "open")}
    if request.GET.get("export") == "xlsx":
        cols = [
            Column("社区", "region__name", width=16),
            Column("登记", "posted", width=8),
            Column("认领", "claimed", width=8),
            Column("完成", "fulfilled", width=8),
            Column("待认领", "open", width=8),
            Column("平均完成天数", "avg_days", width=12),
        ]
        return exports.respond(
            request, "微心愿统计", cols, [_Row(r) for r in rows], model_label="volunteers.wish"
        )
    ctx = {"rows": rows, "totals": totals, "tabs": _tabs("volunteers:wishes")}
    return render(request, "volunteers/wish_stats.html", ctx)


class _Row:
    def __init__(self, data):
        self.__dict__.update(data)


# ---------------------------------------------------------------- volunteers and teams


class VolunteerListView(StaffList):
    model = Volunteer
    tab = "volunteers:volunteers"
    template_name = "volunteers/volunteer_list.html"
    title = "志愿者"
    filter_form_class = VolunteerFilterForm
    filters = {"kind": "kind"}
    select_related = ("region",)
    region_filter = "region"
    ordering = ("region__path", "name")
    create_url_name = "volunteers:volunteer_add"
    empty_hint = "党员和居民报名志愿活动或认领微心愿时自动成为注册志愿者，也可在此代为登记。"
    export_title = "志愿者"
    export_columns = [
        Column("姓名", "name", width=10),
        Column("身份", "get_kind_display", width=8),
        Column("社区", "region.name", width=14),
        Column("手机号", "phone", personal="phone", width=14),
        Column("注册时间", lambda v: _local(v.registered_at), width=17),
    ]


class VolunteerCreateView(ServiceFormView):
    perm = "volunteers.change"
    form_class = VolunteerForm
    title = "登记志愿者"
    list_crumb = "志愿者"
    list_url_name = "volunteers:volunteers"
    service = services.register_volunteer


@login_required
def volunteer_detail(request, pk: int):
    require_perm(request.user, "volunteers.view")
    vol = get_visible(Volunteer, request.user, pk=pk, select_related=("region", "user"))
    entries = list(PointEntry.objects.filter(account=vol.user).select_related("region")[:50])
    signups = list(
        Signup.objects.filter(user=vol.user, activity__kind="volunteer")
        .select_related("activity")
        .order_by("-signed_up_at")[:50]
    )
    teams = list(VolunteerTeam.objects.filter(memberships__volunteer=vol))
    ctx = {
        "vol": vol,
        "balance": services.balance(vol.user_id),
        "entries": entries,
        "signups": signups,
        "teams": teams,
        "hours": sum(s.hours for s in signups if s.checked_out_at),
        "grant_form": GrantForm(initial={"volunteer": vol.pk}),
        "can_change": covers(request.user, vol, "change"),
        "tabs": _tabs("volunteers:volunteers"),
    }
    return render(request, "volunteers/volunteer_detail.html", ctx)


class TeamListView(StaffList):
    model = VolunteerTeam
    tab = "volunteers:teams"
    template_name = "volunteers/team_list.html"
    title = "志愿服务队"
    filter_form_class = TeamFilterForm
    select_related = ("region", "leader")
    region_filter = "region"
    ordering = ("region__path", "name")
    create_url_name = "volunteers:team_add"
    empty_hint = "按服务领域组建志愿服务队，吸纳党员、居民和驻区单位职工参加。"
    export_title = "志愿服务队"
    export_columns = [
        Column("队伍名称", "name", width=24),
        Column("服务领域", "service_area", width=14),
        Column("社区", "region.name", width=14),
        Column("队长", lambda t: t.leader.name if t.leader_id else "", width=10),
        Column("队员数", "n_members", width=8),
        Column("成立时间", lambda t: _local(t.created_at), width=17),
    ]

    def base_queryset(self):
        from django.db.models import Count

        return super().base_queryset().annotate(n_members=Count("memberships"))


class TeamCreateView(ServiceFormView):
    perm = "volunteers.change"
    form_class = TeamForm
    title = "组建志愿服务队"
    list_crumb = "志愿服务队"
    object_url_name = "volunteers:team_detail"
    list_url_name = "volunteers:teams"
    service = services.create_team


@login_required
def team_detail(request, pk: int):
    require_perm(request.user, "volunteers.view")
    team = get_visible(VolunteerTeam, request.user, pk=pk, select_related=("region", "leader"))
    members = list(team.memberships.select_related("volunteer").order_by("volunteer__name"))
    can_change = covers(request.user, team, "change")
    candidates = []
    if can_change:
        taken = [m.volunteer_id for m in members]
        candidates = list(
            Volunteer.objects.filter(region=team.region).exclude(pk__in=taken).order_by("name")[:200]
        )
    ctx = {
        "team": team,
        "members": members,
        "candidates": candidates,
        "can_change": can_change,
        "ranking": stats.rankings(request.user, team=team, limit=20),
        "tabs": _tabs("volunteers:teams"),
    }
    return render(request, "volunteers/team_detail.html", ctx)


@login_required
@require_POST
def team_member_add(request, pk: int):
    require_perm(request.user, "volunteers.view")
    team = get_visible(VolunteerTeam, request.user, pk=pk, select_related=("region",))
    raw = request.POST.get("volunteer", "")
    vol = Volunteer.objects.visible_to(request.user).filter(pk=raw).first() if raw.isdigit() else None
    with service_messages(request, lambda: f"{vol.name}已加入队伍"):
        services.add_team_member(request.user, team, vol)
    return redirect("volunteers:team_detail", pk=team.pk)


@login_required
@require_POST
def team_member_remove(request, pk: int):
    require_perm(request.user, "volunteers.view")
    membership = get_visible(TeamMember, request.user, pk=pk, select_related=("team__region", "volunteer"))
    with service_messages(request, "已移出队伍"):
        services.remove_team_member(request.user, membership)
    return redirect("volunteers:team_detail", pk=membership.team_id)


@login_required
@require_POST
def team_leader(request, pk: int):
    require_perm(request.user, "volunteers.view")
    membership = get_visible(TeamMember, request.user, pk=pk, select_related=("team__region", "volunteer"))
    with service_messages(request, lambda: f"已设{membership.volunteer.name}为队长"):
        services.update_team(request.user, membership.team, leader=membership.volunteer)
    return redirect("volunteers:team_detail", pk=membership.team_id)


# ---------------------------------------------------------------- activities


class ActivityListView(StaffList):
    model = VolunteerActivity
    tab = "volunteers:activities"
    template_name = "volunteers/activity_list.html"
    title = "志愿活动"
    filter_form_class = ActivityFilterForm
    filters = {"status": "activity__status"}
    search_fields = ("activity__title", "activity__title")
    select_related = ("activity__region", "team")
    region_filter = "activity__region"
    ordering = ("-activity__starts_at", "-id")
    create_url_name = "volunteers:activity_add"
    empty_hint = "发布志愿活动，志愿者在手机上报名，现场扫码签到签退，自动累计时长和积分。"
    export_title = "志愿活动"
    export_columns = [
        Column("活动名称", "title", width=24),
        Column("社区", "region.name", width=14),
        Column("组织队伍", lambda a: a.team.name if a.team_id else "", width=18),
        Column("地点", "place", width=20),
        Column("开始时间", lambda a: _local(a.starts_at), width=17),
        Column("结束时间", lambda a: _local(a.ends_at), width=17),
        Column("招募人数", "capacity", width=8),
        Column("已报名", "signed_count", width=8),
        Column("状态", "get_status_display", width=8),
    ]


class ActivityCreateView(ServiceFormView):
    perm = "volunteers.change"
    form_class = ActivityForm
    title = "发布志愿活动"
    list_crumb = "志愿活动"
    object_url_name = "volunteers:activity_detail"
    list_url_name = "volunteers:activities"

    def get_form(self, data=None):
        form = super().get_form(data)
        teams = VolunteerTeam.objects.visible_to(self.request.user, "change").filter(is_active=True)
        form.fields["team"].widget.choices = [("", "不指定")] + [
            (t.pk, f"{t.name}（{t.region.name}）") for t in teams.select_related("region")[:300]
        ]
        return form

    def save(self, form):
        data = form.service_data()
        team_id = data.pop("team")
        team = None
        if team_id:
            team = VolunteerTeam.objects.visible_to(self.request.user, "change").filter(pk=team_id).first()
            if team is None:
                raise ServiceError("组织队伍不存在或不在您的管辖范围内", field="team")
        return services.create_activity(self.request.user, team=team, **data)


@login_required
def activity_detail(request, pk: int):
    require_perm(request.user, "volunteers.view")
    va = get_visible(VolunteerActivity, request.user, pk=pk, select_related=("activity__region", "team"))
    signups = list(Signup.objects.filter(activity=va.activity).order_by("signed_up_at", "id"))
    ctx = {
        "va": va,
        "activity": va.activity,
        "signups": signups,
        "can_change": covers(request.user, va, "change"),
        "checked_in": sum(1 for s in signups if s.checked_in_at),
        "hours": sum(s.hours for s in signups),
        "tabs": _tabs("volunteers:activities"),
    }
    return render(request, "volunteers/activity_detail.html", ctx)


@login_required
def activity_qr(request, pk: int, kind: str):
    """The organizer's QR code (SVG) for check-in / check-out; a fresh short-lived token each time."""
    import segno

    require_perm(request.user, "volunteers.view")
    va = get_visible(VolunteerActivity, request.user, action="change", pk=pk)
    if kind not in ("in", "out"):
        raise Http404
    url = request.build_absolute_uri(reverse("volunteers:scan", args=[services.checkin_token(va, kind)]))
    out = io.BytesIO()
    segno.make(url, error="m").save(
        out, kind="svg", scale=6, border=2, title="扫码签到" if kind == "in" else "扫码签退"
    )
    response = HttpResponse(out.getvalue(), content_type="image/svg+xml")
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def activity_cancel(request, pk: int):
    require_perm(request.user, "volunteers.view")
    va = get_visible(VolunteerActivity, request.user, pk=pk, select_related=("activity__region",))
    with service_messages(request, "活动已取消，已通知报名的志愿者"):
        services.cancel_activity(request.user, va, reason=request.POST.get("reason", ""))
    return redirect("volunteers:activity_detail", pk=va.pk)


# ---------------------------------------------------------------- points


class PointListView(StaffList):
    model = PointEntry
    tab = "volunteers:points"
    template_name = "volunteers/point_list.html"
    title = "积分流水"
    filter_form_class = PointFilterForm
    filters = {"source_type": "source_type"}
    search_fields = None
    select_related = ("region", "account__volunteer", "revokes")
    region_filter = "region"
    ordering = ("-created_at", "-id")
    empty_hint = "志愿服务签退、微心愿确认完成和人工发放都会记入积分流水；流水只增不改，撤销另记一笔。"
    export_title = "积分流水"
    export_columns = [
        Column("时间", lambda e: _local(e.created_at), width=17),
        Column(
            "志愿者",
            lambda e: getattr(getattr(e.account, "volunteer", None), "name", "") or str(e.account),
            width=12,
        ),
        Column("社区", "region.name", width=14),
        Column("积分", "amount", width=8),
        Column("来源", "get_source_type_display", width=10),
        Column("事由", "reason", width=36),
    ]

    def filter_queryset(self, qs):
        q = self.request.GET.get("q", "").strip()
        if q:
            qs = qs.filter(Q(account__volunteer__name__icontains=q) | Q(reason__icontains=q))
        return super().filter_queryset(qs)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        revoked = set(
            PointEntry.objects.filter(revokes__in=[e.pk for e in ctx["object_list"]]).values_list(
                "revokes_id", flat=True
            )
        )
        for e in ctx["object_list"]:
            e.is_revoked = e.pk in revoked
        ctx["reason_form"] = ReasonForm()
        return ctx


@login_required
@require_POST
def point_grant(request):
    require_perm(request.user, "volunteers.change")
    form = GrantForm(request.POST, user=request.user)
    vol = None
    if form.is_valid():
        vol = (
            Volunteer.objects.visible_to(request.user)
            .select_related("region", "user")
            .filter(pk=form.cleaned_data["volunteer"])
            .first()
        )
        if vol is None:
            raise Http404
        with service_messages(request, "积分已记入"):
            services.grant_points(
                request.user, vol, amount=form.cleaned_data["amount"], reason=form.cleaned_data["reason"]
            )
    else:
        messages.error(request, "；".join(e for errs in form.errors.values() for e in errs))
    raw = request.POST.get("volunteer", "")
    if vol is None and raw.isdigit():
        vol = Volunteer.objects.visible_to(request.user).filter(pk=raw).first()
    return redirect("volunteers:volunteer_detail", pk=vol.pk) if vol else redirect("volunteers:points")


@login_required
@require_POST
def point_revoke(request, pk: int):
    require_perm(request.user, "volunteers.view")
    entry = get_visible(PointEntry, request.user, pk=pk, select_related=("region", "account"))
    with service_messages(request, "已撤销，另记一笔负积分"):
        services.revoke_entry(request.user, entry, reason=request.POST.get("reason", ""))
    return redirect("volunteers:points")


# ---------------------------------------------------------------- 爱心超市


class ItemListView(StaffList):
    model = CatalogItem
    tab = "volunteers:items"
    template_name = "volunteers/item_list.html"
    title = "爱心超市"
    filter_form_class = ItemFilterForm
    select_related = ("region",)
    region_filter = "region"
    ordering = ("region__path", "price", "name")
    create_url_name = "volunteers:item_add"
    empty_hint = "上架可用积分兑换的物品，设置所需积分和库存。"
    export_title = "爱心超市物品"
    export_columns = [
        Column("物品", "name", width=20),
        Column("社区", "region.name", width=14),
        Column("所需积分", "price", width=10),
        Column("库存", "stock", width=8),
        Column("上架", "is_active", width=6),
    ]


class ItemCreateView(ServiceFormView):
    perm = "volunteers.change"
    form_class = ItemForm
    title = "上架物品"
    list_crumb = "爱心超市"
    list_url_name = "volunteers:items"
    service = services.add_item


class ItemEditView(ServiceFormView):
    perm = "volunteers.change"
    form_class = ItemEditForm
    template_name = "volunteers/item_form.html"
    list_url_name = "volunteers:items"
    title = "编辑：{object.name}"

    def get_object(self):
        return get_visible(
            CatalogItem, self.request.user, action="change", pk=self.kwargs["pk"], select_related=("region",)
        )

    def get_initial(self):
        o = self.object
        return {"name": o.name, "price": o.price, "description": o.description, "is_active": o.is_active}

    def breadcrumbs(self):
        return [("爱心超市", reverse("volunteers:items"))]

    def save(self, form):
        return services.update_item(self.request.user, self.object, **form.service_data())


@login_required
@require_POST
def item_stock(request, pk: int):
    require_perm(request.user, "volunteers.view")
    item = get_visible(CatalogItem, request.user, pk=pk, select_related=("region",))
    form = StockForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请填写库存变动数量（整数）")
    else:
        with service_messages(request, lambda: f"库存已调整为 {item.stock}"):
            services.adjust_stock(request.user, item, **form.cleaned_data)
    return redirect("volunteers:item_edit", pk=item.pk)


class RedemptionListView(StaffList):
    model = Redemption
    tab = "volunteers:redemptions"
    template_name = "volunteers/redemption_list.html"
    title = "兑换记录"
    filter_form_class = RedemptionFilterForm
    filters = {"state": "state"}
    search_fields = None
    select_related = ("item__region", "account__volunteer")
    region_filter = "item__region"
    ordering = ("-created_at", "-id")
    empty_hint = "志愿者在手机上用积分兑换物品后，在这里登记领取。"
    export_title = "积分兑换"
    export_columns = [
        Column("时间", lambda r: _local(r.created_at), width=17),
        Column("志愿者", lambda r: getattr(getattr(r.account, "volunteer", None), "name", ""), width=12),
        Column("物品", "item.name", width=18),
        Column("社区", "item.region.name", width=14),
        Column("数量", "quantity", width=6),
        Column("积分", "points", width=8),
        Column("状态", "get_state_display", width=8),
    ]


@login_required
@require_POST
def redemption_act(request, pk: int, action: str):
    if action not in ("deliver", "cancel"):
        raise Http404
    qs = Redemption.objects.select_related("item__region", "account")
    red = (
        qs.filter(pk=pk, account=request.user).first() if has_perm(request.user, "volunteers.join") else None
    )
    if red is None:
        red = get_visible(Redemption, request.user, pk=pk, select_related=("item__region", "account"))
    with service_messages(request, "已登记领取" if action == "deliver" else "已取消兑换，积分已退回"):
        if action == "deliver":
            services.deliver_redemption(request.user, red)
        else:
            services.cancel_redemption(request.user, red, reason=request.POST.get("reason", ""))
    if red.account_id == request.user.pk:
        return redirect("volunteers:my_points")
    return redirect("volunteers:redemptions")


# ---------------------------------------------------------------- rankings


class RankingView(View):
    def get(self, request):
        if not request.user.is_authenticated:
            return redirect(f"{reverse('accounts:login')}?next={request.path}")
        require_perm(request.user, "volunteers.view")
        by = "hours" if request.GET.get("by") == "hours" else "points"
        region = None
        code = request.GET.get("region", "").strip()
        if code:
            region = Region.objects.visible_to(request.user).filter(code=code).first()
            if region is None:
                raise Http404
        teams = VolunteerTeam.objects.visible_to(request.user).filter(is_active=True)
        if region is not None:
            teams = teams.filter(region__path__startswith=region.path)
        team = None
        raw = request.GET.get("team", "")
        if raw.isdigit():
            team = teams.filter(pk=raw).first()
            if team is None:
                raise Http404
        mode = request.GET.get("mode", "people")
        if mode == "teams":
            rows = stats.team_rankings(request.user, region=region)
            cols = [
                Column("名次", "rank", width=6),
                Column("队伍", "name", width=24),
                Column("社区", "community", width=14),
                Column("队员", "members", width=8),
                Column("积分", "points", width=10),
                Column("服务时长（小时）", "hours", width=14),
            ]
        else:
            rows = stats.rankings(request.user, by=by, region=region, team=team)
            cols = [
                Column("名次", "rank", width=6),
                Column("志愿者", "name", width=12),
                Column("社区", "community", width=14),
                Column("积分", "points", width=10),
                Column("服务时长（小时）", "hours", width=14),
            ]
        if request.GET.get("export") == "xlsx":
            title = "志愿服务队排行" if mode == "teams" else "志愿者排行"
            return exports.respond(
                request,
                title,
                cols,
                [_Row(r) for r in rows],
                model_label="volunteers.volunteer",
                filters={k: v for k, v in request.GET.items() if k != "export"},
            )
        form = RankingForm(request.GET or None, user=request.user)
        form.fields["team"].widget.choices = [("", "全部")] + [
            (t.pk, t.name) for t in teams.order_by("name")[:300]
        ]
        form.is_valid()
        ctx = {
            "rows": rows,
            "mode": mode,
            "by": by,
            "filter_form": form,
            "export_querystring": export_querystring(request.GET),
            "tabs": _tabs("volunteers:rankings"),
            "title": "排行榜",
        }
        return render(request, "volunteers/rankings.html", ctx)
