import datetime
import itertools
import os
from types import SimpleNamespace

import pytest
from django.utils import timezone

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop

_seq = itertools.count(1)


def add_case(community, category, text, submitted_at, **kw):
    """A case created directly (the intake workflow is not what these tests are about)."""
    from grassroots.cases.models import Case

    n = next(_seq)
    return Case.objects.create(
        number=f"T{n:08d}",
        channel="h5",
        category=category,
        description=text,
        region=community,
        submitted_at=submitted_at,
        reporter_name="王小明",
        reporter_phone="13912345678",
        **kw,
    )


def days_ago(n: float) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(days=n)


@pytest.fixture
def pro(city, make_user):
    """Users: street admin of street 0 (manages), community admin of community 0 (views), street admin of
    street 1 (out of scope for street 0's topics), city admin. Two leaf categories."""
    from grassroots.cases.models import Category

    cats = list(Category.objects.filter(parent__isnull=False).order_by("code")[:2])
    return SimpleNamespace(
        c0=city.communities[0],
        c1=city.communities[1],
        c2=city.communities[2],
        street0=city.streets[0],
        street1=city.streets[1],
        cat=cats[0],
        cat2=cats[1],
        manager=make_user("pro_street0", "street_admin", city.streets[0]),
        viewer=make_user("pro_comm0", "community_admin", city.communities[0]),
        other=make_user("pro_street1", "street_admin", city.streets[1]),
        city_admin=make_user("pro_city", "city_admin", city.city),
        grid=make_user("pro_grid", "grid_worker", city.communities[0]),
    )


@pytest.fixture
def hot(pro):
    """Cases of community 0 in category `cat`: 5 in the last 30 days (3 mention 井盖松动), 2 in the 30
    before; 1 current case of community 1, same category; then the run. Returns the run."""
    from grassroots.proactive import clustering, services

    for i, text in enumerate(
        ["小区门口井盖松动有响声", "井盖松动，夜里很吵", "东门井盖松动", "路面塌陷", "路面积水"]
    ):
        add_case(pro.c0, pro.cat, text, days_ago(2 + i))
    add_case(pro.c0, pro.cat, "井盖松动", days_ago(40))
    add_case(pro.c0, pro.cat, "路面积水", days_ago(45))
    add_case(pro.c1, pro.cat, "路面坑洼", days_ago(3))
    run = services.start_run(None, trigger="command", enqueue=False)
    return clustering.execute_run(run.pk)


@pytest.fixture
def topic(pro, hot):
    from grassroots.proactive.models import HotTopic

    return HotTopic.objects.select_related("region", "category").get(
        level="community", region=pro.c0, category=pro.cat, keyword=""
    )


@pytest.fixture
def make_initiative(pro, topic):
    from grassroots.proactive import services

    def make(kind="task", user=None, region=None, month=None, **kw):
        today = timezone.localdate()
        return services.create_initiative(
            user or pro.manager,
            kind=kind,
            hot_topic=kw.pop("hot_topic", topic),
            title=kw.pop("title", "井盖专项治理"),
            region=region or pro.street0,
            owner_name=kw.pop("owner_name", "李主任"),
            plan=kw.pop("plan", "排查全部井盖，联系产权单位更换"),
            measures=kw.pop("measures", "建立台账；产权单位限期更换" if kind == "theme" else ""),
            month=month or (today if kind == "theme" else None),
            due_date=kw.pop("due_date", today + datetime.timedelta(days=20)),
            **kw,
        )

    return make
