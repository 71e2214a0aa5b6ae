"""Patrols (GRID-1) and care-household visits (GRID-2): the due lists behind the grid worker's home,
the phone flow (start, finish with a note and a photo), refusals that change nothing, audit, and the
lists' query counts."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from grassroots.core.attachments import attachments_of
from grassroots.core.errors import NotFound, PermissionDenied, ServiceError
from grassroots.core.models import AuditEvent
from grassroots.grids import care
from grassroots.grids.models import GridAssignment, HouseholdVisit, Patrol
from grassroots.standards.models import Rule
from tests.factories import png_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def beat(geo_city, make_user):
    """A grid worker posted in grid 004 of community 0 (where its households are), and one care
    household (独居老人) there beside an untagged one."""
    c0 = geo_city.communities[0]
    grid = geo_city.grids[c0.code][3]
    user = make_user("gw_care", "grid_worker", c0)
    worker = geo_city.workers[0]
    worker.user = user
    worker.save(update_fields=["user"])
    GridAssignment.objects.create(grid=grid, worker=worker, role="grid_worker")
    cared, plain = geo_city.households[0], geo_city.households[1]
    cared.refresh_from_db()
    plain.refresh_from_db()
    cared.set_tags(["elderly_alone"])
    cared.save(update_fields=["tags"])
    assert cared.grid_id == grid.pk == plain.grid_id
    geo_city.grid, geo_city.user, geo_city.cared, geo_city.plain = grid, user, cared, plain
    return geo_city


def _count(client, url) -> int:
    resp = client.get(url)
    assert resp.status_code == 200
    return resp.context["page_obj"].paginator.count


def _home_figures(client) -> dict[str, tuple[str, int]]:
    html = client.get("/").content.decode()
    from tests.roles.test_homes import FIGURE

    found = FIGURE.findall(html)
    return {
        label: (url.replace("&amp;", "&"), int(value))
        for url, label, value in found
        if value.strip().isdigit()
    }


def test_patrol_due_until_the_weekly_patrols_are_done(beat, client_for):
    Rule.objects.filter(code="GRID-1").update(params={"patrols_per_week": 2})
    c = client_for(beat.user)
    figures = _home_figures(c)
    url, value = figures["巡查待完成"]
    assert value == 1 and _count(c, url) == 1
    for n in range(2):
        resp = c.post(reverse("grids:patrol_start"), {"grid": beat.grid.pk})
        patrol = Patrol.objects.get(ended_at__isnull=True)
        assert resp.status_code == 302 and resp.url == reverse("grids:patrol_detail", args=[patrol.pk])
        assert patrol.worker == beat.workers[0] and patrol.recorded_by == beat.user
        photo = SimpleUploadedFile("scene.png", png_bytes(30, 20), content_type="image/png")
        resp = c.post(
            reverse("grids:patrol_detail", args=[patrol.pk]),
            {"route_note": f"第{n + 1}次：沿 1 号楼至小区北门", "photos": [photo]},
        )
        assert resp.status_code == 302
        patrol.refresh_from_db()
        assert patrol.ended_at is not None and len(attachments_of(patrol, "photo")) == 1
    assert _home_figures(c)["巡查待完成"][1] == 0
    assert _count(c, reverse("grids:patrol_due") + "?mine=1") == 0
    assert _count(c, reverse("grids:patrol_list") + "?mine=1&period=today") == 2
    assert AuditEvent.objects.filter(model="grids.patrol", action="create").count() == 2
    assert AuditEvent.objects.filter(model="grids.patrol", action="update").count() == 2
    # a patrol started last week does not count for this one
    Patrol.objects.update(started_at=care.week_start() - datetime.timedelta(hours=1))
    assert _count(c, reverse("grids:patrol_due") + "?mine=1") == 1


def test_patrol_refusals_change_nothing(beat, make_user):
    other = make_user("gw_other", "grid_worker", beat.communities[1])
    with pytest.raises(NotFound):  # another community's grid
        care.start_patrol(other, beat.grid)
    patrol = care.start_patrol(beat.user, beat.grid)
    assert care.start_patrol(beat.user, beat.grid) == patrol  # one open patrol, not two
    with pytest.raises(ServiceError, match="尚未结束"):
        care.start_patrol(beat.user, beat.grids[beat.communities[0].code][0])
    colleague = make_user("gw_colleague", "grid_worker", beat.communities[0])
    with pytest.raises(PermissionDenied):
        care.finish_patrol(colleague, patrol, route_note="代为结束")
    with pytest.raises(ServiceError, match="2000"):
        care.finish_patrol(beat.user, patrol, route_note="长" * 2001)
    bad = SimpleUploadedFile("x.png", b"not an image", content_type="image/png")
    with pytest.raises(ServiceError):
        care.finish_patrol(beat.user, patrol, route_note="巡查", photos=[bad])
    patrol.refresh_from_db()
    assert patrol.ended_at is None and patrol.route_note == ""
    care.finish_patrol(beat.user, patrol, route_note="正常")
    with pytest.raises(ServiceError, match="已结束"):
        care.finish_patrol(beat.user, patrol, route_note="再次")
    assert Patrol.objects.count() == 1


def test_patrol_links_the_cases_it_reported(beat, client_for):
    from grassroots.cases import services as cases
    from grassroots.cases.models import Channel

    patrol = care.start_patrol(beat.user, beat.grid)
    case = cases.submit(
        beat.user,
        region=beat.communities[0],
        channel=Channel.PATROL,
        description="3 号楼前路灯不亮，夜间出行不便",
        lng=beat.grid.lng,
        lat=beat.grid.lat,
    )
    c = client_for(beat.user)
    page = c.get(reverse("grids:patrol_detail", args=[patrol.pk])).content.decode()
    assert f'value="{case.pk}"' in page  # offered: reported in this grid since the patrol started
    resp = c.post(
        reverse("grids:patrol_detail", args=[patrol.pk]), {"route_note": "巡查", "cases": [case.pk]}
    )
    assert resp.status_code == 302
    assert list(patrol.cases.all()) == [case]


def test_visit_due_for_care_households_only_until_visited(beat, client_for):
    c = client_for(beat.user)
    due = reverse("grids:visit_due") + "?mine=1"
    assert _home_figures(c)["待走访住户"] == (due, 1)
    resp = c.get(due)
    assert [h.pk for h in resp.context["page_obj"]] == [beat.cared.pk]  # the untagged one is not listed
    # bad input: nothing written, the reason shown
    form = reverse("grids:visit_create", args=[beat.cared.pk])
    resp = c.post(form, {"visited_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"), "note": ""})
    assert resp.status_code == 400 and not HouseholdVisit.objects.exists()
    future = (timezone.localtime() + datetime.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    resp = c.post(form, {"visited_at": future, "note": "老人身体良好"})
    assert (
        resp.status_code == 400
        and "晚于现在" in resp.content.decode()
        and not HouseholdVisit.objects.exists()
    )
    resp = c.post(
        form, {"visited_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"), "note": "老人身体良好"}
    )
    assert resp.status_code == 302
    visit = HouseholdVisit.objects.get()
    assert visit.visitor == beat.user and visit.grid == beat.grid
    assert AuditEvent.objects.filter(model="grids.householdvisit", action="create").count() == 1
    assert _home_figures(c)["待走访住户"][1] == 0 == _count(c, due)
    # older than GRID-2's interval: due again
    days = care.visit_days()
    HouseholdVisit.objects.update(visited_at=timezone.now() - datetime.timedelta(days=days + 1))
    assert _count(c, due) == 1
    Rule.objects.filter(code="GRID-2").update(params={"visit_days": days + 5})
    assert _count(c, due) == 0


def test_other_communities_cannot_visit_or_see(beat, client_for, make_user):
    other = make_user("gw_far", "grid_worker", beat.communities[2])
    c = client_for(other)
    assert c.get(reverse("grids:visit_create", args=[beat.cared.pk])).status_code == 404
    assert _count(c, reverse("grids:visit_due")) == 0
    with pytest.raises(NotFound):
        care.record_visit(other, beat.cared, note="走访")


def test_lists_query_count_is_flat(beat, client_for):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    c = client_for(beat.user)
    names = ("grids:patrol_list", "grids:patrol_due", "grids:visit_list", "grids:visit_due")

    def add(n):
        now = timezone.now()
        for k in range(n):
            Patrol.objects.create(
                grid=beat.grid,
                worker_name="网格员",
                started_at=now - datetime.timedelta(days=8, hours=k),
                ended_at=now,
            )
            HouseholdVisit.objects.create(
                household=beat.cared,
                grid=beat.grid,
                visitor_name="网格员",
                note=f"第{k}次",
                visited_at=now - datetime.timedelta(days=40 + k),
            )

    def queries():
        out = {}
        for name in names:
            with CaptureQueriesContext(connection) as ctx:
                resp = c.get(reverse(name))
            assert resp.status_code == 200
            out[name] = len(ctx)
        return out

    add(2)
    queries()  # warm up: the session's first requests write its bookkeeping
    few = queries()
    assert _count(c, reverse("grids:visit_list")) == 2 and _count(c, reverse("grids:visit_due")) == 1
    add(10)
    assert queries() == few
    assert _count(c, reverse("grids:patrol_list")) == 12
    resp = c.get(reverse("grids:patrol_list") + "?export=xlsx")
    assert resp.status_code == 200 and resp["Content-Type"].startswith("application/vnd.openxmlformats")
