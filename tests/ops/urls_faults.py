"""The real URLs plus views that fail on purpose (the error handlers come along with the star import)."""

import errno
import sqlite3

from django.db import OperationalError
from django.urls import path

from grassroots.urls import *  # noqa: F403
from grassroots.urls import urlpatterns as _real


def boom(request):
    raise RuntimeError("boom")


def disk_full(request):
    raise OSError(errno.ENOSPC, "No space left on device")


def locked(request):
    try:
        raise sqlite3.OperationalError("database is locked")
    except sqlite3.OperationalError as exc:
        raise OperationalError("database is locked") from exc


urlpatterns = [
    path("boom/", boom),
    path("api/boom/", boom),
    path("disk-full/", disk_full),
    path("api/disk-full/", disk_full),
    path("locked/", locked),
    *_real,
]
