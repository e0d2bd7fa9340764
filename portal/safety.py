"""Small request-safety helpers shared by views."""

from urllib.parse import parse_qsl, quote, urlsplit

from flask import Request
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


class LenientFormDataParser(FormDataParser):
    """A url-encoded body with bytes that are not UTF-8, raw or %-escaped (browsers never
    send one, broken clients do), keeps its fields: each such byte reads as U+FFFD, which
    the field checks refuse with a message, instead of Werkzeug dropping the whole form
    (raw bytes) or keeping "%FF" as if typed (escaped bytes, which then cannot be told
    from a pasted link's "%E4%BD%A0"). Raw UTF-8 (curl --data-raw) reads as typed, and so
    do multipart bodies, whose parser already reads such bytes as U+FFFD."""

    def _parse_urlencoded(self, stream, mimetype, content_length, options):
        # Quoting changes nothing that parse_qsl would read differently, but leaves
        # only ASCII, so decoding the body can no longer fail.
        body = stream.read()
        stream.read(1)  # past the body limit, the limited stream refuses (413), not truncates
        text = quote(body, safe=PercentEncodeQuery.SAFE)
        items = parse_qsl(text, keep_blank_values=True, errors="replace")
        return stream, self.cls(items), self.cls()


class PortalRequest(Request):
    form_data_parser_class = LenientFormDataParser

    def _get_file_stream(self, *args, **kwargs):
        from portal.bodylimit import check_file_part

        check_file_part(self.endpoint)
        return super()._get_file_stream(*args, **kwargs)
