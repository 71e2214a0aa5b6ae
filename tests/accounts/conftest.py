import pytest


@pytest.fixture(autouse=True)
def _plain_static(settings):
    """Pages render {% static %}: plain storage, so tests need no collectstatic manifest."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
