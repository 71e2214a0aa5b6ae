"""Region boundaries as the maps draw them."""

from __future__ import annotations


def polygon_geometry(polygon) -> dict | None:
    """A Polygon/MultiPolygon geometry from a stored GeoJSON geometry, Feature or FeatureCollection."""
    if not isinstance(polygon, dict):
        return None
    kind = polygon.get("type")
    if kind == "Feature":
        return polygon_geometry(polygon.get("geometry"))
    if kind == "FeatureCollection":
        parts = []
        for f in polygon.get("features") or []:
            g = polygon_geometry(f)
            if g:
                parts.extend([g["coordinates"]] if g["type"] == "Polygon" else g["coordinates"])
        return {"type": "MultiPolygon", "coordinates": parts} if parts else None
    if kind in ("Polygon", "MultiPolygon") and polygon.get("coordinates"):
        return {"type": kind, "coordinates": polygon["coordinates"]}
    return None
