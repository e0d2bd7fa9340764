"""Static files under URLs that change with their content: `static_url('css/site.css')`
gives `/static/css/site.css?v=<first 12 hex digits of its sha256>`, so browsers and
nginx may keep it for a year (`immutable`); a changed file gets a new URL within a second.

The app serves a request carrying the current hash as immutable and anything else
(no `v`, an old one) as `public, no-cache`, so a stale hash is never pinned for a year.
nginx serves /static/ from disk with the same rule (docs/deploy/nginx.conf).
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
from pathlib import Path

from flask import Flask, current_app, request, url_for

IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "public, no-cache"


class ContentHashes:
    """sha256 prefixes of the static files, recomputed when a file's size or time
    changes: a file is looked at (one stat) at most once a second, and read once per
    change. Pages name the same few files on every request."""

    RECHECK_SECONDS = 1.0

    def __init__(self, folder: str) -> None:
        self.folder = Path(folder)
        self._known: dict[str, tuple[int, int, str]] = {}
        self._paths: dict[str, Path] = {}
        self._fresh: dict[str, tuple[float, str | None]] = {}  # name → (until, digest)
        self._lock = threading.Lock()

    def of(self, filename: str) -> str | None:
        fresh = self._fresh.get(filename)
        now = time.monotonic()
        if fresh is not None and now < fresh[0]:
            return fresh[1]
        digest = self._current(filename)
        if filename in self._paths:  # a name that resolves inside the folder: bounded
            self._fresh[filename] = (now + self.RECHECK_SECONDS, digest)
        return digest

    def _current(self, filename: str) -> str | None:
        path = self._paths.get(filename)
        if path is None:  # resolved and checked once per name
            path = (self.folder / filename).resolve()
            if not path.is_relative_to(self.folder.resolve()):
                return None
            with self._lock:
                self._paths[filename] = path
        try:
            stat = os.stat(path)
        except OSError:
            return None
        with self._lock:
            known = self._known.get(filename)
            if known is not None and known[:2] == (stat.st_mtime_ns, stat.st_size):
                return known[2]
        digest = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
        with self._lock:
            self._known[filename] = (stat.st_mtime_ns, stat.st_size, digest)
        return digest


def static_url(filename: str) -> str:
    """The URL of a static file with its content hash; every template uses this. Built
    by the templates' `url_for` (portal.templating.kept_url_for), which keeps each link
    it builds: every page links the same few files."""
    digest = current_app.extensions["static_hashes"].of(filename)
    build = current_app.jinja_env.globals.get("url_for", url_for)
    if digest is None:
        return build("static", filename=filename)
    return build("static", filename=filename, v=digest)


def _cache_policy(response):
    if request.endpoint != "static" or response.status_code not in (200, 304):
        return response
    filename = (request.view_args or {}).get("filename", "")
    current = current_app.extensions["static_hashes"].of(filename)
    wanted = request.args.get("v")
    response.headers["Cache-Control"] = IMMUTABLE if wanted and wanted == current \
        else REVALIDATE
    return response


def init_app(app: Flask) -> None:
    app.extensions["static_hashes"] = ContentHashes(os.fspath(app.static_folder))
    app.add_template_global(static_url)
    app.after_request(_cache_policy)
