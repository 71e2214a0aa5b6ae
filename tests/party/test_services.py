import datetime

import pytest

from grassroots.core.errors import NotFound, PermissionDenied, ServiceError
from grassroots.core.models import AuditEvent
from grassroots.party import services
from grassroots.party.models import Member, PartyOrg, Transfer

pytestmark = pytest.mark.django_db


def test_add_org_under_own_committee_is_audited(city, make_user):
    user = make_user("a", "community_admin", city.communities[0])
    org = services.add_org(
        user,
        city.community_orgs[0],
        code="QD-SN-1-1-9",
        name="第九党支部",
        kind="branch",
        region=city.communities[0],
    )
    assert PartyOrg.objects.get(pk=org.pk).path.startswith(city.community_orgs[0].path)
    assert PartyOrg.objects.find_problems() == ([], [], [], [], [])
    event = AuditEvent.objects.get(model="party.partyorg", object_id=str(org.pk))
    assert event.action == "create" and event.changes["name"] == [None, "第九党支部"]


def test_add_org_under_foreign_parent_is_404_and_writes_nothing(city, make_user):
    user = make_user("a", "community_admin", city.communities[0])
    before = PartyOrg.objects.count()
    with pytest.raises(NotFound):
        services.add_org(
            user,
            city.community_orgs[1],
            code="X-1",
            name="越权支部",
            kind="branch",
            region=city.communities[1],
        )
    assert PartyOrg.objects.count() == before


def test_add_org_with_region_outside_scope_is_refused(city, make_user):
    user = make_user("a", "community_admin", city.communities[0])
    with pytest.raises(NotFound):
        services.add_org(
            user,
            city.community_orgs[0],
            code="X-2",
            name="错挂支部",
            kind="branch",
            region=city.communities[2],
        )


def test_transfer_is_issued_and_moves_on_acceptance(city, make_user):
    user = make_user("street", "street_admin", city.streets[0])
    member = city.members[0]
    transfer = services.transfer_member(
        user, member, city.branches[1], on=datetime.date(2026, 3, 1), reason="搬迁"
    )
    member.refresh_from_db()
    assert member.party_org == city.branches[0] and transfer.state == "issued"
    assert Transfer.objects.get(pk=transfer.pk).from_org == city.branches[0]
    from grassroots.party.transfers import accept_transfer

    accept_transfer(user, transfer)
    member.refresh_from_db()
    assert member.party_org == city.branches[1]
    assert AuditEvent.objects.filter(model="party.member", object_id=str(member.pk)).count() == 1


def test_transfer_to_functional_org_is_refused(city, make_user):
    user = make_user("street", "street_admin", city.streets[0])
    functional = services.add_org(
        user,
        city.community_orgs[0],
        code="QD-F",
        name="志愿服务功能型党支部",
        kind="branch",
        region=city.communities[0],
        is_functional=True,
    )
    with pytest.raises(ServiceError, match="ORG-7"):
        services.transfer_member(user, city.members[0], functional)
    assert Member.objects.get(pk=city.members[0].pk).party_org == city.branches[0]
    assert not Transfer.objects.exists()


def test_convert_probationary_member(city, make_user):
    user = make_user("a", "community_admin", city.communities[0])
    m = city.members[0]
    Member.objects.filter(pk=m.pk).update(status="probationary")
    m.refresh_from_db()
    services.convert_member(user, m, on=datetime.date(2011, 7, 1))
    m.refresh_from_db()
    assert m.status == "full" and m.converted_on == datetime.date(2011, 7, 1)
    event = AuditEvent.objects.get(model="party.member", action="transition")
    assert event.changes["state"] == ["probationary", "full"]
    with pytest.raises(ServiceError):
        services.convert_member(user, m, on=datetime.date(2012, 1, 1))


def test_duplicate_id_number_is_refused_without_revealing_where(city, make_user):
    user = make_user("a", "community_admin", city.communities[0])
    other = city.members[5]
    with pytest.raises(ServiceError) as exc:
        services.add_member(
            user,
            name="重复",
            gender="male",
            id_number=other.id_number,
            party_org=city.branches[0],
            status="full",
            joined_on=datetime.date(2000, 1, 1),
        )
    assert city.branches[2].name not in exc.value.message


def test_grid_worker_cannot_change_party_data(city, make_user):
    user = make_user("g", "grid_worker", city.communities[0])
    with pytest.raises(PermissionDenied):
        services.update_member(user, city.members[0], name="改")


def test_add_member_computes_the_lookup_hash(city, make_user):
    from tests.factories import id_number

    user = make_user("a", "community_admin", city.communities[0])
    m = services.add_member(
        user,
        name="新党员",
        gender="female",
        id_number=id_number(),
        party_org=city.branches[0],
        status="probationary",
        joined_on=datetime.date(2026, 1, 5),
    )
    from grassroots.core.crypto import lookup_hash

    stored = Member.objects.get(pk=m.pk)
    assert stored.id_number_hash == lookup_hash(stored.id_number)
