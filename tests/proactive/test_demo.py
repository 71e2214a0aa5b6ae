"""The proactive demo step on the test city's cases: the hot topics computed over them, initiatives in
several states aimed at the hottest clusters, effects measured for the started ones; idempotent."""

import pytest

from grassroots.demo.context import DemoContext
from grassroots.proactive import demo, services
from grassroots.proactive.models import HotTopic, HotTopicRun, Initiative

from .conftest import add_case, days_ago

pytestmark = pytest.mark.django_db


def test_demo_step(pro):
    for community in (pro.c0, pro.c1, pro.c2):
        for i in range(4):
            add_case(community, pro.cat, "井盖松动", days_ago(1 + i))
            add_case(community, pro.cat, "井盖松动", days_ago(45 + i))
    demo.generate(DemoContext(preset="tiny", seed=3, show_progress=False))
    run = HotTopicRun.objects.get()
    assert run.state == "done" and run.topics == HotTopic.objects.count() > 0
    assert set(HotTopic.objects.values_list("level", flat=True)) == {
        "community",
        "street",
        "district",
        "city",
    }
    initiatives = list(Initiative.objects.select_related("cluster_region"))
    assert {i.state for i in initiatives} >= {"draft", "in_progress", "done", "evaluated", "cancelled"}
    for i in initiatives:
        if i.started_at is not None and i.state != "cancelled":
            effect = services.measure_effect(i, window_days=30)
            assert (i.effect_before, i.effect_after) == (effect.before, effect.after)
    demo.generate(DemoContext(preset="tiny", seed=3, show_progress=False))  # idempotent
    assert Initiative.objects.count() == len(initiatives)
