"""Rendered public pages, cached per worker and revalidated by every client and proxy.

What is cached: anonymous GET/HEAD requests of the endpoints in `CACHED_ENDPOINTS`, when
the rendered response is a plain 200 that carries no CSRF token, consumed no flash
message and sets no cookie. The key is path + query string + the 适老化 cookie
(`portal.public.preferences.COOKIE`), since the page differs with it.

Invalidation across gunicorn workers: each worker keeps its own entries, tagged with the
content version (`portal.pagecache.version`) they were rendered under; every request
reads the current version (one primary-key SELECT) and a worker drops all its entries the
moment the version moves. The version is bumped in the same transaction as every
publish, withdraw or edit of anything public, so no worker serves a withdrawn document
once the withdrawal has committed. Entries also lapse at local midnight, because some
pages depend on the date (公示期, open consultations).

HTTP caching policy (the headers on every page this module handles):
- `ETag` is a hash of the body; `Last-Modified` is the last public change, or local
  midnight if later (date-dependent pages). `If-None-Match` (preferred) or
  `If-Modified-Since` that still match are answered 304 without rendering.
- `Cache-Control: public, no-cache`: a reverse proxy (nginx `proxy_cache` with
  `proxy_cache_revalidate on`) and browsers may keep a copy but must revalidate it with
  us before every reuse. A withdrawn document then answers 404, never a stale 304, so no
  cache in front of us can show it. No `max-age`, no `stale-*` directives, for that reason.
- `Vary: Cookie`: signed-in staff, and the 适老化 mode, see different pages. A proxy
  should also bypass its cache when the session cookie is present.
Signed-in users' responses are never touched here, so a `Cache-Control: no-store` set by
other code for them (or for any response) is never overridden.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime

from flask import Flask, current_app, g, request, session
from flask_login import current_user

from portal.pagecache import version as content_version
from portal.pagecache.version import VersionReader, install
from portal.public.preferences import COOKIE as ELDERLY_COOKIE
from portal.timeutil import LOCAL_TZ

CACHED_ENDPOINTS = frozenset({
    "public.home",
    "disclosures.listing", "disclosures.detail",
    "villages.index", "villages.board", "villages.notice", "villages.poster", "villages.feed",
    # Not consultations.detail: its comment form carries a per-visit submission token.
    "consultations.listing", "consultations.feed",
    "execution.listing", "execution.detail",
    "catalogue.listing", "catalogue.entry", "catalogue.guide",
    "feeds.index", "feeds.all_disclosures", "feeds.category", "feeds.organization",
    "feeds.sitemap",
    "search.results", "inquiries.replies",
})
CACHE_CONTROL = "public, no-cache"
MAX_ENTRIES = 4000
MAX_BYTES = 48 * 1024 * 1024  # per worker
_STATE = "_page_cache"


@dataclass(frozen=True)
class Entry:
    body: bytes
    content_type: str
    etag: str


class PageStore:
    """One worker's entries for one content version and one local day; LRU-bounded."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: OrderedDict[tuple, Entry] = OrderedDict()
        self._tag: tuple[int, str] | None = None
        self._bytes = 0

    def get(self, key: tuple, tag: tuple[int, str]) -> Entry | None:
        with self._lock:
            if tag != self._tag:
                return None
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
            return entry

    def put(self, key: tuple, tag: tuple[int, str], entry: Entry) -> None:
        with self._lock:
            if tag != self._tag:
                if self._tag is not None and tag < self._tag:
                    return  # rendered under an older version than the one held now
                self._entries.clear()
                self._bytes, self._tag = 0, tag
            old = self._entries.pop(key, None)
            self._bytes += len(entry.body) - (len(old.body) if old else 0)
            self._entries[key] = entry
            while self._entries and (len(self._entries) > MAX_ENTRIES
                                     or self._bytes > MAX_BYTES):
                _, dropped = self._entries.popitem(last=False)
                self._bytes -= len(dropped.body)

    def __len__(self) -> int:
        return len(self._entries)


@dataclass(frozen=True)
class _Request:
    key: tuple
    tag: tuple[int, str]
    changed: datetime  # the last public change, or local midnight if later

    @property
    def last_modified(self) -> datetime:
        """What we send: never later than now (RFC 9110 §8.8.2.1), even when a burst of
        changes has pushed `changed` a few seconds ahead."""
        return min(self.changed, datetime.fromtimestamp(int(content_version.now_epoch()), UTC))


def init_app(app: Flask) -> None:
    """Bump the content version with public changes; serve and store public pages.
    Register after the access policy, so a cached page is served only where it allows."""
    from portal.extensions import db

    install(db.session)
    app.extensions["pagecache"] = (PageStore(), VersionReader(lambda: db.engine))
    app.before_request(serve_from_cache)
    app.after_request(store_and_mark)


def _store() -> PageStore:
    return current_app.extensions["pagecache"][0]


def _eligible() -> bool:
    if request.method not in ("GET", "HEAD") or request.endpoint not in CACHED_ENDPOINTS:
        return False
    if current_user.is_authenticated:
        return False
    return "_flashes" not in session  # a pending message must be rendered, then consumed


def _changed(changed_epoch: int, now: datetime) -> datetime:
    midnight = now.astimezone(LOCAL_TZ).replace(hour=0, minute=0, second=0, microsecond=0)
    return max(datetime.fromtimestamp(changed_epoch, UTC), midnight.astimezone(UTC))


def serve_from_cache():
    """before_request: answer 304 or the stored page when the current version has one."""
    if not _eligible():
        return None
    state = current_app.extensions["pagecache"][1].read()
    if state is None:
        return None
    now = datetime.fromtimestamp(content_version.now_epoch(), UTC)
    version, changed_epoch = state
    day = now.astimezone(LOCAL_TZ).date().isoformat()
    key = (request.path, request.query_string, request.cookies.get(ELDERLY_COOKIE) == "1")
    setattr(g, _STATE, _Request(key, (version, day), _changed(changed_epoch, now)))
    entry = _store().get(key, (version, day))
    if entry is None:
        return None
    g.page_cache_hit = True
    return _answer(current_app.response_class(entry.body, content_type=entry.content_type),
                   entry.etag, g.get(_STATE))


def store_and_mark(response):
    """after_request: keep a cacheable page and give it its validators and policy."""
    state: _Request | None = g.pop(_STATE, None)
    if state is None or g.pop("page_cache_hit", False):
        return response
    if not _storable(response):
        return response
    body = response.get_data()
    entry = Entry(body, response.content_type,
                  '"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"')
    _store().put(state.key, state.tag, entry)
    return _answer(response, entry.etag, state)


def _storable(response) -> bool:
    return (response.status_code == 200 and not response.direct_passthrough
            and not response.is_streamed and "Set-Cookie" not in response.headers
            and not session.modified
            and current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token") not in g
            and "no-store" not in (response.headers.get("Cache-Control") or ""))


def _answer(response, etag: str, state: _Request):
    """Set the validators and the policy; turn the response into 304 when the client's
    copy is current (If-None-Match wins over If-Modified-Since, RFC 9110 §13.2.2)."""
    response.headers["ETag"] = etag
    response.last_modified = state.last_modified
    if "no-store" not in (response.headers.get("Cache-Control") or ""):
        response.headers["Cache-Control"] = CACHE_CONTROL
    response.vary.add("Cookie")
    if _client_copy_current(etag, state.changed):
        response.status_code = 304
        response.set_data(b"")
        response.headers.pop("Content-Type", None)
    return response


def _client_copy_current(etag: str, changed: datetime) -> bool:
    """A date is compared with the last change itself: every change moves it at least a
    second past the one before, and the Last-Modified we sent was never later than it,
    so a copy from before any change can never pass as current."""
    if request.if_none_match:
        return request.if_none_match.contains_weak(etag.strip('"'))
    since = request.if_modified_since
    return since is not None and changed <= since
