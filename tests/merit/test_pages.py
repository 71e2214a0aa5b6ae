import datetime

import pytest
from django.urls import reverse

from grassroots.merit import services
from grassroots.merit.models import MemberPointsEntry, StarCriterion, StarRating, StudyRecord

pytestmark = pytest.mark.django_db


def test_my_points_page_shows_total_and_entries_with_source_links(sources, year, client_for):
    services.accrue_points(year)
    c = client_for(sources.user2)
    r = c.get(reverse("merit:mine"))
    assert r.status_code == 200
    html = r.content.decode()
    assert "data-total>4<" in html
    assert html.count("data-entry") == 2
    assert "学习“党章学习” 1.5 学时" in html
    assert "登记学习" in html


def test_member_submits_study_on_the_phone(sources, client_for):
    c = client_for(sources.user2)
    today = datetime.date.today().isoformat()
    r = c.post(reverse("merit:mine_study"), {"course": "专题党课学习", "hours": "2", "studied_on": today})
    assert r.status_code == 302
    assert StudyRecord.objects.filter(
        member=sources.members[2], course="专题党课学习", state="pending"
    ).exists()
    r = c.post(
        reverse("merit:mine_study"),
        {"course": "专题党课学习", "hours": "abc", "studied_on": today},
        follow=True,
    )
    assert "学习记录未保存" in r.content.decode()
    assert StudyRecord.objects.filter(course="专题党课学习").count() == 1


def test_ranking_sums_the_year_and_has_no_n_plus_one(
    sources, year, city, make_user, client_for, django_assert_max_num_queries
):
    services.accrue_points(year)
    admin = make_user("merit_ca", "community_admin", city.communities[0])
    c = client_for(admin)
    with django_assert_max_num_queries(25):
        r = c.get(reverse("merit:ranking"))
    assert r.status_code == 200
    rows = r.context["object_list"]
    m0, m1, m2 = sources.members
    assert [m.pk for m in rows][:3] == [m0.pk, m2.pk, m1.pk]  # 6 > 4 > 3 points
    totals = {m.pk: m.year_total for m in rows}
    for m in sources.members:
        assert totals[m.pk] == services.member_total(m, year)
    # Only community A's members.
    assert {m.party_org_id for m in rows} == {sources.branch.pk}
    r = c.get(reverse("merit:ranking") + "?export=xlsx")
    assert r.status_code == 200
    assert r["Content-Type"].startswith("application/vnd.openxmlformats")


def test_member_ledger_and_member_page_section(sources, year, city, make_user, client_for):
    services.accrue_points(year)
    admin = make_user("merit_ca", "community_admin", city.communities[0])
    c = client_for(admin)
    m0 = sources.members[0]
    r = c.get(reverse("merit:member", args=[m0.pk]))
    html = r.content.decode()
    assert (
        r.status_code == 200
        and html.count("data-entry") == MemberPointsEntry.objects.filter(member=m0).count()
    )
    assert reverse("orglife:detail", args=[sources.meeting.pk]) in html
    r = c.get(reverse("party:member_detail", args=[m0.pk]))
    assert "data-merit-points" in r.content.decode()
    other = make_user("merit_cb", "community_admin", city.communities[2])
    assert client_for(other).get(reverse("merit:member", args=[m0.pk])).status_code == 404


def test_rating_pages_branch_section_and_home_figures(
    city, make_user, client_for, year, django_capture_on_commit_callbacks
):
    # The home figures move after commit: run the callbacks of the writes below.
    with django_capture_on_commit_callbacks(execute=True):
        street = make_user("merit_st", "street_admin", city.streets[0])
        services.propose_ratings(street, year=year, region=city.streets[0])
        rating = StarRating.objects.get(org=city.branches[0])
        c = client_for(street)
        r = c.get(reverse("merit:ratings"))
        assert r.status_code == 200 and "测算提名" in r.content.decode()
        assert sum(x["n"] for x in r.context["star_counts"]) == 2
        r = c.get(reverse("merit:rating", args=[rating.pk]))
        assert r.status_code == 200 and "审核" in r.content.decode()
        r = c.post(reverse("merit:rating_act", args=[rating.pk, "publish"]), follow=True)
        assert "不能发布" in r.content.decode()
        c.post(reverse("merit:rating_act", args=[rating.pk, "review"]))
        c.post(reverse("merit:rating_act", args=[rating.pk, "publish"]))
        rating.refresh_from_db()
        assert rating.state == "published"
    r = c.get(reverse("party:org_detail", args=[city.branches[0].code]))
    assert "data-merit-stars" in r.content.decode()
    from grassroots.merit.stats import home_figures, star_counts

    assert star_counts(street) == (year, {rating.stars: 1})
    figures = {f["label"]: f["value"] for f in home_figures(street)}
    assert figures["待审核或待发布的星级"] == 1
    assert figures[f"{year} 年度5星支部"] == (1 if rating.stars == 5 else 0)


def test_criteria_edit_is_validated_and_audited(city, make_user, client_for):
    admin = make_user("merit_city", "city_admin", city.city)
    crit = StarCriterion.objects.get(stars=3)
    c = client_for(admin)
    r = c.post(reverse("merit:criteria"), {"pk": crit.pk, "min_health_score": "150"}, follow=True)
    assert "0 至 100" in r.content.decode()
    crit.refresh_from_db()
    assert crit.min_health_score == 70
    c.post(
        reverse("merit:criteria"),
        {"pk": crit.pk, "min_health_score": "75", "min_life_rate": "", "min_avg_points": "12.5"},
    )
    crit.refresh_from_db()
    assert (crit.min_health_score, crit.min_life_rate, str(crit.min_avg_points)) == (75, None, "12.5")


def test_api_mine(sources, year, token_for):
    from django.test import Client

    services.accrue_points(year)
    r = Client().get("/api/v1/merit/mine", HTTP_AUTHORIZATION=f"Bearer {token_for(sources.user2)}")
    assert r.status_code == 200
    body = r.json()
    assert float(body["total"]) == sum(float(e["points"]) for e in body["entries"]) == 4.0
    assert {e["source_type"] for e in body["entries"]} == {"orglife.signup", "merit.studyrecord"}


def _ledger_ranking(user, year) -> list[tuple[int, object, int]]:
    """The ranking as the page computed it before MemberYearPoints: every visible member's year
    aggregated from the ledger."""
    from decimal import Decimal

    from django.db.models import Count, DecimalField, Q, Sum, Value
    from django.db.models.functions import Coalesce

    from grassroots.party.models import Member

    zero = Value(Decimal(0), output_field=DecimalField(max_digits=10, decimal_places=1))
    qs = (
        Member.objects.visible_to(user, "merit.view")
        .annotate(
            t=Coalesce(Sum("points_entries__points", filter=Q(points_entries__year=year)), zero),
            n=Count("points_entries", filter=Q(points_entries__year=year)),
        )
        .order_by("-t", "name", "id")
    )
    return [(m.pk, m.t, m.n) for m in qs]


def _page_ranking(c, year) -> list[tuple[int, object, int]]:
    out, page = [], 1
    while True:
        r = c.get(reverse("merit:ranking") + f"?year={year}&page={page}")
        assert r.status_code == 200
        for m in r.context["object_list"]:
            assert m.rank == len(out) + 1
            out.append((m.pk, m.year_total, m.entry_count))
        if not r.context["page_obj"].has_next():
            return out
        page += 1


@pytest.mark.parametrize("role", ["community_admin", "street_admin", "district_admin", "superuser"])
def test_ranking_equals_the_ledger_aggregate_for_each_role(role, sources, year, city, make_user, client_for):
    from tests.factories import add_member

    # Enough members for several pages, and a later accrual (a study approved after the first run).
    for i in range(30):
        add_member(sources.branch, f"排名测试{i:02d}")
    services.accrue_points(year)
    m1 = sources.members[1]
    StudyRecord.objects.create(
        member=m1, course="补录学习", hours="4", studied_on=datetime.date(year, 2, 1), state="approved"
    )
    services.accrue_points(year)
    assert services.member_total(m1, year) > 4
    scope = {
        "community_admin": city.communities[0],
        "street_admin": city.streets[0],
        "district_admin": city.district,
    }
    if role == "superuser":
        user = make_user("merit_su", is_superuser=True, is_staff=True)
    else:
        user = make_user(f"merit_{role}", role, scope[role])
    got = _page_ranking(client_for(user), year)
    assert got == _ledger_ranking(user, year)
    assert len(got) > 25 and got[0][0] == m1.pk
    # The year totals are a rebuild of the ledger: a rollup run writes the same rows.
    before = sorted(
        services.MemberYearPoints.objects.values_list("member_id", "year", "total", "entry_count")
    )
    services.rebuild_year_points()
    after = sorted(services.MemberYearPoints.objects.values_list("member_id", "year", "total", "entry_count"))
    assert before == after


def test_ranking_query_count_does_not_grow_with_members(sources, year, city, make_user, client_for):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import add_member

    services.accrue_points(year)
    c = client_for(make_user("merit_da", "district_admin", city.district))
    c.get(reverse("merit:ranking"))  # warm the session and grants
    with CaptureQueriesContext(connection) as few:
        c.get(reverse("merit:ranking"))
    for i in range(40):
        add_member(sources.branch, f"加入{i:02d}")
    StudyRecord.objects.bulk_create(
        StudyRecord(
            member=m, course="学习", hours="1", studied_on=datetime.date(year, 1, 2), state="approved"
        )
        for m in sources.branch.members.all()
    )
    services.accrue_points(year)
    with CaptureQueriesContext(connection) as many:
        r = c.get(reverse("merit:ranking"))
    assert r.status_code == 200 and len(r.context["object_list"]) == 25
    assert len(many) == len(few)
