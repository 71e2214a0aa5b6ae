"""红色物业 services: scope and permission, bad input refused with nothing changed, audit, the
neighborhoods without management going to zero, ratings once a year."""

import datetime

import pytest
from django.utils import timezone

from grassroots.core.errors import Conflict, NotFound, PermissionDenied, ServiceError
from grassroots.core.models import AuditEvent
from grassroots.redproperty import services, stats
from grassroots.redproperty.models import (
    CrossPost,
    PropertyCompany,
    Rating,
    ServiceContract,
    Takeover,
)
from grassroots.units.models import Unit

pytestmark = pytest.mark.django_db


def test_company_is_a_unit_and_party_status_lives_on_it(rp, city):
    unit = rp.company0.unit
    assert unit.type == "property" and unit.region == rp.c0
    before = AuditEvent.objects.count()
    services.set_party_status(rp.admin, rp.company0, party_org=city.branches[0], instructor=None)
    unit.refresh_from_db()
    assert (unit.party_work, unit.party_org) == ("own_org", city.branches[0])
    assert AuditEvent.objects.count() == before + 1
    # An existing property unit registers without duplicating it; a second registration is refused.
    existing = city.units[1]  # 云南路社区物业公司 (type property) in community 1, street 0
    company = services.register_company(rp.street, region=None, unit=existing)
    assert company.unit_id == existing.pk and Unit.objects.filter(name=existing.name).count() == 1
    with pytest.raises(Conflict):
        services.register_company(rp.street, region=None, unit=existing)
    # Out of scope: community 0's admin cannot register in community 2, nor touch company2.
    with pytest.raises(NotFound):
        services.register_company(rp.admin, region=rp.c2, name="越界物业")
    with pytest.raises(NotFound):
        services.set_party_status(rp.admin, rp.company2)
    # District staff view but do not manage.
    with pytest.raises(PermissionDenied):
        services.set_party_status(rp.district, rp.company0)


def test_contracts_overlap_refused_and_end(rp):
    n = ServiceContract.objects.count()
    with pytest.raises(Conflict):
        services.sign_contract(
            rp.admin,
            company=rp.company0,
            neighborhood=rp.hoods[0],
            start=timezone.localdate(),
            end=timezone.localdate() + datetime.timedelta(days=10),
            fee="1",
        )
    for fee in ("abc", "-1", "1000", "NaN"):
        with pytest.raises(ServiceError) as exc:
            services.sign_contract(
                rp.street,
                company=rp.company0,
                neighborhood=rp.hoods[1],
                start="2020-01-01",
                end="2021-01-01",
                fee=fee,
            )
        assert "收费标准" in exc.value.message
    with pytest.raises(ServiceError) as exc:
        services.sign_contract(
            rp.street,
            company=rp.company0,
            neighborhood=rp.hoods[1],
            start="2021-01-01",
            end="2020-01-01",
            fee="1",
        )
    assert exc.value.message == "合同到期日期不能早于开始日期"
    assert ServiceContract.objects.count() == n
    services.end_contract(rp.admin, rp.contract0, terminate=True, ended_on=timezone.localdate())
    rp.contract0.refresh_from_db()
    assert rp.contract0.state == "terminated"
    with pytest.raises(ServiceError):
        services.end_contract(rp.admin, rp.contract0, terminate=False)


def test_unmanaged_neighborhoods_go_to_zero(rp, city):
    today = timezone.localdate()
    # hoods 1 and 3 have no contract; hood 1 (street 0) is taken over by street custody.
    rows = {r["street"]: r for r in stats.to_zero(rp.city_admin)}
    assert rows["八大峡街道"] == {
        "street": "八大峡街道",
        "path": city.streets[0].path,
        "total": 1,
        "taken_over": 0,
        "left": 1,
    }
    assert rows["中山路街道"]["left"] == 1
    soe = services.register_company(rp.street, region=city.streets[0], name="城投物业", is_state_owned=True)
    with pytest.raises(ServiceError):  # only a state-owned company may take over as 国企兜底
        services.record_takeover(
            rp.street, neighborhood=rp.hoods[1], kind="state_company", start=today, company=rp.company0
        )
    with pytest.raises(Conflict):  # a neighborhood under contract needs no takeover
        services.record_takeover(rp.admin, neighborhood=rp.hoods[0], kind="street_custody", start=today)
    t = services.record_takeover(
        rp.street, neighborhood=rp.hoods[1], kind="state_company", start=today, company=soe
    )
    rows = {r["street"]: r for r in stats.to_zero(rp.city_admin)}
    assert (rows["八大峡街道"]["taken_over"], rows["八大峡街道"]["left"]) == (1, 0)
    assert [d["left"] for d in stats.to_zero_by_district(rp.city_admin)] == [1]
    assert stats.to_zero(rp.admin) == []  # community 0's only neighborhood is served
    services.end_takeover(rp.street, t, end=today)
    assert Takeover.objects.get(pk=t.pk).end == today


def test_resident_rates_own_neighborhood_once_a_year(rp, make_user):
    r = services.rate(rp.resident, stars=4, comment="保洁及时")
    assert (r.company, r.neighborhood, r.stars) == (rp.company0, rp.hoods[0], 4)
    with pytest.raises(Conflict):
        services.rate(rp.resident, stars=5)
    for bad in (0, 6, "x", None):
        with pytest.raises(ServiceError):
            services.rate(rp.resident, stars=bad)
    assert Rating.objects.count() == 1
    unlinked = make_user("rp_unlinked", "resident")
    with pytest.raises(ServiceError) as exc:
        services.rate(unlinked, stars=3)
    assert "住户" in exc.value.message
    with pytest.raises(PermissionDenied):
        services.rate(rp.admin, stars=3)


def test_committee_members_cross_posts_and_term_warning(rp, city):
    today = timezone.localdate()
    committee = services.register_committee(
        rp.admin,
        neighborhood=rp.hoods[0],
        term_start=today - datetime.timedelta(days=1700),
        term_end=today + datetime.timedelta(days=30),
    )
    assert committee.unit.type == "owners_committee" and committee.unit.region == rp.c0
    with pytest.raises(Conflict):
        services.register_committee(rp.admin, neighborhood=rp.hoods[0])
    services.add_committee_member(rp.admin, committee, name="王主任", role="director", term_start=today)
    with pytest.raises(Conflict):  # one director at a time
        services.add_committee_member(rp.admin, committee, name="李主任", role="director", term_start=today)
    member = city.members[0]
    post = services.add_cross_post(rp.admin, member=member, committee=committee, role="委员", start=today)
    assert post.region == rp.hoods[0] and CrossPost.objects.filter(member=member).count() == 1
    with pytest.raises(Conflict):
        services.add_cross_post(rp.admin, member=member, committee=committee, role="委员", start=today)
    with pytest.raises(NotFound):  # a member of another street's community is not in scope
        services.add_cross_post(
            rp.admin, member=city.members[6], company=rp.company0, role="联络员", start=today
        )
    from grassroots.redproperty.models import OwnersCommittee

    assert list(services.term_warnings(OwnersCommittee.objects.all())) == [committee]
    services.plan_election(rp.admin, committee, planned_on=today + datetime.timedelta(days=20))
    assert list(services.term_warnings(OwnersCommittee.objects.all())) == []


def test_inspection_needs_a_contract_and_a_valid_score(rp):
    today = timezone.localdate()
    for score in (-1, 101, "x"):
        with pytest.raises(ServiceError):
            services.inspect(
                rp.admin, company=rp.company0, neighborhood=rp.hoods[0], inspected_on=today, score=score
            )
    with pytest.raises(ServiceError):
        services.inspect(
            rp.admin, company=rp.company2, neighborhood=rp.hoods[0], inspected_on=today, score=90
        )
    i = services.inspect(
        rp.admin, company=rp.company0, neighborhood=rp.hoods[0], inspected_on=today, score=90
    )
    assert i.inspector == rp.admin and PropertyCompany.objects.get(pk=rp.company0.pk).inspections.count() == 1
