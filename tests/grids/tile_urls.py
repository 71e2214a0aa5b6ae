"""Test-only URLconf: the site plus a tiny XYZ tile server (one PNG for any z/x/y) for the base map
browser test."""

from django.http import HttpResponse
from django.urls import path

from grassroots.urls import urlpatterns as site
from tests.factories import png_bytes

TILE = png_bytes(256, 256)
served: list[tuple[int, int, int]] = []


def tile(request, z: int, x: int, y: int):
    served.append((z, x, y))
    return HttpResponse(TILE, content_type="image/png")


urlpatterns = [path("test-tiles/<int:z>/<int:x>/<int:y>.png", tile), *site]
