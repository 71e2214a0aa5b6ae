"""The synthetic demo city: determinism, tree and geometry consistency, plausible data, demo accounts."""

from __future__ import annotations

import datetime
import hashlib
import io
from collections import defaultdict

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from shapely.geometry import Point, shape

from grassroots.demo.context import DemoContext
from grassroots.demo.generator import CORE_MODELS, generate
from grassroots.demo.names import id_check_digit, id_number_valid
from grassroots.demo.presets import get_preset
from grassroots.party.models import DuesPayment, Member, PartyOrg, Seat
from grassroots.people.models import Steward
from grassroots.regions.models import Household, Region
from grassroots.units.models import Unit

pytestmark = pytest.mark.django_db


def build(seed: int = 1) -> None:
    ctx = DemoContext(preset="tiny", seed=seed, scale=get_preset("tiny"), show_progress=False)
    generate(ctx, app_steps=False)


def digest() -> str:
    h = hashlib.sha256()
    for row in Region.objects.order_by("path").values_list(
        "code", "name", "path", "depth", "numchild", "population", "household_count", "polygon", "lng", "lat"
    ):
        h.update(repr(row).encode())
    for row in PartyOrg.objects.order_by("path").values_list(
        "code",
        "name",
        "path",
        "kind",
        "is_regional",
        "is_joint",
        "is_functional",
        "committee_size",
        "secretary__id_number_hash",
        "term_end",
    ):
        h.update(repr(row).encode())
    for row in Member.objects.order_by("id_number_hash").values_list(
        "id_number_hash", "name", "party_org__code", "status", "joined_on", "residence__code", "room"
    ):
        h.update(repr(row).encode())
    for row in Unit.objects.order_by("code").values_list("code", "name", "party_work", "employees"):
        h.update(repr(row).encode())
    for row in Household.objects.order_by("entrance__code", "room").values_list("room", "head_name", "tags"):
        h.update(repr(row).encode())
    h.update(
        repr(
            sorted(DuesPayment.objects.values_list("member__id_number_hash", "month", "amount_fen"))
        ).encode()
    )
    return h.hexdigest()


class _Rollback(Exception):
    pass


def digest_of(seed: int) -> str:
    """Generate in a savepoint, digest, roll back (so the next run starts from the same empty tables)."""
    result = ""
    try:
        with transaction.atomic():
            build(seed)
            result = digest()
            raise _Rollback
    except _Rollback:
        pass
    return result


def test_same_seed_gives_same_city_and_another_seed_differs():
    first = digest_of(1)
    assert Region.objects.count() == 0
    assert digest_of(1) == first
    assert digest_of(2) != first


def test_trees_are_consistent():
    build()
    assert Region.objects.find_problems() == ([], [], [], [], [])
    assert PartyOrg.objects.find_problems() == ([], [], [], [], [])
    for model in (Region, PartyOrg):
        nodes = list(model.objects.values_list("path", "depth", "numchild"))
        kids = defaultdict(int)
        for path, _depth, _n in nodes:
            kids[path[:-4]] += 1
        for path, depth, numchild in nodes:
            assert depth == len(path) // 4
            assert numchild == kids[path], path
    # level order along the tree, 12-digit codes plus 3 digits per finer level
    order = ["city", "district", "street", "community", "neighborhood", "building", "entrance"]
    for r in Region.objects.all():
        assert order.index(r.level) == r.depth - 1
        assert len(r.code) == 12 + 3 * max(0, r.depth - 4)
    street = Region.objects.filter(level="street").first()
    assert street.code.startswith("370202") and street.code.endswith("000")
    assert Region.objects.get(depth=1).code == "370200000000"


def test_child_polygons_tile_their_parent():
    build()
    regions = {r.path: r for r in Region.objects.all()}
    children = defaultdict(list)
    for r in regions.values():
        if r.depth > 1:
            children[r.path[:-4]].append(r)
    checked = 0
    for path, kids in children.items():
        parent = regions[path]
        if parent.level in ("building", "entrance"):
            continue
        parent_geom = shape(parent.polygon)
        if kids[0].level == "building":
            for b in kids:
                assert parent_geom.buffer(1e-6).contains(Point(b.lng, b.lat)), b.code
            continue
        geoms = [shape(k.polygon) for k in kids]
        for g in geoms:
            assert g.is_valid and g.area > 0
            assert g.difference(parent_geom).area <= 1e-4 * g.area
        overlap = sum(g.area for g in geoms) - shapely_union_area(geoms)
        assert overlap <= 1e-4 * parent_geom.area
        assert abs(sum(g.area for g in geoms) - parent_geom.area) <= 1e-3 * parent_geom.area
        checked += 1
    assert checked >= 1 + 1 + 2 + 6  # city, district, 2 streets, 6 communities


def shapely_union_area(geoms) -> float:
    from shapely import union_all

    return union_all(geoms).area


def test_population_of_a_parent_is_the_sum_of_its_children():
    build()
    regions = list(Region.objects.all())
    sums = defaultdict(lambda: [0, 0])
    for r in regions:
        if r.depth > 1:
            sums[r.path[:-4]][0] += r.population
            sums[r.path[:-4]][1] += r.household_count
    for r in regions:
        if r.level != "entrance":
            assert [r.population, r.household_count] == sums[r.path], r.code
        else:
            assert r.household_count > 0 and r.population >= r.household_count
            assert r.households.count() <= r.household_count
    assert Region.objects.get(depth=1).population > 0


def test_members_have_valid_id_numbers_and_plausible_data():
    build()
    members = list(Member.objects.select_related("party_org", "residence"))
    assert 250 <= len(members) <= 400
    today = datetime.date.today()
    for m in members:
        assert id_number_valid(m.id_number), m.id_number
        assert m.id_number[6:14] == m.birth_date.strftime("%Y%m%d")
        assert int(m.id_number[16]) % 2 == (1 if m.gender == "male" else 0)
        assert m.phone[0] == "1" and m.phone[1] in "3456789" and len(m.phone) == 11
        assert m.residence.level == "entrance"
        assert not m.party_org.is_functional
        assert (m.converted_on is None) == (m.status == "probationary")
        assert m.joined_on > m.birth_date + datetime.timedelta(days=18 * 365)
    assert id_check_digit("11010519491231002") == "X"  # GB 11643 example
    probationary = [m for m in members if m.status == "probationary"]
    assert 0 < len(probationary) < len(members) * 0.15
    in_service = [m for m in members if m.in_service]
    assert all(m.workplace_unit_id for m in in_service)
    assert 0.15 < len(in_service) / len(members) < 0.5
    # dues for the last 12 months, each member at most once a month, none in the future
    assert DuesPayment.objects.filter(month__gte=today.replace(day=1)).count() == 0
    assert DuesPayment.objects.count() > len(members) * 8


def test_every_foundation_model_has_rows_and_the_org_structure_is_coherent():
    build()
    for model in CORE_MODELS:
        assert model.objects.exists(), model.__name__
    orgs = PartyOrg.objects.all()
    assert orgs.filter(kind="working_committee").count() >= 2  # street committees + organs' committee
    assert orgs.filter(kind="group").exists()
    assert orgs.filter(is_joint=True).exists() or Unit.objects.filter(party_work="joint_org").count() == 0
    for org in orgs.filter(is_functional=True):
        assert not org.members.exists()
    for org in orgs.filter(secretary__isnull=False).select_related("secretary__party_org"):
        assert org.secretary_name == org.secretary.name
    for u in Unit.objects.select_related("party_org"):
        if u.party_work == "none":
            assert u.party_org is None
        else:
            assert u.party_org is not None
        if u.party_work == "own_org":
            assert u.party_org.unit_id == u.id and u.party_org.region_id == u.region_id
        if u.party_work == "joint_org":
            assert u.party_org.is_joint
    for seat in Seat.objects.filter(post="part_time").select_related("org", "unit"):
        assert seat.org.is_regional and seat.unit is not None
    community = Region.objects.filter(level="community").first()
    roles = set(community.workers.values_list("role", flat=True))
    assert {"secretary", "grid_worker", "grid_head", "governance_officer"} <= roles
    assert community.workers.filter(role="governance_officer").count() == 3
    stewards = list(Steward.objects.select_related("region", "member"))
    assert {s.role for s in stewards} == {"neighborhood", "building", "entrance"}
    for steward in stewards:
        assert steward.region.level == steward.role
        if steward.member:
            assert steward.member.name == steward.name
            assert steward.member.residence.path.startswith(steward.region.path)
    # deliberate findings for the rules pages: ORG-6 terms, ORG-8 overdue probation, ORG-9 dues gaps
    assert orgs.filter(term_end__isnull=False).exists()
    assert Unit.objects.filter(instructor__isnull=False).exists()


def test_demo_command_and_if_empty():
    out = io.StringIO()
    call_command("demo", preset="tiny", seed=3, no_progress=True, stdout=out)
    assert "演示数据" in out.getvalue()
    n = Region.objects.count()
    out = io.StringIO()
    call_command("demo", preset="tiny", seed=4, if_empty=True, stdout=out)
    assert "跳过" in out.getvalue()
    assert Region.objects.count() == n


def test_demoadmin_is_idempotent_and_the_admin_can_log_in(settings, tmp_path, monkeypatch):
    monkeypatch.delenv("GRASSROOTS_ADMIN_PASSWORD", raising=False)
    settings.VAR_DIR = tmp_path
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed only
    build()
    out = io.StringIO()
    call_command("demoadmin", stdout=out)
    password = (tmp_path / "admin_password").read_text().strip()
    assert len(password) >= 12 and password in out.getvalue()
    assert any(c.isupper() for c in password) and any(c.islower() for c in password)
    assert any(c.isdigit() for c in password) and not password.isalnum()
    from grassroots.accounts.models import RoleAssignment, User

    counts = (User.objects.count(), RoleAssignment.objects.count())
    call_command("demoadmin", stdout=io.StringIO())
    assert (User.objects.count(), RoleAssignment.objects.count()) == counts
    assert (tmp_path / "admin_password").read_text().strip() == password
    admin = User.objects.get(username="admin")
    assert admin.is_superuser
    root = Region.objects.get(depth=1)
    assert RoleAssignment.objects.filter(user=admin, role__code="city_admin", region=root).exists()
    street = RoleAssignment.objects.get(user__username="street", role__code="street_admin")
    assert street.region.level == "street"
    assert RoleAssignment.objects.get(user__username="community").region.level == "community"
    client = Client()
    response = client.post("/accounts/login/", {"username": "admin", "password": password})
    assert response.status_code == 302, response.content[:500]
    home = client.get("/")
    assert home.status_code == 200
    assert home.wsgi_request.user.username == "admin"
    assert Client().post("/accounts/login/", {"username": "admin", "password": "wrong"}).status_code == 200
