"""Access matrix entries of 居民议事 (contract: tests/access/registry.py).

topic_a (community A) and topic_b (community B) are open for voting. Staff see topics in their scope;
the matrix resident (household in A) and party member (residence in A) take part in A's topics only."""

from tests.access.registry import api, holders, page

VIEW = holders("deliberation.view")
MANAGE = holders("deliberation.manage")
TAKE_PART = holders("deliberation.take_part", own=True)
_A = lambda w: {"number": w.topic_a.number}  # noqa: E731
_B = lambda w: {"number": w.topic_b.number}  # noqa: E731

ENDPOINTS = [
    page("deliberation:list", VIEW),
    page("deliberation:create", MANAGE),
    page("deliberation:detail", VIEW, kwargs=_A, out=_B),
    # Actions answer with a redirect to the topic and a message (done, or why not) for whoever sees it.
    page(
        "deliberation:act",
        MANAGE,
        method="POST",
        kwargs=lambda w: {**_A(w), "action": "add_option"},
        out=lambda w: {**_B(w), "action": "add_option"},
        data=lambda w: {"label": "东门"},
        ok=(302,),
        forbidden=VIEW - MANAGE,
        refused=(302,),
    ),
    page("deliberation:h5_list", TAKE_PART),
    page("deliberation:h5_topic", VIEW | TAKE_PART, kwargs=_A, out=_B),
    page(
        "deliberation:h5_vote",
        TAKE_PART,
        method="POST",
        kwargs=_A,
        out=_B,
        data=lambda w: {"option": w.topic_option_a.pk},
        data_out=lambda w: {"option": w.topic_option_b.pk},
        ok=(302,),
    ),
    api("GET", "/api/v1/deliberation/topics", VIEW),
    api("GET", "/api/v1/deliberation/topics/{number}", VIEW, params=_A, out=_B),
    api(
        "POST",
        "/api/v1/deliberation/topics/{number}/votes",
        TAKE_PART,
        params=_A,
        out=_B,
        body=lambda w: {"option_id": w.topic_option_a.pk},
        body_out=lambda w: {"option_id": w.topic_option_b.pk},
        ok=(201,),
        forbidden=VIEW,  # staff see the topic but vote only as residents
    ),
]
