"""Pages of the catalog, evaluations, rankings, branch health, rectifications, funding, sites and duties:
rendering, filters, empty states, Excel export, form errors, and bounded query counts."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from grassroots.party.models import PartyOrg
from grassroots.standards import assess, health
from grassroots.standards.models import BranchHealth, FundingRecord, Honour, StreetDuty
from tests.factories import add_org

pytestmark = pytest.mark.django_db
YEAR = datetime.date.today().year - 1
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def sa(city, make_user):
    return make_user("s_admin", "street_admin", city.streets[0])


@pytest.fixture
def ca(city, make_user):
    return make_user("c_admin", "community_admin", city.communities[0])


@pytest.mark.parametrize(
    "name, text",
    [
        ("standards:catalog", "各层级职责"),
        ("standards:indicators", "社区工作者三岗十八级定级率"),
        ("standards:evaluations", "暂无考评"),
        ("standards:rankings", "暂无已确认的考评结果"),
        ("standards:branch_health", "尚无体检结果"),
        ("standards:rectifications", "暂无整改任务"),
        ("standards:funding", "经费达标情况"),
        ("standards:honours", "暂无示范点"),
        ("standards:duties", "暂无街道职责清单与赋权事项"),
    ],
)
def test_pages_render_with_empty_states(city, sa, client_for, name, text):
    r = client_for(sa).get(reverse(name))
    assert r.status_code == 200
    assert text in r.content.decode()


def test_catalog_filters_search_and_export(city, sa, client_for):
    c = client_for(sa)
    body = c.get(reverse("standards:catalog"), {"area": "A2", "measure": "indicator"}).content.decode()
    assert "网格党组织覆盖所有网格" in body and "党组织书记履行抓基层党建" not in body
    assert "换届" not in c.get(reverse("standards:catalog"), {"q": "网格党组织"}).content.decode()
    r = c.get(reverse("standards:catalog"), {"export": "xlsx"})
    assert r.status_code == 200 and r["Content-Type"] == XLSX


def test_evaluation_pages_drive_the_cycle(city, sa, ca, client_for):
    c = client_for(ca)
    r = c.post(reverse("standards:evaluation_create"), {"region": city.communities[2].code, "period": YEAR})
    assert r.status_code == 400 and "不存在或不在您的管辖范围内" in r.content.decode()
    r = c.post(reverse("standards:evaluation_create"), {"region": city.communities[0].code, "period": YEAR})
    assert r.status_code == 302
    ev = city.communities[0].evaluations.get()
    detail = reverse("standards:evaluation_detail", args=[ev.pk])
    body = c.get(detail).content.decode()
    assert "提交自评" in body and 'name="score_A1-01"' in body
    codes = list(ev.scores.filter(self_score__isnull=True).values_list("item__code", flat=True))
    data = {f"score_{k}": "1" for k in codes}
    data[f"score_{codes[0]}"] = "abc"
    c.post(reverse("standards:evaluation_scores", args=[ev.pk]), data)
    assert ev.scores.filter(self_score__isnull=True).count() == len(codes)  # nothing saved
    assert "得分应为数字" in c.get(detail).content.decode()
    data[f"score_{codes[0]}"] = "1"
    c.post(reverse("standards:evaluation_scores", args=[ev.pk]), data)
    assert not ev.scores.filter(self_score__isnull=True).exists()
    c.post(reverse("standards:evaluation_act", args=[ev.pk, "submit"]), {"comment": "完成"})
    ev.refresh_from_db()
    assert ev.state == "review"
    s = client_for(sa)
    r = s.post(reverse("standards:evaluation_act", args=[ev.pk, "return_self"]), {"comment": ""})
    assert r.status_code == 302
    ev.refresh_from_db()
    assert ev.state == "review"
    assert "退回时请填写意见" in s.get(detail).content.decode()
    r = s.get(detail, {"export": "xlsx"})
    assert r["Content-Type"] == XLSX


def test_evaluation_list_query_count_is_bounded(city, make_user, client_for, django_assert_max_num_queries):
    d = make_user("d_admin", "district_admin", city.district)
    for region in [*city.communities, *city.streets]:
        assess.open_evaluation(d, region=region, period=YEAR)
    c = client_for(d)
    with django_assert_max_num_queries(15):
        body = c.get(reverse("standards:evaluations")).content.decode()
    assert body.count('href="/standards/evaluations/') >= 6


def test_branch_health_list_filters_and_bounded_queries(
    city, sa, client_for, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    for k in range(15):
        add_org(
            city.community_orgs[0],
            f"{city.community_orgs[0].code}-X{k}",
            f"新建第{k}支部",
            "branch",
            city.communities[0],
        )
    c = client_for(sa)
    with django_capture_on_commit_callbacks(execute=False):
        assert c.post(reverse("standards:health_run_start")).status_code == 302
    run = health.active_run()
    body = c.get(reverse("standards:branch_health")).content.decode()
    assert f'data-run="{run.pk}"' in body and "disabled" in body  # progress shown, button off while running
    health.execute_run(run.pk)
    with django_assert_max_num_queries(15):
        body = c.get(reverse("standards:branch_health")).content.decode()
    visible = BranchHealth.objects.filter(org__region__path__startswith=city.streets[0].path).count()
    assert body.count("data-light=") == visible == 17
    red = c.get(reverse("standards:branch_health"), {"rule": "ORG-9"}).content.decode()
    assert "ORG-9" in red
    r = c.get(reverse("standards:branch_health"), {"export": "xlsx"})
    assert r["Content-Type"] == XLSX
    # Branch page: findings, and a rectification task raised from it.
    branch = city.branches[0]
    page = reverse("standards:branch_detail", args=[branch.code])
    assert "下达整改任务" in c.get(page).content.decode()
    r = c.post(
        reverse("standards:rect_create", args=[branch.code]),
        {"problem": "", "owner_name": "", "deadline": ""},
    )
    assert r.status_code == 302 and not branch.rectifications.exists()
    c.post(
        reverse("standards:rect_create", args=[branch.code]),
        {"problem": "党费", "owner_name": "王", "deadline": str(datetime.date.today())},
    )
    rect = branch.rectifications.get()
    assert rect.source is not None and rect.source.org == branch
    c.post(reverse("standards:rect_act", args=[rect.pk, "start"]), {})
    rect.refresh_from_db()
    assert rect.state == "in_progress"
    assert "整改中" in c.get(reverse("standards:rectifications"), {"state": "in_progress"}).content.decode()
    other = PartyOrg.objects.get(pk=city.branches[2].pk)
    assert c.get(reverse("standards:branch_detail", args=[other.code])).status_code == 404


def test_funding_form_errors_and_status(city, ca, client_for):
    c = client_for(ca)
    url = reverse("standards:funding_create")
    r = c.post(
        url,
        {
            "community": city.communities[0].code,
            "direction": "received",
            "kind": "activity",
            "amount": "1",
            "on_date": f"{YEAR}-02-01",
        },
    )
    assert r.status_code == 400 and "收入请选择经费来源" in r.content.decode()
    r = c.post(
        url,
        {
            "community": city.communities[0].code,
            "direction": "received",
            "kind": "finance",
            "amount": "x",
            "on_date": f"{YEAR}-02-01",
        },
    )
    assert r.status_code == 400 and "金额应为数字" in r.content.decode()
    assert not FundingRecord.objects.exists()
    r = c.post(
        url,
        {
            "community": city.communities[0].code,
            "direction": "received",
            "kind": "service",
            "amount": "200000",
            "on_date": f"{YEAR}-02-01",
        },
    )
    assert r.status_code == 302
    body = c.get(reverse("standards:funding"), {"year": YEAR}).content.decode()
    assert "data-met>1<" in body and "达标" in body


def test_honour_and_duty_pages(city, sa, client_for):
    c = client_for(sa)
    r = c.post(
        reverse("standards:honour_create"),
        {
            "region": city.communities[0].code,
            "name": "示范点",
            "year": YEAR,
            "level": "street",
            "citation": "好",
        },
    )
    assert r.status_code == 302
    h = Honour.objects.get()
    c.post(reverse("standards:honour_revoke", args=[h.pk]), {"reason": "复核未通过"})
    h.refresh_from_db()
    assert h.revoked_at is not None
    assert "已撤销" in c.get(reverse("standards:honours"), {"revoked": "true"}).content.decode()
    r = c.post(
        reverse("standards:duty_create"),
        {"street": city.streets[0].code, "kind": "duty", "code": "ZZ-1", "title": "统筹党建"},
    )
    duty = StreetDuty.objects.get()
    assert r.status_code == 302 and r["Location"] == reverse("standards:duty_detail", args=[duty.pk])
    r = c.post(reverse("standards:duty_detail", args=[duty.pk]), {"status": "issue", "note": ""})
    assert r.status_code == 400 and "未落实的事项请说明原因" in r.content.decode()
    r = c.post(reverse("standards:duty_detail", args=[duty.pk]), {"status": "ok", "note": "已落实"})
    assert r.status_code == 302
    duty.refresh_from_db()
    assert duty.status == "ok"
    assert "已落实 1" in c.get(reverse("standards:duties")).content.decode()
