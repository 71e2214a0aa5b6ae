"""居民议事 pages: the staff list and the topic page with the actions its state allows, a staff form for
a topic raised at a meeting, and the residents' phone pages (议事厅, a topic, voting). Thin: writes in
services.py."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from grassroots.core.errors import ServiceError
from grassroots.core.excel import Column
from grassroots.core.excel import local_minute as _local
from grassroots.core.pages import PageListView, get_visible, require_perm
from grassroots.core.scoping import covers, has_perm
from grassroots.regions.models import Region

from . import services
from .forms import ProjectForm, ScheduleForm, TopicFilterForm
from .models import Topic, TopicState

PAGE_SIZE = 10


class TopicListView(PageListView):
    model = Topic
    template_name = "deliberation/list.html"
    title = "居民议事"
    filter_form_class = TopicFilterForm
    filters = {"state": "state"}
    search_fields = None  # topics are searched by title or number below, not by a person's name
    region_filter = "region"
    select_related = ("region",)
    ordering = ("-created_at", "-id")
    create_url_name = "deliberation:create"
    empty_hint = "居民在手机上提出的议题、社区议事会上收集的议题会出现在这里。"
    export_title = "居民议事议题"
    export_columns = [
        Column("编号", "number", width=14),
        Column("议题", "title", width=28),
        Column("社区", "region.name", width=14),
        Column("提议人", "proposer_name", personal="name", width=10),
        Column("状态", "get_state_display", width=10),
        Column("议事时间", lambda t: _local(t.meeting_at), width=17),
        Column("议事地点", "meeting_place", width=16),
        Column("表决票数", "n_votes", width=8),
        Column("决议", "resolution", width=30),
        Column("实事项目", "project_title", width=20),
        Column("办结时间", lambda t: _local(t.done_at), width=17),
    ]

    def filter_queryset(self, qs):
        qs = super().filter_queryset(qs)
        q = self.applied_filters().get("q")
        return qs.filter(Q(title__icontains=q) | Q(number__icontains=q)) if q else qs

    def base_queryset(self):
        return super().base_queryset().annotate(n_votes=Count("votes"))

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["can_change"] = has_perm(self.request.user, "deliberation.manage")
        ctx["create_url_name"] = self.create_url_name if ctx["can_change"] else None
        return ctx


def _actions(user, topic: Topic) -> set[str]:
    if not covers(user, topic, "manage"):
        return set()
    return set(services.TRANSITIONS[topic.state]) - {"vote"}


@login_required
def topic_detail(request, number):
    topic = get_visible(Topic, request.user, number=number, select_related=("region", "chosen_option"))
    ranked = services.tally(topic)
    total = sum(n for _o, n in ranked)
    schedule_form = ScheduleForm(
        initial={
            "meeting_at": topic.meeting_at,
            "place": topic.meeting_place,
            "theme": topic.meeting_theme or topic.title,
            "participants": topic.participants,
        }
    )
    return render(
        request,
        "deliberation/detail.html",
        {
            "topic": topic,
            "ranked": [(o, n, round(100 * n / total) if total else 0) for o, n in ranked],
            "total": total,
            "actions": _actions(request.user, topic),
            "schedule_form": schedule_form,
            "project_form": ProjectForm(initial={"title": topic.title}),
            "tied": len({n for _o, n in ranked[:2]}) == 1 and total > 0 and len(ranked) > 1,
            "timeline": _timeline(topic),
        },
    )


def _timeline(topic: Topic) -> list[tuple[str, str]]:
    steps = [("提出议题", _local(topic.created_at))]
    if topic.state != TopicState.PROPOSED:
        steps.append(
            ("社区审核", topic.get_state_display() if topic.state == TopicState.REJECTED else "已立项")
        )
    if topic.meeting_at:
        steps.append(("议事会（三定）", f"{_local(topic.meeting_at)} · {topic.meeting_place}"))
    if topic.voting_opened_at:
        steps.append(("开始表决", _local(topic.voting_opened_at)))
    if topic.voting_closed_at:
        steps.append(("形成决议", _local(topic.voting_closed_at)))
    if topic.project_title:
        steps.append(("实事项目", f"{topic.project_title}（{topic.project_owner}）"))
    if topic.done_at:
        steps.append(("办结公开", _local(topic.done_at)))
    return steps


@login_required
@require_POST
def topic_act(request, number, action):
    """One POST endpoint for the topic's actions; the service refuses what the state does not allow."""
    topic = get_visible(Topic, request.user, number=number)
    if action not in services.ACTION_LABELS or action == "vote":
        raise Http404
    post = request.POST
    try:
        if action in ("accept", "reject"):
            services.screen(request.user, topic, accept=action == "accept", note=post.get("note", ""))
        elif action == "schedule":
            form = ScheduleForm(post)
            if not form.is_valid():
                raise ServiceError("；".join(e for errs in form.errors.values() for e in errs))
            d = form.cleaned_data
            services.schedule(
                request.user,
                topic,
                meeting_at=d["meeting_at"],
                place=d["place"],
                theme=d["theme"],
                participants=d["participants"],
            )
        elif action == "add_option":
            services.add_option(
                request.user, topic, label=post.get("label", ""), description=post.get("description", "")
            )
        elif action == "remove_option":
            services.remove_option(request.user, topic, _int(post.get("option")))
        elif action == "open_voting":
            services.open_voting(request.user, topic)
        elif action == "close_voting":
            services.close_voting(
                request.user, topic, resolution=post.get("resolution", ""), option_id=_int(post.get("option"))
            )
        elif action == "start_project":
            form = ProjectForm(post)
            if not form.is_valid():
                raise ServiceError("；".join(e for errs in form.errors.values() for e in errs))
            d = form.cleaned_data
            services.start_project(request.user, topic, title=d["title"], owner=d["owner"], due=d["due"])
        elif action == "finish":
            services.finish(request.user, topic, note=post.get("note", ""))
    except ServiceError as exc:
        if exc.status == 404:
            raise Http404 from None
        messages.error(request, exc.message)
    else:
        messages.success(request, f"已{services.ACTION_LABELS[action]}")
    return redirect("deliberation:detail", number=topic.number)


def _int(value) -> int | None:
    return int(value) if value and str(value).isdigit() else None


@login_required
def topic_create(request):
    """A topic raised at a meeting or a visit, entered by the community (taken up at once)."""
    require_perm(request.user, "deliberation.manage")
    communities = list(
        Region.objects.visible_to(request.user).filter(level="community").order_by("path").only("pk", "name")
    )
    form = {"community": "", "title": "", "content": ""}
    error, status = "", 200
    if request.method == "POST":
        form = {k: request.POST.get(k, "")[:2000] for k in form}
        community = next((c for c in communities if str(c.pk) == form["community"]), None)
        try:
            if community is None:
                raise ServiceError("请选择社区")
            topic = services.propose(
                request.user, community=community, title=form["title"], content=form["content"]
            )
        except ServiceError as exc:
            error, status = exc.message, 400
        else:
            messages.success(request, "议题已登记并立项")
            return redirect("deliberation:detail", number=topic.number)
    return render(
        request,
        "deliberation/form.html",
        {"form": form, "error": error, "communities": communities},
        status=status,
    )


# --------------------------------------------------------------------------- residents' phone pages
def _h5_community(request) -> Region | None:
    home = services.home_community(request.user)
    if home is not None:
        return home
    value = request.GET.get("community", "")
    if value.isdigit():
        return Region.objects.filter(pk=value, level="community").first()
    return None


@login_required
def h5_list(request):
    """议事厅: the topics of my community, my own proposals, and a form to propose one."""
    require_perm(request.user, "deliberation.take_part")
    from grassroots.regions.forms import community_choices as _community_choices

    community = _h5_community(request)
    error, status = "", 200
    form = {"title": "", "content": "", "community": str(community.pk) if community else ""}
    if request.method == "POST":
        form = {k: request.POST.get(k, "")[:2000] for k in form}
        target = services.home_community(request.user) or (
            Region.objects.filter(pk=form["community"], level="community").first()
            if form["community"].isdigit()
            else None
        )
        try:
            services.propose(request.user, community=target, title=form["title"], content=form["content"])
        except ServiceError as exc:
            error, status = exc.message, exc.status if 400 <= exc.status < 500 else 400
        else:
            messages.success(request, "议题已提交，社区审核后会列入议事")
            return redirect(f"{request.path}?community={target.pk}")
    topics = (
        services.community_topics(community).annotate(n_votes=Count("votes"))
        if community
        else Topic.objects.none()
    )
    page = Paginator(topics.order_by("-created_at", "-id"), PAGE_SIZE).get_page(request.GET.get("page"))
    mine = Topic.objects.filter(proposer=request.user).select_related("region").order_by("-created_at")[:10]
    return render(
        request,
        "deliberation/h5_list.html",
        {
            "tab": "home",
            "community": community,
            "fixed_community": services.home_community(request.user) is not None,
            "communities": _community_choices(),
            "page_obj": page,
            "querystring_without_page": f"community={community.pk}" if community else "",
            "mine": mine,
            "form": form,
            "error": error,
        },
        status=status,
    )


@login_required
def h5_topic(request, number):
    if not has_perm(request.user, "deliberation.take_part") and not has_perm(
        request.user, "deliberation.view"
    ):
        raise Http404
    try:
        topic = services.public_topic(request.user, number)
    except ServiceError:
        raise Http404 from None
    ranked = services.tally(topic)
    total = sum(n for _o, n in ranked)
    # Counts are shown once the vote has closed, so that early votes do not sway later ones.
    show_counts = topic.state not in (TopicState.ACCEPTED, TopicState.VOTING)
    return render(
        request,
        "deliberation/h5_topic.html",
        {
            "tab": "home",
            "topic": topic,
            "ranked": [(o, n, round(100 * n / total) if total else 0) for o, n in ranked],
            "total": total,
            "show_counts": show_counts,
            "my_vote": services.my_vote(request.user, topic),
            "can_vote": topic.state == TopicState.VOTING and has_perm(request.user, "deliberation.take_part"),
        },
    )


@login_required
@require_POST
def h5_vote(request, number):
    require_perm(request.user, "deliberation.take_part")
    try:
        topic = services.public_topic(request.user, number)
    except ServiceError:
        raise Http404 from None
    try:
        services.vote(request.user, topic, _int(request.POST.get("option")))
    except ServiceError as exc:
        if exc.status == 404:
            raise Http404 from None
        messages.error(request, exc.message)
    else:
        messages.success(request, "投票成功，感谢您参与社区议事")
    return redirect("deliberation:h5_topic", number=number)
