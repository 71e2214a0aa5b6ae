"""Test data builders. `build_city()` makes a small, fully connected city for scope tests:

370200000000 青岛市 (city)
  370202000000 市南区 (district)
    370202001000 八大峡街道 (street) ── 370202001001 团岛社区, 370202001002 云南路社区
    370202002000 中山路街道 (street) ── 370202002001 四方路社区, 370202002002 观海路社区
each community: 1 neighborhood → 1 building → 1 entrance → 2 households; a 社区党委 with
1 branch of 3 members, 1 unit, 1 worker.
"""

from __future__ import annotations

import datetime
import itertools
from types import SimpleNamespace

from grassroots.party.models import Member, PartyOrg
from grassroots.people.models import Worker
from grassroots.regions.models import Household, Region
from grassroots.units.models import Unit

_seq = itertools.count(1)


_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]


def id_number(n: int | None = None) -> str:
    """A valid 18-digit ID number (region, birth date, sequence, ISO 7064 check digit), unique per call."""
    n = next(_seq) if n is None else n
    birth = datetime.date(1980, 1, 1) + datetime.timedelta(days=n // 1000)
    body = f"370202{birth:%Y%m%d}{n % 1000:03d}"
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, _WEIGHTS)) % 11]


def phone(n: int | None = None) -> str:
    n = next(_seq) if n is None else n
    return f"138{n:08d}"


def add_region(parent, code, name, level, **kw) -> Region:
    data = dict(code=code, name=name, level=level, **kw)
    if parent is None:
        return Region.objects.add_root(create_kwargs=data)
    return Region.objects.add_child(parent, create_kwargs=data)


def add_org(parent, code, name, kind, region, **kw) -> PartyOrg:
    data = dict(code=code, name=name, kind=kind, region=region, **kw)
    if parent is None:
        return PartyOrg.objects.add_root(create_kwargs=data)
    return PartyOrg.objects.add_child(parent, create_kwargs=data)


def add_member(org, name, status="full", **kw) -> Member:
    return Member.objects.create(
        name=name,
        gender=kw.pop("gender", "male"),
        id_number=kw.pop("id_number", id_number()),
        phone=kw.pop("phone", phone()),
        party_org=org,
        status=status,
        joined_on=kw.pop("joined_on", datetime.date(2010, 7, 1)),
        **kw,
    )


def build_city() -> SimpleNamespace:
    city = add_region(None, "370200000000", "青岛市", "city")
    district = add_region(city, "370202000000", "市南区", "district")
    city_org = add_org(None, "QD", "中共青岛市委", "committee", city)
    district_org = add_org(city_org, "QD-SN", "中共市南区委", "committee", district)
    ns = SimpleNamespace(
        city=city,
        district=district,
        city_org=city_org,
        district_org=district_org,
        streets=[],
        communities=[],
        community_orgs=[],
        branches=[],
        members=[],
        units=[],
        households=[],
        workers=[],
    )
    streets = [
        ("370202001000", "八大峡街道", ["团岛社区", "云南路社区"]),
        ("370202002000", "中山路街道", ["四方路社区", "观海路社区"]),
    ]
    for s_i, (s_code, s_name, communities) in enumerate(streets, 1):
        street = add_region(district, s_code, s_name, "street", category="established")
        street_org = add_org(
            district_org, f"QD-SN-{s_i}", f"中共{s_name}工作委员会", "working_committee", street
        )
        ns.streets.append(street)
        for c_i, c_name in enumerate(communities, 1):
            c_code = s_code[:9] + f"{c_i:03d}"
            community = add_region(street, c_code, c_name, "community", population=3000, household_count=1000)
            hood = add_region(
                community,
                c_code + "001",
                f"{c_name[:2]}小区",
                "neighborhood",
                is_closed=True,
                has_property_management=True,
            )
            building = add_region(hood, c_code + "001001", "1号楼", "building")
            entrance = add_region(building, c_code + "001001001", "1单元", "entrance")
            c_org = add_org(street_org, f"QD-SN-{s_i}-{c_i}", f"中共{c_name}委员会", "committee", community)
            branch = add_org(c_org, f"QD-SN-{s_i}-{c_i}-1", f"{c_name}第一党支部", "branch", community)
            members = [
                add_member(branch, f"{c_name[:2]}党员{k}", room=f"{k}01", residence=entrance)
                for k in range(1, 4)
            ]
            households = [
                Household.objects.create(
                    entrance=entrance, room=f"{k}02", head_name=f"{c_name[:1]}户主{k}", phone=phone(), size=3
                )
                for k in range(1, 3)
            ]
            unit = Unit.objects.create(
                code=f"U{c_code}", name=f"{c_name}物业公司", type="property", region=community, employees=20
            )
            worker = Worker.objects.create(
                code=f"W{c_code}",
                name=f"{c_name[:2]}社工",
                region=community,
                post="staff",
                grade=15,
                phone=phone(),
            )
            ns.communities.append(community)
            ns.community_orgs.append(c_org)
            ns.branches.append(branch)
            ns.members.extend(members)
            ns.households.extend(households)
            ns.units.append(unit)
            ns.workers.append(worker)
    return ns


def png_bytes(width: int = 8, height: int = 6, color=(200, 30, 30)) -> bytes:
    """A small valid PNG for upload tests."""
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (width, height), color).save(out, format="PNG")
    return out.getvalue()


def add_unit_members(unit, n: int, org, status: str = "full", **kw) -> list[Member]:
    """n members registered in `org` whose workplace is `unit` (ORG-1/ORG-2/COV-* count these rows).
    They joined two months ago unless told otherwise, so no dues are due yet (ORG-9 stays quiet)."""
    kw.setdefault("joined_on", datetime.date.today() - datetime.timedelta(days=60))
    return [
        add_member(org, f"{unit.code}党员{k}", status=status, workplace_unit=unit, **kw) for k in range(n)
    ]


def id_number_born(birth: datetime.date, n: int | None = None) -> str:
    """A valid 18-digit ID number of someone born on `birth` (unique per call)."""
    n = next(_seq) if n is None else n
    body = f"370202{birth:%Y%m%d}{n % 1000:03d}"
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, _WEIGHTS)) % 11]


def add_candidate(
    org, name, applied_on: datetime.date, birth: datetime.date = datetime.date(1995, 5, 4), **kw
):
    """An applicant (recruitment step 1 recorded on `applied_on`) of branch `org`."""
    from grassroots.recruitment.models import Candidate, StepRecord

    c = Candidate.objects.create(
        name=name,
        gender=kw.pop("gender", "female"),
        birth_date=birth,
        id_number=id_number_born(birth),
        phone=phone(),
        party_org=org,
        stage="applicant",
        last_step=1,
        last_on=applied_on,
        dates={"1": applied_on.isoformat()},
        **kw,
    )
    StepRecord.objects.create(candidate=c, step=1, on=applied_on, actor=name)
    return c
