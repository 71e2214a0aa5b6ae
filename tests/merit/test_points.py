import datetime
from decimal import Decimal

import pytest
from django.db import DatabaseError, connection, transaction
from django.db.models import Sum

from grassroots.core.errors import Conflict, NotFound, PermissionDenied, ServiceError
from grassroots.merit import services
from grassroots.merit.models import MemberPointsEntry, PointKind, StudyRecord, StudyState
from grassroots.standards.models import Rule

pytestmark = pytest.mark.django_db

SOURCE_MEMBER = {
    "signup": lambda s: s.member_id or s.user.member.pk,
    "dues": lambda d: d.member_id,
    "service": lambda r: r.registration.member_id,
    "wish": lambda w: w.claimant_member_id,
    "study": lambda r: r.member_id,
}


def _entries(member, year):
    return {(e.kind, e.points) for e in MemberPointsEntry.objects.filter(member=member, year=year)}


def test_accrual_credits_each_qualifying_source_once_with_rule_weights(sources, year):
    added = services.accrue_points(year)
    m0, m1, m2 = sources.members
    assert added == 6
    assert _entries(m0, year) == {
        (PointKind.ATTENDANCE, Decimal("2.0")),
        (PointKind.DUES, Decimal("1.0")),
        (PointKind.COBUILD, Decimal("3.0")),
    }
    # Absent from the meeting and late dues earn nothing; the wish does.
    assert _entries(m1, year) == {(PointKind.WISH, Decimal("3.0"))}
    assert _entries(m2, year) == {(PointKind.VOLUNTEER, Decimal("2.5")), (PointKind.STUDY, Decimal("1.5"))}


def test_total_is_sum_of_entries_and_every_entry_resolves_to_its_source(sources, year):
    services.accrue_points(year)
    entries = list(MemberPointsEntry.objects.filter(year=year).select_related("member"))
    assert entries
    for e in entries:
        src = e.source
        assert src is not None and src.pk == e.source_id
        # The source record belongs to the member credited.
        assert SOURCE_MEMBER[e.source_field](src) == e.member_id
    for m in sources.members:
        s = MemberPointsEntry.objects.filter(member=m, year=year).aggregate(s=Sum("points"))["s"]
        assert services.member_total(m, year) == s
        assert services.year_totals([m.pk], year)[m.pk] == s
    assert services.member_total(sources.members[0], year) == Decimal("6.0")


def test_accrual_is_idempotent(sources, year):
    assert services.accrue_points(year) == 6
    before = list(MemberPointsEntry.objects.order_by("pk").values_list("pk", "points", "created_at"))
    assert services.accrue_points(year) == 0
    assert list(MemberPointsEntry.objects.order_by("pk").values_list("pk", "points", "created_at")) == before


def test_other_years_are_not_touched(sources, year):
    assert services.accrue_points(year - 1) == 0
    assert not MemberPointsEntry.objects.exists()


def test_weights_come_from_the_rule_row(sources, year):
    rule = Rule.objects.get(code="MEM-PTS")
    rule.params = {**rule.params, "attendance": 5, "study_hour": 2}
    rule.save()
    services.accrue_points(year)
    m0, _m1, m2 = sources.members
    assert (PointKind.ATTENDANCE, Decimal("5.0")) in _entries(m0, year)
    assert (PointKind.STUDY, Decimal("3.0")) in _entries(m2, year)
    rule.enabled = False
    rule.save()
    assert services.accrue_points(year) == 0


def test_a_withdrawn_source_gets_a_compensating_entry_and_the_original_stays(sources, year):
    services.accrue_points(year)
    m0 = sources.members[0]
    original = MemberPointsEntry.objects.get(member=m0, kind=PointKind.ATTENDANCE)
    sources.signups[0].status = "absent"
    sources.signups[0].save()
    assert services.accrue_points(year) == 1
    fix = MemberPointsEntry.objects.get(corrects=original)
    assert fix.points == -original.points and fix.signup_id == original.signup_id
    original.refresh_from_db()
    assert original.points == Decimal("2.0")
    assert services.member_total(m0, year) == Decimal("4.0")
    assert services.accrue_points(year) == 0  # the correction is made once


def test_ledger_is_append_only(sources, year):
    services.accrue_points(year)
    e = MemberPointsEntry.objects.first()
    e.points = Decimal(100)
    with pytest.raises(TypeError):
        e.save()
    with pytest.raises(TypeError):
        e.delete()
    with pytest.raises(TypeError):
        MemberPointsEntry.objects.filter(pk=e.pk).update(points=100)
    with pytest.raises(TypeError):
        MemberPointsEntry.objects.filter(pk=e.pk).delete()
    table = MemberPointsEntry._meta.db_table
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cur:
        cur.execute(f"UPDATE {table} SET points = 100 WHERE id = %s", [e.pk])
    if connection.vendor == "postgresql":
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cur:
            cur.execute(f"DELETE FROM {table} WHERE id = %s", [e.pk])
    assert MemberPointsEntry.objects.get(pk=e.pk).points != Decimal(100)


def test_accrual_query_count_does_not_grow_with_members(sources, year, django_assert_max_num_queries):
    # 20 for the ledger, 3 for the members' yearly totals (delete, grouped read, insert per 1000 members).
    with django_assert_max_num_queries(23):
        services.accrue_points(year)


# ------------------------------------------------------------------------------------- study
def test_member_submits_study_then_branch_approves_and_points_follow(sources, make_user, city, year):
    m2 = sources.members[2]
    today = datetime.date.today()
    rec = services.submit_study(sources.user2, course="专题党课", hours="2", studied_on=today)
    assert rec.state == StudyState.PENDING and rec.self_reported
    services.accrue_points(today.year)
    assert not MemberPointsEntry.objects.filter(study=rec).exists()
    admin = make_user("merit_ca", "community_admin", city.communities[0])
    services.review_study(admin, rec, "approve")
    entry = MemberPointsEntry.objects.get(study=rec)
    assert entry.member == m2 and entry.points == Decimal("2.0")
    with pytest.raises(Conflict):
        services.review_study(admin, rec, "reject", note="重复登记")
    rec.refresh_from_db()
    assert rec.state == StudyState.APPROVED


def test_study_refusals_change_nothing(sources, make_user, city):
    today = datetime.date.today()
    with pytest.raises(ServiceError):
        services.submit_study(sources.user2, course="课", hours="2", studied_on=today)
    with pytest.raises(ServiceError):
        services.submit_study(sources.user2, course="专题党课", hours="0", studied_on=today)
    with pytest.raises(ServiceError):
        services.submit_study(
            sources.user2, course="专题党课", hours="2", studied_on=today + datetime.timedelta(1)
        )
    rec = services.submit_study(sources.user2, course="专题党课", hours="2", studied_on=today)
    other = make_user("merit_cb", "community_admin", city.communities[2])
    with pytest.raises(NotFound):
        services.review_study(other, rec, "approve")
    worker = make_user("merit_gw", "grid_worker", city.communities[0])
    with pytest.raises(PermissionDenied):
        services.review_study(worker, rec, "approve")
    admin = make_user("merit_ca2", "community_admin", city.communities[0])
    with pytest.raises(ServiceError):
        services.review_study(admin, rec, "reject", note="")
    with pytest.raises(NotFound):
        services.record_study(other, sources.members[0], course="专题党课", hours=2, studied_on=today)
    assert StudyRecord.objects.get(pk=rec.pk).state == StudyState.PENDING
    assert StudyRecord.objects.filter(member__in=sources.members).count() == 2  # fixture's + this one
