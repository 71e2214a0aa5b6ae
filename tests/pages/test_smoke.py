import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_every_page_renders_for_community_admin(city, admin_a, client_for):
    c = client_for(admin_a)
    comm = city.communities[0]
    org = city.community_orgs[0]
    m = city.members[0]
    urls = [
        reverse("regions:tree"),
        reverse("regions:tree_children", args=[comm.code]),
        reverse("regions:detail", args=[comm.code]),
        reverse("regions:add_child", args=[comm.code]),
        reverse("regions:edit", args=[comm.code]),
        reverse("regions:households"),
        reverse("regions:household_add"),
        reverse("regions:household_detail", args=[city.households[0].pk]),
        reverse("regions:household_edit", args=[city.households[0].pk]),
        reverse("regions:lookup") + "?q=td",
        reverse("party:tree"),
        reverse("party:tree_children", args=[org.code]),
        reverse("party:orgs"),
        reverse("party:org_detail", args=[org.code]),
        reverse("party:org_add_child", args=[org.code]),
        reverse("party:org_edit", args=[org.code]),
        reverse("party:seat_add", args=[org.code]),
        reverse("party:members"),
        reverse("party:member_add"),
        reverse("party:member_detail", args=[m.pk]),
        reverse("party:member_edit", args=[m.pk]),
        reverse("party:member_transfer", args=[m.pk]),
        reverse("party:member_convert", args=[m.pk]),
        reverse("party:lookup") + "?q=td",
        reverse("units:list"),
        reverse("units:add"),
        reverse("units:detail", args=[city.units[0].pk]),
        reverse("units:edit", args=[city.units[0].pk]),
        reverse("units:instructors"),
        reverse("units:instructor_add"),
        reverse("units:lookup") + "?q=td",
        reverse("people:workers"),
        reverse("people:worker_add"),
        reverse("people:worker_detail", args=[city.workers[0].pk]),
        reverse("people:worker_edit", args=[city.workers[0].pk]),
        reverse("people:stewards"),
        reverse("people:steward_add"),
        reverse("people:deputies"),
        reverse("people:deputy_add"),
    ]
    for url in urls:
        r = c.get(url)
        assert r.status_code == 200, url
