"""Coordinate systems used by Chinese map apps, and conversion to WGS-84.

- WGS-84 (`wgs84`): GPS; the only system stored by the platform and used in GeoJSON.
- GCJ-02 (`gcj02`, 国测局坐标, "Mars coordinates"): Amap (高德), Tencent (腾讯), Google China.
- BD-09 (`bd09`): Baidu (百度) = GCJ-02 with a further offset.

The GCJ-02 forward formula is the widely published one (krasovsky ellipsoid, the `transformlat` /
`transformlng` series); its inverse has no closed form, so `gcj02_to_wgs84` iterates the forward
formula to a fixed point (error < 1e-9 degrees, under a millimetre). Points outside China are not
offset by GCJ-02, as in the published implementations. All functions take scalars or numpy arrays.
"""

from __future__ import annotations

import numpy as np

from grassroots.core.errors import ServiceError

WGS84, GCJ02, BD09 = "wgs84", "gcj02", "bd09"
SYSTEMS = {WGS84: "WGS-84（GPS、天地图）", GCJ02: "GCJ-02（高德、腾讯）", BD09: "BD-09（百度）"}

_A = 6378245.0
_EE = 0.00669342162296594323
_X_PI = np.pi * 3000.0 / 180.0


def out_of_china(lng, lat):
    lng, lat = np.asarray(lng, dtype=float), np.asarray(lat, dtype=float)
    return (lng < 72.004) | (lng > 137.8347) | (lat < 0.8293) | (lat > 55.8271)


def _transform_lat(x, y):
    ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x))
    ret += (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    ret += (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
    ret += (160.0 * np.sin(y / 12.0 * np.pi) + 320.0 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0
    return ret


def _transform_lng(x, y):
    ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
    ret += (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    ret += (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
    ret += (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0
    return ret


def _scalar(lng, lat, out):
    if np.ndim(lng) == 0 and np.ndim(lat) == 0:
        return float(out[0]), float(out[1])
    return out


def wgs84_to_gcj02(lng, lat):
    lng, lat = np.asarray(lng, dtype=float), np.asarray(lat, dtype=float)
    dlat = _transform_lat(lng - 105.0, lat - 35.0)
    dlng = _transform_lng(lng - 105.0, lat - 35.0)
    radlat = lat / 180.0 * np.pi
    magic = 1 - _EE * np.sin(radlat) ** 2
    sqrtmagic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1 - _EE)) / (magic * sqrtmagic) * np.pi)
    dlng = (dlng * 180.0) / (_A / sqrtmagic * np.cos(radlat) * np.pi)
    outside = out_of_china(lng, lat)
    out = (np.where(outside, lng, lng + dlng), np.where(outside, lat, lat + dlat))
    return _scalar(lng, lat, out)


def gcj02_to_wgs84(lng, lat):
    """Exact inverse by fixed-point iteration of the forward formula."""
    glng, glat = np.asarray(lng, dtype=float), np.asarray(lat, dtype=float)
    wlng, wlat = glng.copy(), glat.copy()
    for _ in range(30):
        flng, flat = wgs84_to_gcj02(wlng, wlat)
        elng, elat = np.asarray(flng) - glng, np.asarray(flat) - glat
        wlng, wlat = wlng - elng, wlat - elat
        if np.max(np.abs(elng), initial=0) < 1e-10 and np.max(np.abs(elat), initial=0) < 1e-10:
            break
    return _scalar(lng, lat, (wlng, wlat))


def gcj02_to_bd09(lng, lat):
    lng, lat = np.asarray(lng, dtype=float), np.asarray(lat, dtype=float)
    z = np.sqrt(lng * lng + lat * lat) + 0.00002 * np.sin(lat * _X_PI)
    theta = np.arctan2(lat, lng) + 0.000003 * np.cos(lng * _X_PI)
    return _scalar(lng, lat, (z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006))


def bd09_to_gcj02(lng, lat):
    lng, lat = np.asarray(lng, dtype=float), np.asarray(lat, dtype=float)
    x, y = lng - 0.0065, lat - 0.006
    z = np.sqrt(x * x + y * y) - 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * _X_PI)
    return _scalar(lng, lat, (z * np.cos(theta), z * np.sin(theta)))


def bd09_to_wgs84(lng, lat):
    g = bd09_to_gcj02(lng, lat)
    return gcj02_to_wgs84(*g)


def wgs84_to_bd09(lng, lat):
    return gcj02_to_bd09(*wgs84_to_gcj02(lng, lat))


def check_system(system: str | None) -> str:
    system = (system or WGS84).strip().lower().replace("-", "")
    if system not in SYSTEMS:
        raise ServiceError(
            f"不支持的坐标系“{system}”，可选：wgs84、gcj02、bd09", field="coord_system", status=400
        )
    return system


def to_wgs84(lng, lat, system: str | None = WGS84):
    """Convert from the given system to WGS-84 (scalars or arrays)."""
    system = check_system(system)
    if system == GCJ02:
        return gcj02_to_wgs84(lng, lat)
    if system == BD09:
        return bd09_to_wgs84(lng, lat)
    if np.ndim(lng) == 0:
        return float(lng), float(lat)
    return np.asarray(lng, dtype=float), np.asarray(lat, dtype=float)


def geometry_to_wgs84(geom, system: str | None = WGS84):
    """A shapely geometry whose coordinates are in `system`, converted to WGS-84."""
    import shapely

    system = check_system(system)
    if system == WGS84:
        return geom

    def _conv(coords):
        lng, lat = to_wgs84(coords[:, 0], coords[:, 1], system)
        return np.column_stack([lng, lat])

    return shapely.transform(geom, _conv)
