"""Rendered public pages, cached per worker and revalidated by every client and proxy.

What is cached: anonymous GET/HEAD requests of the endpoints in `CACHED_ENDPOINTS`, when
the rendered response is a plain 200 that carries no CSRF token, consumed no flash
message and sets no cookie. The key is path + query string + the 适老化 cookie
(`portal.public.preferences.COOKIE`), since the page differs with it.

Invalidation across gunicorn workers, by what a page shows: each entry keeps the tags of
what its page shows (`portal.pagecache.tags`: `doc:12`, `cat:decision`, `org:4`,
`village:31`, …) with the version of each when it was rendered. A change to public
content bumps, in its own transaction, only the tags of what it changed, and the one
content version (`portal.pagecache.version`). Every request reads the content version
(one primary-key SELECT, skipped while the host's write signal shows no change since the
last read, `portal.pagecache.signal`); an entry already found current at that version is
served at once, any other is served only after its tags' versions are read (one more statement)
and found unmoved. So publishing in one category leaves another category's pages
cached, and no worker serves a withdrawn document once the withdrawal has committed.
Entries also lapse at local midnight, because some pages depend on the date (公示期,
open consultations).

HTTP caching policy (the headers on every page this module handles):
- `ETag` is a hash of the body; `Last-Modified` is the last public change, or local
  midnight if later (date-dependent pages). `If-None-Match` (preferred) or
  `If-Modified-Since` that still match are answered 304 without rendering.
- `Cache-Control: public, no-cache`: a shared cache and browsers may keep a copy but must
  revalidate it with us before every reuse. A withdrawn document then answers 404, never
  a stale 304, so no cache in front of us can show it. No `max-age`, no `stale-*`
  directives, for that reason.
- `X-Accel-Expires` (`store.nginx_expires`), nginx's own instruction, since it stores
  nothing marked `no-cache`: with PROXY_CACHE_SECONDS = 0, `@1`, an expiry already past,
  so nginx stores the page and asks us before every reuse; with N > 0, an expiry that
  lets nginx serve its copy without asking for less than N seconds, then revalidate
  (docs/deploy/nginx.conf has `proxy_cache_revalidate on`, no `proxy_cache_use_stale`,
  and ignores Cache-Control, so only pages carrying this are stored). A withdrawn
  document is then gone through nginx within N seconds. Behind the shipped nginx.conf,
  which files pages under the content generation (`generation`, with
  PROXY_CACHE_GENERATIONS), a page nginx files under the current one is kept until the
  day ends: nginx looks under another key after any public change.
- `Vary: Cookie`: signed-in staff, and the 适老化 mode, see different pages. A proxy
  should also bypass its cache when the session cookie is present.
Signed-in users' responses are never touched here, so a `Cache-Control: no-store` set by
other code for them (or for any response) is never overridden.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from flask import Flask, current_app, g, has_request_context, request, session
from flask_login import current_user

from portal.pagecache import tags as page_tags
from portal.pagecache import version as content_version
from portal.pagecache.generation import GenerationAnswer, page_expires
from portal.pagecache.lineage import Lineage
from portal.pagecache.shared import SharedPages
from portal.pagecache.signal import WriteSignal
from portal.pagecache.store import (
    CACHE_CONTROL,
    MAX_BYTES,
    NGINX_EXPIRES,
    Entry,
    LocalDay,
    PageStore,
    http_date_of,
    nginx_expires,
    validators,
)
from portal.pagecache.version import VersionReader, install
from portal.pagecache.wsgi import (
    CANDIDATE,
    CachedPages,
    client_copy_current,
    is_current,
    note,
    page_key,
)

CACHED_ENDPOINTS = frozenset({
    "public.home",
    "disclosures.listing", "disclosures.detail",
    "villages.index", "villages.board", "villages.notice", "villages.poster", "villages.feed",
    # Not consultations.detail: its comment form carries a per-visit submission token.
    "consultations.listing", "consultations.feed",
    "execution.listing", "execution.detail",
    "catalogue.listing", "catalogue.entry", "catalogue.guide",
    "feeds.index", "feeds.all_disclosures", "feeds.category", "feeds.organization",
    "feeds.sitemap", "feeds.sitemap_part", "feeds.all_villages", "feeds.execution",
    "feeds.replies",
    "search.results", "inquiries.replies",
    "open_data.index",
})
_STATE = "_page_cache"


@dataclass(frozen=True)
class _Request:
    key: tuple
    version: int  # the content version read before rendering
    day: str
    changed: int  # epoch seconds of the last public change, or of local midnight if later
    now: float

    @property
    def last_modified(self) -> int:
        """What we send: never later than now (RFC 9110 §8.8.2.1), even when a burst of
        changes has pushed `changed` a few seconds ahead."""
        return min(self.changed, int(self.now))


def init_app(app: Flask) -> None:
    """Bump the content version with public changes; serve and store public pages.
    Register after the access policy, so a cached page is served only where it allows."""
    from portal.extensions import db
    from portal.pagecache import blank_forms  # it reads this module's helpers

    install(db.session)
    store = PageStore(int(app.config.get("PAGE_CACHE_MAX_BYTES", MAX_BYTES)))
    reader, today = VersionReader(lambda: db.engine), LocalDay()
    if app.config.get("PAGE_CACHE_WRITE_SIGNAL", True):
        # Written by every process that changes public content, whether it serves pages or not.
        reader.signal = app.extensions["pagecache_signal"] = WriteSignal(signal_path(app))
    app.extensions["pagecache"] = (store, reader, today)
    shared = _shared_pages(app) if app.config.get("PAGE_CACHE_ENABLED", True) else None
    snapshots = app.extensions.get("dashboard_snapshots")
    reader.lineage = Lineage(shared.root if shared else None, [
        store.clear, blank_forms.forget, *([snapshots.clear] if snapshots else [])])
    proxy_seconds = int(app.config.get("PROXY_CACHE_SECONDS", 0))
    if app.config.get("PAGE_CACHE_ENABLED", True):
        app.before_request(serve_from_cache)
        app.after_request(store_and_mark)
        app.wsgi_app = CachedPages(app.wsgi_app, store, reader, today, shared,
                                   trusted_hosts=app.config.get("TRUSTED_HOSTS"),
                                   proxy_seconds=proxy_seconds,
                                   generations=bool(app.config.get("PROXY_CACHE_GENERATIONS")))
    # else every page is rendered for every request (the benchmark's cold rows)
    app.wsgi_app = GenerationAnswer(app, reader, today, proxy_seconds)


def proxy_expires() -> str:
    """X-Accel-Expires for a public answer of this app that is not a stored page (the
    JSON API): the microcache's."""
    return nginx_expires(int(current_app.config.get("PROXY_CACHE_SECONDS", 0)))


def _page_expires(version: int, now: float) -> str:
    """X-Accel-Expires for a stored page (`generation.page_expires`)."""
    config = current_app.config
    return page_expires(request.environ, version,
                        current_app.extensions["pagecache"][2].at(now),
                        int(config.get("PROXY_CACHE_SECONDS", 0)),
                        bool(config.get("PROXY_CACHE_GENERATIONS")))


def _shared_pages(app: Flask) -> SharedPages | None:
    """Files under the instance folder, one folder per database; off with
    PAGE_CACHE_SHARED = False (e.g. an instance folder on a network share)."""
    if not app.config.get("PAGE_CACHE_SHARED", True):
        return None
    return SharedPages(instance_folder(app, "pagecache"))


# The instance folder's files derived from a database's content (`instance_folder`): the
# pages, the inspectors' snapshots (portal.inspection.shared), the open-data packages
# (portal.transfer.open_data).
DERIVED_FOLDERS = ("pagecache", "snapshots", "open-data")
# The host's write signal (`signal_path`), never removed while the site runs: not among
# the derived folders.
SIGNAL_FOLDER = "signals"


def instance_folder(app: Flask, name: str) -> Path:
    """`<instance>/<name>/<digest of the database URL>`: files derived from one database
    (pages, the inspectors' snapshots) never mix with another's."""
    database = hashlib.blake2b(str(app.config["SQLALCHEMY_DATABASE_URI"]).encode(),
                               digest_size=8).hexdigest()
    return Path(app.instance_path) / name / database


def signal_path(app: Flask) -> Path:
    """Where the host's write signal of this database lives. An SQLite database's sits
    next to it, found by every process that can write it, whatever its instance folder;
    another database's under the instance folder, shared by the processes started with the
    same settings (the site, its worker, the `flask` commands)."""
    from sqlalchemy.engine import make_url

    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() == "sqlite" and url.database \
            and url.database != ":memory:" and not url.database.startswith("file:"):
        database = Path(url.database).resolve()
        return database.with_name(f"{database.name}-portal-signal")
    return instance_folder(app, SIGNAL_FOLDER) / "content"


def content_state() -> tuple | None:
    """(database, public-content version) for caching things derived from public content
    (the search filters); None when the version cannot be read. A read-only request reads
    it once however many lists it shows; a write re-reads, since it may publish."""
    memo = has_request_context() and request.method in ("GET", "HEAD")
    if memo and "content_state" in g:
        return g.content_state
    state = current_app.extensions["pagecache"][1].read()
    found = None if state is None else (current_app.config["SQLALCHEMY_DATABASE_URI"], state[0])
    if memo:
        g.content_state = found
    return found


def last_public_change() -> int | None:
    """Epoch seconds of the last change to public content (the same for every worker),
    or None when the version cannot be read."""
    state = current_app.extensions["pagecache"][1].read()
    return None if state is None else state[1]


_derived: dict[tuple, object] = {}


def per_content_version(name: str, compute, *within):
    """`compute()`, kept until public content changes: for what every public page reads
    and only publications change (the filters' organizations and years). `within` adds
    what else the result depends on (the day, for what opens and closes by date); a new
    value replaces the old one as a change does. The result must be plain data, not ORM
    objects, since it outlives the session that read it."""
    state = content_state()
    if state is None:
        return compute()
    key = (name, *state, *within)
    if key not in _derived:
        for stale in [k for k in _derived if k[:2] == key[:2]]:
            del _derived[stale]
        _derived[key] = compute()
    return _derived[key]


def _store() -> PageStore:
    return current_app.extensions["pagecache"][0]


def _eligible() -> bool:
    if request.method not in ("GET", "HEAD") or request.endpoint not in CACHED_ENDPOINTS:
        return False
    return seen_as_anyone()


def anonymous_page_read() -> bool:
    """Whether this request reads a page the cache may answer, for a visitor with no
    session at all (on PostgreSQL it reads without a transaction: portal.pgconnections).
    Asks only whether a session cookie came: the user is never loaded for it."""
    return (request.method in ("GET", "HEAD") and request.endpoint in CACHED_ENDPOINTS
            and _without_session())


def _without_session() -> bool:
    cookies = request.cookies
    return (current_app.config["SESSION_COOKIE_NAME"] not in cookies
            and current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token") not in cookies)


def seen_as_anyone() -> bool:
    """Whether this request's page is the one any anonymous visitor gets: nobody signed
    in, and no flash message waiting to be shown."""
    if _without_session():
        return True  # no session at all: anonymous, and no message waiting
    if current_user.is_authenticated:
        return False
    return "_flashes" not in session  # a pending message must be rendered, then consumed


def serve_from_cache():
    """before_request: answer 304 or the stored page when the current version has one."""
    if not _eligible():
        return None
    store, reader, today = current_app.extensions["pagecache"]
    state = reader.read()
    if state is None:
        return None
    now = content_version.now_epoch()
    version, changed_epoch = state
    day = today.at(now)
    key = page_key(request.environ, request.cookies)
    wanted = _Request(key, version, day.iso, max(changed_epoch, int(day.start)), now)
    setattr(g, _STATE, wanted)
    entry = store.get(key, day.iso)
    if entry is None or not is_current(store, reader, key, entry, version):
        return None
    g.page_cache_hit = True
    note(request.environ, "hit")
    headers = validators(entry.etag, wanted.last_modified, _page_expires(version, now))
    if client_copy_current(request.environ, entry.etag, wanted.changed):
        return current_app.response_class(status=304, headers=headers)
    return current_app.response_class(entry.body, headers=headers,
                                      content_type=entry.content_type)


def store_and_mark(response):
    """after_request: keep a cacheable page and give it its validators and policy."""
    state: _Request | None = g.pop(_STATE, None)
    if state is None or g.pop("page_cache_hit", False):
        return response
    note(request.environ, "miss")
    if not _storable(response):
        return response
    body = response.get_data()
    etag = '"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"'
    tags = page_tags.of_page()
    found = current_app.extensions["pagecache"][1].read_tags(tags)
    if found is not None and found[0] == state.version:  # nothing changed while rendering
        entry = Entry(body, response.content_type, etag,
                      tags=tuple((tag, found[1].get(tag, 0)) for tag in tags),
                      checked=state.version)
        _store().put(state.key, state.day, entry)
        request.environ[CANDIDATE] = (state.key, state.day)  # CachedPages adds the headers
    return _answer(response, etag, state)


def _storable(response) -> bool:
    return (response.status_code == 200 and not response.direct_passthrough
            and not response.is_streamed and "Set-Cookie" not in response.headers
            and not session.modified
            and current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token") not in g
            and "no-store" not in (response.headers.get("Cache-Control") or ""))


def _answer(response, etag: str, state: _Request):
    """Set the validators and the policy on a freshly rendered page; turn it into 304
    when the client's copy is current."""
    response.headers["ETag"] = etag
    response.headers["Last-Modified"] = http_date_of(state.last_modified)
    if "no-store" not in (response.headers.get("Cache-Control") or ""):
        response.headers["Cache-Control"] = CACHE_CONTROL
        response.headers[NGINX_EXPIRES] = _page_expires(state.version, state.now)
    response.vary.add("Cookie")
    if client_copy_current(request.environ, etag, state.changed):
        response.status_code = 304
        response.set_data(b"")
        response.headers.pop("Content-Type", None)
    return response
