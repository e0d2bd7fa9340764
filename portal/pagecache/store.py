"""One worker's stored pages, and the small helpers the two ways of serving them share."""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from functools import lru_cache

from werkzeug.http import http_date

from portal.timeutil import LOCAL_TZ

CACHE_CONTROL = "public, no-cache"
# nginx's own instruction, since no Cache-Control makes nginx 1.22 store a page and still
# ask us before every reuse: it stores nothing marked no-cache or max-age=0, and keeps
# anything else for at least a second without asking. An expiry in the past (1970) has
# it store the page as already stale, so every request is a conditional one (304 from
# us while the page is current; the new page, or 404, the moment it is not). See
# docs/deploy/nginx.conf.
NGINX_EXPIRES = ("X-Accel-Expires", "@1")
MAX_ENTRIES = 4000
MAX_BYTES = 48 * 1024 * 1024  # per worker


@dataclass(frozen=True)
class Entry:
    body: bytes
    content_type: str
    etag: str
    # Every header the application's own hooks gave the page (security headers …), once
    # the WSGI layer has seen the finished response; None until then.
    headers: tuple[tuple[str, str], ...] | None = None


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

    def complete(self, key: tuple, tag: tuple[int, str],
                 headers: tuple[tuple[str, str], ...]) -> Entry | None:
        """Record the finished response's headers for an entry stored under `tag`;
        returns the finished entry."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and tag == self._tag and entry.headers is None:
                entry = self._entries[key] = replace(entry, headers=headers)
                return entry
            return None

    def discard(self, key: tuple) -> None:
        with self._lock:
            dropped = self._entries.pop(key, None)
            if dropped is not None:
                self._bytes -= len(dropped.body)

    def has_complete(self, key: tuple) -> bool:
        """Cheap test, before the version is read: is there any finished entry?"""
        entry = self._entries.get(key)
        return entry is not None and entry.headers is not None

    def __len__(self) -> int:
        return len(self._entries)


class LocalDay:
    """Today's bounds in local time, recomputed only when the day changes."""

    def __init__(self) -> None:
        self.start = self.end = 0.0
        self.iso = ""

    def at(self, now: float) -> LocalDay:
        if not self.start <= now < self.end:
            local = datetime.fromtimestamp(now, UTC).astimezone(LOCAL_TZ)
            midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
            following = (midnight + timedelta(days=1)).replace(tzinfo=None)
            self.start = midnight.timestamp()
            self.end = following.replace(tzinfo=LOCAL_TZ).timestamp()
            self.iso = midnight.date().isoformat()
        return self


@lru_cache(maxsize=64)
def http_date_of(epoch: int) -> str:
    return http_date(epoch)


def validators(etag: str, last_modified: int) -> dict[str, str]:
    return {"ETag": etag, "Last-Modified": http_date_of(last_modified),
            "Cache-Control": CACHE_CONTROL, NGINX_EXPIRES[0]: NGINX_EXPIRES[1],
            "Vary": "Cookie"}
