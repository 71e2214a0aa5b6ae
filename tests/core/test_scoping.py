import pytest

from grassroots.core import audit
from grassroots.core.errors import NotFound, PermissionDenied
from grassroots.core.models import AuditEvent
from grassroots.core.scoping import covers
from grassroots.core.services import update_object
from grassroots.party.models import Member
from grassroots.regions.models import Household, Region

pytestmark = pytest.mark.django_db


def test_community_admin_sees_only_own_community(city, make_user):
    a, b = city.communities[0], city.communities[1]
    user = make_user("admin_a", "community_admin", a)
    households = Household.objects.visible_to(user)
    assert {Region.objects.get_ancestors(h.entrance)[3].pk for h in households} == {a.pk}
    assert set(Member.objects.visible_to(user).values_list("party_org__region", flat=True)) == {a.pk}
    assert Region.objects.visible_to(user).filter(pk=b.pk).count() == 0
    assert not covers(user, city.households[2], "view")
    assert covers(user, city.households[0], "view")


def test_street_admin_sees_both_communities_of_street(city, make_user):
    user = make_user("street", "street_admin", city.streets[0])
    regions = set(Region.objects.visible_to(user).filter(level="community").values_list("name", flat=True))
    assert regions == {"团岛社区", "云南路社区"}


def test_party_org_scope_covers_subtree(city, make_user):
    user = make_user("liaison", "unit_liaison", city.community_orgs[0])
    names = set(Member.objects.visible_to(user).values_list("party_org__code", flat=True))
    assert names == {city.branches[0].code}


def test_no_assignment_sees_nothing(city, make_user):
    user = make_user("nobody")
    assert Member.objects.visible_to(user).count() == 0
    assert Region.objects.visible_to(user).count() == 0


def test_update_outside_scope_is_404_and_moving_out_is_rolled_back(city, make_user):
    user = make_user("admin_a", "community_admin", city.communities[0])
    foreign = city.members[3]
    with pytest.raises(NotFound):
        update_object(user, foreign, {"name": "改名"})
    mine = city.members[0]
    before = AuditEvent.objects.count()
    with pytest.raises(PermissionDenied):
        update_object(user, mine, {"party_org": city.branches[1]})
    mine.refresh_from_db()
    assert mine.party_org_id == city.branches[0].pk
    assert AuditEvent.objects.count() == before


def test_update_writes_one_audit_record_with_masked_diff(city, make_user):
    user = make_user("admin_a", "community_admin", city.communities[0])
    member = city.members[0]
    update_object(user, member, {"name": "新名字", "phone": "13900001111"})
    events = AuditEvent.objects.filter(model="party.member", object_id=str(member.pk))
    assert events.count() == 1
    changes = events.get().changes
    assert changes["name"][1] == "新名字"
    assert changes["phone"][1] == "139****1111"
    assert "id_number_hash" not in changes


def test_audit_rows_cannot_be_updated(city, make_user):
    from django.db import DatabaseError, transaction

    event = audit.record("update", city.members[0], user=None)
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(purpose="篡改")
