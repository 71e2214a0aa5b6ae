"""Access matrix entries of merit (contract: tests/access/registry.py).

Staff pages need merit.view through a region or org grant; the party member (own records) has only
我的积分 and the study form. Rating actions need merit.rate (street, district, city); holders of
merit.view without it are refused with a message (302) on a rating they can see.
"""

import datetime

from tests.access.registry import api, holders, page

VIEW = holders("merit.view")
CHANGE = holders("merit.change")
RATE = holders("merit.rate")
OWN = holders("merit.view", own=True) | holders("merit.study", own=True)
STUDY = holders("merit.study", own=True)
_YEAR = str(datetime.date.today().year)


def _criterion(stars: int) -> str:
    from grassroots.merit.models import StarCriterion

    return str(StarCriterion.objects.get(stars=stars).pk)


ENDPOINTS = [
    page("merit:mine", OWN),
    page(
        "merit:mine_study",
        STUDY,
        method="POST",
        data=lambda w: {"course": "矩阵学习", "hours": "2", "studied_on": datetime.date.today().isoformat()},
        ok=(302,),
    ),
    page("merit:ranking", VIEW),
    page("merit:member", VIEW, kwargs=lambda w: {"pk": w.member_a.pk}, out=lambda w: {"pk": w.member_b.pk}),
    page(
        "merit:study_add", CHANGE, kwargs=lambda w: {"pk": w.member_a.pk}, out=lambda w: {"pk": w.member_b.pk}
    ),
    page("merit:studies", VIEW),
    page(
        "merit:study_act",
        CHANGE,
        method="POST",
        kwargs=lambda w: {"pk": w.study_a.pk, "verb": "approve"},
        out=lambda w: {"pk": w.study_b.pk, "verb": "approve"},
        ok=(302,),
        forbidden=(VIEW - CHANGE) | {"party_member"},
        refused=(302,),
    ),
    page("merit:ratings", VIEW),
    page(
        "merit:rating_propose",
        RATE,
        method="POST",
        data=lambda w: {"region": w.A.code, "year": _YEAR},
        ok=(302,),
    ),
    page("merit:criteria", VIEW),
    page(
        "merit:criteria",
        holders("standards.change"),
        method="POST",
        data=lambda w: {
            "pk": _criterion(3),
            "min_health_score": "70",
            "min_life_rate": "70",
            "min_avg_points": "10",
        },
        ok=(302,),
    ),
    page("merit:rating", VIEW, kwargs=lambda w: {"pk": w.rating_a.pk}, out=lambda w: {"pk": w.rating_b.pk}),
    page(
        "merit:rating_act",
        RATE,
        method="POST",
        kwargs=lambda w: {"pk": w.rating_a.pk, "verb": "review"},
        out=lambda w: {"pk": w.rating_b.pk, "verb": "review"},
        ok=(302,),
        forbidden=VIEW - RATE,
        refused=(302,),
    ),
    api("GET", "/api/v1/merit/mine", {"party_member"}),
    api("GET", "/api/v1/merit/ratings/", holders("merit.view", own=True)),
]
