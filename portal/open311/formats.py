"""GeoReport v2 bodies in JSON and XML, including its error format (wiki.open311.org/GeoReport_v2,
"Format Support" and "Errors").

JSON is the Spark-convention mapping of the XML: a list of objects at the top; in XML
`<root><item>…</item></root>` with one child element per field, None as an empty element,
booleans as true/false, and a list field as a wrapper element holding one element per value
(`<formats><format>…</format></formats>`; the names are in LIST_ITEMS). ElementTree
escapes the text; characters XML 1.0 forbids are dropped first.

Content types are the spec's, with the charset it requires: `application/json; charset=utf-8`
and `text/xml; charset=utf-8`, the XML preceded by a declaration with encoding="UTF-8".
Answers to GET carry an ETag (a hash of the body) and answer If-None-Match with 304.
"""

from __future__ import annotations

import json
from xml.etree import ElementTree

from flask import Response, current_app, request

from portal.feeds.atom import xml_safe

FORMATS = ("json", "xml")
CONTENT_TYPES = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}
XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'
LIST_ITEMS = {"attributes": "attribute", "values": "value", "endpoints": "endpoint",
              "formats": "format"}


def format_of(path: str) -> str:
    """The format an Open311 URL asks for by its extension; JSON when it names none."""
    return "xml" if path.lower().endswith(".xml") else "json"


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return xml_safe(str(value))


def _fill(element: ElementTree.Element, value) -> None:
    if isinstance(value, dict):
        for name, child in value.items():
            _fill(ElementTree.SubElement(element, name), child)
    elif isinstance(value, list):
        item = LIST_ITEMS.get(element.tag, "item")
        for child in value:
            _fill(ElementTree.SubElement(element, item), child)
    else:
        element.text = _text(value)


def to_xml(root: str, item: str | None, body: list[dict] | dict) -> bytes:
    """`<root><item>…</item>…</root>` for a list (or `<root>…</root>` for one object, as
    the discovery document), UTF-8 with the declaration."""
    tree = ElementTree.Element(root)
    if isinstance(body, dict):
        _fill(tree, body)
    else:
        for values in body:
            _fill(ElementTree.SubElement(tree, item), values)
    return (XML_DECLARATION + ElementTree.tostring(tree, encoding="unicode")).encode()


def respond(fmt: str, root: str, item: str | None, body: list[dict] | dict,
            status: int = 200) -> Response:
    """A GeoReport answer in the requested format; a GET's gets an ETag and may be 304."""
    if fmt == "xml":
        data = to_xml(root, item, body)
    else:
        data = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
    response = current_app.response_class(data, status=status)
    response.headers["Content-Type"] = CONTENT_TYPES[fmt]
    if request.method in ("GET", "HEAD") and status == 200:
        response.headers["Cache-Control"] = "no-cache"
        response.add_etag()
        response = response.make_conditional(request)
    return response


def errors(fmt: str, status: int, messages: list[str]) -> Response:
    """GeoReport's error list: one {code, description} per problem."""
    items = [{"code": status, "description": message} for message in messages]
    return respond(fmt, "errors", "error", items, status)
