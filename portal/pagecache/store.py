"""One worker's stored pages, and the small helpers the two ways of serving them share."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from functools import lru_cache

from werkzeug.http import http_date

from portal.timeutil import LOCAL_TZ

CACHE_CONTROL = "public, no-cache"
# nginx's own instruction (Cache-Control cannot say it: nginx 1.22 stores nothing marked
# no-cache or max-age=0). See docs/deploy/nginx.conf.
NGINX_EXPIRES = "X-Accel-Expires"


def nginx_expires(seconds: int) -> str:
    """The X-Accel-Expires value for a public page answered now (PROXY_CACHE_SECONDS).

    0: `@1`, an expiry in the past (1970): nginx stores the page as already stale, so
    every request is a conditional one (304 from us while the page is current; the new
    page, or 404, the moment it is not).
    N > 0: nginx serves its copy without asking until the end of the (N-1)th clock second
    after this one, then revalidates as above. An absolute time, not `X-Accel-Expires: N`:
    nginx keeps whole seconds and serves a copy while its expiry second has not passed,
    so a relative N would be served for up to N + 1 seconds. This way a copy is never
    served N seconds or more after we answered (nginx's and our clocks agreeing), so a
    document withdrawn at T is gone through nginx before T + N. Never more than that:
    a stale copy could be a document withdrawn since."""
    if seconds <= 0:
        return "@1"
    return f"@{int(time.time()) + seconds - 1}"  # nginx's clock, never a test's


MAX_ENTRIES = 4000
MAX_BYTES = 4 * 1024 * 1024  # per worker, by default (PAGE_CACHE_MAX_BYTES)


@dataclass(frozen=True)
class Entry:
    body: bytes
    content_type: str
    etag: str
    # Every header the application's own hooks gave the page (security headers …), once
    # the WSGI layer has seen the finished response; None until then.
    headers: tuple[tuple[str, str], ...] | None = None
    # What the page shows (`portal.pagecache.tags`), each with the version it was
    # rendered under; and the content version at which they were last found unchanged.
    tags: tuple[tuple[str, int], ...] = ()
    checked: int = -1


class PageStore:
    """One worker's entries for one local day; least recently used entries go first once
    the bodies together pass `max_bytes` (or there are more than MAX_ENTRIES). Whether an
    entry is still current is for the caller to ask (`portal.pagecache.is_current`)."""

    def __init__(self, max_bytes: int = MAX_BYTES) -> None:
        self.max_bytes = max_bytes
        self._lock = threading.Lock()
        self._entries: OrderedDict[tuple, Entry] = OrderedDict()
        self._day: str | None = None
        self._bytes = 0

    def get(self, key: tuple, day: str) -> Entry | None:
        with self._lock:
            if day != self._day:
                return None
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
            return entry

    def put(self, key: tuple, day: str, entry: Entry) -> None:
        with self._lock:
            if day != self._day:
                if self._day is not None and day < self._day:
                    return  # rendered before midnight, stored after
                self._entries.clear()
                self._bytes, self._day = 0, day
            old = self._entries.pop(key, None)
            if old is not None:
                self._bytes -= len(old.body)
            if len(entry.body) > self.max_bytes:
                return  # larger than the whole budget: never kept
            self._bytes += len(entry.body)
            self._entries[key] = entry
            while self._entries and (len(self._entries) > MAX_ENTRIES
                                     or self._bytes > self.max_bytes):
                _, dropped = self._entries.popitem(last=False)
                self._bytes -= len(dropped.body)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes, self._day = 0, None

    def complete(self, key: tuple, day: str,
                 headers: tuple[tuple[str, str], ...]) -> Entry | None:
        """Record the finished response's headers for an entry stored on `day`;
        returns the finished entry."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and day == self._day and entry.headers is None:
                entry = self._entries[key] = replace(entry, headers=headers)
                return entry
            return None

    def confirm(self, key: tuple, entry: Entry, version: int) -> None:
        """Every tag of `entry` was found unchanged at content version `version`."""
        with self._lock:
            if self._entries.get(key) is entry and entry.checked < version:
                self._entries[key] = replace(entry, checked=version)

    def discard(self, key: tuple, entry: Entry | None = None) -> None:
        """Drop the entry under `key` (only if it is still `entry`, when given)."""
        with self._lock:
            if entry is not None and self._entries.get(key) is not entry:
                return
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


def validators(etag: str, last_modified: int, expires: str) -> dict[str, str]:
    """The headers every answer for a stored page carries; `expires` from `nginx_expires`."""
    return {"ETag": etag, "Last-Modified": http_date_of(last_modified),
            "Cache-Control": CACHE_CONTROL, NGINX_EXPIRES: expires, "Vary": "Cookie"}
