"""Helpers for the REST API tests: a token client per user, problem+json and audit assertions."""

from __future__ import annotations

import itertools
import json
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from grassroots.core.models import AuditEvent

_names = itertools.count(1)
CJK = re.compile(r"[\u4e00-\u9fff]")


class Api:
    """A Django test client that sends `Authorization: Bearer <token>` and JSON bodies."""

    def __init__(self, user, token: str | None):
        self.user = user
        self.client = Client()
        self.headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}

    def get(self, url, params=None):
        return self.client.get(url, params or {}, **self.headers)

    def _send(self, method, url, body, raw=None):
        data = raw if raw is not None else json.dumps(body, ensure_ascii=False)
        return getattr(self.client, method)(url, data=data, content_type="application/json", **self.headers)

    def post(self, url, body=None, raw=None):
        return self._send("post", url, body or {}, raw)

    def patch(self, url, body=None, raw=None):
        return self._send("patch", url, body or {}, raw)

    def delete(self, url):
        return self.client.delete(url, **self.headers)

    def walk(self, url, params=None, limit=2) -> list[dict]:
        """Follow next_cursor through a paginated list; return every item in order."""
        items, cursor, pages = [], None, 0
        while True:
            p = {**(params or {}), "limit": limit}
            if cursor:
                p["cursor"] = cursor
            r = self.get(url, p)
            assert r.status_code == 200, r.content
            body = r.json()
            assert len(body["items"]) <= limit
            items += body["items"]
            cursor = body["next_cursor"]
            pages += 1
            assert pages < 500
            if not cursor:
                return items


@pytest.fixture
def api_as(make_user, token_for):
    """api_as(role, scope_node) -> Api for a fresh user holding that role there."""

    def _as(role=None, scope=None, **extra) -> Api:
        user = make_user(f"api{next(_names)}", role, scope, **extra)
        return Api(user, token_for(user))

    return _as


@pytest.fixture
def anonymous():
    return Api(None, None)


def assert_problem(response, status: int, text: str | None = None) -> dict:
    """An RFC 9457 problem with a Chinese detail (and optionally a given phrase in it)."""
    assert response.status_code == status, response.content.decode()
    assert response["Content-Type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == status
    assert CJK.search(body["detail"]), body
    if text:
        assert text in json.dumps(body, ensure_ascii=False), body
    return body


def events(model_label: str, object_id) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(model=model_label, object_id=str(object_id)).order_by("id"))


def count_queries(fn) -> int:
    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx.captured_queries)


def no_plaintext(response, *values: str) -> None:
    raw = response.content.decode()
    body = json.dumps(response.json(), ensure_ascii=False) if raw else ""
    for v in values:
        if v:
            assert v not in raw and v not in body, f"plaintext {v!r} in response"
