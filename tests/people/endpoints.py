"""Access matrix entries of workers, stewards and deputies (contract: tests/access/registry.py)."""

from tests.access.registry import ALL_ROLES, api, holders, page

VIEW = holders("people.view")
CHANGE = holders("people.change")


def _crud(kind, obj_a, obj_b, key="pk"):
    return [
        page(
            f"people:{kind}_detail",
            VIEW,
            kwargs=lambda w: {"pk": obj_a(w).pk},
            out=lambda w: {"pk": obj_b(w).pk},
        ),
        page(
            f"people:{kind}_edit",
            CHANGE,
            kwargs=lambda w: {"pk": obj_a(w).pk},
            out=lambda w: {"pk": obj_b(w).pk},
            forbidden=VIEW,
        ),
        page(f"people:{kind}_add", CHANGE),
    ]


def _api(path, param, obj_a, obj_b, body_a, body_b, attr="pk"):
    p_a = lambda w: {param: getattr(obj_a(w), attr)}  # noqa: E731
    p_b = lambda w: {param: getattr(obj_b(w), attr)}  # noqa: E731
    return [
        api("GET", f"/api/v1/people/{path}/", VIEW),
        api(
            "POST", f"/api/v1/people/{path}/", CHANGE, body=body_a, body_out=body_b, ok=(201,), forbidden=VIEW
        ),
        api("GET", f"/api/v1/people/{path}/{{{param}}}", VIEW, params=p_a, out=p_b),
        api(
            "PATCH",
            f"/api/v1/people/{path}/{{{param}}}",
            CHANGE,
            params=p_a,
            out=p_b,
            body=lambda w: {"name": "改名"},
            forbidden=VIEW,
        ),
        api(
            "DELETE",
            f"/api/v1/people/{path}/{{{param}}}",
            CHANGE,
            params=p_a,
            out=p_b,
            ok=(200, 204, 409),
            forbidden=VIEW,
        ),
    ]


ENDPOINTS = [
    page("people:workers", VIEW),
    page("people:stewards", VIEW),
    page("people:deputies", VIEW),
    *_crud("worker", lambda w: w.worker_a, lambda w: w.worker_b),
    *_crud("steward", lambda w: w.steward_a, lambda w: w.steward_b),
    *_crud("deputy", lambda w: w.deputy_a, lambda w: w.deputy_b),
    *_api(
        "workers",
        "code",
        lambda w: w.worker_a,
        lambda w: w.worker_b,
        lambda w: {"code": "WNEWA", "name": "新社工", "region_code": w.A.code, "post": "staff", "grade": 15},
        lambda w: {"code": "WNEWB", "name": "新社工", "region_code": w.B.code, "post": "staff", "grade": 15},
        attr="code",
    ),
    *_api(
        "stewards",
        "steward_id",
        lambda w: w.steward_a,
        lambda w: w.steward_b,
        lambda w: {"name": "新楼长", "role": "neighborhood", "region_code": w.hood_a.code},
        lambda w: {"name": "新楼长", "role": "neighborhood", "region_code": w.hood_b.code},
    ),
    *_api(
        "deputies",
        "deputy_id",
        lambda w: w.deputy_a,
        lambda w: w.deputy_b,
        lambda w: {"name": "新代表", "kind": "npc", "level": "district", "region_code": w.A.code},
        lambda w: {"name": "新代表", "kind": "npc", "level": "district", "region_code": w.B.code},
    ),
]

# ---- careers and studios -------------------------------------------------------------------------


def _studio(w, community):
    from grassroots.people.models import Studio

    s = Studio.objects.filter(region=community).first()
    if s is None:
        s = Studio.objects.create(
            name=f"{community.name}代表委员工作室", region=community, address="党群服务中心"
        )
    return s


def _reception(w, community):
    import datetime

    from django.utils import timezone

    from grassroots.people.models import Reception

    s = _studio(w, community)
    r = Reception.objects.filter(studio=s).first()
    if r is None:
        r = Reception.objects.create(
            studio=s,
            date=timezone.localdate() + datetime.timedelta(days=3),
            starts_at=datetime.time(9),
            ends_at=datetime.time(11),
        )
    return r


def _log(w, community):
    from django.utils import timezone

    from grassroots.people.models import ReceptionLog

    s = _studio(w, community)
    lg = ReceptionLog.objects.filter(studio=s).first()
    if lg is None:
        lg = ReceptionLog.objects.create(studio=s, held_on=timezone.localdate(), residents=3)
    return lg


def _matter(w, community):
    from grassroots.people.models import Matter

    lg = _log(w, community)
    m = Matter.objects.filter(log=lg, case__isnull=True).first()
    return m or Matter.objects.create(log=lg, text="小区路灯损坏，夜间出行不便")


ENDPOINTS += [
    page(
        "people:worker_promote",
        CHANGE,
        kwargs=lambda w: {"pk": w.worker_a.pk},
        out=lambda w: {"pk": w.worker_b.pk},
        forbidden=VIEW,
    ),
    page(
        "people:worker_training",
        CHANGE,
        kwargs=lambda w: {"pk": w.worker_a.pk},
        out=lambda w: {"pk": w.worker_b.pk},
        forbidden=VIEW,
    ),
    page("people:careers", VIEW),
    page(
        "people:career_community",
        VIEW,
        kwargs=lambda w: {"code": w.A.code},
        out=lambda w: {"code": w.B.code},
    ),
    page("people:pay_scales", VIEW),
    page("people:deputy_reports", VIEW),
    page("people:studios", VIEW),
    page("people:studio_add", CHANGE),
    page(
        "people:studio_detail",
        VIEW,
        kwargs=lambda w: {"pk": _studio(w, w.A).pk},
        out=lambda w: {"pk": _studio(w, w.B).pk},
    ),
    page(
        "people:studio_edit",
        CHANGE,
        kwargs=lambda w: {"pk": _studio(w, w.A).pk},
        out=lambda w: {"pk": _studio(w, w.B).pk},
        forbidden=VIEW,
    ),
    page(
        "people:reception_add",
        CHANGE,
        kwargs=lambda w: {"pk": _studio(w, w.A).pk},
        out=lambda w: {"pk": _studio(w, w.B).pk},
        forbidden=VIEW,
    ),
    page(
        "people:log_add",
        CHANGE,
        kwargs=lambda w: {"pk": _studio(w, w.A).pk},
        out=lambda w: {"pk": _studio(w, w.B).pk},
        forbidden=VIEW,
    ),
    page(
        "people:reception_publish",
        CHANGE,
        method="POST",
        kwargs=lambda w: {"pk": _reception(w, w.A).pk},
        out=lambda w: {"pk": _reception(w, w.B).pk},
        data=lambda w: {"published": "1"},
        ok=(302,),
        forbidden=VIEW,
    ),
    page(
        "people:log_detail",
        VIEW,
        kwargs=lambda w: {"pk": _log(w, w.A).pk},
        out=lambda w: {"pk": _log(w, w.B).pk},
    ),
    page(
        "people:matter_add",
        CHANGE,
        method="POST",
        kwargs=lambda w: {"pk": _log(w, w.A).pk},
        out=lambda w: {"pk": _log(w, w.B).pk},
        data=lambda w: {"text": "楼道堆放杂物"},
        ok=(302,),
        forbidden=VIEW,
    ),
    page(
        "people:matter_case",
        CHANGE,
        method="POST",
        kwargs=lambda w: {"pk": _matter(w, w.A).pk},
        out=lambda w: {"pk": _matter(w, w.B).pk},
        data=lambda w: {"description": "小区路灯损坏，夜间出行不便"},
        ok=(302,),
        forbidden=VIEW,
    ),
    page("people:public_receptions", ALL_ROLES | {"nobody"}, public=True),
]
