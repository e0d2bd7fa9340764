"""Small request-safety helpers shared by views."""

import binascii
import re
from urllib.parse import quote, urlsplit

from flask import Request
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.formparser import FormDataParser
from werkzeug.routing import IntegerConverter

from portal.validation import DATABASE_INT_MAX


def safe_next_url(target: str | None, fallback: str) -> str:
    """Only same-site absolute paths ("/staff/…"); anything with a scheme, a host, a
    backslash or a protocol-relative prefix falls back."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return fallback
    return target


class DatabaseIntConverter(IntegerConverter):
    """`<int:…>` in every route: a number above what a database integer column holds
    matches no route (404) instead of overflowing the database driver (a 500)."""

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", DATABASE_INT_MAX)
        super().__init__(url_map, *args, **kwargs)


class PercentEncodeQuery:
    """WSGI middleware: a query string sent with raw UTF-8 bytes (some command-line tools
    and old phones do) is percent-encoded before Flask parses it, so "q=低保" means 低保
    rather than Latin-1 mojibake. Control characters are left for the views to judge: a
    NUL in a filter is a mistake in the link, answered with 400 (the API says which);
    nothing unchecked reaches a query (the bad-input corpus runs on PostgreSQL, which
    refuses NUL in text)."""

    SAFE = "=&%+;/?:@,$!*'()~-._"

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        query = environ.get("QUERY_STRING", "")
        if not query.isascii():
            environ["QUERY_STRING"] = quote(query.encode("latin-1"), safe=self.SAFE)
        return self.app(environ, start_response)


# A run of %XX escapes, decoded in one step: a Chinese word is one run, not nine bytes.
_ESCAPED_RUN = re.compile(rb"(?:%[0-9A-Fa-f]{2})+")


def _unescape_run(run: re.Match) -> bytes:
    return binascii.unhexlify(run.group().replace(b"%", b""))


def _form_text(raw: bytes) -> str:
    """A name or value of a url-encoded body: "+" is a space, %XX escapes are bytes, and
    the bytes, escaped or raw, read as UTF-8 with U+FFFD for whatever is not."""
    if b"+" in raw:
        raw = raw.replace(b"+", b" ")
    if b"%" in raw:
        raw = _ESCAPED_RUN.sub(_unescape_run, raw)
    return raw.decode("utf-8", "replace")


class LenientFormDataParser(FormDataParser):
    """A url-encoded body with bytes that are not UTF-8, raw or %-escaped (browsers never
    send one, broken clients do), keeps its fields: each such byte reads as U+FFFD, which
    the field checks refuse with a message, instead of Werkzeug dropping the whole form
    (raw bytes) or keeping "%FF" as if typed (escaped bytes, which then cannot be told
    from a pasted link's "%E4%BD%A0"). Raw UTF-8 (curl --data-raw) reads as typed, and so
    do multipart bodies, whose parser already reads such bytes as U+FFFD.

    The body is split once and each field decoded once, in C: the work grows with the
    body, never faster (tests/test_form_parsing.py), and a body holds at most
    `max_form_parts` fields (MAX_FORM_PARTS, as multipart bodies do)."""

    def _parse_urlencoded(self, stream, mimetype, content_length, options):
        body = stream.read()
        if content_length is None:
            # A chunked body stops at the body limit; reading on is refused (413), so the
            # form is never parsed cut short. A declared length was checked beforehand.
            stream.read(1)
        pairs = [pair for pair in body.split(b"&") if pair]
        if self.max_form_parts is not None and len(pairs) > self.max_form_parts:
            raise RequestEntityTooLarge()
        items = [(_form_text(name), _form_text(value))
                 for name, _, value in (pair.partition(b"=") for pair in pairs)]
        return stream, self.cls(items), self.cls()


class PortalRequest(Request):
    form_data_parser_class = LenientFormDataParser

    def _get_file_stream(self, *args, **kwargs):
        from portal.bodylimit import check_file_part

        check_file_part(self.endpoint)
        return super()._get_file_stream(*args, **kwargs)
