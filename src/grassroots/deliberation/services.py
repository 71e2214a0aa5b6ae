"""Every write of 居民议事, each permission- and scope-checked, atomic and audited.

The topic's state machine (TRANSITIONS) is the one place that says which step may follow which; a
refused step raises ServiceError with a Chinese message and changes nothing."""

from __future__ import annotations

import datetime
import uuid
from collections import Counter

from django.db import IntegrityError, transaction
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone

from grassroots.core import audit
from grassroots.core.errors import Conflict, NotFound, PermissionDenied, ServiceError
from grassroots.core.models import AuditAction
from grassroots.core.scoping import covers, has_perm
from grassroots.core.services import clean_text as _text
from grassroots.core.services import move_state as _move
from grassroots.core.services import require_action, require_managed
from grassroots.regions.models import Region
from grassroots.regions.services import home_region

from .models import PUBLIC_STATES, Option, ProposerKind, Topic, TopicState, Vote

S = TopicState
# state -> the actions allowed in it (and the state each leads to, where it moves the topic)
TRANSITIONS: dict[str, dict[str, str | None]] = {
    S.PROPOSED: {"accept": S.ACCEPTED, "reject": S.REJECTED},
    S.ACCEPTED: {"schedule": None, "add_option": None, "remove_option": None, "open_voting": S.VOTING},
    S.VOTING: {"vote": None, "close_voting": S.DECIDED},
    S.DECIDED: {"start_project": S.IN_PROGRESS, "finish": S.DONE},
    S.IN_PROGRESS: {"finish": S.DONE},
    S.REJECTED: {},
    S.DONE: {},
}
ACTION_LABELS = {
    "accept": "立项",
    "reject": "不予采纳",
    "schedule": "确定三定",
    "add_option": "添加方案",
    "remove_option": "删除方案",
    "open_voting": "开始表决",
    "vote": "表决",
    "close_voting": "结束表决并形成决议",
    "start_project": "转为实事项目",
    "finish": "办结并公开",
}
MAX_OPEN_PROPOSALS = 3  # pending proposals per person: a flood of topics is screened by people
MIN_OPTIONS, MAX_OPTIONS = 2, 8


def _require_action(topic: Topic, action: str) -> str | None:
    return require_action(topic, action, TRANSITIONS, ACTION_LABELS, subject="议题")


def _managed(user, topic: Topic) -> None:
    require_managed(user, topic, "没有组织本社区议事的权限")


def topic_url(topic: Topic) -> str:
    return reverse("deliberation:h5_topic", args=[topic.number])


def _notify(users, topic: Topic, title: str, body: str) -> None:
    from grassroots.notifications.services import notify

    notify(users, kind="deliberation.topic", title=title, body=body, url=topic_url(topic), obj=topic)


def participants(topic: Topic) -> set:
    """The people told of the outcome: the proposer and everyone who voted."""
    from grassroots.accounts.models import User

    ids = set(topic.votes.values_list("voter_id", flat=True))
    if topic.proposer_id:
        ids.add(topic.proposer_id)
    return set(User.objects.filter(pk__in=ids, is_active=True))


# --------------------------------------------------------------------------- proposing
def home_community(user) -> Region | None:
    """The community a person lives in: the household their resident account is linked to, else the
    residence on their party member record. None when the platform does not know it."""
    return home_region(user, "community")


def _check_community(user, community: Region | None) -> Region:
    if community is None or community.level != "community":
        raise ServiceError("请选择所在社区", field="community")
    home = home_community(user)
    if home is not None and home.pk != community.pk:
        raise ServiceError(f"您的住户登记在{home.name}，只能参与本社区的议事", field="community", status=403)
    return community


@transaction.atomic
def propose(user, *, community: Region | None, title: str, content: str) -> Topic:
    """A resident or member proposes a topic for their community (待审核 until the community screens it);
    staff of the community may also enter one raised at a meeting or a door-to-door visit."""
    staff = (
        community is not None and covers(user, community, "view") and has_perm(user, "deliberation.manage")
    )
    if not staff and not has_perm(user, "deliberation.take_part"):
        raise PermissionDenied("没有提出议题的权限")
    if not staff:
        community = _check_community(user, community)
    elif community.level != "community":
        raise ServiceError("议题须属于一个社区", field="community")
    title = _text(title, "议题", 60)
    content = _text(content, "议题说明", 2000)
    pending = Topic.objects.filter(proposer=user, state=S.PROPOSED).count()
    if not staff and pending >= MAX_OPEN_PROPOSALS:
        raise ServiceError(f"您已有 {pending} 个议题待社区审核，请审核后再提", status=429)
    kind = ProposerKind.COMMUNITY if staff else ProposerKind.RESIDENT
    if not staff and has_perm(user, "party.view") and hasattr(user, "member"):
        kind = ProposerKind.MEMBER
    topic = Topic.objects.create(
        number=uuid.uuid4().hex[:20],
        region=community,
        title=title,
        content=content,
        proposer=user,
        proposer_name=(user.display_name or user.username)[:50],
        proposer_kind=kind,
        state=S.ACCEPTED if staff else S.PROPOSED,
    )
    topic.number = f"YS{timezone.localdate():%Y}{topic.pk:06d}"
    topic.save(update_fields=["number"])
    audit.record_create(user, topic)
    return topic


@transaction.atomic
def screen(user, topic: Topic, *, accept: bool, note: str = "") -> Topic:
    _managed(user, topic)
    to = _require_action(topic, "accept" if accept else "reject")
    note = _text(note, "审核意见", 200, required=not accept)
    topic.screen_note = note
    _move(user, topic, to, ["screen_note"], note=note)
    if topic.proposer_id:
        verdict = "已列入社区议事" if accept else f"暂不列入议事：{note}"
        _notify([topic.proposer], topic, f"您提出的议题“{topic.title}”{verdict}", note)
    return topic


@transaction.atomic
def schedule(
    user,
    topic: Topic,
    *,
    meeting_at: datetime.datetime | None,
    place: str,
    theme: str,
    participants: str = "",
) -> Topic:
    """三定: the meeting's fixed time, place and theme (and the units and deputies invited)."""
    _managed(user, topic)
    _require_action(topic, "schedule")
    if meeting_at is None:
        raise ServiceError("请填写议事时间", field="meeting_at")
    before = audit.snapshot(topic)
    topic.meeting_at = meeting_at
    topic.meeting_place = _text(place, "议事地点", 100)
    topic.meeting_theme = _text(theme, "议事主题", 100)
    topic.participants = _text(participants, "参会单位与代表", 300, required=False)
    topic.updated_at = timezone.now()
    topic.save()
    audit.record_update(user, topic, before)
    return topic


@transaction.atomic
def add_option(user, topic: Topic, *, label: str, description: str = "") -> Option:
    _managed(user, topic)
    _require_action(topic, "add_option")
    label = _text(label, "方案", 60)
    count = topic.options.count()
    if count >= MAX_OPTIONS:
        raise ServiceError(f"一个议题最多 {MAX_OPTIONS} 个方案")
    if topic.options.filter(label=label).exists():
        raise ServiceError("已有同名方案", field="label")
    option = Option.objects.create(
        topic=topic, label=label, description=_text(description, "方案说明", 300, required=False), order=count
    )
    audit.record(AuditAction.UPDATE, topic, user=user, changes={"方案": [None, label]})
    return option


@transaction.atomic
def remove_option(user, topic: Topic, option_id: int) -> None:
    _managed(user, topic)
    _require_action(topic, "remove_option")
    option = topic.options.filter(pk=option_id).first()
    if option is None:
        raise NotFound("方案不存在")
    option.delete()
    audit.record(AuditAction.UPDATE, topic, user=user, changes={"方案": [option.label, None]})


@transaction.atomic
def open_voting(user, topic: Topic) -> Topic:
    _managed(user, topic)
    to = _require_action(topic, "open_voting")
    if not (topic.meeting_at and topic.meeting_place and topic.meeting_theme):
        raise ServiceError("请先确定议事的时间、地点和主题（三定）")
    if topic.options.count() < MIN_OPTIONS:
        raise ServiceError(f"至少需要 {MIN_OPTIONS} 个方案才能表决")
    topic.voting_opened_at = timezone.now()
    _move(user, topic, to, ["voting_opened_at"])
    return topic


def vote(user, topic: Topic, option_id: int) -> Vote:
    """One vote per person and topic. The unique constraint decides under concurrency: a second vote,
    even sent at the same instant from two phones, is refused and the count stays exact."""
    if not has_perm(user, "deliberation.take_part"):
        raise PermissionDenied("没有参与表决的权限")
    if topic.state not in PUBLIC_STATES:
        raise NotFound()
    _require_action(topic, "vote")
    _check_community(user, topic.region)
    option = topic.options.filter(pk=option_id).first()
    if option is None:
        raise ServiceError("请选择一个方案", field="option")
    try:
        with transaction.atomic():
            ballot = Vote.objects.create(topic=topic, option=option, voter=user)
            audit.record(AuditAction.CREATE, ballot, user=user, changes={"议题": [None, topic.number]})
    except IntegrityError:
        raise Conflict("您已参与过本议题的表决，每人限投一票") from None
    return ballot


def tally(topic: Topic) -> list[tuple[Option, int]]:
    """Each option with its votes, most first (one GROUP BY)."""
    counts = dict(topic.votes.values_list("option_id").annotate(n=Count("id")).values_list("option_id", "n"))
    options = list(topic.options.all())
    return sorted(((o, counts.get(o.pk, 0)) for o in options), key=lambda p: (-p[1], p[0].order))


@transaction.atomic
def close_voting(user, topic: Topic, *, resolution: str, option_id: int | None = None) -> Topic:
    """Ends the vote. The resolution adopts the option with the most votes; on a tie the meeting names
    one of the tied options (and the record says so)."""
    _managed(user, topic)
    to = _require_action(topic, "close_voting")
    resolution = _text(resolution, "决议内容", 2000)
    ranked = tally(topic)
    if not ranked or ranked[0][1] == 0:
        raise ServiceError("还没有人投票，不能形成决议")
    top = ranked[0][1]
    leaders = [o for o, n in ranked if n == top]
    if len(leaders) > 1:
        chosen = next((o for o in leaders if o.pk == option_id), None)
        if chosen is None:
            names = "、".join(o.label for o in leaders)
            raise ServiceError(f"{names}票数相同（各 {top} 票），请在其中选定决议方案", field="option")
    else:
        chosen = leaders[0]
    topic.chosen_option = chosen
    topic.resolution = resolution
    topic.voting_closed_at = timezone.now()
    votes = Counter({o.label: n for o, n in ranked})
    _move(
        user,
        topic,
        to,
        ["chosen_option", "resolution", "voting_closed_at"],
        option=chosen.label,
        votes=dict(votes),
    )
    _notify(
        participants(topic),
        topic,
        f"议题“{topic.title}”已形成决议",
        f"采纳方案：{chosen.label}（{top} 票）。{resolution}",
    )
    return topic


@transaction.atomic
def start_project(user, topic: Topic, *, title: str, owner: str, due: datetime.date | None) -> Topic:
    """The resolution becomes a 我为群众办实事 project with an owner and a due date."""
    _managed(user, topic)
    to = _require_action(topic, "start_project")
    topic.project_title = _text(title, "实事项目", 100)
    topic.project_owner = _text(owner, "责任人", 50)
    if due is None:
        raise ServiceError("请填写计划完成日期", field="due")
    if due < timezone.localdate():
        raise ServiceError("计划完成日期不能早于今天", field="due")
    topic.project_due = due
    _move(user, topic, to, ["project_title", "project_owner", "project_due"], project=topic.project_title)
    _notify(
        participants(topic),
        topic,
        f"议题“{topic.title}”已转为实事项目",
        f"{topic.project_title}，责任人 {topic.project_owner}，计划 {due:%Y-%m-%d} 前完成",
    )
    return topic


@transaction.atomic
def finish(user, topic: Topic, *, note: str) -> Topic:
    """Done: what was carried out, published to everyone who took part."""
    _managed(user, topic)
    to = _require_action(topic, "finish")
    topic.done_note = _text(note, "办结情况", 2000)
    topic.done_at = timezone.now()
    _move(user, topic, to, ["done_note", "done_at"])
    _notify(participants(topic), topic, f"议题“{topic.title}”已办结", topic.done_note)
    return topic


# --------------------------------------------------------------------------- reads
def community_topics(community: Region):
    """What residents of a community see: every topic the community took up (not the ones it is still
    screening or declined: those only their proposer sees)."""
    return Topic.objects.filter(region=community, state__in=PUBLIC_STATES).select_related("region")


def public_topic(user, number: str) -> Topic:
    """A topic for the phone page. Staff see the topics in their scope and a proposer their own; the
    residents of a community see the topics it took up (anyone whose community is unknown may look at
    any community's, as on the public notice board, but votes only where they live: see vote())."""
    topic = Topic.objects.select_related("region", "chosen_option").filter(number=number).first()
    if topic is None:
        raise NotFound()
    if topic.proposer_id == user.pk or covers(user, topic, "view"):
        return topic
    if topic.state in PUBLIC_STATES and has_perm(user, "deliberation.take_part"):
        home = home_community(user)
        if home is None or home.pk == topic.region_id:
            return topic
    raise NotFound()


def my_vote(user, topic: Topic) -> Vote | None:
    return topic.votes.select_related("option").filter(voter=user).first()
