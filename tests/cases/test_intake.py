"""Intake: the resident's H5 form (photos, routing, anonymous limits), the tracking page, 我的诉求,
and the staff intake (patrol with the worker's grid, walk-in with the reporter masked)."""

from __future__ import annotations

from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from grassroots.cases import intake_views, services
from grassroots.cases.models import Case, CaseEvent
from grassroots.core.attachments import attachments_of
from grassroots.core.models import Attachment, AuditEvent
from tests.factories import png_bytes
from tests.grids.conftest import X0, Y0, H, W

pytestmark = pytest.mark.django_db


def photo(name="p.png"):
    return SimpleUploadedFile(name, png_bytes(), content_type="image/png")


def form(**kw):
    data = {"description": "小区门口垃圾堆放好几天了没人清运", "reporter_phone": "13912345678"}
    data.update(kw)
    return data


def test_anonymous_h5_submit_routes_to_grid_and_stores_photos(gridded):
    c = Client()
    # A point in the top-right grid of community 1, while the resident picked community 0.
    lng, lat = X0 + W + 0.75 * W, Y0 + 0.75 * H
    data = form(lng=lng, lat=lat, community=gridded.c0.pk, category=gridded.cat_garbage.pk)
    data["photos"] = [photo("a.png"), photo("b.png")]
    resp = c.post(reverse("cases:report"), data)
    assert resp.status_code == 302 and "/cases/track/" in resp["Location"]
    case = Case.objects.get()
    assert case.region == gridded.c1 and case.grid == gridded.grids1[3]
    assert case.channel == "h5" and case.reporter_user is None and case.category == gridded.cat_garbage
    assert [a.original_name for a in attachments_of(case, "photo")] == ["a.png", "b.png"]
    page = c.get(resp["Location"]).content.decode()
    assert case.number in page and "13912345678" not in page and "待分拨" in page
    assert page.count("/files/s/") == 4  # two photos, each linked and shown


def test_outside_every_grid_falls_back_to_the_chosen_community(gridded):
    resp = Client().post(reverse("cases:report"), form(lng=100.0, lat=30.0, community=gridded.c0.pk))
    assert resp.status_code == 302
    case = Case.objects.get()
    assert case.region == gridded.c0 and case.grid is None


def test_building_picked_from_the_region_tree_gives_address_and_location(gridded):
    from grassroots.regions.models import Region

    building = Region.objects.filter(level="building", path__startswith=gridded.c0.path).first()
    building.lng, building.lat, building.address = X0 + 0.2 * W, Y0 + 0.2 * H, "幸福路8号"
    building.save()
    resp = Client().post(reverse("cases:report"), form(community=gridded.c0.pk, building=building.pk))
    assert resp.status_code == 302
    case = Case.objects.get()
    assert case.address == "幸福路8号" and case.grid == gridded.grids0[0]
    options = Client().get(reverse("cases:buildings"), {"community": gridded.c0.pk}).content.decode()
    assert f'value="{building.pk}"' in options


@pytest.mark.parametrize(
    "files,message",
    [
        ([photo(f"{i}.png") for i in range(10)], "最多上传 9 个文件"),
        ([SimpleUploadedFile("x.png", b"not an image at all", content_type="image/png")], "不是有效的图片"),
    ],
)
def test_photo_validation_refuses_and_changes_nothing(loop, files, message):
    data = form(community=loop.c0.pk)
    data["photos"] = files
    resp = Client().post(reverse("cases:report"), data)
    assert resp.status_code == 400 and message in resp.content.decode()
    assert not Case.objects.exists() and not Attachment.objects.exists() and not CaseEvent.objects.exists()


def test_too_big_photo_is_refused(loop):
    with mock.patch("grassroots.core.attachments.MAX_BYTES", 50):
        data = form(community=loop.c0.pk)
        data["photos"] = [photo()]
        resp = Client().post(reverse("cases:report"), data)
    assert resp.status_code == 400 and "超过 10 MB" in resp.content.decode()
    assert not Case.objects.exists()


def test_anonymous_reporter_must_leave_a_phone_and_is_rate_limited(loop):
    c = Client()
    resp = c.post(reverse("cases:report"), form(community=loop.c0.pk, reporter_phone=""))
    assert resp.status_code == 400 and "请留下联系电话" in resp.content.decode()
    resp = c.post(reverse("cases:report"), form(community=loop.c0.pk, reporter_phone="12345"))
    assert resp.status_code == 400 and "联系电话格式不正确" in resp.content.decode()
    assert not Case.objects.exists()
    with mock.patch.object(intake_views, "PER_SESSION_HOUR", 2):
        for _ in range(2):
            assert c.post(reverse("cases:report"), form(community=loop.c0.pk)).status_code == 302
        resp = c.post(reverse("cases:report"), form(community=loop.c0.pk))
        assert resp.status_code == 429 and "提交过于频繁" in resp.content.decode()
        # another visitor (new session, same IP) is still welcome below the per-IP limit
        assert Client().post(reverse("cases:report"), form(community=loop.c0.pk)).status_code == 302
    assert Case.objects.count() == 3


def test_logged_in_resident_sees_own_and_followed_cases(loop, client_for, new_case):
    mine = new_case(loop.cat_garbage)
    c = client_for(loop.resident)
    resp = c.post(reverse("cases:report"), form(community=loop.c0.pk, reporter_phone=""))
    assert resp.status_code == 302
    second = Case.objects.exclude(pk=mine.pk).get()
    assert second.reporter_user == loop.resident
    body = c.get(reverse("cases:mine")).content.decode()
    assert mine.number in body and second.number in body
    stranger = client_for(loop.admin_c1)
    assert mine.number not in stranger.get(reverse("cases:mine")).content.decode()


def test_tracking_link_is_signed_and_offers_evaluation_when_resolved(loop, dispatched, client_for):
    case = dispatched()
    url = reverse("cases:track", args=[services.tracking_token(case)])
    body = Client().get(url).content.decode()
    assert "区城市管理局" in body and "派单" in body and "评价办理结果" not in body
    assert Client().get(url[:-3] + "xx/").status_code == 404
    services.accept(loop.dept_a, case)
    services.resolve(loop.dept_a, case, resolution="已更换井盖", photos=[photo("done.png")])
    body = Client().get(url).content.decode()
    assert "评价办理结果" in body and "已更换井盖" in body and "13812345678" not in body
    # viewing twice reuses the round's unused link instead of minting new ones
    Client().get(url)
    assert case.evaluation_links.count() == 1


def test_patrol_report_preselects_the_workers_grid(gridded, client_for, make_user):
    from grassroots.grids.models import GridAssignment
    from grassroots.people.models import Worker

    user = make_user("gw0", "grid_worker", gridded.c0)
    worker = Worker.objects.create(
        code="GW-T-1",
        name="网格员甲",
        region=gridded.c0,
        post="staff",
        grade=15,
        role="grid_worker",
        user=user,
    )
    GridAssignment.objects.create(grid=gridded.grids0[2], worker=worker, role="grid_worker")
    c = client_for(user)
    page = c.get(reverse("cases:intake")).content.decode()
    assert gridded.grids0[2].name in page
    resp = c.post(
        reverse("cases:intake"), {"channel": "patrol", "description": "路边井盖松动有异响，存在隐患"}
    )
    assert resp.status_code == 302
    case = Case.objects.get()
    assert case.channel == "patrol" and case.grid == gridded.grids0[2] and case.region == gridded.c0
    assert case.created_by == user and case.reporter_user is None


def test_walk_in_entry_masks_the_reporter_afterwards(loop, client_for, make_user):
    admin = make_user("adm_c0", "community_admin", loop.c0)
    c = client_for(admin)
    resp = c.post(
        reverse("cases:intake"),
        {
            "channel": "walk_in",
            "community": loop.c0.pk,
            "description": "来访反映楼上漏水到家里天花板",
            "reporter_name": "李秀英",
            "reporter_phone": "13700001111",
        },
    )
    assert resp.status_code == 302
    case = Case.objects.get()
    assert case.channel == "walk_in" and case.reporter_phone == "13700001111"
    detail = client_for(loop.dispatcher).get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "13700001111" not in detail and "李秀英" not in detail
    # a resident can't use the staff form, and out of scope is refused without writing anything
    assert client_for(loop.resident).get(reverse("cases:intake")).status_code == 404
    other = client_for(loop.admin_c1)
    before = AuditEvent.objects.count()
    resp = other.post(
        reverse("cases:intake"),
        {"channel": "walk_in", "community": loop.c0.pk, "description": "越权代录的诉求内容"},
    )
    assert resp.status_code == 400 and Case.objects.count() == 1 and AuditEvent.objects.count() == before


def _map_features(html: str) -> set[str]:
    import json
    import re

    m = re.search(r'<script id="intake-map-data" type="application/json">(.*?)</script>', html, re.S)
    assert m, "the map data is on the page"
    features = json.loads(m.group(1))["geojson"]["features"]
    # Names only: no internal code reaches a label or tooltip (issue 15: "c:370202001001")
    assert all(set(f["properties"]) == {"kind", "label"} for f in features)
    return {(f["properties"]["kind"], f["properties"]["label"]) for f in features}


def test_resident_map_has_community_boundaries_and_staff_map_only_own_grids(gridded, client_for, make_user):
    names = _map_features(Client().get(reverse("cases:report")).content.decode())
    # no grids on the phone page
    assert names == {("community", gridded.c0.name), ("community", gridded.c1.name)}
    worker = make_user("gw_map", "grid_worker", gridded.c0)
    names = _map_features(client_for(worker).get(reverse("cases:intake")).content.decode())
    grids = {n for n in names if n[0] == "grid"}
    assert grids == {("grid", g.name) for g in gridded.grids0}  # community 1's grids are out of scope
    assert names - grids == {("community", gridded.c0.name)}
