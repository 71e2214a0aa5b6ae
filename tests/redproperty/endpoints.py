"""Access matrix entries of 红色物业 (contract: tests/access/registry.py).

world._add_redproperty makes in A and B: a company with a contract on the community's neighborhood,
an owners' committee with a member, a planned election and a cross post, an inspection and a takeover.
Staff of the street and community manage; district and city view and grade; residents rate their own
neighborhood's company (the matrix resident lives in A's neighborhood)."""

import datetime

from tests.access.registry import api, holders, page

VIEW = holders("redproperty.view")
MANAGE = holders("redproperty.manage")
GRADE = holders("redproperty.grade")
RATE = holders("redproperty.rate", own=True)
TODAY = datetime.date.today().isoformat()


def _pk(name):
    return lambda w: {"pk": getattr(w, f"rp_{name}_a").pk}


def _pk_out(name):
    return lambda w: {"pk": getattr(w, f"rp_{name}_b").pk}


def _post(name, *, data, action=None, refused=(302,)):
    kw = (lambda w: {**_pk(name)(w), "action": action}) if action else _pk(name)
    out = (lambda w: {**_pk_out(name)(w), "action": action}) if action else _pk_out(name)
    return dict(
        kwargs=kw, out=out, method="POST", data=data, ok=(302,), forbidden=VIEW - MANAGE, refused=refused
    )


ENDPOINTS = [
    page("redproperty:companies", VIEW),
    page("redproperty:company_create", MANAGE),
    page("redproperty:company_detail", VIEW, kwargs=_pk("company"), out=_pk_out("company")),
    page(
        "redproperty:company_act",
        MANAGE,
        **_post("company", action="party", data=lambda w: {"party_work": "none"}),
    ),
    page("redproperty:committees", VIEW),
    page("redproperty:committee_create", MANAGE),
    page("redproperty:committee_detail", VIEW, kwargs=_pk("committee"), out=_pk_out("committee")),
    page(
        "redproperty:committee_act",
        MANAGE,
        **_post(
            "committee",
            action="member",
            data=lambda w: {"name": "新委员", "role": "member", "term_start": TODAY},
        ),
    ),
    page("redproperty:member_leave", MANAGE, **_post("seat", data=lambda w: {"left_on": TODAY})),
    page("redproperty:elections", VIEW),
    page(
        "redproperty:election_act",
        MANAGE,
        **_post("election", action="nominate", data=lambda w: {"nominees": "张三、李四、王五"}),
    ),
    page("redproperty:crosspost_end", MANAGE, **_post("crosspost", data=lambda w: {"end": TODAY})),
    page("redproperty:contracts", VIEW),
    page("redproperty:contract_create", MANAGE),
    page("redproperty:contract_end", MANAGE, **_post("contract", data=lambda w: {"terminate": "0"})),
    page("redproperty:inspections", VIEW),
    page("redproperty:inspection_create", MANAGE),
    page("redproperty:unmanaged", VIEW),
    page("redproperty:takeover_create", MANAGE),
    page("redproperty:takeover_end", MANAGE, **_post("takeover", data=lambda w: {"end": TODAY})),
    page("redproperty:grades", VIEW),
    page(
        "redproperty:grades_act",
        GRADE,
        method="POST",
        kwargs=lambda w: {"action": "compute"},
        data=lambda w: {"district": w.district.code, "year": str(datetime.date.today().year)},
        ok=(302,),
    ),
    page("redproperty:h5_rate", RATE),
    api("GET", "/api/v1/redproperty/companies", VIEW),
    api(
        "GET",
        "/api/v1/redproperty/companies/{company_id}",
        VIEW,
        params=lambda w: {"company_id": w.rp_company_a.pk},
        out=lambda w: {"company_id": w.rp_company_b.pk},
    ),
    api(
        "POST",
        "/api/v1/redproperty/companies",
        MANAGE,
        body=lambda w: {"region_code": w.A.code, "name": "接口登记物业"},
        ok=(201,),
    ),
    api("GET", "/api/v1/redproperty/committees", VIEW),
    api("GET", "/api/v1/redproperty/contracts", VIEW),
    api(
        "POST",
        "/api/v1/redproperty/contracts",
        MANAGE,
        body=lambda w: {
            "company_id": w.rp_company_a.pk,
            "neighborhood_code": w.A.code + "098",
            "start": TODAY,
            "end": TODAY,
            "fee": "1.00",
        },
        ok=(201,),
    ),
    api("GET", "/api/v1/redproperty/inspections", VIEW),
    api(
        "POST",
        "/api/v1/redproperty/inspections",
        MANAGE,
        body=lambda w: {
            "company_id": w.rp_company_a.pk,
            "neighborhood_code": w.rp_hood_a.code,
            "inspected_on": TODAY,
            "score": 90,
        },
        ok=(201,),
    ),
    api("GET", "/api/v1/redproperty/grades", VIEW),
    api("GET", "/api/v1/redproperty/unmanaged", VIEW),
    api("POST", "/api/v1/redproperty/ratings", RATE, body=lambda w: {"stars": 4}, ok=(201,)),
]
