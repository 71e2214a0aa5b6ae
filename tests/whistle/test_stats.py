"""checkin_rate and department_scores against hand-built data."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from grassroots.cases.models import Case, Evaluation
from grassroots.core.errors import PermissionDenied, ServiceError
from grassroots.core.models import AuditEvent
from grassroots.whistle import services, stats
from grassroots.whistle.models import Target
from grassroots.whistle.periods import PeriodError, parse_period

pytestmark = pytest.mark.django_db


def test_parse_period():
    assert parse_period("2026") == (datetime.date(2026, 1, 1), datetime.date(2027, 1, 1))
    assert parse_period("2026-Q4") == (datetime.date(2026, 10, 1), datetime.date(2027, 1, 1))
    assert parse_period("2026-02") == (datetime.date(2026, 2, 1), datetime.date(2026, 3, 1))
    for bad in ("", "26", "2026-Q5", "2026-13", "1999"):
        with pytest.raises(PeriodError):
            parse_period(bad)


def _case(region, handler, *, due, resolved=None, n=[0]):  # noqa: B006
    n[0] += 1
    now = timezone.now()
    return Case.objects.create(
        number=f"T{n[0]:06d}",
        channel="patrol",
        description="测试工单描述",
        region=region,
        handler=handler,
        state="closed" if resolved else "accepted",
        dispatched_at=now - datetime.timedelta(hours=1),
        due_at=due,
        resolved_at=resolved,
    )


def test_checkin_rate_and_department_scores(wh, summons_for):
    s1 = summons_for(handlers=[wh.dept, wh.dept2])
    summons_for(user=wh.community_admin, region=wh.c0, handlers=[wh.dept])
    t_dept1 = Target.objects.get(summons=s1, handler=wh.dept)
    services.check_in(wh.member_a, s1, t_dept1, mode="online")  # on time
    t_dept2 = Target.objects.get(summons=s1, handler=wh.dept2)
    Target.objects.filter(pk=t_dept2.pk).update(due_at=timezone.now() - datetime.timedelta(hours=1))
    t_dept2.refresh_from_db()
    services.check_in(wh.member_other, s1, t_dept2, mode="online")  # late
    # s2 (community 0, under street 0): dept not checked in
    today = timezone.localdate()
    start, end = today - datetime.timedelta(days=1), today + datetime.timedelta(days=1)
    assert stats.checkin_rate(wh.street, start, end) == pytest.approx(100 * 1 / 3, abs=0.1)
    assert stats.checkin_rate(wh.c0, start, end) == 0.0
    assert stats.checkin_rate(wh.street2, start, end) is None
    assert stats.checkin_rates([wh.street.path, wh.c0.path, wh.district.path], start, end) == {
        wh.street.path: 33.3,
        wh.c0.path: 0.0,
        wh.district.path: 33.3,
    }
    # cases dispatched to the departments: dept 1 of 2 due on time, 1 satisfied of 2 evaluations
    now = timezone.now()
    c1 = _case(wh.c0, wh.dept, due=now + datetime.timedelta(hours=1), resolved=now)
    c2 = _case(wh.c0, wh.dept, due=now - datetime.timedelta(hours=1), resolved=now)
    _case(wh.c0, wh.dept, due=now + datetime.timedelta(days=3))  # open, not yet due: not counted
    _case(wh.c2, wh.dept, due=now - datetime.timedelta(hours=1))  # other street
    Evaluation.objects.create(case=c1, round=1, result="satisfied", handler=wh.dept)
    Evaluation.objects.create(case=c2, round=1, result="unsatisfied", handler=wh.dept)
    period = f"{today.year}"
    services.assess(
        wh.street_admin, region=wh.street, handler=wh.dept, period=period, score=80, comment="较好"
    )
    rows = {r["handler"]: r for r in stats.department_scores(wh.street, start, end, period=period)}
    d1 = rows["区城市管理局"]
    assert (d1["summoned"], d1["checked_in_on_time"], d1["punctuality"]) == (2, 1, 50.0)
    assert (d1["cases"], d1["cases_due"], d1["cases_on_time"], d1["on_time"]) == (3, 2, 1, 50.0)
    assert (d1["evaluations"], d1["satisfied"], d1["satisfaction"]) == (2, 1, 50.0)
    assert d1["manual"] == 80.0
    assert d1["total"] == pytest.approx((0.3 * 50 + 0.3 * 50 + 0.2 * 50 + 0.2 * 80) / 1.0, abs=0.1)
    d2 = rows["区住房和城乡建设局"]
    assert d2["punctuality"] == 0.0 and d2["on_time"] is None and d2["total"] == 0.0
    assert d1["rank"] == 1 and d2["rank"] == 2


def test_assess_validation_scope_and_audit(wh):
    with pytest.raises(ServiceError, match="0 到 100"):
        services.assess(wh.street_admin, region=wh.street, handler=wh.dept, period="2026", score=101)
    with pytest.raises(ServiceError, match="考核周期"):
        services.assess(wh.street_admin, region=wh.street, handler=wh.dept, period="去年", score=90)
    with pytest.raises(ServiceError, match="职能部门"):
        services.assess(
            wh.street_admin, region=wh.street, handler=wh.community_handler, period="2026", score=90
        )
    with pytest.raises(ServiceError) as exc:
        services.assess(wh.street_admin, region=wh.street2, handler=wh.dept, period="2026", score=90)
    assert exc.value.status == 404
    with pytest.raises(PermissionDenied):
        services.assess(wh.member_a, region=wh.street, handler=wh.dept, period="2026", score=90)
    assert AuditEvent.objects.filter(model="whistle.assessment").count() == 0
    a = services.assess(wh.street_admin, region=wh.street, handler=wh.dept, period="2026", score=70)
    services.assess(
        wh.street_admin, region=wh.street, handler=wh.dept, period="2026", score=75.5, comment="改进"
    )
    a.refresh_from_db()
    assert float(a.score) == 75.5
    actions = list(
        AuditEvent.objects.filter(model="whistle.assessment").order_by("id").values_list("action", flat=True)
    )
    assert actions == ["create", "update"]
