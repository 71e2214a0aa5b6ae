"""The deterministic synthetic demo city (core foundation data), then the apps' demo steps.

Every random choice comes from a generator named after what it decides (`ctx.rng("community:<code>")`),
so the same preset and seed give the same codes, names, numbers and polygons; relative dates (dues
months, terms, probation) are anchored on `ctx.today`.

Pass 1 builds the upper tree (cities, districts, streets, communities with Voronoi polygons and the
party committees above the communities). Pass 2 works community by community: neighborhoods,
buildings, entrances, households, units, the community's party orgs, members, dues, transfers,
seats, workers, stewards, deputies and instructors; rows are buffered and written in transactions of
about `chunk_members` members. Primary keys are assigned here, so every table can be written in any
order inside a transaction (and with COPY on PostgreSQL). Finally the upper nodes get their child
counts and population sums.
"""

from __future__ import annotations

import datetime
import importlib
import importlib.util
import itertools
import math
import random
import time
from collections import defaultdict
from typing import Any

from django.apps import apps
from django.db import models, transaction
from django.db.models import Max

from grassroots.core.crypto import lookup_hash
from grassroots.party.choices import TERM_YEARS
from grassroots.party.models import DuesPayment, Member, PartyOrg, Seat, Transfer
from grassroots.people.models import Deputy, Steward, Worker
from grassroots.regions.models import Household, Region
from grassroots.units.models import Instructor, Unit

from . import names
from .context import DEMO_STEPS, DemoContext
from .geometry import city_outline, geojson, spread_points, tile

COMMUNITY_LEVELS = ("community", "neighborhood", "building", "entrance")

CORE_MODELS: list[type[models.Model]] = [
    Region,
    Household,
    PartyOrg,
    Seat,
    Member,
    Transfer,
    DuesPayment,
    Unit,
    Instructor,
    Worker,
    Steward,
    Deputy,
]

STREET_CATEGORIES = [("established", 70), ("reference", 15), ("banner", 10), ("central_town", 5)]
COMMUNITY_CATEGORIES = [
    ("urban_core", 30),
    ("new_district", 30),
    ("unit_compound", 15),
    ("relocation", 15),
    ("mixed", 10),
]
HOUSEHOLD_TAGS = [
    ("elderly_alone", 0.04),
    ("empty_nest", 0.08),
    ("low_income", 0.03),
    ("disabled", 0.03),
    ("extreme_poverty", 0.005),
    ("veteran", 0.04),
    ("left_behind_child", 0.01),
    ("renter", 0.15),
    ("key_care", 0.02),
]
INDUSTRIES = {
    "organ": ["党政机关"],
    "institution": ["教育", "卫生", "文化", "科研"],
    "soe": ["电力", "燃气", "金融", "通信", "交通运输"],
    "private": ["批发零售", "信息技术", "餐饮住宿", "建筑", "制造", "商务服务"],
    "social_org": ["社会服务", "养老服务", "志愿服务", "文化体育"],
    "property": ["物业管理"],
    "owners_committee": ["业主自治"],
}
ORGAN_NAMES = ["市场监督管理所", "派出所", "税务所", "司法所", "财政所", "城管执法中队"]
INSTITUTION_NAMES = ["实验小学", "中学", "社区卫生服务中心", "幼儿园", "文化站", "图书分馆"]
SOE_NAMES = ["供电营业所", "燃气服务站", "农商银行支行", "邮政支局", "移动营业厅", "公交场站"]
SOCIAL_NAMES = ["社会工作服务中心", "养老服务中心", "志愿者协会", "文体协会", "调解服务中心", "助残服务社"]


def _step(model, k: int) -> str:
    return model._int2str(k).rjust(model.steplen, "0")


class TreeBuilder:
    """Assigns treebeard materialized paths (steplen 4, base 36), depth and numchild in memory."""

    def __init__(self, model):
        self.model = model
        last = model.objects.filter(depth=1).order_by("-path").values_list("path", flat=True).first()
        self.roots = model._str2int(last) if last else 0

    def add(self, parent, obj):
        if parent is None:
            self.roots += 1
            obj.path, obj.depth = _step(self.model, self.roots), 1
        else:
            parent.numchild += 1
            obj.path, obj.depth = parent.path + _step(self.model, parent.numchild), parent.depth + 1
        obj.numchild = 0
        return obj


class Ids:
    """Pre-assigned primary keys, continuing after the largest existing one."""

    def __init__(self):
        self._counters: dict[type, itertools.count] = {}

    def __call__(self, model) -> int:
        if model not in self._counters:
            top = model.objects.aggregate(m=Max("pk"))["m"] or 0
            self._counters[model] = itertools.count(top + 1)
        return next(self._counters[model])


def _weighted(rng: random.Random, pairs: list[tuple[str, int]]) -> str:
    return rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]


def _months_back(today: datetime.date, n: int) -> list[datetime.date]:
    """First days of the n months before the current one, oldest first."""
    out = []
    for i in range(n, 0, -1):
        m = today.month - i
        y = today.year + (m - 1) // 12
        out.append(datetime.date(y, (m - 1) % 12 + 1, 1))
    return out


def _add_years(d: datetime.date, years: int) -> datetime.date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 February
        return d.replace(year=d.year + years, day=28)


# --- the generator ----------------------------------------------------------------------------


class CityGenerator:
    def __init__(self, ctx: DemoContext):
        self.ctx = ctx
        self.s = ctx.scale
        self.today = ctx.today
        self.ids = Ids()
        self.regions = TreeBuilder(Region)
        self.orgs = TreeBuilder(PartyOrg)
        self.buf: dict[type, list] = defaultdict(list)
        self.buffered_members = 0
        self.upper_regions: list[Region] = []
        self.upper_orgs: list[PartyOrg] = []
        self.communities: list[Region] = []
        self.used_ids: set[str] = set()
        self.months = _months_back(self.today, self.s["dues_months"])
        self.faker = ctx.faker("core")
        self.district_top_orgs: dict[int, list[PartyOrg]] = defaultdict(list)
        self.upper_phase = False
        self.dues_rows: list[
            tuple
        ] = []  # (member_id, month, amount_fen, paid_on): too many for model objects

    # -- helpers
    def new(self, model, **kw):
        obj = model(id=self.ids(model), **kw)
        if model in (Member, Worker):
            obj.name_initials = names.person_initials(obj.name)
        elif hasattr(obj, "name_initials") and model is not Household:
            obj.fill_initials()
        self.buf[model].append(obj)
        return obj

    def region(self, parent, code, name, level, poly=None, point=None, **kw) -> Region:
        if poly is not None:
            c = poly.representative_point()
            kw.update(polygon=geojson(poly), lng=round(c.x, 6), lat=round(c.y, 6))
        elif point is not None:
            kw.update(lng=round(point[0], 6), lat=round(point[1], 6))
        r = self.new(Region, code=code, name=name, level=level, **kw)
        self.regions.add(parent, r)
        return r

    def org(self, parent, code, name, kind, region, rng, unit=None, **kw) -> PartyOrg:
        o = self.new(PartyOrg, code=code, name=name, kind=kind, region=region, unit=unit, **kw)
        self.orgs.add(parent, o)
        # ORG-6 terms (中办《关于党的基层组织任期的意见》): community-based orgs 5 years, unit and other
        # orgs by kind; a 党工委 is an appointed body without an elected term.
        community_based = unit is None and region.level in COMMUNITY_LEVELS
        if kind in TERM_YEARS and kind != "working_committee":
            years = 5 if community_based else TERM_YEARS[kind]
            r = rng.random()
            if r < 0.03:
                end = self.today - datetime.timedelta(days=rng.randint(1, 240))  # expired (ORG-6)
            elif r < 0.08:
                end = self.today + datetime.timedelta(days=rng.randint(1, 89))  # expiring soon
            else:
                end = self.today + datetime.timedelta(days=rng.randint(90, years * 365 - 1))
            o.term_end = end
            o.term_start = _add_years(end, -years)
            o.established_on = _add_years(o.term_start, -years * rng.randint(0, 5))
        elif kind == "working_committee":
            o.established_on = self.today - datetime.timedelta(days=rng.randint(2000, 9000))
        if kind in TERM_YEARS:
            o.committee_size = {
                "committee": rng.choice([7, 9]),
                "working_committee": 7,
                "general_branch": 5,
            }.get(kind, 0)
        if o.established_on is None:
            o.established_on = self.today - datetime.timedelta(days=rng.randint(200, 3000))
        if not self.upper_phase:  # working lists of a community's own orgs (dropped after the community)
            o._members, o._kids = [], []
            if parent is not None and hasattr(parent, "_kids"):
                parent._kids.append(o)
        return o

    def person(self, rng, male=None) -> tuple[str, str]:
        male = rng.random() < 0.55 if male is None else male
        return names.person_name(rng, male), ("male" if male else "female")

    def id_number(self, rng, area: str, birth: datetime.date, male: bool) -> str:
        seq = rng.randint(0, 499) * 2 + (1 if male else 0)
        while True:
            first17 = f"{area}{birth:%Y%m%d}{seq:03d}"
            value = first17 + names.id_check_digit(first17)
            if value not in self.used_ids:
                self.used_ids.add(value)
                return value
            seq = (seq + 2) % 1000

    # -- pass 1: cities, districts, streets, communities and the committees above communities
    def build_upper(self) -> None:
        s = self.s
        for city_spec in s["cities"]:
            rng = self.ctx.rng(f"city:{city_spec['code']}")
            outline = city_outline(rng, city_spec["center"], city_spec["size"])
            city = self.region(None, city_spec["code"] + "000000", city_spec["name"], "city", outline)
            city_org = self.org(
                None,
                f"P{city.code}",
                f"中共{city.name}委员会",
                "committee",
                city,
                rng,
                secretary_name=self.person(rng, True)[0],
            )
            self.upper_regions.append(city)
            self.upper_orgs.append(city_org)
            districts = city_spec["districts"][: s["districts"]] if s["districts"] else city_spec["districts"]
            for (d_code, d_name), d_poly in zip(districts, tile(rng, outline, len(districts)), strict=True):
                self._district(city, city_org, d_code, d_name, d_poly)

    def _district(self, city, city_org, d_code, d_name, d_poly) -> None:
        rng = self.ctx.rng(f"district:{d_code}")
        district = self.region(city, d_code + "000000", d_name, "district", d_poly)
        d_org = self.org(
            city_org,
            f"P{district.code}",
            f"中共{city.name}{d_name}委员会",
            "committee",
            district,
            rng,
            secretary_name=self.person(rng, True)[0],
        )
        organs = self.org(
            d_org,
            f"P{district.code}-JG",
            f"中共{d_name}直属机关工作委员会",
            "working_committee",
            district,
            rng,
            secretary_name=self.person(rng)[0],
        )
        self.upper_regions.append(district)
        self.upper_orgs += [d_org, organs]
        taken: set[str] = set()
        n_streets = rng.randint(*self.s["streets"])
        street_words = names.place_words(rng, n_streets, taken)
        for i, (word, s_poly) in enumerate(zip(street_words, tile(rng, d_poly, n_streets), strict=True), 1):
            street = self.region(
                district,
                f"{d_code}{i:03d}000",
                f"{word}街道",
                "street",
                s_poly,
                category=_weighted(rng, STREET_CATEGORIES),
            )
            s_org = self.org(
                d_org,
                f"P{street.code}",
                f"中共{word}街道工作委员会",
                "working_committee",
                street,
                rng,
                secretary_name=self.person(rng)[0],
            )
            street._org, street._organs, street._district = s_org, organs, district
            self.upper_regions.append(street)
            self.upper_orgs.append(s_org)
            for k in range(1, rng.randint(*self.s["street_workers"]) + 1):
                name, gender = self.person(rng)
                self.new(
                    Worker,
                    code=f"W{street.code}{k:02d}",
                    name=name,
                    gender=gender,
                    phone=names.phone(rng),
                    region=street,
                    post="deputy" if k == 1 else "staff",
                    grade=rng.randint(7, 14),
                    role="generalist",
                    hired_on=self.today - datetime.timedelta(days=rng.randint(300, 5000)),
                )
            n_comm = rng.randint(*self.s["communities"])
            words = names.place_words(rng, n_comm, taken)
            for j, (cw, c_poly) in enumerate(zip(words, tile(rng, s_poly, n_comm), strict=True), 1):
                comm = self.region(
                    street,
                    f"{d_code}{i:03d}{j:03d}",
                    f"{cw}社区",
                    "community",
                    c_poly,
                    category=_weighted(rng, COMMUNITY_CATEGORIES),
                )
                comm._geom, comm._street = c_poly, street
                comm._members_target = self.ctx.rng(f"size:{comm.code}").randint(*self.s["members"])
                self.upper_regions.append(comm)
                self.communities.append(comm)

    # -- pass 2: one community with everything in it (see build_community below)
    def _regions_below(self, c, rng):
        s = self.s
        hoods, buildings, entrances = [], [], []
        n_hoods = rng.randint(*s["neighborhoods"])
        words = names.place_words(rng, n_hoods)
        c.population = c.household_count = 0
        for h_i, (word, h_poly) in enumerate(zip(words, tile(rng, c._geom, n_hoods), strict=True), 1):
            closed = rng.random() < 0.75
            hood = self.region(
                c,
                f"{c.code}{h_i:03d}",
                word + names.hood_suffix(rng),
                "neighborhood",
                h_poly,
                is_closed=closed,
                has_property_management=rng.random() < (0.9 if closed else 0.4),
                address=f"{c.name[:2]}路{rng.randint(1, 399)}号",
            )
            hood.population = hood.household_count = 0
            hood._buildings = []
            hoods.append(hood)
            n_b = rng.randint(*s["buildings"])
            for b_i, pt in enumerate(spread_points(rng, h_poly, n_b, candidates=3), 1):
                b = self.region(hood, f"{hood.code}{b_i:03d}", f"{b_i}号楼", "building", point=pt)
                b.population = b.household_count = 0
                b._hood, b._entrances = hood, []
                buildings.append(b)
                hood._buildings.append(b)
                for e_i in range(1, rng.randint(*s["entrances"]) + 1):
                    floors = rng.randint(*s["floors"])
                    e = self.region(b, f"{b.code}{e_i:03d}", f"{e_i}单元", "entrance", point=pt)
                    e.household_count = floors * 2
                    e.population = round(e.household_count * rng.uniform(2.2, 3.0))
                    e._rooms = [f"{fl}{u:02d}" for fl in range(1, floors + 1) for u in (1, 2)]
                    e._hood, e._building, e._members = hood, b, []
                    entrances.append(e)
                    b._entrances.append(e)
                    self._households(e, rng)
                    b.population += e.population
                    b.household_count += e.household_count
                hood.population += b.population
                hood.household_count += b.household_count
            c.population += hood.population
            c.household_count += hood.household_count
        return hoods, buildings, entrances

    def _households(self, e, rng) -> None:
        for room in rng.sample(e._rooms, min(len(e._rooms), rng.randint(*self.s["households"]))):
            name, _g = self.person(rng)
            tags = sorted(t for t, p in HOUSEHOLD_TAGS if rng.random() < p)
            self.new(
                Household,
                entrance=e,
                room=room,
                head_name=name,
                name_initials=names.person_initials(name),
                phone=names.phone(rng),
                size=rng.choices([1, 2, 3, 4, 5], weights=[12, 30, 30, 18, 10])[0],
                tags=("," + ",".join(tags) + ",") if tags else "",
            )

    def _units(self, c, rng, hoods, buildings) -> list[Unit]:
        scale = c._members_target / 200
        plan: list[tuple[str, Region, str]] = []  # (type, region, name)
        for _ in range(rng.randint(0, 1)):
            plan.append(("organ", c, f"{c._street.name}{rng.choice(ORGAN_NAMES)}"))
        for _ in range(rng.randint(1, 2)):
            plan.append(("institution", c, f"{c.name[:2]}{rng.choice(INSTITUTION_NAMES)}"))
        for _ in range(rng.randint(0, 2)):
            plan.append(("soe", c, f"{c.name[:2]}{rng.choice(SOE_NAMES)}"))
        for _ in range(rng.randint(2, 5)):
            plan.append(("private", c, self.faker.company()))
        for _ in range(rng.randint(1, 3)):
            plan.append(("social_org", c, f"{c.name[:2]}{rng.choice(SOCIAL_NAMES)}"))
        for hood in hoods:
            if hood.has_property_management:
                plan.append(("property", hood, f"{names.place_words(rng, 1)[0]}物业管理有限公司"))
            if rng.random() < 0.4:
                plan.append(("owners_committee", hood, f"{hood.name}业主委员会"))
        ranges = {
            "organ": ((5, 30), (20, 200), 1.0),
            "institution": ((2, 25), (30, 300), 1.0),
            "soe": ((3, 40), (50, 800), 1.0),
            "private": ((1, 8), (5, 300), 0.55),
            "social_org": ((1, 4), (3, 40), 0.5),
            "property": ((1, 3), (10, 80), 0.5),
            "owners_committee": ((1, 3), (5, 11), 0.6),
        }
        units = []
        seen: set[str] = set()
        for k, (utype, region, name) in enumerate(plan, 1):
            if name in seen:
                name = f"{name}（{names.numeral(k)}）"
            seen.add(name)
            (lo, hi), (elo, ehi), p_members = ranges[utype]
            full = 0
            if rng.random() < p_members:
                full = max(1, round(rng.randint(lo, hi) * scale))
            employees = max(full + 1, round(math.exp(rng.uniform(math.log(elo), math.log(ehi)))))
            b = rng.choice(region._buildings if region.level == "neighborhood" else buildings)
            u = self.new(
                Unit,
                code=f"{c.code}U{k:02d}",
                name=name,
                type=utype,
                industry=rng.choice(INDUSTRIES[utype]),
                employees=employees,
                region=region,
                address=f"{c.name[:2]}路{rng.randint(1, 399)}号",
                lng=b.lng,
                lat=b.lat,
            )
            u.planned_full = full  # full members to register with this unit as workplace (_members)
            u.probationary = sum(rng.random() < self.s["probationary_share"] for _ in range(full))
            units.append(u)
        return units

    def _community_orgs(self, c, rng, street, hoods, buildings, units):
        """社区党委/党总支/党支部, branches, neighborhood branches, building groups, functional, joint and
        unit orgs (seed 004: 12 committees, 13 general branches, 3 branches per 28 communities)."""
        r = rng.random()
        kind = "committee" if r < 12 / 28 else "general_branch" if r < 25 / 28 else "branch"
        label = {"committee": "委员会", "general_branch": "总支部委员会", "branch": "支部委员会"}[kind]
        top = self.org(
            street._org,
            f"P{c.code}",
            f"中共{c.name}{label}",
            kind,
            c,
            rng,
            is_regional=kind == "committee" and rng.random() < 0.6,
        )
        member_orgs: list[PartyOrg] = []
        hood_branches: dict[int, PartyOrg] = {}
        seq = itertools.count(1)
        if kind == "branch":
            member_orgs.append(top)
            group_parents = [top]
        else:
            n_branches = rng.randint(3, 6) if kind == "committee" else rng.randint(2, 4)
            for hood in hoods:
                if len(hood_branches) < n_branches - 1 and rng.random() < 0.3:
                    b = self.org(
                        top, f"{top.code}-{next(seq):02d}", f"中共{hood.name}支部委员会", "branch", hood, rng
                    )
                    hood_branches[hood.id] = b
                    member_orgs.append(b)
            for k in range(1, n_branches - len(hood_branches) + 1):
                title = "退休党员" if k == 1 and rng.random() < 0.5 else f"第{names.numeral(k)}"
                member_orgs.append(
                    self.org(
                        top, f"{top.code}-{next(seq):02d}", f"中共{c.name}{title}支部委员会", "branch", c, rng
                    )
                )
            group_parents = list(hood_branches.values()) or member_orgs
            if rng.random() < 0.35:
                self.org(
                    top,
                    f"{top.code}-{next(seq):02d}",
                    f"{c.name}志愿服务功能型党支部",
                    "branch",
                    c,
                    rng,
                    is_functional=True,
                )
        # building groups (seed 004: 43 per 28 communities)
        for _ in range(rng.choices([0, 1, 2, 3], weights=[2, 3, 3, 2])[0]):
            parent = rng.choice(group_parents)
            cands = parent.region._buildings if parent.region.level == "neighborhood" else buildings
            b = rng.choice(cands)
            self.org(
                parent,
                f"{parent.code}-G{parent.numchild + 1:02d}",
                f"{b._hood.name}{b.name}党小组",
                "group",
                b,
                rng,
            )
        # units' party work (ORG-1, ORG-2, COV-1; a few deliberate violations so the rules page has findings)
        instructor = None
        joint_units = []
        for u in units:
            u._org = None
            full = u.planned_full
            if full >= 3:
                u.party_work = "own_org" if rng.random() < 0.97 else "none"
            elif full >= 1:
                r = rng.random()
                u.party_work = "joint_org" if r < 0.45 else "attached" if r < 0.70 else "none"
                u._needs_instructor = 0.70 <= r < 0.93
                if u.party_work == "joint_org":
                    joint_units.append(u)
            else:
                u.party_work = "none"
                if u.employees >= 50:
                    ok = rng.random() < 0.85
                    u.has_union, u.has_youth_league, u._needs_instructor = ok or rng.random() < 0.5, ok, ok
            if u.employees >= 25 and not u.has_union:
                u.has_union = rng.random() < 0.7
            if u.employees >= 35 and not u.has_youth_league:
                u.has_youth_league = rng.random() < 0.4
            if getattr(u, "_needs_instructor", False):
                if instructor is None:
                    name, _g = self.person(rng)
                    instructor = self.new(
                        Instructor, name=name, phone=names.phone(rng), region=c, org=street._org
                    )
                u.instructor = instructor
        if len(joint_units) == 1:
            joint_units[0].party_work = "attached"
            joint_units = []
        if joint_units:
            parent = top if kind != "branch" else street._org
            joint = self.org(
                parent,
                f"{top.code}-{next(seq):02d}",
                f"中共{c.name}非公企业和社会组织联合支部委员会",
                "branch",
                c,
                rng,
                is_joint=True,
            )
            for u in joint_units:
                u.party_org = joint
            joint._is_unit_holder = True
        for u in units:
            if u.party_work == "attached":
                u.party_org = top
            elif u.party_work == "own_org":
                n = u.planned_full + u.probationary
                ukind = "committee" if n >= 100 else "general_branch" if n > 50 else "branch"
                parent = (
                    street._organs
                    if u.type in ("organ", "institution", "soe")
                    else (top if kind != "branch" else street._org)
                )
                label = {"committee": "委员会", "general_branch": "总支部委员会", "branch": "支部委员会"}[
                    ukind
                ]
                o = self.org(parent, f"P{u.code}", f"中共{u.name}{label}", ukind, u.region, rng, unit=u)
                o._holders = [o]
                if ukind != "branch":
                    o._holders = [
                        self.org(
                            o,
                            f"P{u.code}-{k:02d}",
                            f"中共{u.name}第{names.numeral(k)}支部委员会",
                            "branch",
                            u.region,
                            rng,
                            unit=u,
                        )
                        for k in range(1, rng.randint(2, 4) + 1)
                    ]
                u.party_org = u._org = o
        return top, member_orgs, hood_branches

    def _member(self, rng, org, district_code, residence, status, in_service=False, unit=None) -> Member:
        male = rng.random() < 0.68
        name = names.person_name(rng, male)
        today = self.today
        if in_service:
            age = rng.randint(23, 59)
        else:
            age = rng.choices(
                [rng.randint(22, 35), rng.randint(36, 50), rng.randint(51, 65), rng.randint(66, 90)],
                weights=[20, 25, 30, 25],
            )[0]
        birth = today - datetime.timedelta(days=age * 365 + rng.randint(0, 364))
        converted = None
        if status == "probationary":
            overdue = rng.random() < 0.1  # ORG-8: a few overdue for conversion
            joined = today - datetime.timedelta(
                days=rng.randint(380, 600) if overdue else rng.randint(10, 350)
            )
        else:
            join_age = rng.randint(18, max(19, min(age - 2, 45)))
            joined = min(
                _add_years(birth, join_age) + datetime.timedelta(days=rng.randint(0, 364)),
                today - datetime.timedelta(days=400),
            )
            converted = joined + datetime.timedelta(days=365)
        id_number = self.id_number(rng, district_code, birth, male)
        m = self.new(
            Member,
            name=name,
            gender="male" if male else "female",
            birth_date=birth,
            id_number=id_number,
            id_number_hash=lookup_hash(id_number),
            phone=names.phone(rng),
            party_org=org,
            status=status,
            joined_on=joined,
            converted_on=converted,
            in_service=in_service,
            workplace_unit=unit,
            residence=residence,
            room=rng.choice(residence._rooms),
            is_household_hub=rng.random() < self.s["hub_share"],
        )
        org._members.append(m)
        residence._members.append(m)
        self.buffered_members += 1
        return m

    def _members(
        self, c, rng, district_code, top, member_orgs, hood_branches, units, entrances
    ) -> list[Member]:
        """Unit members first (in-service where the unit has an org), then residents up to the target."""
        members = []
        remaining = c._members_target
        for u in units:
            n = u.planned_full + u.probationary
            if u.party_work == "own_org":
                holders, in_service = u._org._holders, True
            elif u.party_work in ("joint_org", "attached"):
                holders, in_service = [u.party_org], True
            else:
                holders, in_service = member_orgs, False  # no org at work: registered where they live
            for k in range(n):
                status = "probationary" if k >= u.planned_full else "full"
                members.append(
                    self._member(
                        rng,
                        holders[k % len(holders)],
                        district_code,
                        rng.choice(entrances),
                        status,
                        in_service,
                        u,
                    )
                )
            remaining -= n
        by_hood = defaultdict(list)
        for e in entrances:
            by_hood[e._hood.id].append(e)
        # Each resident branch first gets a core of full members (ORG-10: at least 3), then the rest spread.
        core = [(org, "full") for org in member_orgs for _ in range(rng.randint(4, 6))]
        for org, status in core:
            pool = by_hood[org.region_id] if org.region_id in hood_branches else entrances
            members.append(self._member(rng, org, district_code, rng.choice(pool), status))
        for _ in range(max(remaining - len(core), len(member_orgs) * 3)):
            org = rng.choice(member_orgs)
            pool = by_hood[org.region_id] if org.region_id in hood_branches else entrances
            status = "probationary" if rng.random() < self.s["probationary_share"] else "full"
            members.append(self._member(rng, org, district_code, rng.choice(pool), status))
        return members

    def _dues_and_transfers(self, rng, c, members: list[Member]) -> None:
        months = self.months
        earlier_tops = self.district_top_orgs[c._street._district.id]
        for m in members:
            first_month = datetime.date(m.joined_on.year, m.joined_on.month, 1)
            paid = [mo for mo in months if mo >= first_month]
            r = rng.random()
            if r < 0.015 and len(paid) >= 8:  # ORG-9: 6+ consecutive months unpaid up to now
                paid = paid[: -rng.randint(6, 8)]
            elif r < 0.07 and paid:
                paid.remove(rng.choice(paid))
            amount = rng.randrange(2000, 20001, 100) if m.in_service else rng.randrange(50, 5001, 50)
            self.dues_rows.extend(
                (m.id, mo, amount, mo + datetime.timedelta(days=rng.randint(0, 27))) for mo in paid
            )
            if rng.random() < self.s["transfer_share"]:
                from_org = rng.choice(earlier_tops) if earlier_tops else c._street._organs
                earliest = max(m.joined_on, self.today - datetime.timedelta(days=1000))
                days = max(1, (self.today - earliest).days)
                self.new(
                    Transfer,
                    member=m,
                    from_org=from_org,
                    to_org=m.party_org,
                    transferred_on=earliest + datetime.timedelta(days=rng.randint(0, days - 1)),
                    reason=rng.choice(["工作调动", "居住地变更", "退休", "毕业分配"]),
                )

    def _leadership(
        self, rng, top: PartyOrg, unit_orgs: list[PartyOrg], community_pool: list[Member]
    ) -> None:
        """Secretaries (a full member of the org, else of an org below or above it), branch committees
        (ORG-3: 7+ members), seats, and part-time seats of regional committees held by unit secretaries."""

        def subtree_members(o):
            ms = list(o._members)
            for k in o._kids:
                ms += subtree_members(k)
            return ms

        def visit(o, fallback):
            if getattr(o, "_done", False):
                return
            o._done = True
            for k in o._kids:
                visit(k, o._members or fallback)
            pool = [m for m in (o._members or subtree_members(o) or fallback) if m.status == "full"]
            if not pool:
                return
            if o.kind == "branch":
                # ORG-3: a committee with 7 or more full members (own and groups'), else a secretary; a
                # few branches lag behind an election or a shrinking membership (ORG-3 findings).
                full = sum(1 for m in subtree_members(o) if m.status == "full")
                lag = rng.random() < 0.01
                o.committee_size = rng.choice([3, 5]) if (full >= 7) != lag else 0
            sec = rng.choice(pool)
            o.secretary, o.secretary_name = sec, sec.name
            if o.committee_size:
                others = [m for m in pool if m is not sec]
                holders = [sec] + rng.sample(others, min(o.committee_size - 1, len(others)))
                for i, m in enumerate(holders):
                    post = "secretary" if i == 0 else "deputy_secretary" if i == 1 else "member"
                    self.new(Seat, org=o, post=post, holder_name=m.name, member=m)
            if o.is_regional:
                led = [uo for uo in unit_orgs if uo.secretary is not None]
                for uo in rng.sample(led, min(len(led), rng.randint(2, 4))):
                    self.new(
                        Seat,
                        org=o,
                        post="part_time",
                        holder_name=uo.secretary.name,
                        member=uo.secretary,
                        unit=uo.unit,
                    )

        full_pool = [m for m in community_pool if m.status == "full"]
        for uo in unit_orgs:
            visit(uo, full_pool)
        visit(top, full_pool)

    def _people(self, c, rng, hoods, buildings, entrances, units, top, members) -> None:
        """Workers (三岗十八级; grid workers for the grids step, 3 governance officers), 三长, deputies."""
        today = self.today
        n_grids = rng.randint(*self.s["grids_per_community"])
        roles = (
            [("head", "secretary"), ("head", "director"), ("deputy", "generalist")]
            + [("staff", "governance_officer")] * 3
            + [("deputy", "grid_head")]
            + [("staff", "grid_worker")] * n_grids
            + [("staff", "generalist")] * rng.randint(0, 1)
        )
        grade_range = {"head": (1, 6), "deputy": (7, 12), "staff": (13, 18)}
        full = [m for m in members if m.status == "full" and not m.in_service]
        for k, (post, role) in enumerate(roles, 1):
            member = (
                top.secretary
                if role == "secretary"
                else (rng.choice(full) if full and rng.random() < 0.3 else None)
            )
            if member is not None:
                name, gender = member.name, member.gender
            else:
                name, gender = self.person(rng)
            self.new(
                Worker,
                code=f"W{c.code}{k:02d}",
                name=name,
                gender=gender,
                phone=names.phone(rng),
                region=c,
                post=post,
                grade=rng.randint(*grade_range[post]),
                role=role,
                member=member,
                hired_on=today - datetime.timedelta(days=rng.randint(60, 6000)),
            )

        def steward(role, region, residents):
            member = rng.choice(residents) if residents and rng.random() < 0.45 else None  # 双三长
            name = member.name if member else self.person(rng)[0]
            self.new(Steward, name=name, phone=names.phone(rng), role=role, region=region, member=member)

        for hood in hoods:
            hood_residents = [m for b in hood._buildings for e in b._entrances for m in e._members]
            steward("neighborhood", hood, hood_residents)
            for b in hood._buildings:
                steward("building", b, [m for e in b._entrances for m in e._members])
                for e in b._entrances:
                    if rng.random() < 0.7:
                        steward("entrance", e, e._members)
        for _ in range(rng.randint(1, 2)):
            name, _g = self.person(rng)
            self.new(
                Deputy,
                name=name,
                kind=rng.choice(["npc", "party_congress", "cppcc"]),
                level=rng.choice(["city", "district", "district"]),
                region=c,
                unit_name=rng.choice(units).name if units else f"{c._street.name}办事处",
                phone=names.phone(rng),
            )

    def build_community(self, c: Region) -> None:
        rng = self.ctx.rng(f"community:{c.code}")
        street = c._street
        hoods, buildings, entrances = self._regions_below(c, rng)
        units = self._units(c, rng, hoods, buildings)
        top, member_orgs, hood_branches = self._community_orgs(c, rng, street, hoods, buildings, units)
        members = self._members(c, rng, c.code[:6], top, member_orgs, hood_branches, units, entrances)
        unit_orgs = [u._org for u in units if u._org is not None]
        self._leadership(rng, top, unit_orgs, members)
        self._dues_and_transfers(rng, c, members)
        self._people(c, rng, hoods, buildings, entrances, units, top, members)
        self.district_top_orgs[street._district.id].append(top)
        for o in [top, *unit_orgs]:
            _drop_work_lists(o)

    # -- writing
    def flush(self, progress=None) -> None:
        with transaction.atomic():
            for model in CORE_MODELS:
                objs = self.buf.pop(model, [])
                if not objs:
                    continue
                self.ctx.copy_insert(model, objs)
            self.ctx.insert_rows(DuesPayment, ["member_id", "month", "amount_fen", "paid_on"], self.dues_rows)
        self.dues_rows = []
        self.buf.clear()
        self.buffered_members = 0

    def finish(self) -> None:
        """Child counts and population sums of the upper nodes, which were written before their children."""
        by_parent = defaultdict(list)
        for r in self.upper_regions:
            by_parent[r.path[: -Region.steplen]].append(r)
        for r in sorted(self.upper_regions, key=lambda r: -r.depth):
            if r.level != "community":
                kids = by_parent[r.path]
                r.population = sum(k.population for k in kids)
                r.household_count = sum(k.household_count for k in kids)
        with transaction.atomic():
            Region.objects.bulk_update(
                self.upper_regions, ["numchild", "population", "household_count"], batch_size=1000
            )
            PartyOrg.objects.bulk_update(self.upper_orgs, ["numchild"], batch_size=1000)
            self.ctx.reset_sequences(*CORE_MODELS)

    def run(self) -> None:
        ctx = self.ctx
        self.upper_phase = True
        with transaction.atomic():
            self.build_upper()
            self.flush()
        self.upper_phase = False
        chunk = self.s["chunk_members"]
        with (
            ctx.progress("生成社区", len(self.communities)) as p_comm,
            ctx.progress("党员", sum(c._members_target for c in self.communities)) as p_members,
        ):
            pending = 0
            for c in self.communities:
                before = self.buffered_members
                self.build_community(c)
                p_members.advance(self.buffered_members - before)
                pending += 1
                if self.buffered_members >= chunk:
                    self.flush()
                    p_comm.advance(pending)
                    pending = 0
            self.flush()
            p_comm.advance(pending)
        self.finish()


def _drop_work_lists(o) -> None:
    for k in getattr(o, "_kids", ()):
        _drop_work_lists(k)
    o.__dict__.pop("_kids", None)
    o.__dict__.pop("_members", None)
    o.__dict__.pop("_holders", None)


def run_app_steps(ctx: DemoContext, seconds: dict[str, float] | None = None) -> list[str]:
    """Call `grassroots.<app>.demo.generate(ctx)` for each app in DEMO_STEPS that has one; the time of
    each step goes into `seconds` (the command prints them: the demo's speed is part of the README)."""
    done = []
    for name in DEMO_STEPS:
        module_name = f"grassroots.{name}.demo"
        try:
            spec = importlib.util.find_spec(module_name)
        except ModuleNotFoundError:
            spec = None
        if spec is None:
            continue
        ctx.analyze()  # the step reads what the previous ones loaded
        module = importlib.import_module(module_name)
        t0 = time.monotonic()
        module.generate(ctx)
        if seconds is not None:
            seconds[name] = time.monotonic() - t0
        done.append(name)
    ctx.analyze()
    return done


def generate(ctx: DemoContext, app_steps: bool = True) -> dict[str, Any]:
    """Build the core city, then the apps' steps. Returns timings and the steps that ran."""
    t0 = time.monotonic()
    CityGenerator(ctx).run()
    t_core = time.monotonic() - t0
    step_seconds: dict[str, float] = {}
    steps = run_app_steps(ctx, step_seconds) if app_steps else []
    return {
        "core_seconds": t_core,
        "total_seconds": time.monotonic() - t0,
        "steps": steps,
        "step_seconds": step_seconds,
    }


def summary_counts(step_names: list[str]) -> list[tuple[str, str, int]]:
    """(app verbose name, model verbose name, rows) for the core apps and the steps that ran."""
    labels = ["regions", "party", "units", "people", *step_names]
    rows = []
    for label in labels:
        try:
            config = apps.get_app_config(label)
        except LookupError:
            continue
        for model in config.get_models():
            rows.append(
                (str(config.verbose_name), str(model._meta.verbose_name), model._default_manager.count())
            )
    return rows
