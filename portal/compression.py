"""gzip for text responses, so a portal run without nginx in front (a small town's
single server, `make run`) still sends pages compressed to the old phones that read them.

Rules: only when the client accepts gzip (RFC 9110 §12.5.3, q=0 refuses); only text
types (HTML, CSS, JavaScript, JSON, XML, Atom, SVG, CSV, plain text); only a complete
body of known length between MIN_SIZE and MAX_SIZE (a stream or a large export passes
through untouched, so nothing is held in memory); never for HEAD, 204, 206 or 304, or a
body already encoded. The answer says `Vary: Accept-Encoding`, and a strong ETag gets a
"-gzip" suffix so the two representations are never confused; a conditional request
carrying the suffixed tag is answered as if it carried the plain one.

Behind the documented nginx the app never compresses: nginx removes Accept-Encoding
from the requests it passes on, caches one identity copy and compresses itself.
Brotli is left out: gzip is what every browser and client accepts, and the bodies are
small enough that the difference is a few hundred bytes.
"""

from __future__ import annotations

import gzip
import re

MIN_SIZE = 1024
MAX_SIZE = 8 * 1024 * 1024
LEVEL = 6
SUFFIX = "-gzip"
TEXT_TYPES = re.compile(r"^(text/|application/(json|xml|atom\+xml|rss\+xml|javascript|"
                        r"problem\+json|geo\+json|schema\+json)|image/svg\+xml)", re.I)
_TOKEN = re.compile(r"\s*([a-z*]+)\s*(?:;\s*q\s*=\s*([0-9.]+))?\s*", re.I)


def accepts_gzip(header: str) -> bool:
    """Whether an Accept-Encoding header admits gzip (explicitly, or by `*`)."""
    chosen: dict[str, float] = {}
    for part in (header or "").split(","):
        match = _TOKEN.fullmatch(part)
        if not match:
            continue
        try:
            quality = float(match.group(2)) if match.group(2) else 1.0
        except ValueError:
            continue
        chosen[match.group(1).lower()] = quality
    if "gzip" in chosen:
        return chosen["gzip"] > 0
    return chosen.get("*", 0) > 0


class Compress:
    """WSGI middleware applying the rules above."""

    def __init__(self, app) -> None:
        self.app = app

    def __call__(self, environ, start_response):
        if environ.get("REQUEST_METHOD") == "HEAD" or \
                not accepts_gzip(environ.get("HTTP_ACCEPT_ENCODING", "")):
            return self.app(environ, start_response)
        if SUFFIX in environ.get("HTTP_IF_NONE_MATCH", ""):
            environ["HTTP_IF_NONE_MATCH"] = environ["HTTP_IF_NONE_MATCH"].replace(
                SUFFIX + '"', '"')
        captured: dict = {}

        def capture(status, headers, exc_info=None):
            if exc_info is not None and captured.get("sent"):
                raise exc_info[1].with_traceback(exc_info[2])
            captured.update(status=status, headers=headers)
            return lambda data: captured.setdefault("written", []).append(data)

        body = self.app(environ, capture)
        status, headers = captured["status"], captured["headers"]
        if captured.get("written") or not _compressible(status, headers):
            return _passthrough(start_response, status, headers, captured, body)
        try:
            raw = b"".join(body)
        finally:
            if hasattr(body, "close"):
                body.close()
        packed = gzip.compress(raw, compresslevel=LEVEL, mtime=0)
        start_response(status, _headers_for(headers, len(packed)))
        return [packed]


def _passthrough(start_response, status, headers, captured, body):
    write = start_response(status, headers)
    for data in captured.get("written", ()):
        write(data)
    return body


def _compressible(status: str, headers: list[tuple[str, str]]) -> bool:
    code = int(status.split(" ", 1)[0])
    if code < 200 or code in (204, 206, 304):
        return False
    found = {name.lower(): value for name, value in headers}
    if "content-encoding" in found or not TEXT_TYPES.match(found.get("content-type", "")):
        return False
    length = found.get("content-length", "")
    return length.isdigit() and MIN_SIZE <= int(length) <= MAX_SIZE


def _headers_for(headers: list[tuple[str, str]], length: int) -> list[tuple[str, str]]:
    out, vary = [], []
    for name, value in headers:
        lower = name.lower()
        if lower == "content-length":
            continue
        if lower == "vary":
            vary.append(value)
            continue
        if lower == "etag" and value.startswith('"') and value.endswith('"'):
            value = value[:-1] + SUFFIX + '"'
        out.append((name, value))
    if not any("accept-encoding" in v.lower() for v in vary):
        vary.append("Accept-Encoding")
    out += [("Vary", ", ".join(vary)), ("Content-Encoding", "gzip"),
            ("Content-Length", str(length))]
    return out
