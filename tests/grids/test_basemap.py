"""Base map settings → the JSON the map script reads (json_script "basemap-config") and the CSP
img-src (the tile origins, nothing else); the GCJ-02 conversion used at the drawing edge."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from django.urls import reverse

from grassroots.grids import coords
from grassroots.grids.basemap import map_config, tile_origins

pytestmark = pytest.mark.django_db


def _config(html: str) -> dict:
    m = re.search(r'<script id="basemap-config" type="application/json">(.*?)</script>', html, re.S)
    assert m, "the base map settings are on the page"
    return json.loads(m.group(1))


def _img_src(resp) -> list[str]:
    csp = resp.headers["Content-Security-Policy"]
    return next(d for d in csp.split(";") if d.strip().startswith("img-src")).split()[1:]


def test_no_source_means_boundaries_only(settings, geo_city, client_for, make_user):
    settings.MAP_TILE_KIND = "none"
    user = make_user("bm_none", "community_admin", geo_city.communities[0])
    resp = client_for(user).get(reverse("grids:map"))
    cfg = _config(resp.content.decode())
    assert cfg["layers"] == [] and cfg["kind"] == "none"
    assert cfg["offlineNote"] == "离线底图不可用，仅显示边界"
    assert _img_src(resp) == ["'self'", "data:", "blob:"]


def test_xyz_source_reaches_the_page_and_only_its_origins_the_csp(settings, geo_city, client_for, make_user):
    settings.MAP_TILE_KIND = "xyz"
    settings.MAP_TILE_URL = "https://gis{s}.city.gov.cn:8443/tiles/{z}/{x}/{y}.png"
    settings.MAP_TILE_SUBDOMAINS = "12"
    settings.MAP_ATTRIBUTION = "市自然资源和规划局"
    settings.MAP_MAX_ZOOM = 19
    user = make_user("bm_xyz", "community_admin", geo_city.communities[0])
    c = client_for(user)
    for url in (reverse("grids:map"), reverse("cases:intake"), reverse("cases:report")):
        resp = c.get(url)
        cfg = _config(resp.content.decode())
        assert cfg["layers"] == [
            {"url": "https://gis{s}.city.gov.cn:8443/tiles/{z}/{x}/{y}.png", "subdomains": ["1", "2"]}
        ], url
        assert cfg["attribution"] == "市自然资源和规划局" and cfg["maxZoom"] == 19 and cfg["crs"] == "wgs84"
        assert _img_src(resp) == [
            "'self'",
            "data:",
            "blob:",
            "https://gis1.city.gov.cn:8443",
            "https://gis2.city.gov.cn:8443",
        ]


def test_tianditu_uses_vec_and_cva_with_the_key(settings):
    settings.MAP_TILE_KIND = "tianditu"
    settings.MAP_TIANDITU_KEY = "abc123"
    cfg = map_config()
    assert [re.search(r"LAYER=(\w+)", layer["url"]).group(1) for layer in cfg["layers"]] == ["vec", "cva"]
    assert all(
        "/vec_w/" in cfg["layers"][0]["url"] and "tk=abc123" in layer["url"] for layer in cfg["layers"]
    )
    assert all("TILEMATRIX={z}&TILEROW={y}&TILECOL={x}" in layer["url"] for layer in cfg["layers"])
    assert cfg["attribution"] == "天地图"
    assert tile_origins() == [f"https://t{i}.tianditu.gov.cn" for i in range(8)]
    settings.MAP_TIANDITU_KEY = ""  # no key: no tiles (and nothing allowed in the CSP)
    assert map_config()["layers"] == [] and tile_origins() == []


@pytest.mark.parametrize(
    "url",
    [
        "https://gis.example.cn/tiles/{z}/{x}.png",  # no {y}
        "javascript:alert(1)/{z}/{x}/{y}",
        "https://gis{s}.example.cn/{z}/{x}/{y}.png",  # {s} without subdomains
    ],
)
def test_unusable_xyz_template_falls_back_to_boundaries(settings, url):
    settings.MAP_TILE_KIND = "xyz"
    settings.MAP_TILE_URL = url
    settings.MAP_TILE_SUBDOMAINS = ""
    assert map_config()["layers"] == [] and tile_origins() == []


def test_gcj02_tiles_are_declared_and_unknown_crs_is_wgs84(settings):
    settings.MAP_TILE_KIND = "xyz"
    settings.MAP_TILE_URL = "https://gis.example.cn/{z}/{x}/{y}.png"
    settings.MAP_TILE_CRS = "gcj02"
    assert map_config()["crs"] == "gcj02"
    settings.MAP_TILE_CRS = "bd09"
    assert map_config()["crs"] == "wgs84"


def test_gcj02_round_trip_is_below_a_millimetre_and_the_offset_is_real():
    rng = np.random.default_rng(7)
    lng = rng.uniform(73.5, 134.7, 500)
    lat = rng.uniform(18.2, 53.5, 500)
    glng, glat = coords.wgs84_to_gcj02(lng, lat)
    offset = np.hypot(np.asarray(glng) - lng, np.asarray(glat) - lat)
    assert offset.min() > 1e-4  # GCJ-02 moves every point in China by tens to hundreds of metres
    wlng, wlat = coords.gcj02_to_wgs84(glng, glat)
    assert np.max(np.abs(np.asarray(wlng) - lng)) < 1e-8 and np.max(np.abs(np.asarray(wlat) - lat)) < 1e-8
    # Qingdao: shifted by some hundreds of metres, not by kilometres
    g = coords.wgs84_to_gcj02(120.38, 36.07)
    assert 1e-3 < abs(g[0] - 120.38) + abs(g[1] - 36.07) < 2e-2
