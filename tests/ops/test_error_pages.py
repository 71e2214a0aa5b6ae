"""Chinese error pages (400/403/404/500/CSRF) with the phone layout and a way back; JSON under /api/."""

from __future__ import annotations

import logging

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def _html(response) -> str:
    return response.content.decode()


def _assert_page(response, status: int, words: str):
    assert response.status_code == status
    assert response["Content-Type"].startswith("text/html")
    html = _html(response)
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    assert '<html lang="zh-CN">' in html
    assert 'href="/"' in html and "返回首页" in html
    assert words in html
    # No English default text from Django.
    assert "Not Found" not in html and "Server Error" not in html


def test_unknown_page_is_a_chinese_404_with_home_link():
    response = Client().get("/no-such-page/")
    _assert_page(response, 404, "页面不存在")


def test_404_links_back_to_the_previous_page_on_this_site_only():
    c = Client()
    html = _html(c.get("/no-such-page/", HTTP_REFERER="http://testserver/cases/?page=2"))
    assert 'href="/cases/?page=2"' in html and "返回上一页" in html
    html = _html(c.get("/no-such-page/", HTTP_REFERER="https://evil.example/phish"))
    assert "evil.example" not in html and "返回上一页" not in html


def test_out_of_scope_object_page_is_the_chinese_404(city, make_user, client_for):
    user = make_user("viewer1")
    response = client_for(user).get("/party/members/999999/")
    _assert_page(response, 404, "页面不存在")


def test_api_404_stays_problem_json():
    response = Client().get("/api/v1/no-such-endpoint/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["status"] == 404


def test_view_that_raises_gives_the_chinese_500(settings, caplog):
    settings.ROOT_URLCONF = "tests.ops.urls_faults"
    response = Client(raise_request_exception=False).get("/boom/")
    _assert_page(response, 500, "服务器内部错误")


def test_api_500_is_problem_json(settings):
    settings.ROOT_URLCONF = "tests.ops.urls_faults"
    response = Client(raise_request_exception=False).get("/api/boom/")
    assert response.status_code == 500
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["title"] == "服务器内部错误"


def test_500_page_renders_without_the_database(settings, django_assert_num_queries):
    from django.test import RequestFactory

    from grassroots.core.error_views import server_error

    request = RequestFactory().get("/x/")
    with django_assert_num_queries(0):
        response = server_error(request)
    _assert_page(response, 500, "服务器内部错误")


def test_csrf_failure_page_is_chinese(city, make_user):
    user = make_user("csrf1")
    c = Client(enforce_csrf_checks=True)
    c.force_login(user)
    response = c.post("/accounts/profile/", {"x": "1"})
    _assert_page(response, 403, "安全校验未通过")
    assert "刷新后重新提交" in _html(response)


def test_400_and_403_pages(rf):
    from grassroots.core import error_views

    _assert_page(error_views.bad_request(rf.get("/x/")), 400, "请求无效")
    _assert_page(error_views.permission_denied(rf.get("/x/")), 403, "没有访问权限")


def test_disk_full_is_a_chinese_503_and_logged(settings, caplog):
    settings.ROOT_URLCONF = "tests.ops.urls_faults"
    with caplog.at_level(logging.ERROR, logger="grassroots.faults"):
        response = Client(raise_request_exception=False).get("/disk-full/")
    _assert_page(response, 503, "服务器存储空间不足")
    assert any("ENOSPC" in r.getMessage() for r in caplog.records)
    api = Client(raise_request_exception=False).get("/api/disk-full/")
    assert api.status_code == 503 and api["Content-Type"] == "application/problem+json"
    assert "存储空间不足" in api.json()["detail"]


def test_database_locked_is_a_503_with_retry_after(settings):
    settings.ROOT_URLCONF = "tests.ops.urls_faults"
    response = Client(raise_request_exception=False).get("/locked/")
    _assert_page(response, 503, "系统正忙")
    assert response["Retry-After"] == "5"


def test_locked_database_inside_an_api_operation_is_a_503_problem(city, make_user, token_for, monkeypatch):
    """Ninja re-raises unknown exceptions to Django; the 500 handler turns a busy database into a 503."""
    import sqlite3

    from django.db import OperationalError

    from grassroots.cases import services
    from grassroots.cases.models import Case

    def locked(*args, **kwargs):
        try:
            raise sqlite3.OperationalError("database is locked")
        except sqlite3.OperationalError as exc:
            raise OperationalError("database is locked") from exc

    monkeypatch.setattr(services, "submit", locked)
    worker = make_user("gw_locked", "grid_worker", city.communities[0])
    before = Case.objects.count()
    response = Client(raise_request_exception=False).post(
        "/api/v1/cases/",
        {"channel": "patrol", "community": city.communities[0].code, "description": "路灯不亮"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token_for(worker)}",
    )
    assert response.status_code == 503
    assert response["Content-Type"] == "application/problem+json"
    assert response["Retry-After"] == "5" and "稍后重试" in response.json()["detail"]
    assert Case.objects.count() == before
