import os

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

import datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.utils import timezone


@pytest.fixture
def year():
    return timezone.localdate().year


@pytest.fixture
def sources(city, make_user, year):
    """One record of each source kind in community A's branch (members[0..2]) in `year`:
    - a held members' meeting: members[0] attended, members[1] absent;
    - a volunteer activity: members[2] (through their account) served 2.5 hours;
    - dues: members[0] paid January in January (on time), members[1] paid February in March (late);
    - a 双报到 service record of members[0], 3 hours;
    - a confirmed wish claimed by members[1];
    - an approved study record of members[2], 1.5 hours."""
    from grassroots.cobuild.models import Registration, ServiceRecord
    from grassroots.merit.models import StudyRecord
    from grassroots.orglife.models import Activity, Signup
    from grassroots.party.models import DuesPayment
    from grassroots.volunteers.models import Wish

    branch = city.branches[0]
    m0, m1, m2 = city.members[0:3]
    u2 = make_user("merit_m2", "party_member")
    m2.user = u2
    m2.save(update_fields=["user"])
    tz = timezone.get_current_timezone()
    start = datetime.datetime(year, 1, 5, 19, 0, tzinfo=tz)
    meeting = Activity.objects.create(
        kind="members_meeting",
        title="一月支部党员大会",
        party_org=branch,
        region=branch.region,
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=2),
        status="done",
    )
    s0 = Signup.objects.create(activity=meeting, member=m0, name=m0.name, status="attended")
    s1 = Signup.objects.create(activity=meeting, member=m1, name=m1.name, status="absent")
    vol = Activity.objects.create(
        kind="volunteer",
        title="社区环境整治志愿服务",
        region=branch.region,
        starts_at=start + datetime.timedelta(days=1),
        ends_at=start + datetime.timedelta(days=1, hours=3),
        status="done",
    )
    s2 = Signup.objects.create(activity=vol, user=u2, name=m2.name, status="attended", hours=Decimal("2.5"))
    d0 = DuesPayment.objects.create(
        member=m0, month=datetime.date(year, 1, 1), amount_fen=2000, paid_on=datetime.date(year, 1, 20)
    )
    d1 = DuesPayment.objects.create(
        member=m1, month=datetime.date(year, 2, 1), amount_fen=2000, paid_on=datetime.date(year, 3, 3)
    )
    reg = Registration.objects.create(kind="member", community=branch.region, member=m0, state="active")
    svc = ServiceRecord.objects.create(
        registration=reg, served_on=datetime.date(year, 1, 8), activity="楼道清理", hours=Decimal("3")
    )
    poster = make_user("merit_poster", "community_admin", city.communities[0])
    wish = Wish.objects.create(
        region=branch.region,
        title="给独居老人买助行器",
        beneficiary_name="王奶奶",
        posted_by=poster,
        state="confirmed",
        claimant_member=m1,
        claimant_name=m1.name,
        confirmed_at=start + datetime.timedelta(days=3),
    )
    study = StudyRecord.objects.create(
        member=m2,
        course="党章学习",
        hours=Decimal("1.5"),
        studied_on=datetime.date(year, 1, 9),
        state="approved",
    )
    return SimpleNamespace(
        branch=branch,
        members=(m0, m1, m2),
        user2=u2,
        meeting=meeting,
        signups=(s0, s1, s2),
        dues=(d0, d1),
        service=svc,
        wish=wish,
        study=study,
        poster=poster,
    )
