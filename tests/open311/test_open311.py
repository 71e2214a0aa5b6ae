"""GeoReport v2 at /open311/v2/: the spec's fields, JSON and XML, filters, api_key, errors.

Requests are made the way Open311 client libraries make them (format by extension, jurisdiction_id
always sent, api_key in the query string or the form body, form-encoded POST) and XML is read with
ElementTree by the spec's element names, so a client written against the spec works unchanged.
"""

from __future__ import annotations

import datetime
import json
from xml.etree import ElementTree as ET

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from shapely.geometry import box, mapping

from grassroots.cases import services as cases
from grassroots.cases.models import Case, Category, Channel
from grassroots.core.attachments import attach
from grassroots.core.models import AuditEvent
from grassroots.grids.models import Grid
from grassroots.grids.routing import bump_version
from tests.factories import png_bytes

pytestmark = pytest.mark.django_db

# GeoReport v2 field lists (http://wiki.open311.org/GeoReport_v2).
SERVICE_FIELDS = {"service_code", "service_name", "description", "metadata", "type", "keywords", "group"}
REQUEST_FIELDS = {
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
}
ATTRIBUTE_FIELDS = {
    "variable",
    "code",
    "datatype",
    "required",
    "datatype_description",
    "order",
    "description",
}
BASE = "/open311/v2/"


@pytest.fixture
def o311(city, make_user, token_for):
    community = city.communities[0]
    partner = make_user("hotline_platform", "city_admin", city.city)
    resident = make_user("resident_o", "resident")
    category = Category.objects.get(code="1101")
    case = cases.submit(
        resident,
        channel=Channel.H5,
        region=community,
        category=category,
        description="小区门口垃圾堆放三天无人清理",
        lng=120.3051234,
        lat=36.0652345,
        address="幸福路 8 号",
        reporter_phone="13800001111",
    )
    attach(None, case, [SimpleUploadedFile("p.png", png_bytes())])
    return type(
        "W",
        (),
        {
            "community": community,
            "partner": partner,
            "key": token_for(partner),
            "case": case,
            "category": category,
            "city": city,
        },
    )


def get_json(client, path, **params):
    response = client.get(BASE + path, {"jurisdiction_id": "", **params})
    return response, (json.loads(response.content) if response.content else None)


def get_xml(client, path, **params):
    response = client.get(BASE + path, {"jurisdiction_id": "", **params})
    return response, ET.fromstring(response.content)


def test_discovery_lists_this_endpoint_in_both_formats(o311):
    r, body = get_json(Client(), "discovery.json")
    assert r.status_code == 200 and r["Content-Type"].startswith("application/json")
    (endpoint,) = body["endpoints"]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"].endswith("/open311/v2/") and set(endpoint["formats"]) == {
        "application/json",
        "text/xml",
    }
    r, root = get_xml(Client(), "discovery.xml")
    assert root.tag == "discovery"
    assert [f.text for f in root.find("endpoints/endpoint/formats")] == ["application/json", "text/xml"]


def test_services_are_active_leaf_categories_with_spec_fields(o311):
    r, body = get_json(Client(), "services.json")
    assert r.status_code == 200
    codes = {s["service_code"] for s in body}
    assert "1101" in codes and "11" not in codes  # a leaf, not its parent class
    assert all(set(s) == SERVICE_FIELDS for s in body)
    assert all(
        s["type"] in ("realtime", "batch", "blackbox") and isinstance(s["metadata"], bool) for s in body
    )
    Category.objects.filter(code="1101").update(is_active=False)
    _, body = get_json(Client(), "services.json")
    assert "1101" not in {s["service_code"] for s in body}
    r, root = get_xml(Client(), "services.xml")
    assert root.tag == "services" and root.find("service/service_code") is not None
    assert root.find("service/metadata").text in ("true", "false")


def test_service_definition_lists_required_fields_as_attributes(o311):
    Category.objects.filter(code="1101").update(required_fields=["reporter_phone", "address"])
    for path in ("services/1101.json", "service/1101.json"):
        r, body = get_json(Client(), path)
        assert r.status_code == 200
        assert body["service_code"] == "1101"
        assert [a["code"] for a in body["attributes"]] == ["reporter_phone", "address"]
        assert all(set(a) == ATTRIBUTE_FIELDS and a["required"] is True for a in body["attributes"])
    r, root = get_xml(Client(), "services/1101.xml")
    assert root.tag == "service_definition"
    assert [a.find("code").text for a in root.find("attributes")] == ["reporter_phone", "address"]
    r, body = get_json(Client(), "services/nope.json")
    assert r.status_code == 404 and body[0]["code"] == 404 and "nope" in body[0]["description"]


def test_public_request_read_has_spec_fields_and_no_personal_data(o311):
    r, body = get_json(Client(), f"requests/{o311.case.number}.json")
    assert r.status_code == 200
    (req,) = body
    assert set(req) == REQUEST_FIELDS
    assert req["status"] == "open" and req["service_code"] == "1101"
    assert req["address"] == o311.community.name  # the community, not the street address
    assert req["lat"] == 36.065 and req["long"] == 120.305  # ~100 m
    assert req["media_url"] is None
    assert "13800001111" not in r.content.decode() and "幸福路" not in r.content.decode()


def test_api_key_of_an_account_that_sees_the_case_gets_exact_data(o311):
    _, body = get_json(Client(), f"requests/{o311.case.number}.json", api_key=o311.key)
    (req,) = body
    assert req["address"] == "幸福路 8 号" and req["lat"] == 36.065235 and req["long"] == 120.305123
    assert req["media_url"].startswith("/core/files/s/")
    photo = Client().get(req["media_url"])
    assert photo.status_code == 200 and photo["Content-Type"] == "image/png"


def test_bad_api_key_is_refused(o311):
    r, body = get_json(Client(), "requests.json", api_key="gr_nottoken")
    assert r.status_code == 403 and body[0]["code"] == 403


def test_request_list_filters_and_status_mapping(o311):
    other = cases.submit(
        o311.partner,
        channel=Channel.HOTLINE,
        region=o311.community,
        category=Category.objects.get(code="0101"),
        description="井盖缺失需要尽快处理",
        lng=120.306,
        lat=36.066,
    )
    Case.objects.filter(pk=other.pk).update(state="closed", closed_at=timezone.now())
    _, body = get_json(Client(), "requests.json")
    assert {r["service_request_id"] for r in body} == {o311.case.number, other.number}
    _, body = get_json(Client(), "requests.json", status="closed")
    assert [(r["service_request_id"], r["status"]) for r in body] == [(other.number, "closed")]
    _, body = get_json(Client(), "requests.json", status="open", service_code="1101")
    assert [r["service_request_id"] for r in body] == [o311.case.number]
    # service_request_id overrides every other filter
    _, body = get_json(
        Client(), "requests.json", service_request_id=f"{other.number},{o311.case.number}", status="open"
    )
    assert {r["service_request_id"] for r in body} == {o311.case.number, other.number}
    # date window: default last 90 days; an old case falls out
    Case.objects.filter(pk=other.pk).update(submitted_at=timezone.now() - datetime.timedelta(days=120))
    _, body = get_json(Client(), "requests.json")
    assert [r["service_request_id"] for r in body] == [o311.case.number]
    start = (timezone.now() - datetime.timedelta(days=200)).isoformat()
    end = (timezone.now() - datetime.timedelta(days=100)).isoformat()
    _, body = get_json(Client(), "requests.json", start_date=start, end_date=end)
    assert [r["service_request_id"] for r in body] == [other.number]
    r, root = get_xml(Client(), "requests.xml")
    assert root.tag == "service_requests" and root.find("request/service_request_id").text == o311.case.number


@pytest.mark.parametrize(
    "params, fragment",
    [
        ({"status": "pending"}, "status"),
        ({"start_date": "yesterday"}, "start_date"),
        ({"start_date": "2026-10-02T00:00:00+08:00", "end_date": "2026-10-01T00:00:00+08:00"}, "start_date"),
    ],
)
def test_bad_list_parameters_are_400_with_a_description(o311, params, fragment):
    r, body = get_json(Client(), "requests.json", **params)
    assert r.status_code == 400 and fragment in body[0]["description"]
    r, root = get_xml(Client(), "requests.xml", **params)
    assert r.status_code == 400 and root.tag == "errors" and root.find("error/code").text == "400"


def test_post_creates_a_case_like_the_client_libraries_send_it(o311):
    before = Case.objects.count()
    response = Client().post(
        f"{BASE}requests.json?jurisdiction_id=&api_key={o311.key}",
        {
            "service_code": "1101",
            "address_id": o311.community.code,
            "lat": "36.061",
            "long": "120.301",
            "description": "楼下绿地有大量建筑垃圾",
            "first_name": "明",
            "last_name": "王",
            "phone": "13900002222",
        },
    )
    assert response.status_code == 201, response.content
    (created,) = json.loads(response.content)
    case = Case.objects.get(number=created["service_request_id"])
    assert Case.objects.count() == before + 1
    assert case.channel == "open311" and case.region == o311.community and case.category.code == "1101"
    assert case.reporter_name == "王 明" and case.created_by == o311.partner
    assert AuditEvent.objects.filter(model="cases.case", object_id=str(case.pk), action="create").exists()
    # token lookup answers with the request id
    _, body = get_json(Client(), f"tokens/{case.number}.json")
    assert body == [{"service_request_id": case.number, "token": case.number}]
    # XML response of a POST with api_key in the body
    response = Client().post(
        f"{BASE}requests.xml",
        {
            "api_key": o311.key,
            "service_code": "1101",
            "address_id": o311.community.code,
            "lat": "36.061",
            "long": "120.301",
            "description": "路灯坏了好几天了",
        },
    )
    root = ET.fromstring(response.content)
    assert response.status_code == 201 and root.tag == "service_requests"
    assert Case.objects.filter(number=root.find("request/service_request_id").text).exists()


def test_post_routes_lat_long_to_the_grid_and_community(o311):
    k = 0
    cell = box(120.30 + k * 0.01, 36.06, 120.31, 36.07)
    grid = Grid.objects.create(
        region=o311.community,
        code=f"{o311.community.code}001",
        name="一网格",
        polygon=mapping(cell),
        area_m2=1.0,
        lng=120.305,
        lat=36.065,
    )
    bump_version()
    response = Client().post(
        f"{BASE}requests.json",
        {
            "api_key": o311.key,
            "service_code": "1101",
            "lat": "36.065",
            "long": "120.305",
            "description": "广场上的健身器材坏了",
        },
    )
    assert response.status_code == 201, response.content
    case = Case.objects.get(number=json.loads(response.content)[0]["service_request_id"])
    assert case.grid == grid and case.region == o311.community


@pytest.mark.parametrize(
    "data, status, fragment",
    [
        (
            {"service_code": "1101", "address_id": "COMMUNITY", "description": "楼下绿地有大量建筑垃圾"},
            403,
            "api_key",
        ),
        ({"address_id": "COMMUNITY", "description": "楼下绿地有大量建筑垃圾"}, 400, "service_code"),
        (
            {"service_code": "9999", "address_id": "COMMUNITY", "description": "楼下绿地有大量建筑垃圾"},
            404,
            "9999",
        ),
        ({"service_code": "1101", "description": "楼下绿地有大量建筑垃圾"}, 400, "位置"),
        (
            {"service_code": "1101", "address_id": "000000000000", "description": "楼下绿地有大量建筑垃圾"},
            400,
            "address_id",
        ),
        (
            {"service_code": "1101", "lat": "1", "long": "1", "description": "楼下绿地有大量建筑垃圾"},
            400,
            "网格",
        ),
        ({"service_code": "1101", "address_id": "COMMUNITY", "description": "短"}, 400, "问题描述"),
        (
            {
                "service_code": "1101",
                "address_id": "COMMUNITY",
                "description": "楼下绿地有大量建筑垃圾",
                "phone": "12345",
            },
            400,
            "电话",
        ),
    ],
)
def test_bad_posts_change_nothing(o311, data, status, fragment):
    data = {k: (o311.community.code if v == "COMMUNITY" else v) for k, v in data.items()}
    if status != 403:
        data["api_key"] = o311.key
    before = Case.objects.count()
    response = Client().post(f"{BASE}requests.json", data)
    assert response.status_code == status
    assert fragment in json.loads(response.content)[0]["description"]
    assert Case.objects.count() == before


def test_post_is_refused_for_an_account_without_submit_rights_there(o311, make_user, token_for):
    other_street_admin = make_user("other_admin", "street_admin", o311.city.streets[1])
    response = Client().post(
        f"{BASE}requests.json",
        {
            "api_key": token_for(other_street_admin),
            "service_code": "1101",
            "address_id": o311.community.code,
            "description": "楼下绿地有大量建筑垃圾",
        },
    )
    assert response.status_code == 403
    assert not Case.objects.filter(description="楼下绿地有大量建筑垃圾").exists()


def test_unknown_request_and_token_are_404(o311):
    for path in ("requests/nope.json", "tokens/nope.json"):
        r, body = get_json(Client(), path)
        assert r.status_code == 404 and body[0]["code"] == 404
