"""Uploads against hostile input (issue 14 item 5): a pixel bomb is refused from its header, files are
decoded before the write transaction, and anonymous uploads are limited per IP and hour."""

from __future__ import annotations

import io
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client, override_settings
from django.urls import reverse

from grassroots.cases.models import Case, CaseEvent
from grassroots.core import attachments
from grassroots.core.errors import ServiceError
from grassroots.core.models import Attachment, AuditEvent
from tests.factories import png_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def bomb_png() -> bytes:
    """A 12000×12000 PNG of a few kilobytes (1-bit, all black): 144 megapixels once decoded."""
    from PIL import Image

    out = io.BytesIO()
    Image.new("1", (12000, 12000)).save(out, format="PNG", optimize=True)
    data = out.getvalue()
    assert len(data) < 200_000
    return data


def _form(community, photos):
    return {
        "description": "小区门口垃圾堆放好几天了没人清运",
        "reporter_phone": "13912345678",
        "community": community.pk,
        "photos": photos,
    }


def test_pixel_bomb_is_refused_from_its_header_and_nothing_is_written(loop, bomb_png):
    events, audits = CaseEvent.objects.count(), AuditEvent.objects.count()
    upload = SimpleUploadedFile("big.png", bomb_png, content_type="image/png")
    # Decoding is what must not happen: fail the test if any pixel data is loaded.
    with mock.patch("PIL.ImageFile.ImageFile.load", side_effect=AssertionError("decoded")):
        resp = Client().post(reverse("cases:report"), _form(loop.c0, [upload]))
    body = resp.content.decode()
    assert resp.status_code == 400
    assert "尺寸过大（约 14400 万像素）" in body and "不超过 4000 万像素" in body
    assert not Case.objects.exists() and not Attachment.objects.exists()
    assert CaseEvent.objects.count() == events and AuditEvent.objects.count() == audits
    assert not any(attachments.storage_dir().iterdir())


def test_pixel_limit_is_a_setting_and_pillow_guard_follows_it(bomb_png):
    from PIL import Image

    with override_settings(UPLOAD_MAX_PIXELS=40):
        with pytest.raises(ServiceError, match="尺寸过大"):
            attachments.validate_files([SimpleUploadedFile("s.png", png_bytes(8, 6))])
        assert Image.MAX_IMAGE_PIXELS == 40
    # Documents accepted too (images_only=False) still refuse an oversized image with the pixel message.
    with pytest.raises(ServiceError, match="尺寸过大"):
        attachments.validate_files([SimpleUploadedFile("b.png", bomb_png)], images_only=False)
    prepared = attachments.validate_files([SimpleUploadedFile("ok.png", png_bytes(8, 6))])
    assert isinstance(prepared, attachments.PreparedFiles) and prepared[0]["width"] == 8
    assert Image.MAX_IMAGE_PIXELS == 40_000_000


def test_images_are_decoded_before_the_write_transaction(loop):
    """The H5 form re-encodes photos outside the transaction: decoding sees no open atomic block."""
    seen = []
    real = attachments._image
    depth = len(connection.atomic_blocks)  # the test's own transaction

    def spy(name, data):
        seen.append(len(connection.atomic_blocks) > depth)
        return real(name, data)

    photos = [SimpleUploadedFile(f"{i}.png", png_bytes(), content_type="image/png") for i in range(2)]
    with mock.patch.object(attachments, "_image", spy):
        resp = Client().post(reverse("cases:report"), _form(loop.c0, photos))
    assert resp.status_code == 302
    assert seen == [False, False]
    assert Attachment.objects.count() == 2


@override_settings(UPLOAD_ANON_FILES_PER_HOUR=5, UPLOAD_ANON_SUBMISSIONS_PER_HOUR=10)
def test_anonymous_photos_are_limited_per_ip_and_hour(loop, client_for):
    def post(client, n, ip="10.1.1.1"):
        photos = [SimpleUploadedFile(f"{i}.png", png_bytes(), content_type="image/png") for i in range(n)]
        return client.post(reverse("cases:report"), _form(loop.c0, photos), REMOTE_ADDR=ip)

    assert post(Client(), 3).status_code == 302
    resp = post(Client(), 3)  # 6 > 5 photos from this IP within the hour
    assert resp.status_code == 429 and "上传过于频繁" in resp.content.decode()
    assert Case.objects.count() == 1 and Attachment.objects.count() == 3
    assert post(Client(), 2).status_code == 302  # exactly at the cap
    assert post(Client(), 3, ip="10.2.2.2").status_code == 302  # another address is not affected
    assert Attachment.objects.count() == 8


def test_staff_uploads_are_not_counted_against_anonymous_limits(loop):
    with override_settings(UPLOAD_ANON_FILES_PER_HOUR=0):
        prepared = attachments.validate_files([SimpleUploadedFile("a.png", png_bytes())], user=loop.admin_c0)
    assert len(prepared) == 1


def test_the_bomb_fixture_declares_its_size_in_the_header(bomb_png):
    assert bomb_png[16:24] == (12000).to_bytes(4, "big") * 2
