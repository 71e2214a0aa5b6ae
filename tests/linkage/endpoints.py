"""Access matrix entries of 四级联动 and 联系点 (contract: tests/access/registry.py).

Leaders belong to the district: only the district and the city (and the auditor) see them. A task
is seen by its issuer's scope; an assignment by its receiver's scope (community A for linkage_a).
"""

from tests.access.registry import api, holders, page

VIEW = holders("linkage.view")
ISSUE = holders("linkage.issue")
DISTRICT_VIEW = {"city_admin", "district_admin", "auditor"}
STREET_VIEW = DISTRICT_VIEW | {"street_admin"}
_TA = lambda w: {"pk": w.linkage_task_a.pk}  # noqa: E731
_TB = lambda w: {"pk": w.linkage_task_b.pk}  # noqa: E731
_AA = lambda w: {"pk": w.linkage_a.pk}  # noqa: E731
_AB = lambda w: {"pk": w.linkage_b.pk}  # noqa: E731

ENDPOINTS = [
    page("linkage:task_list", VIEW),
    page("linkage:task_create", ISSUE),
    page("linkage:task_detail", STREET_VIEW, kwargs=_TA, out=_TB),
    page("linkage:assignment_list", VIEW),
    page("linkage:assignment_detail", VIEW, kwargs=_AA, out=_AB),
    page(
        "linkage:assignment_act",
        holders("linkage.respond"),
        method="POST",
        kwargs=lambda w: {**_AA(w), "verb": "receive"},
        out=lambda w: {**_AB(w), "verb": "receive"},
        ok=(302,),
        forbidden=VIEW - holders("linkage.respond"),
        refused=(302,),
    ),
    page("linkage:leader_list", VIEW),
    page("linkage:leader_create", ISSUE),
    page("linkage:leader_detail", DISTRICT_VIEW, kwargs=lambda w: {"pk": w.leader.pk}),
    page(
        "linkage:contact_point_end",
        {"city_admin", "district_admin"},
        method="POST",
        kwargs=lambda w: {"pk": w.point_a.pk},
        out=lambda w: {"pk": w.point_b.pk},
        ok=(302,),
        forbidden={"auditor"},
        refused=(302,),
    ),
    page("linkage:coverage", VIEW),
    api("GET", "/api/v1/linkage/assignments", VIEW),
    api("GET", "/api/v1/linkage/assignments/{pk}", VIEW, params=_AA, out=_AB),
]
