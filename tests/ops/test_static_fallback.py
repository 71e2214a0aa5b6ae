"""A fresh GRASSROOTS_VAR without collectstatic: pages still render and static files are served."""

from __future__ import annotations

import logging

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.fixture
def no_manifest(settings, tmp_path):
    settings.STATIC_ROOT = tmp_path / "static"  # empty: collectstatic never ran
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "grassroots.core.staticstorage.StaticStorage"},
    }
    settings.WHITENOISE_USE_FINDERS = True
    yield
    from django.core.files.storage import storages

    storages._storages.pop("staticfiles", None)


def test_pages_render_without_manifest_and_log_a_warning(no_manifest, caplog):
    with caplog.at_level(logging.WARNING, logger="grassroots.static"):
        response = Client(raise_request_exception=False).get("/accounts/login/")
    assert response.status_code == 200
    assert '/static/dist/app.css"' in response.content.decode()
    assert any("collectstatic" in r.getMessage() for r in caplog.records)


def test_static_file_is_served_from_app_folder(no_manifest):
    response = Client().get("/static/dist/app.css")
    assert response.status_code == 200
    assert b"".join(response.streaming_content if response.streaming else [response.content])


def test_manifest_is_used_when_present(settings, tmp_path):
    from grassroots.core.staticstorage import StaticStorage

    root = tmp_path / "static"
    (root / "dist").mkdir(parents=True)
    (root / "dist" / "x.css").write_text("body{}")
    (root / "staticfiles.json").write_text(
        '{"paths": {"dist/x.css": "dist/x.abc123.css"}, "version": "1.1", "hash": "h"}'
    )
    storage = StaticStorage(location=str(root))
    assert not storage.manifest_missing
    assert storage.url("dist/x.css").endswith("dist/x.abc123.css")
    # Without a manifest the plain name comes back instead of an error.
    empty = StaticStorage(location=str(tmp_path / "empty"))
    assert empty.manifest_missing and empty.url("dist/x.css").endswith("dist/x.css")
