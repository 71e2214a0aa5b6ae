"""One source of scope per model: the object check (`covers`) agrees with the scoped list (`visible_to`).

On the tiny demo city (with every app's demo step; the package's shared `demo_city`), for each demo
account and every scoped model, a sample of objects:
`covers(user, obj, action)` == `obj in Model.objects.visible_to(user, action)`.
"""

from __future__ import annotations

import pytest
from django.apps import apps
from django.db.models import Q

from grassroots.core.scoping import ScopedModel, covers, q_matches

pytestmark = pytest.mark.django_db

SAMPLE = 12
ACTIONS = ("view", "change")


def scoped_models():
    return sorted(
        (
            m
            for m in apps.get_models()
            if issubclass(m, ScopedModel) and hasattr(m._default_manager, "visible_to")
        ),
        key=lambda m: m._meta.label,
    )


def sample(model) -> list:
    ids = list(model._default_manager.order_by("pk").values_list("pk", flat=True))
    if len(ids) > SAMPLE:
        step = len(ids) / SAMPLE
        ids = [ids[int(i * step)] for i in range(SAMPLE)]
    return list(model._default_manager.filter(pk__in=ids))


def test_covers_agrees_with_visible_to_for_every_scoped_model_and_demo_role(demo_city):
    from django.contrib.auth import get_user_model

    users = list(get_user_model().objects.filter(is_superuser=False).order_by("username"))
    assert {u.username for u in users} >= {"street", "community", "gridworker", "dept", "member", "resident"}
    models = scoped_models()
    assert {"cases.Case", "whistle.Summons", "orglife.Activity", "party.Transfer"} <= {
        m._meta.label for m in models
    }
    checked = 0
    disagreements = []
    populated = set()
    for model in models:
        objects = sample(model)
        if objects:
            populated.add(model._meta.label)
        for user in users:
            for action in ACTIONS:
                visible = set(
                    model._default_manager.visible_to(user, action)
                    .filter(pk__in=[o.pk for o in objects])
                    .values_list("pk", flat=True)
                )
                for obj in objects:
                    checked += 1
                    if covers(user, obj, action) != (obj.pk in visible):
                        disagreements.append(
                            f"{model._meta.label} #{obj.pk} {user.username} {action}: "
                            f"covers={obj.pk not in visible} visible_to={obj.pk in visible}"
                        )
    assert not disagreements, "\n".join(disagreements[:40])
    # the sample is meaningful: the models with their own scope rules have demo rows
    assert {"cases.Case", "whistle.Summons", "orglife.Activity"} <= populated
    assert checked > 1000


def test_q_matches_evaluates_scope_filters_like_the_database():
    from grassroots.regions.models import Region

    node = Region(code="X", name="n", path="00010002", depth=2)
    assert q_matches(node, Q(path__startswith="0001")) is True
    assert q_matches(node, Q(path__startswith="0002")) is False
    assert q_matches(node, Q(pk__in=[])) is False
    assert q_matches(node, Q(path__startswith="0002") | Q(code="X")) is True
    assert q_matches(node, Q(code="X") & ~Q(name="n")) is False
    assert q_matches(node, Q(pk__in=Region.objects.all())) is None  # a subquery: asked of the database
    # a decided branch settles an OR (True) or an AND (False) without the database
    assert q_matches(node, Q(code="X") | Q(pk__in=Region.objects.all())) is True
    assert q_matches(node, Q(code="Y") & Q(pk__in=Region.objects.all())) is False
    assert q_matches(node, ~(Q(code="Y") | Q(name="n"))) is False
