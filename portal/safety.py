"""Small request-safety helpers shared by views."""

from urllib.parse import quote, urlsplit

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
    rather than Latin-1 mojibake."""

    SAFE = "=&%+;/?:@,$!*'()~-._"

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        query = environ.get("QUERY_STRING", "")
        if not query.isascii():
            environ["QUERY_STRING"] = quote(query.encode("latin-1"), safe=self.SAFE)
        return self.app(environ, start_response)
