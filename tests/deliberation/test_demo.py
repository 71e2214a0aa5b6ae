"""The 居民议事 demo step on the test city: topics in every state in two communities of every street,
votes only by the community's own residents, and each resolution adopts the option most voted."""

import pytest
from django.db.models import Count

from grassroots.deliberation import demo, services
from grassroots.deliberation.models import Topic, TopicState, Vote
from grassroots.demo.context import DemoContext

pytestmark = pytest.mark.django_db


def test_demo_step(city):
    demo.generate(DemoContext(preset="tiny", seed=3, show_progress=False))
    topics = Topic.objects.select_related("region", "chosen_option")
    assert set(topics.values_list("state", flat=True)) == set(TopicState.values)
    assert {t.region.path[: len(city.streets[0].path)] for t in topics} == {s.path for s in city.streets}
    for topic in topics.filter(state__in=[TopicState.DECIDED, TopicState.IN_PROGRESS, TopicState.DONE]):
        ranked = services.tally(topic)
        assert topic.chosen_option == ranked[0][0] and ranked[0][1] > 0 and topic.resolution
    # Every voter lives in the topic's community (their household's community).
    for vote in Vote.objects.select_related("voter__resident_profile__household__entrance", "topic__region")[
        :200
    ]:
        assert vote.voter.resident_profile.household.entrance.path.startswith(vote.topic.region.path)
    assert not Vote.objects.values("topic", "voter").annotate(n=Count("id")).filter(n__gt=1).exists()
    assert (
        topics.filter(state=TopicState.DONE).exclude(done_note="").count()
        == topics.filter(state="done").count()
    )
    demo.generate(DemoContext(preset="tiny", seed=3, show_progress=False))  # idempotent
    assert Topic.objects.count() == topics.count()
