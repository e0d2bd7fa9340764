"""The fast path: stored pages for cookie-less GET/HEAD, answered before Flask runs.

A visitor without any cookie is anonymous, has no pending message and no 适老化 mode, so
the only question is whether this worker (or, through the shared files, another) holds
a finished page for the path and query whose tags are all unchanged (`is_current`).
If so it is replayed with the exact headers the application gave it when it was
rendered (security headers included), fresh validators and a 304 where the client's copy
is current. Anything else — a cookie, another method,
a page not stored yet — goes to Flask, whose `serve_from_cache` hook handles the rest.

The WSGI layer also finishes what the Flask hook starts: a page stored by `store_and_mark`
gets its final headers here, and is dropped if a later hook gave it a cookie or
`no-store`.
"""

from __future__ import annotations

from werkzeug.http import parse_date, parse_etags

from portal.logs import FACTS
from portal.pagecache import version as content_version
from portal.pagecache.generation import page_expires
from portal.pagecache.store import validators
from portal.public.preferences import COOKIE as ELDERLY_COOKIE

CANDIDATE = "portal.pagecache.candidate"
# Headers recomputed for every answer, or set by the server.
_OWN = frozenset({"content-length", "date", "etag", "last-modified", "cache-control",
                  "x-accel-expires", "vary", "server", "connection", "transfer-encoding"})


def request_host(environ) -> str:
    return environ.get("HTTP_HOST") or environ.get("SERVER_NAME", "")


def page_key(environ, cookies=None) -> tuple:
    """What a stored page is filed under: scheme and host (the sitemap and feeds carry
    absolute links, so a page rendered for a forged Host must never reach anyone else),
    path, query string, 适老化 mode, and the mount point its links begin with
    (SCRIPT_NAME: a proxy's X-Forwarded-Prefix, through ProxyFix)."""
    elderly = bool(cookies) and cookies.get(ELDERLY_COOKIE) == "1"
    return (environ.get("wsgi.url_scheme", "http"), request_host(environ).lower(),
            environ.get("PATH_INFO", ""), environ.get("QUERY_STRING", ""), elderly,
            environ.get("SCRIPT_NAME", ""))


def client_copy_current(environ, etag: str, changed: int) -> bool:
    """If-None-Match wins over If-Modified-Since (RFC 9110 §13.2.2). A date is compared
    with the last change itself: every change moves it at least a second past the one
    before, and the Last-Modified we sent was never later than it, so a copy from before
    any change can never pass as current."""
    match = environ.get("HTTP_IF_NONE_MATCH")
    if match:
        return parse_etags(match).contains_weak(etag.strip('"'))
    since = environ.get("HTTP_IF_MODIFIED_SINCE")
    if not since:
        return False
    moment = parse_date(since)
    return moment is not None and changed <= moment.timestamp()


# Where cacheable pages live; only these are looked up in the shared files.
PUBLIC_PREFIXES = ("/disclosures/", "/villages/", "/consultations/", "/execution/",
                   "/catalogue/", "/feeds/", "/sitemaps/", "/search", "/inquiries/replies")


def _may_be_stored(path: str) -> bool:
    return path in ("/", "/sitemap.xml") or path.startswith(PUBLIC_PREFIXES)


def note(environ, outcome: str) -> None:
    """The request line says whether the page came from the cache ("hit") or was
    rendered where it could have ("miss")."""
    facts = environ.get(FACTS)
    if facts is not None:
        facts.cache = outcome


def is_current(store, reader, key: tuple, entry, version: int) -> bool:
    """Whether `entry` may be served at content version `version` (read just before):
    found current at that version already, or none of its tags has moved since it was
    rendered (then noted, so the next request at this version asks nothing)."""
    if entry.checked == version:
        return True
    found = reader.read_tags([tag for tag, _ in entry.tags])
    if found is None:
        return False
    versions = found[1]
    if any(versions.get(tag, 0) != seen for tag, seen in entry.tags):
        store.discard(key, entry)
        return False
    store.confirm(key, entry, version)
    return True


class CachedPages:
    def __init__(self, app, store, reader, today, shared=None,
                 trusted_hosts: list[str] | None = None, proxy_seconds: int = 0,
                 generations: bool = False) -> None:
        self.app, self.store, self.reader, self.today = app, store, reader, today
        self.proxy_seconds = proxy_seconds  # PROXY_CACHE_SECONDS
        self.generations = generations  # PROXY_CACHE_GENERATIONS
        self.shared = shared
        self.trusted_hosts = trusted_hosts

    def _host_allowed(self, environ) -> bool:
        """With TRUSTED_HOSTS set, another Host goes to Flask, which refuses it (400)."""
        from werkzeug.sansio.utils import host_is_trusted

        return self.trusted_hosts is None or host_is_trusted(request_host(environ),
                                                             self.trusted_hosts)

    def __call__(self, environ, start_response):
        if environ.get("REQUEST_METHOD") in ("GET", "HEAD") and "HTTP_COOKIE" not in environ \
                and self._host_allowed(environ):
            key = page_key(environ)
            if self.store.has_complete(key) or (
                    self.shared is not None and self.reader.ready
                    and _may_be_stored(key[2])):
                answer = self._answer(environ, key)
                if answer is not None:
                    note(environ, "hit")
                    status, headers, body = answer
                    start_response(status, headers)
                    return [] if environ["REQUEST_METHOD"] == "HEAD" else [body]
        return self.app(environ, self._finishing(environ, start_response))

    def _answer(self, environ, key):
        state = self.reader.read()
        if state is None:
            return None
        version, changed_epoch = state
        now = content_version.now_epoch()
        day = self.today.at(now)
        entry = self.store.get(key, day.iso)
        if entry is not None and entry.headers is not None \
                and not is_current(self.store, self.reader, key, entry, version):
            entry = None
        if (entry is None or entry.headers is None) and self.shared is not None:
            entry = self.shared.get(key, day.iso)  # rendered by another worker
            if entry is not None:
                self.store.put(key, day.iso, entry)
                if not is_current(self.store, self.reader, key, entry, version):
                    entry = None
        if entry is None or entry.headers is None:
            return None
        changed = max(changed_epoch, int(day.start))
        fresh = list(validators(entry.etag, min(changed, int(now)),
                                page_expires(environ, version, day, self.proxy_seconds,
                                             self.generations)).items())
        if client_copy_current(environ, entry.etag, changed):
            return "304 NOT MODIFIED", fresh, b""
        headers = [*entry.headers, *fresh, ("Content-Length", str(len(entry.body)))]
        return "200 OK", headers, entry.body

    def _finishing(self, environ, start_response):
        def finish(status, headers, exc_info=None):
            candidate = environ.get(CANDIDATE)
            if candidate is not None:
                key, day = candidate
                names = {name.lower(): value for name, value in headers}
                if "set-cookie" in names or "no-store" in names.get("cache-control", ""):
                    self.store.discard(key)
                elif status.startswith("200"):
                    entry = self.store.complete(key, day, tuple(
                        (name, value) for name, value in headers
                        if name.lower() not in _OWN))
                    if entry is not None and self.shared is not None:
                        self.shared.put(key, day, entry)
            if exc_info is None:  # the argument is optional (PEP 3333): pass it only if given
                return start_response(status, headers)
            return start_response(status, headers, exc_info)

        return finish
