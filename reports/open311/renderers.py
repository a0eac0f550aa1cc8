"""Open311 GeoReport v2 output formats: JSON and XML, and the spec's error format.

Views hand the renderers plain Python data (dicts, lists, scalars). XML is built with
xml.etree: a list becomes the view's root element (e.g. <service_requests>) holding one item
element per entry (e.g. <request>); nested lists use the singular of their key
(<attributes><attribute>…). Errors are rendered as <errors><error><code/><description/></error>.
"""

import datetime as dt
import xml.etree.ElementTree as ET

from rest_framework import exceptions
from rest_framework.negotiation import BaseContentNegotiation, DefaultContentNegotiation
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.views import exception_handler as drf_exception_handler

from reports.text import strip_xml_forbidden

XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'
# Child element names for lists nested inside an item.
XML_LIST_ITEMS = {
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
    "errors": "error",
    "service_requests": "request",
    "services": "service",
}


def _text(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.isoformat()
    # Text stored before input stripped these characters (or from other tables) must not break XML.
    return strip_xml_forbidden(str(value))


def _append(parent: ET.Element, tag: str, value) -> None:
    element = ET.SubElement(parent, tag)
    if value is None:
        return
    if isinstance(value, dict):
        for key, child in value.items():
            _append(element, key, child)
    elif isinstance(value, list | tuple):
        item_tag = XML_LIST_ITEMS.get(tag, "item")
        for child in value:
            _append(element, item_tag, child)
    else:
        element.text = _text(value)


def to_xml(data, *, root: str, item: str | None = None) -> bytes:
    """Serialise `data` as a UTF-8 XML document under `root`; a list puts each entry in an `item` element."""
    element = ET.Element(root)
    if isinstance(data, list | tuple):
        for entry in data:
            _append(element, item or XML_LIST_ITEMS.get(root, "item"), entry)
    elif isinstance(data, dict):
        for key, value in data.items():
            _append(element, key, value)
    else:
        element.text = _text(data)
    # The spec asks for the declaration with encoding="UTF-8" (ElementTree would write 'utf-8').
    return XML_DECLARATION + ET.tostring(element, encoding="unicode").encode("utf-8")


class Open311JSONRenderer(JSONRenderer):
    """application/json with non-ASCII text kept as UTF-8 (the spec requires UTF-8 everywhere)."""

    format = "json"
    ensure_ascii = False
    charset = "utf-8"


class Open311XMLRenderer(BaseRenderer):
    """text/xml in the element names of GeoReport v2; the view names the root and item elements."""

    media_type = "text/xml"
    format = "xml"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        renderer_context = renderer_context or {}
        response = renderer_context.get("response")
        view = renderer_context.get("view")
        if response is not None and response.status_code >= 400:
            return to_xml(data, root="errors", item="error")
        root = getattr(view, "xml_root", "response")
        item = getattr(view, "xml_item", None)
        return to_xml(data, root=root, item=item)


class SuffixNegotiation(BaseContentNegotiation):
    """The URL suffix alone picks the format (.json or .xml), whatever the Accept header says.

    GeoReport v2 defines the format by the suffix; clients send all sorts of Accept headers (a
    browser's text/html, a library's application/json on a .xml URL) and must not get 406.
    Without a suffix (an unknown path) the answer is JSON.
    """

    def select_parser(self, request, parsers):
        return DefaultContentNegotiation().select_parser(request, parsers)

    def select_renderer(self, request, renderers, format_suffix=None):
        wanted = format_suffix or "json"
        for renderer in renderers:
            if renderer.format == wanted:
                return renderer, renderer.media_type
        renderer = renderers[0]
        return renderer, renderer.media_type


def _messages(detail, prefix: str = "") -> list[str]:
    """Flatten DRF error details (dicts by field, lists, strings) into 'campo: mensaje' lines."""
    if isinstance(detail, dict):
        lines = []
        for key, value in detail.items():
            label = "" if key in ("detail", "non_field_errors") else f"{key}"
            lines.extend(_messages(value, f"{prefix}{label}: " if label else prefix))
        return lines
    if isinstance(detail, list | tuple):
        return [line for value in detail for line in _messages(value, prefix)]
    return [f"{prefix}{detail}"]


def open311_exception_handler(exc, context):
    """DRF's handler, then the body rewritten as the spec's error list [{code, description}, …]."""
    if isinstance(exc, exceptions.NotAuthenticated):
        # No authenticators on Open311 views: a refused key is a 403, as the spec shows.
        exc = exceptions.PermissionDenied(exc.detail)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    code = response.status_code
    response.data = [{"code": code, "description": line} for line in _messages(response.data)]
    return response
