"""The base map under the place-finding maps (grid map, grid detail, region map, the report form's
tap-to-locate): settings → the JSON the bundled map script reads, and the tile origins the Content
Security Policy must allow (and nothing else).

Kinds: `none` (boundaries only: the offline drawing), `xyz` (an internal GIS server's
`.../{z}/{x}/{y}.png` template, optional `{s}` over subdomains) and `tianditu` (天地图 vector tiles
`vec_w` with their labels `cva_w`, Web Mercator, through the WMTS KVP interface with the city's key).
The data stays WGS-84 (CGCS2000 is the same to the metre); when the tiles are drawn in GCJ-02
(`crs=gcj02`) the script converts shapes into it when drawing and a tap back out of it
(assets/js/25-basemap.js mirrors grids.coords).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings

KINDS = ("none", "xyz", "tianditu")
CRS = ("wgs84", "gcj02")
OFFLINE_NOTE = "离线底图不可用，仅显示边界"
TIANDITU_SUBDOMAINS = "01234567"
TIANDITU_ATTRIBUTION = "天地图"
_TIANDITU = (
    "https://t{s}.tianditu.gov.cn/%(layer)s_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0"
    "&LAYER=%(layer)s&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}"
    "&tk=%(key)s"
)


def _split(value: str) -> list[str]:
    """ "abc" → [a, b, c]; "t1,t2" → [t1, t2]."""
    value = value.strip()
    return [s.strip() for s in value.split(",") if s.strip()] if "," in value else list(value)


def _layers() -> list[dict]:
    kind = getattr(settings, "MAP_TILE_KIND", "none")
    if kind == "tianditu":
        key = getattr(settings, "MAP_TIANDITU_KEY", "")
        if not key:
            return []
        return [
            {"url": _TIANDITU % {"layer": layer, "key": key}, "subdomains": list(TIANDITU_SUBDOMAINS)}
            for layer in ("vec", "cva")
        ]
    if kind == "xyz":
        url = getattr(settings, "MAP_TILE_URL", "")
        if not url or not all(p in url for p in ("{z}", "{x}", "{y}")):
            return []
        if urlsplit(url).scheme not in ("http", "https"):
            return []
        subdomains = _split(getattr(settings, "MAP_TILE_SUBDOMAINS", "")) if "{s}" in url else []
        if "{s}" in url and not subdomains:
            return []
        return [{"url": url, "subdomains": subdomains}]
    return []


def map_config() -> dict:
    """What the map script needs: the tile layers (empty = boundaries only), attribution, zoom, the
    tiles' coordinate system and the note shown when there is no base map."""
    layers = _layers()
    kind = getattr(settings, "MAP_TILE_KIND", "none") if layers else "none"
    attribution = getattr(settings, "MAP_ATTRIBUTION", "") or (
        TIANDITU_ATTRIBUTION if kind == "tianditu" else ""
    )
    crs = getattr(settings, "MAP_TILE_CRS", "wgs84")
    return {
        "kind": kind,
        "layers": layers,
        "attribution": attribution if layers else "",
        "maxZoom": max(1, min(22, int(getattr(settings, "MAP_MAX_ZOOM", 18)))),
        "crs": crs if crs in CRS and layers else "wgs84",
        "offlineNote": OFFLINE_NOTE,
        "errorLimit": 4,
    }


def tile_origins() -> list[str]:
    """Every scheme://host[:port] a configured tile URL can load from ({s} expanded)."""
    out = []
    for layer in _layers():
        subs = layer["subdomains"] if "{s}" in layer["url"] else [""]
        for s in subs:
            parts = urlsplit(layer["url"].replace("{s}", s))
            origin = f"{parts.scheme}://{parts.netloc}"
            if origin not in out:
                out.append(origin)
    return out
