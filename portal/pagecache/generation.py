"""nginx's copies filed under the content generation (docs/deploy/nginx.conf).

A cache in front of us that must drop a withdrawn document within a second can either
ask us about every page it holds once a second (the one-second microcache of
`store.nginx_expires`: one revalidation per page per second, and, since nginx counts
whole seconds, all of them at the start of each second), or ask once a second whether
anything public changed at all. This is the second way. nginx asks GENERATION_PATH before
each request (an `auth_request`, whose answer it keeps for under a second like a page)
and files the page under a key that ends with the answer: the content version
(`portal.pagecache.version`, moved by every public change) and the local day (pages
lapse at midnight). A page then stays in nginx, unasked, until anything public changes
or the day ends, because from then on nginx looks for it under another key; a withdrawn
document is gone through nginx within the second the generation answer is kept.

Such a page may be kept for long only by an nginx that files it under the generation.
The app cannot see how nginx files its answers, so it takes the deployment's word
(PROXY_CACHE_GENERATIONS, set only with the nginx.conf that does it) and nginx's: the
request's X-Portal-Generation, which that nginx sets to the generation it files the
answer under, must be the current one. Any other request gets the one-second expiry: an
nginx that files pages by URL alone must never hold one until midnight.
"""

from __future__ import annotations

import secrets

from portal.pagecache import version as content_version
from portal.pagecache.store import NGINX_EXPIRES, LocalDay, nginx_expires

GENERATION_PATH = "/_portal/generation"
HEADER = "X-Portal-Generation"
_ENVIRON_HEADER = "HTTP_X_PORTAL_GENERATION"


def of(version: int, day: str) -> str:
    """The generation at content version `version` on local day `day` (ISO date)."""
    return f"{version}.{day}"


def page_expires(environ, version: int, day: LocalDay, proxy_seconds: int,
                 generations: bool) -> str:
    """X-Accel-Expires for a stored page answered at content version `version`: until
    the day ends when nginx files it under the current generation, else the microcache's
    (`store.nginx_expires`)."""
    if generations and environ.get(_ENVIRON_HEADER) == of(version, day.iso):
        return f"@{int(day.end)}"
    return nginx_expires(proxy_seconds)


class GenerationAnswer:
    """WSGI: answers GET/HEAD of GENERATION_PATH before anything else runs (no session,
    no page), with the generation in a header; nginx keeps the answer as long as it keeps
    a page in the microcache (PROXY_CACHE_SECONDS), and not at all with 0.

    When the content version cannot be read (the database is down) the answer is a
    generation of its own, never kept: nginx finds nothing under it, so it serves no copy
    it cannot vouch for and passes the request on, and the resident gets the app's own
    answer (503 with Retry-After) rather than an error from nginx."""

    def __init__(self, flask_app, reader, today: LocalDay, proxy_seconds: int) -> None:
        # flask_app's context lends the engine to a worker's first read
        self.flask_app, self.app = flask_app, flask_app.wsgi_app
        self.reader, self.today, self.proxy_seconds = reader, today, proxy_seconds

    def _read(self):
        if self.reader.ready:
            return self.reader.read()
        with self.flask_app.app_context():
            return self.reader.read()

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO") != GENERATION_PATH \
                or environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
            return self.app(environ, start_response)
        state = self._read()
        headers = [("Content-Length", "0"), ("Cache-Control", "no-store")]
        if state is None:
            headers.append((HEADER, f"unknown.{secrets.token_hex(8)}"))
        else:
            day = self.today.at(content_version.now_epoch())
            headers.append((HEADER, of(state[0], day.iso)))
            if self.proxy_seconds > 0:
                headers.append((NGINX_EXPIRES, nginx_expires(self.proxy_seconds)))
        start_response("200 OK", headers)
        return []
