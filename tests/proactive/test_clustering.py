"""Hot topics: the clusters computed from cases by category, place and text, per level, with trend."""

import datetime

import pytest
from django.utils import timezone

from grassroots.cases.models import Case
from grassroots.core.errors import Conflict, PermissionDenied
from grassroots.core.models import AuditEvent
from grassroots.proactive import clustering, services
from grassroots.proactive.models import HotTopic, HotTopicRun, RunState, Trend

from .conftest import add_case, days_ago

pytestmark = pytest.mark.django_db


def test_community_cluster_counts_trend_and_keyword(pro, hot):
    assert hot.state == RunState.DONE
    t = HotTopic.objects.get(level="community", region=pro.c0, category=pro.cat, keyword="")
    assert (t.case_count, t.previous_count, t.trend, t.change_pct) == (5, 2, Trend.UP, 150)
    assert len(t.sample_numbers) == 5
    assert "井盖" in t.keywords
    # The narrower topic: the most frequent word in at least 3 but not all 5 descriptions.
    k = HotTopic.objects.get(level="community", region=pro.c0, category=pro.cat, keyword__gt="")
    assert k.keyword in ("井盖", "松动")
    assert (k.case_count, k.previous_count, k.trend) == (3, 1, Trend.UP)
    # Community 1 has one case only: below the threshold of 3 at its level.
    assert not HotTopic.objects.filter(level="community", region=pro.c1).exists()


def test_higher_levels_add_up_their_communities(pro, hot, city):
    street = HotTopic.objects.get(level="street", region=pro.street0, category=pro.cat, keyword="")
    assert (street.case_count, street.previous_count) == (6, 2)
    top = HotTopic.objects.get(level="city", region=city.city, category=pro.cat, keyword="")
    assert top.case_count == 6
    assert sum(n for _d, n in top.series) == 8  # both periods, every bucket


def test_stored_counts_equal_the_documented_cluster_definition(pro, hot):
    for t in HotTopic.objects.select_related("region"):
        cases = clustering.cluster_cases(t.region, t.category_id, t.keyword)
        start, end = clustering.local_midnight(t.period_start), clustering.local_midnight(t.period_end)
        prev = clustering.local_midnight(t.period_start - datetime.timedelta(days=hot.window_days))
        assert cases.filter(submitted_at__gte=start, submitted_at__lt=end).count() == t.case_count, t.key
        assert cases.filter(submitted_at__gte=prev, submitted_at__lt=start).count() == t.previous_count


def test_todays_cases_wait_for_the_next_run_and_a_run_replaces_the_rows(pro, hot):
    add_case(pro.c0, pro.cat, "井盖又松了", timezone.now())
    add_case(pro.c0, pro.cat2, "a", days_ago(1))
    first_ids = set(HotTopic.objects.values_list("pk", flat=True))
    run = clustering.execute_run(services.start_run(None, enqueue=False).pk)
    assert HotTopic.objects.filter(run=run).count() == HotTopic.objects.count() == run.topics
    assert not first_ids & set(HotTopic.objects.values_list("pk", flat=True))
    t = HotTopic.objects.get(level="community", region=pro.c0, category=pro.cat, keyword="")
    assert t.case_count == 5  # today's case is not in a period that ends before today


def test_trend_of():
    assert clustering.trend_of(5, 0, 10) == (Trend.NEW, None)
    assert clustering.trend_of(0, 0, 10) == (Trend.FLAT, None)
    assert clustering.trend_of(105, 100, 10) == (Trend.FLAT, 5)
    assert clustering.trend_of(50, 100, 10) == (Trend.DOWN, -50)
    assert clustering.trend_of(3, 2, 10) == (Trend.UP, 50)


def test_rule_parameters_are_read_from_the_rule_table(pro, hot):
    from grassroots.standards.models import Rule

    Rule.objects.filter(code="PRO-1").update(
        params={"hot_window_days": 30, "hot_min_cases": 6, "keyword_min_cases": 3, "flat_pct": 10}
    )
    run = clustering.execute_run(services.start_run(None, enqueue=False).pk)
    assert set(HotTopic.objects.filter(run=run).values_list("level", flat=True)) == {
        "street",
        "district",
        "city",
    }


def test_start_run_is_for_managers_audited_and_one_at_a_time(pro):
    with pytest.raises(PermissionDenied):
        services.start_run(pro.viewer, enqueue=False)
    before = AuditEvent.objects.count()
    run = services.start_run(pro.manager, enqueue=False)
    assert AuditEvent.objects.count() == before + 1
    assert run.state == RunState.QUEUED and run.requested_by == pro.manager
    with pytest.raises(Conflict):
        services.start_run(pro.manager, enqueue=False)
    assert HotTopicRun.objects.count() == 1


def test_nightly_task_and_command_compute(pro, hot):
    from django.core.management import call_command

    from grassroots.proactive.tasks import compute_hot_topics, nightly_hot_topics

    assert nightly_hot_topics.call() == HotTopic.objects.count() > 0
    run = services.start_run(pro.manager, enqueue=False)
    assert compute_hot_topics.call(run.pk) == HotTopic.objects.filter(run=run).count()
    call_command("compute_hot_topics")
    assert HotTopicRun.objects.filter(trigger="command", state="done").count() == 2
    assert Case.objects.count() == 8
