"""A full or read-only disk: a clear Chinese 503, an error log line naming the cause, no orphan files."""

from __future__ import annotations

import errno
import logging
import sqlite3
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import OperationalError
from django.test import Client

from grassroots.core import attachments, faults
from grassroots.core.errors import ServiceError
from grassroots.core.models import Attachment, ImportJob
from tests.factories import png_bytes
from tests.imports.conftest import xlsx

pytestmark = pytest.mark.django_db


def _files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.VAR_DIR = tmp_path
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    return tmp_path


def _fail_fsync_after(monkeypatch, ok: int, err: int = errno.ENOSPC):
    """The disk fills up after `ok` files were written completely."""
    real = faults.os.fsync
    calls = {"n": 0}

    def fsync(fd):
        calls["n"] += 1
        if calls["n"] > ok:
            raise OSError(err, "No space left on device" if err == errno.ENOSPC else "Read-only file system")
        return real(fd)

    monkeypatch.setattr(faults.os, "fsync", fsync)


@pytest.mark.parametrize(
    "err,word,code", [(errno.ENOSPC, "存储空间不足", "ENOSPC"), (errno.EROFS, "只读", "EROFS")]
)
def test_attach_on_full_disk_leaves_no_file_and_no_row(
    city, make_user, media, monkeypatch, caplog, err, word, code
):
    user = make_user("att1")
    obj = city.communities[0]
    uploads = [SimpleUploadedFile(f"p{i}.png", png_bytes(), content_type="image/png") for i in range(3)]
    _fail_fsync_after(monkeypatch, ok=1, err=err)  # the first file lands, the second hits the full disk
    with caplog.at_level(logging.ERROR, logger="grassroots.faults"), pytest.raises(ServiceError) as exc:
        attachments.attach(user, obj, uploads, role="photo")
    assert exc.value.status == 503 and word in exc.value.message
    assert any(code in r.getMessage() for r in caplog.records)
    assert _files(media / "media") == []  # neither the complete first file nor a 0-byte temp file
    assert Attachment.objects.count() == 0


def test_attach_writes_complete_files(city, make_user, media):
    user = make_user("att2")
    rows = attachments.attach(user, city.communities[0], [SimpleUploadedFile("a.png", png_bytes())])
    path = attachments.path_of(rows[0])
    assert path.stat().st_size == rows[0].size > 0
    assert [p.name for p in _files(media / "media")] == [path.name]  # no temp file left


class _FullDiskFile:
    """A file whose write fails like a full disk would (what left a 0-byte upload behind)."""

    def __init__(self, fh):
        self.fh, self.writes = fh, 0

    def write(self, data):
        self.writes += 1
        if self.writes >= 1:
            raise OSError(errno.ENOSPC, "No space left on device")
        return self.fh.write(data)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.fh.close()


def test_import_upload_on_full_disk_is_a_chinese_503_without_orphans(
    city, make_user, client_for, media, monkeypatch, caplog
):
    admin = make_user("street0", "street_admin", city.streets[0])
    real_open = Path.open

    def fake_open(self, mode="r", *a, **k):
        fh = real_open(self, mode, *a, **k)
        return _FullDiskFile(fh) if "w" in mode and self.suffix == ".xlsx" else fh

    monkeypatch.setattr(Path, "open", fake_open)
    upload = SimpleUploadedFile("w.xlsx", xlsx([["工号", "姓名"], ["W1", "张三"]]))
    with caplog.at_level(logging.ERROR, logger="grassroots.faults"):
        response = client_for(admin).post("/imports/upload/", {"kind": "workers", "file": upload})
    assert response.status_code == 503
    assert "服务器存储空间不足" in response.content.decode()
    assert any("ENOSPC" in r.getMessage() for r in caplog.records)
    assert _files(media / "imports") == []
    assert ImportJob.objects.count() == 0


def test_login_with_a_full_database_disk_is_a_chinese_503(make_user, monkeypatch, caplog):
    make_user("full1")
    from django.contrib.sessions.backends.db import SessionStore

    def save(self, must_create=False):
        try:
            raise sqlite3.OperationalError("database or disk is full")
        except sqlite3.OperationalError as exc:
            raise OperationalError("database or disk is full") from exc

    monkeypatch.setattr(SessionStore, "save", save)
    with caplog.at_level(logging.ERROR, logger="grassroots.faults"):
        response = Client(raise_request_exception=False).post(
            "/accounts/login/", {"username": "full1", "password": "Secret-Pass-123"}
        )
    assert response.status_code == 503
    html = response.content.decode()
    assert "服务器存储空间不足" in html and 'name="viewport"' in html
    assert any("database or disk is full" in r.getMessage() for r in caplog.records)


def test_classify_postgres_states():
    class PgError(Exception):
        def __init__(self, sqlstate):
            self.sqlstate = sqlstate

    def wrapped(state):
        try:
            raise PgError(state)
        except PgError as exc:
            try:
                raise OperationalError("x") from exc
            except OperationalError as outer:
                return outer

    assert faults.classify(wrapped("40001")).retry_after == 5
    assert faults.classify(wrapped("55P03")).status == 503
    assert faults.classify(wrapped("53100")).detail == faults.STORAGE_FULL
    assert faults.classify(wrapped("23505")) is None
    assert faults.classify(ValueError("x")) is None
