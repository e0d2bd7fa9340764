"""GeoReport v2 bodies in JSON and XML, including its error format.

JSON is a list of objects; XML is `<root><item>…</item></root>` with one child element per
field (None as an empty element, booleans as true/false). ElementTree escapes the text;
characters XML 1.0 forbids are dropped first.
"""

from __future__ import annotations

import json
from xml.etree import ElementTree

from flask import Response, current_app

from portal.feeds.atom import xml_safe

FORMATS = ("json", "xml")
MIMETYPES = {"json": "application/json", "xml": "text/xml"}


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return xml_safe(str(value))


def to_xml(root: str, item: str, items: list[dict]) -> bytes:
    """`<root><item><field>value</field>…</item>…</root>` as UTF-8 with a declaration."""
    tree = ElementTree.Element(root)
    for values in items:
        element = ElementTree.SubElement(tree, item)
        for name, value in values.items():
            ElementTree.SubElement(element, name).text = _text(value)
    return ElementTree.tostring(tree, encoding="utf-8", xml_declaration=True)


def respond(fmt: str, root: str, item: str, items: list[dict], status: int = 200) -> Response:
    """A GeoReport answer in the requested format."""
    if fmt == "xml":
        body = to_xml(root, item, items)
    else:
        body = json.dumps(items, ensure_ascii=False, separators=(",", ":")).encode()
    return current_app.response_class(body, status=status, mimetype=MIMETYPES[fmt])


def errors(fmt: str, status: int, messages: list[str]) -> Response:
    """GeoReport's error list: one {code, description} per problem."""
    items = [{"code": status, "description": message} for message in messages]
    return respond(fmt, "errors", "error", items, status)
