"""The measured effect: the cluster's cases in the window after the start against the same-length window
before, computed here by hand over created cases."""

import datetime

import pytest
from django.utils import timezone

from grassroots.proactive import services
from grassroots.proactive.models import Initiative

from .conftest import add_case

pytestmark = pytest.mark.django_db


def _started(initiative, days_ago):
    started = timezone.now() - datetime.timedelta(days=days_ago)
    Initiative.objects.filter(pk=initiative.pk).update(started_at=started, state="in_progress")
    initiative.refresh_from_db()
    return started


def test_effect_by_hand(pro, make_initiative):
    Initiative.objects.all().delete()
    from grassroots.cases.models import Case

    Case.objects.all().delete()
    i = make_initiative()
    s = _started(i, 10)  # 10 days elapsed: the window is 10 days on each side (< 30)
    d = datetime.timedelta
    # before window [s-10d, s): 3 cases of the cluster; s-12d is outside it
    for offset in (d(days=1), d(days=5), d(days=9, hours=23)):
        add_case(pro.c0, pro.cat, "井盖", s - offset)
    add_case(pro.c0, pro.cat, "井盖", s - d(days=12))
    # after window [s, s+10d): 1 case of the cluster; others not in it (category, place)
    add_case(pro.c0, pro.cat, "井盖", s + d(hours=1))
    add_case(pro.c0, pro.cat2, "井盖", s + d(hours=2))
    add_case(pro.c2, pro.cat, "井盖", s + d(hours=3))
    # the street owns it, but the cluster is community 0's: community 1's cases are not counted
    add_case(pro.c1, pro.cat, "井盖", s + d(hours=4))
    effect = services.measure_effect(i)
    assert effect == services.Effect(days=10, before=3, after=1, pct=round((1 - 3) * 100 / 3))
    assert effect.pct == -67


def test_window_is_capped_and_keyword_narrows(pro, make_initiative):
    from grassroots.cases.models import Case

    Case.objects.all().delete()
    i = make_initiative()
    i.keyword = "井盖"
    i.save(update_fields=["keyword"])
    s = _started(i, 50)
    d = datetime.timedelta
    add_case(pro.c0, pro.cat, "井盖松动", s - d(days=29))
    add_case(pro.c0, pro.cat, "井盖松动", s - d(days=31))  # outside the 30-day window
    add_case(pro.c0, pro.cat, "路面积水", s - d(days=2))  # not the keyword
    assert services.measure_effect(i) == services.Effect(days=30, before=1, after=0, pct=-100)


def test_no_effect_before_start_or_first_day_and_no_pct_from_zero(pro, make_initiative):
    from grassroots.cases.models import Case

    i = make_initiative()
    assert services.measure_effect(i) is None
    _started(i, 0.5)
    assert services.measure_effect(i) is None
    Case.objects.all().delete()
    s = _started(i, 3)
    add_case(pro.c0, pro.cat, "井盖", s + datetime.timedelta(days=1))
    assert services.measure_effect(i) == services.Effect(days=3, before=0, after=1, pct=None)


def test_refresh_and_evaluation_store_the_effect(pro, make_initiative):
    from grassroots.cases.models import Case

    Case.objects.all().delete()
    i = make_initiative()
    s = _started(i, 4)
    add_case(pro.c0, pro.cat, "井盖", s - datetime.timedelta(days=1))
    add_case(pro.c0, pro.cat, "井盖", s - datetime.timedelta(days=2))
    add_case(pro.c0, pro.cat, "井盖", s + datetime.timedelta(days=1))
    assert services.refresh_effects() == 1
    i.refresh_from_db()
    assert (i.effect_days, i.effect_before, i.effect_after, i.effect_pct) == (4, 2, 1, -50)
    services.finish(pro.manager, i, note="完成")
    services.evaluate(pro.manager, i, evaluation="效果明显")
    i.refresh_from_db()
    assert i.state == "evaluated" and i.effect_pct == -50 and i.effect_measured_at is not None
    add_case(pro.c0, pro.cat, "井盖", s + datetime.timedelta(days=2))
    services.refresh_effects()  # evaluated: the recorded figures stay
    i.refresh_from_db()
    assert i.effect_after == 1
