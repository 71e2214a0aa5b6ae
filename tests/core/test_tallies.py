"""Home figures served from precomputed buckets (core.tallies, FigureBucket) equal a direct computation
over the same rows (each figure's one definition, `<app>/figures.py`), hold the user's scope, follow the
writes that move them after commit, and keep the home page at a fixed number of queries.

The fixture is the access matrix's small world (two communities with objects of every app, one user per
built-in role) plus the rows the world lacks: a done activity with attendance, volunteer hours, a
fulfilled wish and a published star rating."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from grassroots.core import tallies

pytestmark = pytest.mark.django_db

USERS = ["city_admin", "street_admin", "community_admin", "unit_liaison", "mixed", "party_member", "resident"]


@pytest.fixture
def world(db):
    from grassroots.cobuild.models import Meeting, Need, Registration, Resolution
    from grassroots.merit.models import StarRating
    from grassroots.orglife.models import Activity, Signup
    from grassroots.volunteers.models import Wish, WishState
    from tests.access.world import build_world
    from tests.cobuild.world import cobuild_world

    w = build_world()
    w.cob = cobuild_world(w)
    now = timezone.now()
    for tag in ("a", "b"):
        Registration.objects.filter(pk=getattr(w.cob, f"reg_{tag}").pk).update(state="active")
        Meeting.objects.filter(pk=getattr(w.cob, f"meeting_{tag}").pk).update(state="held")
        Resolution.objects.filter(pk=getattr(w.cob, f"resolution_{tag}").pk).update(done_on=now.date())
    for tag, branch, member in (("a", w.branch_a, w.member_a), ("b", w.branch_b, w.member_b)):
        done = Activity.objects.create(
            title=f"已开支委会{tag}",
            kind="committee_meeting",
            status="done",
            party_org=branch,
            region=branch.region,
            starts_at=now - datetime.timedelta(hours=30),
            ends_at=now - datetime.timedelta(hours=29),
        )
        Signup.objects.create(activity=done, member=member, name=member.name, status="attended")
        Signup.objects.create(activity=done, name="缺席者", status="absent")
        vact = getattr(w, f"vact_{tag}")
        signup = getattr(w, f"vsignup_{tag}")
        signup.checked_in_at, signup.checked_out_at, signup.hours = now, now, 2.5
        signup.save()
        assert signup.activity_id == vact.activity_id
        wish = getattr(w, f"wish_{tag}")
        Wish.objects.filter(pk=wish.pk).update(state=WishState.FULFILLED, fulfilled_at=now)
        StarRating.objects.create(org=branch, year=now.year - 1, computed_stars=4, stars=4, state="published")
    assert Need.objects.exists()
    # Region and party-org grants together: served from the exact buckets (no subtree total fits).
    from grassroots.accounts.models import Role, RoleAssignment, User

    mixed = User.objects.create_user(username="m_mixed", password=None)
    RoleAssignment.objects.create(user=mixed, role=Role.objects.get(code="street_admin"), region=w.streets[1])
    RoleAssignment.objects.create(
        user=mixed, role=Role.objects.get(code="unit_liaison"), party_org=w.community_orgs[0]
    )
    w.users["mixed"] = mixed
    tallies.refresh_all()
    return w


def _codes():
    return sorted(
        c
        for c in tallies.REGISTRY
        if c.split(".")[0] in {"cobuild", "volunteers", "venues", "merit", "orglife"}
    )


def test_every_app_declares_its_home_figures():
    apps_ = {c.split(".")[0] for c in tallies.REGISTRY}
    assert {"cobuild", "volunteers", "venues", "merit", "orglife"} <= apps_


def test_every_served_figure_equals_the_rows(world):
    from grassroots.accounts.models import User

    nonzero = set()
    root = User.objects.create_superuser("m_root", password=None)
    for role in [*USERS, "root"]:
        user = root if role == "root" else world.users[role]
        served = tallies.served(user, _codes())
        for code in _codes():
            direct = tallies.direct(tallies.REGISTRY[code], user)
            got = {k: v for k, v in served[code].items() if v}
            assert got == pytest.approx(direct), (role, code)
            if got:
                nonzero.add(code)
    assert nonzero == set(_codes()), set(_codes()) - nonzero  # every figure was checked with rows present


def test_scope_holds(world):
    """A street administrator sees their street's figures: less than the city's where the other street
    has rows, and what a direct count under their street gives."""
    city, street = world.users["city_admin"], world.users["street_admin"]
    for code in ["cobuild.open_needs", "volunteers.volunteers", "venues.centers", "orglife.activities"]:
        tally = tallies.REGISTRY[code]
        mine = tallies.total(tallies.served(street, [code])[code])
        everything = tallies.total(tallies.served(city, [code])[code])
        under = tallies.total(tallies.direct(tally, city, within=world.streets[0].path))
        assert 0 < mine == under < everything, code


def test_within_a_region(world):
    city = world.users["city_admin"]
    for code in _codes():
        tally = tallies.REGISTRY[code]
        served = tallies.served(city, [code], within=world.A.path)[code]
        assert {k: v for k, v in served.items() if v} == pytest.approx(
            tallies.direct(tally, city, within=world.A.path)
        ), code


def test_writes_move_the_figures(world, django_capture_on_commit_callbacks):
    from grassroots.cobuild import services as cobuild
    from grassroots.orglife.models import Activity
    from grassroots.venues.models import Booking

    admin = world.users["community_admin"]

    def value(code):
        return tallies.total(tallies.served(admin, [code])[code])

    def direct(code):
        return tallies.total(tallies.direct(tallies.REGISTRY[code], admin))

    needs, done = value("cobuild.open_needs"), value("orglife.activities_done")
    upcoming = value("venues.upcoming")
    with django_capture_on_commit_callbacks(execute=True):  # a conditional UPDATE (tallies.changed)
        cobuild.claim_need(world.users["unit_liaison"], world.cob.need_a, world.unit_a)
    assert value("cobuild.open_needs") == needs - 1 == direct("cobuild.open_needs")

    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):  # a save (signal)
        Activity.objects.create(
            title="又一次支委会",
            kind="committee_meeting",
            status="done",
            party_org=world.branch_a,
            region=world.A,
            starts_at=now.replace(day=1, hour=12),
            ends_at=now.replace(day=1, hour=13),
        )
    assert value("orglife.activities_done") == done + 1 == direct("orglife.activities_done")

    with django_capture_on_commit_callbacks(execute=True):  # a delete (signal)
        Booking.objects.filter(pk=world.booking_a.pk).delete()
    assert value("venues.upcoming") == upcoming - 1 == direct("venues.upcoming")

    # Nothing in the other community moved, and the figures were not rebuilt wholesale.
    other = world.users["city_admin"]
    assert (
        tallies.total(
            tallies.served(other, ["cobuild.open_needs"], within=world.B.path)["cobuild.open_needs"]
        )
        > 0
    )


def test_a_write_without_commit_leaves_the_buckets(world):
    """The buckets move after commit only: inside the (test's) transaction nothing is recomputed."""
    from grassroots.core.models import FigureBucket

    before = list(FigureBucket.objects.values_list("code", "region_path", "key", "value").order_by("pk"))
    world.cob.need_a.title = "改个标题"
    world.cob.need_a.save()
    assert (
        list(FigureBucket.objects.values_list("code", "region_path", "key", "value").order_by("pk")) == before
    )


def test_orglife_stats_page_figures_equal_the_rows(world, client_for):
    from grassroots.orglife import stats
    from grassroots.orglife.models import Activity
    from grassroots.orglife.periods import period_of

    user = world.users["street_admin"]
    for kind in ("year", "month"):
        period = period_of(timezone.localdate(), kind)
        window = Activity.objects.visible_to(user).filter(
            starts_at__gte=stats.local_start(period.start), starts_at__lt=stats.local_start(period.end)
        )
        served = stats.served_activity_stats(user, period)
        assert served == stats.activity_stats(window), kind
    assert served["total"] > 0 and served["attended"] > 0
    r = client_for(world.users["city_admin"]).get(f"/orglife/stats/?region={world.A.code}")
    assert r.status_code == 200
    year = period_of(timezone.localdate(), "year")
    window = Activity.objects.filter(
        region__path__startswith=world.A.path,
        starts_at__gte=stats.local_start(year.start),
        starts_at__lt=stats.local_start(year.end),
    )
    assert r.context["figures"] == stats.activity_stats(window)


def test_home_cards_show_the_served_figures(world, client_for):
    from grassroots.dashboards.services import cobuild_sections

    user = world.users["community_admin"]
    sections = {s["title"]: {f["label"]: f["value"] for f in s["figures"]} for s in cobuild_sections(user)}
    needs = tallies.total(tallies.direct(tallies.REGISTRY["cobuild.open_needs"], user))
    assert sections["共驻共建"]["待认领需求"] == needs > 0
    hours = tallies.total(tallies.direct(tallies.REGISTRY["volunteers.hours"], user))
    assert sections["志愿服务与微心愿"]["志愿服务时长（小时）"] == round(hours) > 0
    assert sections["党群服务阵地"]["待审批预约"] == 1  # A's pending booking, not B's


def _home_queries(client) -> int:
    with CaptureQueriesContext(connection) as ctx:
        r = client.get("/")
    assert r.status_code == 200
    return len(ctx.captured_queries)


def test_home_queries_do_not_grow_with_rows(world, client_for, django_capture_on_commit_callbacks):
    """The home page of a community administrator makes as many queries with three times the rows."""
    from grassroots.cobuild.models import Need
    from grassroots.orglife.models import Activity

    client = client_for(world.users["community_admin"])
    _home_queries(client)  # warm the per-process caches (rules, menus)
    before = _home_queries(client)
    need = world.cob.need_a
    now = timezone.now()
    for i in range(6):
        Need.objects.create(
            community=need.community, org=need.org, title=f"需求{i}", category=need.category, state="open"
        )
        Activity.objects.create(
            title=f"主题党日{i}",
            kind="theme_day",
            status="done",
            party_org=world.branch_a,
            region=world.A,
            starts_at=now.replace(day=1, hour=9),
            ends_at=now.replace(day=1, hour=10),
        )
    tallies.refresh_all()
    _home_queries(client)  # the branch's organisational life is judged again once (BranchLife)
    after = _home_queries(client)
    assert after == before
