"""红色物业 pages and API: lists with Excel export, details, forms (bad input 400 with a Chinese
message and nothing saved), grading and publishing from the page, the resident's rating page."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from grassroots.core.models import AuditEvent
from grassroots.redproperty import services
from grassroots.redproperty.models import Grade, Inspection, ListPublication, Rating

from .conftest import YEAR

pytestmark = pytest.mark.django_db


def test_lists_details_and_exports(rp, client_for, django_assert_max_num_queries):
    today = timezone.localdate()
    committee = services.register_committee(
        rp.admin, neighborhood=rp.hoods[0], term_end=today + datetime.timedelta(days=10)
    )
    services.plan_election(rp.admin, committee, planned_on=today)
    services.inspect(rp.admin, company=rp.company0, neighborhood=rp.hoods[0], inspected_on=today, score=72)
    c = client_for(rp.street)
    for name in ("companies", "committees", "contracts", "inspections", "elections"):
        url = reverse(f"redproperty:{name}")
        with django_assert_max_num_queries(25):
            r = c.get(url)
        assert r.status_code == 200, name
        x = c.get(url + "?export=xlsx")
        assert x.status_code == 200 and x["Content-Type"].startswith("application/vnd.openxmlformats"), name
    assert "团岛红心物业有限公司" in c.get(reverse("redproperty:companies")).content.decode()
    assert "四方路物业" not in c.get(reverse("redproperty:companies")).content.decode()  # other street
    page = c.get(reverse("redproperty:company_detail", args=[rp.company0.pk])).content.decode()
    assert "服务小区与合同" in page and "团岛小区" in page and "72 分" in page
    page = c.get(reverse("redproperty:committee_detail", args=[committee.pk])).content.decode()
    assert "请及时组织换届选举" in page and "确定候选人" in page
    assert c.get(reverse("redproperty:company_detail", args=[rp.company2.pk])).status_code == 404
    r = c.get(reverse("redproperty:unmanaged"))
    assert r.status_code == 200 and "云南小区" in r.content.decode() and "chart-zero" in r.content.decode()
    assert c.get(reverse("redproperty:unmanaged") + "?export=xlsx").status_code == 200


def test_forms_refuse_bad_input_and_save_good(rp, client_for):
    c = client_for(rp.admin)
    n = Inspection.objects.count()
    url = reverse("redproperty:inspection_create")
    r = c.post(
        url,
        {
            "company": rp.company0.pk,
            "neighborhood": rp.hoods[0].pk,
            "inspected_on": "2020-01-01",
            "score": 120,
        },
    )
    assert r.status_code == 400 and "100" in r.content.decode()
    r = c.post(
        url,
        {
            "company": rp.company2.pk,
            "neighborhood": rp.hoods[0].pk,
            "inspected_on": "2020-01-01",
            "score": 80,
        },
    )
    assert r.status_code == 400  # company2 is not a choice for community 0
    assert Inspection.objects.count() == n
    r = c.post(
        url,
        {
            "company": rp.company0.pk,
            "neighborhood": rp.hoods[0].pk,
            "inspected_on": "2020-01-01",
            "score": 80,
        },
    )
    assert r.status_code == 302 and Inspection.objects.count() == n + 1
    r = c.post(
        reverse("redproperty:contract_create"),
        {
            "company": rp.company0.pk,
            "neighborhood": rp.hoods[0].pk,
            "start": "2030-01-01",
            "end": "2029-01-01",
            "fee": "1",
        },
    )
    assert r.status_code == 400 and "合同到期日期不能早于开始日期" in r.content.decode()
    r = c.post(
        reverse("redproperty:company_create"), {"region": rp.c0.pk, "name": "新物业", "is_state_owned": "on"}
    )
    assert r.status_code == 302
    assert c.get(reverse("redproperty:company_create")).status_code == 200
    assert client_for(rp.district).get(reverse("redproperty:company_create")).status_code == 404


def test_grading_page_compute_and_publish(rp, client_for):
    c = client_for(rp.district)
    url = reverse("redproperty:grades") + f"?district={rp.district_node.code}&year={YEAR}"
    page = c.get(url).content.decode()
    assert "计算年度等级" in page and "计分办法" in page and "按权重加权平均" in page
    r = c.post(
        reverse("redproperty:grades_act", args=["compute"]), {"district": rp.district_node.code, "year": YEAR}
    )
    assert r.status_code == 302 and Grade.objects.filter(year=YEAR).count() == 2
    r = c.post(
        reverse("redproperty:grades_act", args=["publish"]), {"district": rp.district_node.code, "year": YEAR}
    )
    assert ListPublication.objects.filter(year=YEAR).count() == 1
    assert AuditEvent.objects.filter(model__icontains="listpublication").count() == 1
    page = c.get(url).content.decode()
    assert "已发布" in page and "发布红黑榜" not in page
    # Street staff see the page but may not compute.
    s = client_for(rp.street)
    assert s.get(reverse("redproperty:grades")).status_code == 200
    assert s.post(reverse("redproperty:grades_act", args=["compute"]), {"year": YEAR}).status_code == 404


def test_resident_h5_rating(rp, client_for):
    c = client_for(rp.resident)
    url = reverse("redproperty:h5_rate")
    page = c.get(url).content.decode()
    assert "团岛红心物业有限公司" in page and "提交评价" in page
    assert c.post(url, {"stars": "9"}).status_code == 400
    assert Rating.objects.count() == 0
    assert c.post(url, {"stars": "4", "comment": "不错"}).status_code == 302
    page = c.get(url).content.decode()
    assert "提交评价" not in page and "★★★★☆" in page
    assert c.post(url, {"stars": "5"}).status_code == 409
    assert Rating.objects.get().stars == 4
    assert client_for(rp.admin).get(url).status_code == 404


def test_api(rp, token_for, client):
    h = {"HTTP_AUTHORIZATION": f"Bearer {token_for(rp.street)}"}
    r = client.get("/api/v1/redproperty/companies", **h)
    assert r.status_code == 200
    assert [i["name"] for i in r.json()["items"]] == ["团岛红心物业有限公司"]
    assert r.json()["items"][0]["neighborhoods"] == 1
    r = client.post(
        "/api/v1/redproperty/contracts",
        {
            "company_id": rp.company0.pk,
            "neighborhood_code": rp.hoods[1].code,
            "start": "2020-01-01",
            "end": "2019-01-01",
            "fee": "1",
        },
        content_type="application/json",
        **h,
    )
    assert r.status_code == 400 and r["Content-Type"].startswith("application/problem+json")
    rh = {"HTTP_AUTHORIZATION": f"Bearer {token_for(rp.resident)}"}
    r = client.post("/api/v1/redproperty/ratings", {"stars": 5}, content_type="application/json", **rh)
    assert r.status_code == 201 and r.json()["company"] == "团岛红心物业有限公司"
    r = client.post("/api/v1/redproperty/ratings", {"stars": 5}, content_type="application/json", **rh)
    assert r.status_code == 409
    r = client.get("/api/v1/redproperty/unmanaged", **h)
    assert [i["name"] for i in r.json()["items"]] == ["云南小区"]
