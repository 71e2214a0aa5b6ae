"""Figures served from summary tables equal a direct computation over the rows, on the generated demo
city (whose last step runs the rollup), and follow the writes that change them.

- volunteer rankings (VolunteerTally) against the ledger and sign-up sums;
- the home page's 组织体检 counts (FindingCount) against the user's own health check;
- organisational-life compliance (BranchLife) against a judgement from the activities."""

from __future__ import annotations

import datetime

import pytest
from django.db.models import Q, Sum

pytestmark = pytest.mark.django_db


def _user(username):
    from grassroots.accounts.models import User

    return User.objects.get(username=username)


# ------------------------------------------------------------------------------------ volunteers
def _direct_people(user, by="points"):
    """The rankings as computed before the tallies: ledger and sign-ups summed per volunteer."""
    from grassroots.orglife.models import Signup
    from grassroots.volunteers.models import SourceType, Volunteer

    earned = Q(user__point_entries__source_type__in=[s for s in SourceType.values if s != "redemption"])
    vols = list(
        Volunteer.objects.visible_to(user)
        .annotate(points=Sum("user__point_entries__amount", filter=earned, default=0))
        .values("pk", "name", "points")
    )
    hours = dict(
        Signup.objects.filter(activity__kind="volunteer", checked_out_at__isnull=False)
        .order_by()
        .values("user__volunteer")
        .annotate(h=Sum("hours"))
        .values_list("user__volunteer", "h")
    )
    rows = [
        {
            "id": v["pk"],
            "name": v["name"],
            "points": v["points"] or 0,
            "hours": float(round(hours.get(v["pk"]) or 0, 1)),
        }
        for v in vols
    ]
    key, other = ("hours", "points") if by == "hours" else ("points", "hours")
    rows.sort(key=lambda r: (-r[key], -r[other], r["name"], r["id"]))
    return [(r["id"], r["points"], r["hours"]) for r in rows]


def _direct_teams(user):
    from grassroots.orglife.models import Signup
    from grassroots.volunteers.models import PointEntry, VolunteerTeam

    out = {}
    for t in VolunteerTeam.objects.visible_to(user).filter(is_active=True):
        members = list(t.memberships.values_list("volunteer__user_id", flat=True))
        points = (
            PointEntry.objects.filter(account_id__in=members)
            .exclude(source_type="redemption")
            .aggregate(s=Sum("amount"))["s"]
            or 0
        )
        hours = (
            Signup.objects.filter(
                user_id__in=members, activity__kind="volunteer", checked_out_at__isnull=False
            ).aggregate(h=Sum("hours"))["h"]
            or 0
        )
        out[t.pk] = (points, float(round(hours, 1)))
    return out


@pytest.mark.parametrize("username", ["admin", "community"])
@pytest.mark.parametrize("by", ["points", "hours"])
def test_people_rankings_equal_the_ledger(demo_city, username, by):
    from grassroots.volunteers import stats

    user = _user(username)
    served = [(r["id"], r["points"], r["hours"]) for r in stats.rankings(user, by=by, limit=None)]
    assert served, "the demo has volunteers"
    assert any(p for _i, p, _h in served) and any(h for _i, _p, h in served)
    assert served == _direct_people(user, by)


def test_team_rankings_equal_the_ledger(demo_city):
    from grassroots.volunteers import stats

    user = _user("admin")
    served = {r["id"]: (r["points"], r["hours"]) for r in stats.team_rankings(user)}
    assert served and served == _direct_teams(user)


def test_rankings_follow_a_new_ledger_line(demo_city, django_capture_on_commit_callbacks):
    from grassroots.volunteers import services, stats
    from grassroots.volunteers.models import Volunteer

    user = _user("admin")
    last = stats.rankings(user, limit=None)[-1]
    vol = Volunteer.objects.select_related("region").get(pk=last["id"])
    top = stats.rankings(user, limit=1)[0]["points"]
    with django_capture_on_commit_callbacks(execute=True):
        services.earn(vol.user, region=vol.region, amount=top + 5, source_type="case", reason="测试")
    first = stats.rankings(user, limit=1)[0]
    assert (first["id"], first["points"]) == (vol.pk, last["points"] + top + 5)
    assert [(r["id"], r["points"], r["hours"]) for r in stats.rankings(user, limit=None)] == _direct_people(
        user
    )


def test_rankings_page_shows_the_tallies(demo_city, client_for):
    from grassroots.volunteers import stats

    user = _user("admin")
    r = client_for(user).get("/volunteers/rankings/?mode=people")
    assert r.status_code == 200
    page = r.content.decode()
    top = stats.rankings(user, limit=3)
    assert top and all(row["name"] in page for row in top)


# ------------------------------------------------------------------------------------ health counts
@pytest.mark.parametrize("username", ["admin", "street", "community"])
def test_home_findings_equal_the_users_health_check(demo_city, username):
    from grassroots.dashboards.services import home_data, map_data
    from grassroots.standards.services import run_health_check

    user = _user(username)
    data = home_data(user)
    findings = data["findings"]
    assert findings is not None and findings["computed_at"] is not None, "served from the rollup"
    report = run_health_check(user)
    assert findings["total"] == len(report) > 0
    assert {r["code"]: r["count"] for r in findings["by_rule"]} == {
        r["code"]: report.by_rule.get(r["code"], 0) for r in findings["by_rule"]
    }
    served = {c["code"]: c["findings"] for c in data["map"]["children"]}
    live = {c["code"]: c["findings"] for c in map_data(user, report=report)["children"]}
    assert served == live


def test_home_findings_fall_back_without_a_run(demo_city):
    from grassroots.dashboards.models import FindingCount
    from grassroots.dashboards.services import home_data
    from grassroots.standards.services import run_health_check

    FindingCount.objects.all().delete()
    user = _user("street")
    findings = home_data(user)["findings"]
    assert findings["computed_at"] is None
    assert findings["total"] == len(run_health_check(user))


# ------------------------------------------------------------------------------------ orglife
def _direct_compliance(orgs, period, today):
    from grassroots.orglife import stats

    branches = stats._branches_for(orgs)
    return stats.judge(branches, stats.life_rules(), period.start, period.end, today)


@pytest.mark.parametrize("kind", ["year", "month"])
def test_life_compliance_rows_equal_a_direct_judgement(demo_city, kind):
    from django.utils import timezone

    from grassroots.orglife import stats
    from grassroots.orglife.models import BranchLife
    from grassroots.orglife.periods import period_of
    from grassroots.party.models import PartyOrg

    today = timezone.localdate()
    period = period_of(today, "year") if kind == "year" else period_of(today, "month").previous()
    orgs = PartyOrg.objects.all()
    assert BranchLife.objects.filter(start=period.start, computed_on=today).exists(), "stored by the rollup"
    served = stats.life_compliance(orgs, period, today=today)
    direct = _direct_compliance(orgs, period, today)
    assert {r["id"]: (r["judged"], r["met"], r["missed"]) for r in served["rows"]} == {
        pk: (v["judged"], v["met"], v["missed"]) for pk, v in direct.items()
    }
    assert sum(r["judged"] for r in served["rows"]) > 0


def test_life_compliance_follows_writes(demo_city):
    from django.utils import timezone

    from grassroots.orglife import stats
    from grassroots.orglife.models import Activity, ActivityKind, BranchLife
    from grassroots.orglife.periods import period_of
    from grassroots.party.models import PartyOrg

    today = timezone.localdate()
    period = period_of(today, "month").previous()
    orgs = PartyOrg.objects.all()

    def served():
        return {r["id"]: r for r in stats.life_compliance(orgs, period, today=today)["rows"]}

    def direct():
        return {pk: v for pk, v in _direct_compliance(orgs, period, today).items()}

    before = served()
    judged = stats.stored_judgements(
        stats._branches_for(orgs), stats.life_rules(), period.start, period.end, today
    )
    # A branch with a committee whose LIFE-2 (monthly committee meeting) was judged last month.
    branch = PartyOrg.objects.get(pk=next(pk for pk, v in judged.items() if "LIFE-2" in v["per_rule"]))
    assert BranchLife.objects.filter(org=branch, start=period.start).exists()

    # An activity of the branch drops its rows; the next read judges it again, equal to the rows' count.
    starts = timezone.make_aware(datetime.datetime.combine(period.start, datetime.time(9)))
    Activity.objects.create(
        kind=ActivityKind.COMMITTEE_MEETING,
        title="支委会",
        party_org=branch,
        region=branch.region,
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=1),
    )
    assert not BranchLife.objects.filter(org=branch, start=period.start).exists(), "a write drops the rows"
    assert {pk: (r["judged"], r["met"]) for pk, r in served().items()} == {
        pk: (v["judged"], v["met"]) for pk, v in direct().items()
    }

    # Without a committee LIFE-2 no longer applies: one judged period fewer, served as computed.
    branch.committee_size = 0
    branch.save()
    after = served()
    assert after[branch.pk]["judged"] == before[branch.pk]["judged"] - 1
    assert {pk: (r["judged"], r["met"], r["missed"]) for pk, r in after.items()} == {
        pk: (v["judged"], v["met"], v["missed"]) for pk, v in direct().items()
    }


def test_orglife_stats_page_serves_the_stored_rows(demo_city, client_for):
    from django.utils import timezone

    from grassroots.orglife import stats
    from grassroots.orglife.models import BranchLife
    from grassroots.orglife.periods import period_of

    user = _user("admin")
    r = client_for(user).get("/orglife/stats/")
    assert r.status_code == 200
    today = timezone.localdate()
    year = period_of(today, "year")
    assert BranchLife.objects.filter(start=year.start, end=year.end, computed_on=today).exists()
    direct = stats.judge(
        stats._branches_for(stats.PartyOrg.objects.all()), stats.life_rules(), year.start, year.end, today
    )
    served = r.context["compliance"]
    assert served["compliant"] == sum(1 for v in direct.values() if v["judged"] and not v["missed"])
    assert served["branches"] == len(direct) > 0


# ------------------------------------------------------------------------------------ home figures
@pytest.mark.parametrize("username", ["admin", "street", "community", "auditor", "member"])
def test_home_figure_buckets_equal_the_rows(demo_city, username):
    """Every core.tallies figure (the home cards of cobuild, volunteers, venues, merit and orglife, the
    orglife stats page's kinds) served from the buckets the demo's rollup wrote equals its rows."""
    from grassroots.core import tallies
    from grassroots.core.models import FigureBucket

    assert FigureBucket.objects.filter(tree=True).exists(), "written by the demo's rollup"
    user = _user(username)
    codes = sorted(tallies.REGISTRY)
    served = tallies.served(user, codes)
    for code in codes:
        got = {k: v for k, v in served[code].items() if v}
        assert got == pytest.approx(tallies.direct(tallies.REGISTRY[code], user)), code
    if username == "admin":
        assert all(served[c] for c in ("cobuild.members", "orglife.activities", "venues.centers"))
