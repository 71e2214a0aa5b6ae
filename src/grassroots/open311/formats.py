"""Rendering GeoReport v2 payloads as JSON or XML, and its error shape.

JSON is the payload as is. XML follows the spec's element names: a list is rendered as
<root><item>...</item></root> with the element names given by the caller (services/service,
service_requests/request, ...); nested lists (attributes/values, discovery endpoints/formats) take
their names from LIST_ITEMS. None becomes an empty element, booleans "true"/"false".
"""

from __future__ import annotations

import json
from xml.etree import ElementTree as ET

from django.http import HttpResponse

# Element names of the items of nested lists, by the list's own element name.
LIST_ITEMS = {
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
    "keywords": "keyword",
}
CONTENT_TYPES = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _fill(element: ET.Element, value) -> None:
    if isinstance(value, dict):
        for key, sub in value.items():
            child = ET.SubElement(element, key)
            _fill(child, sub)
    elif isinstance(value, list):
        item_name = LIST_ITEMS.get(element.tag, "item")
        for sub in value:
            _fill(ET.SubElement(element, item_name), sub)
    else:
        element.text = _text(value)


def to_xml(payload, root: str, item: str | None = None) -> bytes:
    element = ET.Element(root)
    if isinstance(payload, list):
        for entry in payload:
            _fill(ET.SubElement(element, item or "item"), entry)
    else:
        _fill(element, payload)
    return b'<?xml version="1.0" encoding="utf-8"?>' + ET.tostring(element, encoding="utf-8")


def render(payload, fmt: str, *, root: str, item: str | None = None, status: int = 200) -> HttpResponse:
    body = to_xml(payload, root, item) if fmt == "xml" else json.dumps(payload, ensure_ascii=False).encode()
    return HttpResponse(body, status=status, content_type=CONTENT_TYPES[fmt])


def error(fmt: str, status: int, description: str) -> HttpResponse:
    """The spec's error list: [{"code": 400, "description": "..."}] / <errors><error>...</error></errors>."""
    return render(
        [{"code": status, "description": description}], fmt, root="errors", item="error", status=status
    )
