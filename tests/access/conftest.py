import pytest
from django.db import transaction
from django.test.utils import override_settings


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """One city and one user per subject for the whole module, rolled back at the end."""
    from tests.access.world import build_world

    plain = override_settings(
        STORAGES={
            "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        }
    )
    plain.enable()
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield build_world()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
    plain.disable()


@pytest.fixture
def w(world, db):
    """The module's world; tests using it are marked django_db, so their writes are rolled back."""
    return world
