"""居民议事 API: the scoped topic list and detail for staff and apps, and a resident's vote."""

import datetime as dt

from django.db.models import Count
from ninja import Router, Schema, Status
from ninja.pagination import paginate

from grassroots.core.api import ERRORS, CursorPagination, require_perm
from grassroots.core.errors import NotFound, ServiceError
from grassroots.core.masking import mask_name
from grassroots.core.resolvers import display, from_attr

from . import services
from .models import Topic, TopicState

router = Router(tags=["居民议事"])


class OptionOut(Schema):
    id: int
    label: str
    description: str
    votes: int | None = None


class TopicOut(Schema):
    number: str
    title: str
    community: str
    state: TopicState
    state_label: str
    proposer: str
    created_at: dt.datetime
    meeting_at: dt.datetime | None
    meeting_place: str
    votes: int

    resolve_community = from_attr("region.name")
    resolve_state_label = display("state")

    @staticmethod
    def resolve_proposer(obj):
        # Residents' names are personal data: the list shows the surname only.
        return mask_name(obj.proposer_name)

    @staticmethod
    def resolve_votes(obj):
        return getattr(obj, "n_votes", 0)


class TopicDetailOut(TopicOut):
    content: str
    meeting_theme: str
    participants: str
    options: list[OptionOut]
    chosen_option: str | None
    resolution: str
    project_title: str
    project_owner: str
    project_due: dt.date | None
    done_note: str

    @staticmethod
    def resolve_options(obj):
        # Counts are published once the vote has closed, as on the residents' page.
        closed = obj.state not in (TopicState.ACCEPTED, TopicState.VOTING)
        return [
            {"id": o.pk, "label": o.label, "description": o.description, "votes": n if closed else None}
            for o, n in obj.ranked
        ]

    @staticmethod
    def resolve_chosen_option(obj):
        return obj.chosen_option.label if obj.chosen_option else None


class VoteIn(Schema):
    option_id: int


class VoteOut(Schema):
    topic: str
    option: str
    cast_at: dt.datetime


def _detail(topic: Topic) -> Topic:
    topic.ranked = services.tally(topic)
    topic.n_votes = sum(n for _o, n in topic.ranked)
    return topic


@router.get("/topics", response={200: list[TopicOut], **ERRORS}, summary="议事议题列表")
@paginate(CursorPagination)
def list_topics(request, state: TopicState | None = None):
    require_perm(request.user, "deliberation.view")
    qs = Topic.objects.visible_to(request.user).select_related("region").annotate(n_votes=Count("votes"))
    if state:
        qs = qs.filter(state=state)
    return qs.order_by("-created_at", "-id")


@router.get("/topics/{number}", response={200: TopicDetailOut, **ERRORS}, summary="议题详情与表决结果")
def get_topic(request, number: str):
    topic = (
        Topic.objects.visible_to(request.user).select_related("region", "chosen_option").filter(number=number)
    )
    obj = topic.first()
    if obj is None:
        raise NotFound()
    return _detail(obj)


@router.post("/topics/{number}/votes", response={201: VoteOut, **ERRORS}, summary="居民表决（每人一票）")
def cast_vote(request, number: str, payload: VoteIn):
    try:
        topic = services.public_topic(request.user, number)
    except ServiceError:
        raise NotFound() from None
    ballot = services.vote(request.user, topic, payload.option_id)
    return Status(201, {"topic": topic.number, "option": ballot.option.label, "cast_at": ballot.cast_at})
