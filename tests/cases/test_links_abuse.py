"""Links that can't be replayed (issue 14 item 8): signed file links are short-lived and bound to the
viewer, every file view is audited, tracking links expire after the case is closed."""

from __future__ import annotations

import datetime
import re
import time
from unittest import mock

import pytest
from django.core import signing
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from grassroots.cases import services
from grassroots.cases.models import Case
from grassroots.core import attachments
from grassroots.core.attachments import attachments_of
from grassroots.core.models import AuditEvent
from tests.factories import png_bytes

pytestmark = pytest.mark.django_db


def _photo_case(new_case):
    return new_case(photos=[SimpleUploadedFile("p.png", png_bytes(), content_type="image/png")])


def _file_links(body: str) -> list[str]:
    return sorted(set(re.findall(r'"(/[^"]*/files/s/[^"]+/)"', body)))


def test_signed_links_are_bound_to_the_viewer_and_audited(loop, new_case):
    case = _photo_case(new_case)
    url = reverse("cases:track", args=[services.tracking_token(case)])
    visitor = Client()
    links = _file_links(visitor.get(url).content.decode())
    assert len(links) == 1
    before = AuditEvent.objects.filter(action="unmask", model="core.attachment").count()
    resp = visitor.get(links[0])
    assert resp.status_code == 200 and resp["Cache-Control"] == "private, no-store"
    b"".join(resp.streaming_content)
    # another browser (no session, or someone else's) can't reuse the link
    assert Client().get(links[0]).status_code == 404
    other = Client()
    other.get(url)
    assert other.get(links[0]).status_code == 404
    rows = AuditEvent.objects.filter(action="unmask", model="core.attachment").order_by("-id")
    assert rows.count() == before + 1
    row = rows.first()
    photo = attachments_of(case, "photo").get()
    assert row.object_id == str(photo.pk) and "签名链接" in row.purpose
    assert row.region_path == case.region.path


def test_signed_links_expire_after_the_configured_lifetime(loop, new_case):
    case = _photo_case(new_case)
    photo = attachments_of(case, "photo").get()
    link = attachments.signed_url(photo)  # unbound (e.g. Open311 media), still short-lived
    assert Client().get(link).status_code == 200
    token = link.rstrip("/").rsplit("/", 1)[-1]
    assert attachments.read_signed(token) == (photo.pk, "")
    later = time.time() + 601  # default lifetime: 10 minutes
    with mock.patch("time.time", return_value=later):
        assert attachments.read_signed(token) is None
        assert Client().get(link).status_code == 404
    with override_settings(ATTACHMENT_LINK_SECONDS=3600), mock.patch("time.time", return_value=later):
        assert attachments.read_signed(token) == (photo.pk, "")
    # an old-style (7 days, id only) token is refused
    old = signing.dumps(photo.pk, salt=attachments.SIGNED_SALT)
    assert Client().get(reverse("core:attachment_signed", args=[old])).status_code == 404


def test_logged_in_file_view_is_audited(loop, new_case, client_for):
    case = _photo_case(new_case)
    photo = attachments_of(case, "photo").get()
    c = client_for(loop.admin_c0)
    resp = c.get(reverse("core:attachment", args=[photo.pk]))
    assert resp.status_code == 200
    row = AuditEvent.objects.filter(action="unmask", model="core.attachment").latest("id")
    assert row.actor_id == loop.admin_c0.pk and row.object_id == str(photo.pk)
    assert row.purpose == "查看附件"
    # out of scope: 404 and no audit row of a view
    n = AuditEvent.objects.filter(model="core.attachment").count()
    assert client_for(loop.admin_c1).get(reverse("core:attachment", args=[photo.pk])).status_code == 404
    assert AuditEvent.objects.filter(model="core.attachment").count() == n


@override_settings(CASE_TRACKING_DAYS_AFTER_CLOSE=30)
def test_tracking_link_expires_after_close_plus_period(loop, new_case):
    case = new_case()
    url = reverse("cases:track", args=[services.tracking_token(case)])
    assert Client().get(url).status_code == 200
    Case.objects.filter(pk=case.pk).update(closed_at=timezone.now() - datetime.timedelta(days=29))
    assert Client().get(url).status_code == 200
    Case.objects.filter(pk=case.pk).update(closed_at=timezone.now() - datetime.timedelta(days=31))
    resp = Client().get(url)
    body = resp.content.decode()
    assert resp.status_code == 410
    assert "结案 30 天后失效" in body and case.number not in body
