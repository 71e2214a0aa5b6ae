"""一窗受理 pages: taking an application with scans, the steps through the pages, the catalog form,
the figures and their Excel export, proactive offers, the resident's phone pages, masking, queries."""

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from grassroots.core.attachments import attachments_of
from grassroots.onewindow import services
from grassroots.onewindow.models import Application, ServiceItem, ServiceOffer
from tests.factories import png_bytes

from .conftest import MATERIALS

pytestmark = pytest.mark.django_db


def test_take_an_application_at_the_window(ow, client_for):
    c = client_for(ow.admin)
    page = c.get("/onewindow/new/", {"item": ow.item.pk})
    assert page.status_code == 200 and "身份证" in page.content.decode()
    bad = c.post(
        "/onewindow/new/",
        {"community": ow.c0.pk, "item": ow.item.pk, "applicant_name": "", "materials": MATERIALS},
    )
    assert bad.status_code == 400 and "请填写申请人姓名" in bad.content.decode()
    assert not Application.objects.exists()
    r = c.post(
        "/onewindow/new/",
        {
            "community": ow.c0.pk,
            "item": ow.item.pk,
            "applicant_name": "王秀英",
            "applicant_phone": "13912345678",
            "channel": "window",
            "materials": MATERIALS[:2],
            "scans": [SimpleUploadedFile("id.png", png_bytes(), content_type="image/png")],
        },
    )
    app = Application.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/onewindow/a/{app.number}/"
    assert app.state == "incomplete" and app.missing_materials == ["申请表"]
    detail = c.get(r["Location"]).content.decode()
    assert "王秀英" not in detail and "13912345678" not in detail  # masked
    scan = attachments_of(app, "scan")[0]
    assert reverse("core:attachment", args=[scan.pk]) in detail
    c.post(f"/onewindow/a/{app.number}/materials/", {"materials": MATERIALS})
    r = c.post(f"/onewindow/a/{app.number}/forward/")
    app.refresh_from_db()
    assert r.status_code == 302 and app.state == "forwarded"
    # The department acts through the same page.
    d = client_for(ow.dept_user)
    assert app.number in d.get("/onewindow/").content.decode()
    d.post(f"/onewindow/a/{app.number}/accept/")
    d.post(f"/onewindow/a/{app.number}/complete/", {"result": "已核发"})
    app.refresh_from_db()
    assert app.state == "done"
    # A refused step: a message, nothing changed.
    r = c.post(f"/onewindow/a/{app.number}/withdraw/", {"reason": "x"}, follow=True)
    assert "不能撤回申请" in r.content.decode()


def test_catalog_pages(ow, client_for):
    c = client_for(ow.street)
    listing = c.get("/onewindow/items/", {"q": "gljt"})  # pinyin initials of 高龄津贴
    assert "高龄津贴申领" in listing.content.decode()
    r = c.post(
        "/onewindow/items/new/",
        {
            "region": ow.city.streets[0].pk,
            "name": "低保申请",
            "department": ow.dept.pk,
            "materials": "身份证\n收入证明",
            "time_limit_days": "0",
        },
    )
    assert r.status_code == 400 and "法定时限至少 1 个工作日" in r.content.decode()
    r = c.post(
        "/onewindow/items/new/",
        {
            "region": ow.city.streets[0].pk,
            "name": "低保申请",
            "department": ow.dept.pk,
            "materials": "身份证\n收入证明",
            "time_limit_days": "20",
            "door_to_door": "on",
        },
    )
    assert r.status_code == 302
    item = ServiceItem.objects.get(name="低保申请")
    assert item.materials == ["身份证", "收入证明"] and item.door_to_door
    assert client_for(ow.admin).get(f"/onewindow/items/{item.pk}/").status_code == 404  # community
    assert client_for(ow.street1).get(f"/onewindow/items/{item.pk}/").status_code == 404  # other street
    xlsx = c.get("/onewindow/items/", {"export": "xlsx"})
    ws = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    assert "低保申请" in [row[0] for row in ws.iter_rows(values_only=True)]


def test_stats_page_and_export(ow, client_for):
    a = ow.make_app(forwarded=True)
    services.accept(ow.dept_user, a)
    services.complete(ow.dept_user, a, result="已核发")
    services.evaluate(ow.resident, a, rating=5)
    ow.make_app()
    page = client_for(ow.street).get("/onewindow/stats/").content.decode()
    assert f'data-community="{ow.c0.code}"' in page and f'data-community="{ow.c2.code}"' not in page
    r = client_for(ow.district).get("/onewindow/stats/", {"export": "xlsx"})
    rows = list(openpyxl.load_workbook(io.BytesIO(r.content)).active.iter_rows(values_only=True))
    row = next(x for x in rows if x[1] == ow.c0.name)
    assert row[2:7] == (2, 1, 1, 1, "100.0%") and row[10] == 5
    assert client_for(ow.admin2).get("/onewindow/stats/").status_code == 200
    assert client_for(ow.dept_user).get("/onewindow/stats/").status_code == 404


def test_proactive_offer_through_the_pages(ow, client_for):
    ow.h0.set_tags(["elderly_alone"])
    ow.h0.save()
    c = client_for(ow.grid)
    page = c.get("/onewindow/proactive/").content.decode()
    assert f'data-household="{ow.h0.pk}"' in page and ow.h0.head_name not in page  # masked
    c.post("/onewindow/offers/new/", {"household": ow.h0.pk, "offered_on": "2026-01-05", "note": "独居"})
    offer = ServiceOffer.objects.get()
    assert offer.offered_by == ow.grid
    r = c.post(f"/onewindow/offers/{offer.pk}/", {"action": "accept", "item": ""})
    assert r.status_code == 400 and "请选择要代办的事项" in r.content.decode()
    r = c.post(f"/onewindow/offers/{offer.pk}/", {"action": "accept", "item": ow.item.pk})
    app = Application.objects.get()
    assert r["Location"] == f"/onewindow/a/{app.number}/" and app.channel == "door"


def test_resident_phone_pages(ow, client_for):
    app = ow.make_app(forwarded=True, household=ow.h0, applicant_phone="")
    other = ow.make_app(applicant_phone="13700000000")
    c = client_for(ow.resident)
    home = c.get("/h5/").content.decode()
    assert "/onewindow/h5/" in home
    listing = c.get("/onewindow/h5/").content.decode()
    assert app.number in listing and other.number not in listing
    assert c.get(f"/onewindow/h5/{other.number}/").status_code == 404
    page = c.get(f"/onewindow/h5/{app.number}/").content.decode()
    assert "区民政局" in page and "data-evaluate" not in page
    services.accept(ow.dept_user, app)
    services.complete(ow.dept_user, app, result="已核发")
    assert "data-evaluate" in c.get(f"/onewindow/h5/{app.number}/").content.decode()
    c.post(f"/onewindow/h5/{app.number}/evaluate/", {"rating": "4", "comment": "满意"})
    app.refresh_from_db()
    assert app.rating == 4
    assert client_for(ow.other_resident).get(f"/onewindow/h5/{app.number}/").status_code == 404


def test_home_queue(ow, client_for):
    ow.make_app(complete=False)
    from grassroots.dashboards.today import _onewindow_section

    section = _onewindow_section(ow.admin)
    assert section["figures"][0]["value"] == 1  # 待补材料
    ow.make_app(forwarded=True)
    dept = _onewindow_section(ow.dept_user)
    assert dept["figures"][0]["value"] == 1  # 转来待受理
    assert _onewindow_section(ow.resident) is None


def test_list_and_api_without_n_plus_one(ow, client_for, token_for, django_assert_max_num_queries):
    for _ in range(6):
        ow.make_app(forwarded=True)
    c = client_for(ow.street)
    c.get("/onewindow/")
    with django_assert_max_num_queries(20):
        r = c.get("/onewindow/")
    assert r.content.decode().count("data-row") == 6
    headers = {"Authorization": f"Bearer {token_for(ow.street)}"}
    with django_assert_max_num_queries(12):
        r = c.get("/api/v1/onewindow/applications", headers=headers)
    body = r.json()
    assert len(body["items"]) == 6 and body["items"][0]["applicant_name"].startswith("张")
    assert body["items"][0]["applicant_name"] != "张桂兰"
    r = c.post(
        f"/api/v1/onewindow/applications/{body['items'][0]['number']}/steps",
        {"action": "complete", "text": "x"},
        content_type="application/json",
        headers={"Authorization": f"Bearer {token_for(ow.dept_user)}"},
    )
    assert r.status_code == 409 and "不能办结" in r.json()["detail"]


def test_detail_with_its_clerk_account_removed_still_opens(ow, client_for):
    """受理人 is nullable (SET_NULL when the account goes): the page said "Failed lookup for key
    [username] in None" as a 500 before the user_name filter."""
    app = ow.make_app()
    Application.objects.filter(pk=app.pk).update(taken_by=None)
    r = client_for(ow.admin).get(f"/onewindow/a/{app.number}/")
    assert r.status_code == 200
    assert '受理人</dt><dd class="col-8 col-md-9">— ·' in r.content.decode()
