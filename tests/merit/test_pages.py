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
