"""Demo 红色物业: every property unit the core generator placed in a managed neighborhood becomes a
property company with a service contract there; every owners' committee unit becomes that
neighborhood's 业委会 with members (some of them party members), an election history and a term (some
ending soon); each street gets a state-owned company that takes over part of the neighborhoods
without management (the rest are left to go to zero); companies are inspected, rated by the demo
residents, graded for last year and the district's red/black list for last year is published."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils import timezone

from grassroots.accounts.models import ResidentProfile
from grassroots.party.models import Member
from grassroots.regions.models import Region
from grassroots.units.choices import UnitType
from grassroots.units.models import Unit

from .models import (
    CommitteeMember,
    CommitteeRole,
    CrossPost,
    CrossPostBody,
    Election,
    ElectionState,
    Grade,
    Inspection,
    ListPublication,
    OwnersCommittee,
    PropertyCompany,
    Rating,
    ServiceContract,
    Takeover,
    TakeoverKind,
)

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = ["建国", "秀英", "志强", "桂兰", "海燕", "红梅", "立新", "玉珍", "国庆", "丽华", "文斌", "春梅"]
FINDINGS = [
    "",
    "",
    "楼道堆物未及时清理",
    "绿化带缺苗",
    "电梯年检标识过期",
    "消防通道有车辆占用",
    "垃圾清运不及时",
]


def generate(ctx) -> None:
    if PropertyCompany.objects.exists():
        return
    rng = ctx.rng("redproperty")
    today = timezone.localdate()
    last_year = today.year - 1
    hoods = {h.pk: h for h in Region.objects.filter(level="neighborhood").order_by("path")}
    if not hoods:
        return

    # Companies: the property units in managed neighborhoods, and one state-owned company per street.
    units = list(
        Unit.objects.filter(type=UnitType.PROPERTY, region__level__in=["neighborhood", "community"]).order_by(
            "pk"
        )
    )
    streets = list(Region.objects.filter(level="street").order_by("path"))
    state_units = [
        Unit(
            code=f"RPSOE{s.code[-9:]}",
            name=f"{s.name[:-2] if s.name.endswith('街道') else s.name}城市运营物业服务有限公司",
            type=UnitType.PROPERTY,
            region=s,
            employees=rng.randint(40, 120),
        )
        for s in streets
    ]
    from grassroots.core.text import initials

    for u in state_units:
        u.name_initials = initials(u.name)[:64]
    Unit.objects.bulk_create(state_units)
    state_units = list(Unit.objects.filter(code__startswith="RPSOE").order_by("code"))
    companies = [
        PropertyCompany(
            unit=u,
            manager_name=rng.choice(SURNAMES) + rng.choice(GIVEN),
            manager_phone=f"139{rng.randint(10000000, 99999999)}",
            credit_code=f"91370200MA{rng.randint(10**6, 10**7 - 1)}X",
        )
        for u in units
    ] + [
        PropertyCompany(
            unit=u,
            is_state_owned=True,
            manager_name=rng.choice(SURNAMES) + rng.choice(GIVEN),
            manager_phone=f"138{rng.randint(10000000, 99999999)}",
        )
        for u in state_units
    ]
    PropertyCompany.objects.bulk_create(companies)
    companies = list(PropertyCompany.objects.select_related("unit__region"))
    state_by_street = {c.unit.region.path: c for c in companies if c.is_state_owned}

    # Contracts: a company in a neighborhood serves it; one registered in a community serves the first
    # neighborhood there without a company yet.
    contracts = []
    quality = {}
    served: set[int] = set()
    hoods_under: dict[str, list[Region]] = {}
    for h in hoods.values():
        hoods_under.setdefault(h.path[: Region.steplen * 4], []).append(h)
    for c in companies:
        quality[c.pk] = rng.random()
        region = c.unit.region
        if c.is_state_owned:
            continue
        if region.level == "neighborhood":
            hood = region
        elif region.level == "community":
            hood = next((h for h in hoods_under.get(region.path, []) if h.pk not in served), None)
        else:
            hood = None
        if hood is None or hood.pk in served:
            continue
        served.add(hood.pk)
        start = today - datetime.timedelta(days=rng.randint(400, 1500))
        contracts.append(
            ServiceContract(
                company=c,
                neighborhood=hood,
                start=start,
                end=start + datetime.timedelta(days=365 * rng.choice([3, 4, 5])),
                fee=Decimal(rng.choice(["0.80", "1.20", "1.50", "1.80", "2.20", "2.60"])),
            )
        )
    ServiceContract.objects.bulk_create(contracts)

    # Neighborhoods without management: about two thirds taken over, the rest still to go to zero.
    takeovers = []
    for h in hoods.values():
        if h.pk in served or rng.random() > 0.66:
            continue
        kind = rng.choice(list(TakeoverKind.values))
        takeovers.append(
            Takeover(
                neighborhood=h,
                kind=kind,
                company=state_by_street.get(h.path[: Region.steplen * 3])
                if kind == TakeoverKind.STATE_COMPANY
                else None,
                start=today - datetime.timedelta(days=rng.randint(10, 600)),
                note="弃管小区兜底",
            )
        )
    Takeover.objects.bulk_create(takeovers)

    # Owners' committees with members, an election history and a term.
    committee_units = {
        u.region_id: u
        for u in Unit.objects.filter(type=UnitType.OWNERS_COMMITTEE, region__level="neighborhood").order_by(
            "pk"
        )
    }
    committees = []
    for hood_id, u in committee_units.items():
        start = today - datetime.timedelta(days=rng.randint(30, 1800))
        committees.append(
            OwnersCommittee(
                unit=u, neighborhood_id=hood_id, term_start=start, term_end=_years_later(start, 5)
            )
        )
    OwnersCommittee.objects.bulk_create(committees)
    committees = list(OwnersCommittee.objects.select_related("neighborhood"))
    members_by_community: dict[str, list[Member]] = {}
    for m in (
        Member.objects.filter(residence__isnull=False)
        .select_related("residence")
        .only("pk", "name", "residence__path")
        .order_by("pk")[:20000]
    ):
        members_by_community.setdefault(m.residence.path[: Region.steplen * 4], []).append(m)
    seats, elections, posts = [], [], []
    for com in committees:
        community_path = com.neighborhood.path[: Region.steplen * 4]
        pool = members_by_community.get(community_path, [])
        party = rng.sample(pool, min(len(pool), rng.randint(1, 3)))
        for k, role in enumerate([CommitteeRole.DIRECTOR, CommitteeRole.DEPUTY] + [CommitteeRole.MEMBER] * 3):
            pm = party[k] if k < len(party) else None
            seats.append(
                CommitteeMember(
                    committee=com,
                    name=pm.name if pm else rng.choice(SURNAMES) + rng.choice(GIVEN),
                    phone=f"137{rng.randint(10000000, 99999999)}",
                    role=role,
                    party_member=pm,
                    term_start=com.term_start,
                    term_end=com.term_end,
                )
            )
            if pm is not None:
                posts.append(
                    CrossPost(
                        member=pm,
                        body=CrossPostBody.COMMITTEE,
                        committee=com,
                        region=com.neighborhood,
                        role=CommitteeRole(role).label,
                        start=com.term_start,
                    )
                )
        elections.append(
            Election(
                committee=com,
                state=ElectionState.ELECTED,
                planned_on=com.term_start - datetime.timedelta(days=20),
                held_on=com.term_start,
                term_years=5,
                nominees="、".join(s.name for s in seats[-5:]),
                note="业主大会表决通过",
            )
        )
        if (com.term_end - today).days < 120:
            elections.append(
                Election(committee=com, state=ElectionState.PLANNED, planned_on=com.term_end, term_years=5)
            )
    CommitteeMember.objects.bulk_create(seats)
    Election.objects.bulk_create(elections)
    # 交叉任职 in companies: a community party member as the company's party-building liaison.
    for c in companies:
        pool = members_by_community.get(c.unit.region.path[: Region.steplen * 4], [])
        if pool and rng.random() < 0.5:
            posts.append(
                CrossPost(
                    member=rng.choice(pool),
                    body=CrossPostBody.COMPANY,
                    company=c,
                    region=c.unit.region,
                    role="党建联络员",
                    start=today - datetime.timedelta(days=rng.randint(30, 700)),
                )
            )
    CrossPost.objects.bulk_create(posts)

    # Inspections (last year and this year) and ratings by the demo residents.
    inspections = []
    for contract in contracts:
        q = quality[contract.company_id]
        for year in (last_year, today.year):
            for _ in range(rng.randint(1, 3)):
                day = datetime.date(
                    year, rng.randint(1, 12 if year < today.year else today.month), rng.randint(1, 28)
                )
                if day > today or day < contract.start:
                    continue
                score = max(0, min(100, round(55 + 45 * q + rng.uniform(-12, 8))))
                inspections.append(
                    Inspection(
                        company_id=contract.company_id,
                        neighborhood_id=contract.neighborhood_id,
                        inspected_on=day,
                        score=score,
                        findings="" if score >= 85 else rng.choice(FINDINGS[2:]),
                        inspector_name=rng.choice(SURNAMES) + rng.choice(GIVEN),
                    )
                )
    Inspection.objects.bulk_create(inspections)
    contract_of = {c.neighborhood_id: c for c in contracts}
    ratings = [
        (profile, profile.household.entrance.path[: Region.steplen * 5])
        for profile in ResidentProfile.objects.filter(household__isnull=False).select_related(
            "household__entrance"
        )
    ]
    paths = {h.path: h for h in hoods.values()}
    rows = []
    for profile, hood_path in ratings:
        h = paths.get(hood_path)
        contract = contract_of.get(h.pk) if h else None
        if contract is None:
            continue
        q = quality[contract.company_id]
        for year in (last_year, today.year):
            if rng.random() < 0.6:
                rows.append(
                    Rating(
                        company_id=contract.company_id,
                        neighborhood=h,
                        household=profile.household,
                        user_id=profile.user_id,
                        year=year,
                        stars=max(1, min(5, round(1 + 4 * q + rng.uniform(-1.2, 1.2)))),
                    )
                )
    Rating.objects.bulk_create(rows)

    # Last year's grades and the published red/black list of every district.
    from .services import grade_values, list_entries

    now = timezone.now()
    for district in Region.objects.filter(level="district").order_by("path"):
        grades = [
            Grade(company=company, year=last_year, computed_at=now, **values)
            for company, values in grade_values(district, last_year)
        ]
        Grade.objects.bulk_create(grades)
        if grades:
            saved = list(
                Grade.objects.filter(district=district, year=last_year).select_related("company__unit")
            )
            red, black = list_entries(saved)
            ListPublication.objects.create(
                district=district, year=last_year, red=red, black=black, published_at=now
            )


def _years_later(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years) - datetime.timedelta(days=1)
    except ValueError:
        return day.replace(year=day.year + years, day=28)
