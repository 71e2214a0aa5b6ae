"""Lists and tree levels do a constant number of queries, whatever the number of rows on the page."""

import pytest
from django.urls import reverse

from grassroots.party.models import PartyOrg
from grassroots.people.models import Deputy, Steward, Worker
from grassroots.regions.models import Region
from grassroots.units.models import Instructor, Unit
from tests.factories import add_org

pytestmark = pytest.mark.django_db


def _grow(kind, city, start, stop):
    community = city.communities[0]
    if kind == "units":
        Unit.objects.bulk_create(
            [
                Unit(code=f"UX{i}", name=f"单位{i}", type="private", region=community)
                for i in range(start, stop)
            ]
        )
    elif kind == "instructors":
        Instructor.objects.bulk_create(
            [Instructor(name=f"指导员{i}", region=community) for i in range(start, stop)]
        )
    elif kind == "workers":
        Worker.objects.bulk_create(
            [
                Worker(code=f"WX{i}", name=f"社工{i}", region=community, post="staff", grade=12)
                for i in range(start, stop)
            ]
        )
    elif kind == "stewards":
        entrance = Region.objects.get(code="370202001001001001001")
        Steward.objects.bulk_create(
            [Steward(name=f"单元长{i}", role="entrance", region=entrance) for i in range(start, stop)]
        )
    elif kind == "deputies":
        Deputy.objects.bulk_create(
            [
                Deputy(name=f"代表{i}", kind="npc", level="district", region=community)
                for i in range(start, stop)
            ]
        )
    elif kind == "orgs":
        for i in range(start, stop):
            add_org(city.community_orgs[0], f"QX-{i}", f"党小组{i}", "group", community)


@pytest.mark.parametrize(
    "kind,url_name",
    [
        ("units", "units:list"),
        ("instructors", "units:instructors"),
        ("workers", "people:workers"),
        ("stewards", "people:stewards"),
        ("deputies", "people:deputies"),
        ("orgs", "party:orgs"),
    ],
)
def test_list_queries_constant(kind, url_name, city, admin_a, client_for, django_assert_max_num_queries):
    c = client_for(admin_a)
    url = reverse(url_name)
    _grow(kind, city, 0, 1)  # at least one row, so both requests render a table
    c.get(url)
    with django_assert_max_num_queries(15) as before:
        c.get(url)
    _grow(kind, city, 1, 31)
    with django_assert_max_num_queries(len(before.captured_queries)):
        r = c.get(url)
    assert len(r.context["object_list"]) == 25


def test_party_tree_children_queries_constant(city, admin_a, client_for, django_assert_max_num_queries):
    c = client_for(admin_a)
    url = reverse("party:tree_children", args=["QD-SN-1-1"])
    c.get(url)
    with django_assert_max_num_queries(10) as before:
        c.get(url)
    for i in range(20):
        add_org(PartyOrg.objects.get(code="QD-SN-1-1"), f"QY-{i}", f"支部{i}", "branch", city.communities[0])
    with django_assert_max_num_queries(len(before.captured_queries)):
        r = c.get(url)
    assert len(r.context["nodes"]) == 21
