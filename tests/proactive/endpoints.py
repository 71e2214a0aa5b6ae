"""Access matrix entries of proactive governance (contract: tests/access/registry.py).

hot_a / hot_b: the community-level hot topics of community A and B; initiative_a / initiative_b: a draft
未诉先办 task owned by each community. Street, district and city admins manage; the other staff roles
with proactive.view read."""

from tests.access.registry import api, holders, page

VIEW = holders("proactive.view")
MANAGE = holders("proactive.manage")
_HOT_A = lambda w: {"pk": w.hot_a.pk}  # noqa: E731
_HOT_B = lambda w: {"pk": w.hot_b.pk}  # noqa: E731
_A = lambda w: {"number": w.initiative_a.number}  # noqa: E731
_B = lambda w: {"number": w.initiative_b.number}  # noqa: E731


def _body(w):
    return {
        "kind": "task",
        "hot_topic_id": w.hot_a.pk,
        "title": "矩阵任务",
        "region_code": w.A.code,
        "owner_name": "李",
        "plan": "方案",
        "due_date": "2099-01-01",
    }


ENDPOINTS = [
    page("proactive:hot_list", VIEW),
    # The button answers with a redirect and a message (queued, or why not) for whoever may see the list.
    page("proactive:hot_recompute", VIEW, method="POST", ok=(302,), forbidden=VIEW - MANAGE, refused=(302,)),
    page("proactive:hot_detail", VIEW, kwargs=_HOT_A, out=_HOT_B),
    page(
        "proactive:create",
        MANAGE,
        kwargs=lambda w: {**_HOT_A(w), "kind": "task"},
        out=lambda w: {**_HOT_B(w), "kind": "task"},
    ),
    page("proactive:task_list", VIEW),
    page("proactive:theme_list", VIEW),
    page("proactive:detail", VIEW, kwargs=_A, out=_B),
    page("proactive:edit", MANAGE, kwargs=_A, out=_B),
    page(
        "proactive:act",
        MANAGE,
        method="POST",
        kwargs=lambda w: {**_A(w), "action": "start"},
        out=lambda w: {**_B(w), "action": "start"},
        ok=(302,),
        forbidden=VIEW - MANAGE,
        refused=(302,),
    ),
    api("GET", "/api/v1/proactive/hot-topics", VIEW),
    api(
        "GET",
        "/api/v1/proactive/hot-topics/{topic_id}",
        VIEW,
        params=lambda w: {"topic_id": w.hot_a.pk},
        out=lambda w: {"topic_id": w.hot_b.pk},
    ),
    api("POST", "/api/v1/proactive/hot-topic-runs", MANAGE, ok=(202,)),
    api("GET", "/api/v1/proactive/initiatives", VIEW),
    api("GET", "/api/v1/proactive/initiatives/{number}", VIEW, params=_A, out=_B),
    api("POST", "/api/v1/proactive/initiatives", MANAGE, body=_body, ok=(201,)),
    api(
        "POST",
        "/api/v1/proactive/initiatives/{number}/transitions",
        MANAGE,
        params=_A,
        out=_B,
        body=lambda w: {"action": "start"},
        forbidden=VIEW - MANAGE,
    ),
]
