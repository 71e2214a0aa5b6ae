"""Pages: lists without N+1, coverage map data, forms with Chinese validation."""

import datetime

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from grassroots.linkage import services
from grassroots.linkage.models import ContactPoint, TaskAssignment

pytestmark = pytest.mark.django_db


def _client(user):
    c = Client()
    c.force_login(user)
    return c


def _tasks(lk, n):
    for i in range(n):
        services.issue_task(
            lk.district_admin,
            issuer_region=lk.district,
            title=f"任务{i}",
            content="内容",
            deadline=lk.today + datetime.timedelta(days=3),
        )


def _count(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("url", ["/linkage/", "/linkage/assignments/", "/linkage/leaders/"])
def test_lists_do_not_grow_queries_with_rows(lk, url):
    c = _client(lk.district_admin)
    leader = services.create_leader(
        lk.city_admin, name="甲", post="区长", level="district", region=lk.district
    )
    services.assign_contact_point(lk.city_admin, leader, lk.communities[0])
    _tasks(lk, 1)
    few = _count(c, url)
    for i in range(4):
        other = services.create_leader(
            lk.city_admin, name=f"乙{i}", post="副区长", level="district", region=lk.district
        )
        services.assign_contact_point(lk.city_admin, other, lk.communities[i])
    _tasks(lk, 5)
    assert _count(c, url) <= few


def test_coverage_page_colors_communities_and_lists_the_uncovered(lk):
    from grassroots.regions.models import Region

    square = {
        "type": "Polygon",
        "coordinates": [[[120.3, 36.06], [120.31, 36.06], [120.31, 36.07], [120.3, 36.06]]],
    }
    Region.objects.filter(level="community").update(polygon=square)
    leader = services.create_leader(
        lk.city_admin, name="甲", post="区长", level="district", region=lk.district
    )
    services.assign_contact_point(lk.city_admin, leader, lk.communities[0])
    page = _client(lk.district_admin).get("/linkage/coverage/").content.decode()
    assert 'data-stat="rate">25%' in page and 'data-stat="uncovered">3<' in page
    data = page.split('id="coverage-map-data"')[1]
    assert '"covered": true' in data and '"covered": false' in data
    assert lk.communities[0].code not in data  # names as labels, no internal codes
    uncovered = page.split("data-uncovered")[1].split("</ul>")[0]
    assert lk.communities[1].name in uncovered and lk.communities[0].name not in uncovered


def test_contact_point_form_shows_the_rule_error_in_chinese(lk):
    leader = services.create_leader(
        lk.city_admin, name="甲", post="区长", level="district", region=lk.district
    )
    for c in lk.communities[:3]:
        services.assign_contact_point(lk.city_admin, leader, c)
    r = _client(lk.district_admin).post(
        f"/linkage/leaders/{leader.pk}/",
        {"region": lk.communities[3].code, "start_on": lk.today.isoformat()},
    )
    assert r.status_code == 400 and "最多联系 3 个" in r.content.decode()
    assert ContactPoint.objects.count() == 3


def test_task_form_issues_to_chosen_streets(lk):
    c = _client(lk.district_admin)
    r = c.post(
        "/linkage/tasks/new/",
        {
            "issuer_region": lk.district.code,
            "title": "排查",
            "content": "内容",
            "deadline": (lk.today + datetime.timedelta(days=2)).isoformat(),
            "targets": [lk.streets[1].code],
        },
    )
    assert r.status_code == 302
    assert list(TaskAssignment.objects.values_list("region_id", flat=True)) == [lk.streets[1].pk]
    bad = c.post(
        "/linkage/tasks/new/",
        {"issuer_region": lk.district.code, "title": "排查", "content": "内容", "deadline": "2020-01-01"},
    )
    assert bad.status_code == 200 and "完成时限不能早于今天" in bad.content.decode()
    assert TaskAssignment.objects.count() == 1


def test_leader_export_lists_contact_points(lk):
    import io

    from openpyxl import load_workbook

    leader = services.create_leader(
        lk.city_admin, name="甲", post="区长", level="district", region=lk.district
    )
    services.assign_contact_point(lk.city_admin, leader, lk.communities[0])
    services.assign_contact_point(lk.city_admin, leader, lk.communities[1])
    r = _client(lk.district_admin).get("/linkage/leaders/?export=xlsx")
    assert r.status_code == 200
    ws = load_workbook(io.BytesIO(r.content)).active
    values = [str(c.value) for row in ws.iter_rows() for c in row if c.value]
    assert f"{lk.communities[0].name}、{lk.communities[1].name}" in values
