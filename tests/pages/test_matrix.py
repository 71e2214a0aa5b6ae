"""Scope and permission matrix: every detail and form page of another community is a 404, and so is
every page for a user whose role lacks the app's permission."""

import pytest
from django.urls import reverse

from grassroots.party.models import Seat
from grassroots.people.models import Deputy, Steward
from grassroots.regions.models import Region
from grassroots.units.models import Instructor

pytestmark = pytest.mark.django_db


def _object_urls(city):
    comm = city.communities[0]
    entrance = Region.objects.get(code="370202001001001001001")
    org = city.community_orgs[0]
    m = city.members[0]
    ins = Instructor.objects.create(name="指导员", region=comm)
    st = Steward.objects.create(name="单元长", role="entrance", region=entrance)
    dep = Deputy.objects.create(name="代表", kind="npc", level="district", region=comm)
    seat = Seat.objects.create(org=org, post="member", holder_name="委员")
    get = [
        reverse("regions:tree_children", args=[comm.code]),
        reverse("regions:detail", args=[comm.code]),
        reverse("regions:add_child", args=[comm.code]),
        reverse("regions:edit", args=[comm.code]),
        reverse("regions:household_detail", args=[city.households[0].pk]),
        reverse("regions:household_edit", args=[city.households[0].pk]),
        reverse("party:tree_children", args=[org.code]),
        reverse("party:org_detail", args=[org.code]),
        reverse("party:org_add_child", args=[org.code]),
        reverse("party:org_edit", args=[org.code]),
        reverse("party:seat_add", args=[org.code]),
        reverse("party:member_detail", args=[m.pk]),
        reverse("party:member_edit", args=[m.pk]),
        reverse("party:member_transfer", args=[m.pk]),
        reverse("party:member_convert", args=[m.pk]),
        reverse("units:detail", args=[city.units[0].pk]),
        reverse("units:edit", args=[city.units[0].pk]),
        reverse("units:instructor_detail", args=[ins.pk]),
        reverse("units:instructor_edit", args=[ins.pk]),
        reverse("people:worker_detail", args=[city.workers[0].pk]),
        reverse("people:worker_edit", args=[city.workers[0].pk]),
        reverse("people:steward_detail", args=[st.pk]),
        reverse("people:steward_edit", args=[st.pk]),
        reverse("people:deputy_detail", args=[dep.pk]),
        reverse("people:deputy_edit", args=[dep.pk]),
    ]
    post = [reverse("party:seat_remove", args=[seat.pk])]
    return get, post


def test_foreign_community_gets_404_everywhere(city, admin_a, admin_b, client_for):
    get, post = _object_urls(city)
    own, other = client_for(admin_a), client_for(admin_b)
    for url in get:
        assert own.get(url).status_code == 200, url
        assert other.get(url).status_code == 404, url
        assert other.post(url, {}).status_code == 404, url
    for url in post:
        assert other.post(url).status_code == 404, url


LISTS = {
    "regions.view": ["regions:tree", "regions:households", "regions:lookup"],
    "party.view": ["party:tree", "party:orgs", "party:members", "party:lookup"],
    "units.view": ["units:list", "units:instructors", "units:lookup"],
    "people.view": ["people:workers", "people:stewards", "people:deputies"],
}
OPEN_LOOKUPS = {"regions:lookup", "units:lookup"}
ADDS = {
    "regions.change": ["regions:household_add"],
    "party.change": ["party:member_add"],
    "units.change": ["units:add", "units:instructor_add"],
    "people.change": ["people:worker_add", "people:steward_add", "people:deputy_add"],
}


@pytest.mark.parametrize(
    "role,allowed",
    [
        ("department_handler", {"regions.view"}),
        ("party_member", {"party.view"}),
        ("grid_worker", {"regions.view", "party.view", "units.view", "people.view", "regions.change"}),
    ],
)
def test_pages_follow_permissions(role, allowed, city, make_user, client_for):
    scope = None if role == "party_member" else city.communities[0]
    c = client_for(make_user("u", role, scope))
    for perm, names in {**LISTS, **ADDS}.items():
        for name in names:
            if name in OPEN_LOOKUPS:
                # Look-ups used by forms of every role answer an empty list without the permission.
                r = c.get(reverse(name), {"q": city.communities[1].name})
                assert r.status_code == 200, (role, name)
                if perm not in allowed:
                    assert city.communities[1].name not in r.content.decode(), (role, name)
                continue
            expected = 200 if perm in allowed else 404
            assert c.get(reverse(name)).status_code == expected, (role, name)


def test_navigation_follows_permissions(city, make_user, client_for):
    body = client_for(make_user("u", "department_handler", city.communities[0])).get(reverse("regions:tree"))
    html = body.content.decode()
    assert 'href="/regions/tree/"' in html and "行政区划" in html
    assert 'href="/party/members/"' not in html and 'href="/people/workers/"' not in html
    body = client_for(make_user("v", "community_admin", city.communities[0])).get(reverse("regions:tree"))
    html = body.content.decode()
    for label in ["行政区划", "住户", "党组织", "党员", "驻区单位", "社区工作者", "三长", "两代表一委员"]:
        assert label in html
