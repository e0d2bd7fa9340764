"""Rate limits per client address that hold across every gunicorn worker.

Flask-Limiter does the bookkeeping; the counters live in the application's own database
(`portal.ratelimit.storage`, table `rate_limit_counters`), so no extra server is needed.
Limits are named in configuration (`RATELIMIT_LOGIN`, `RATELIMIT_INQUIRY_SUBMIT`, …) and
attached to views with `limit()`:

    @bp.route("/login", methods=["GET", "POST"])
    @limit("RATELIMIT_LOGIN", methods=["POST"])
    def login(): ...

A limited view is counted in `before_request`, ahead of the CSRF check and the access
policy — before anything in the request touches the database. That order matters on
SQLite: a write request's own unit of work holds the write lock from its first query
until teardown, and a counter written after that would wait on its own request.
Flask-Limiter itself would count a decorated view only when the view is called, after
every `before_request` hook, so `limit()` registers the limit with Flask-Limiter but
leaves the view unwrapped, and `check_view_limits` (registered here) counts it early.

Submission forms count outcomes instead (`portal.ratelimit.submissions`): accepted
submissions against one limit, refused ones against a looser one.

The client is `request.remote_addr`. Behind nginx that is the proxy's address until
`PROXY_FIX_HOPS` is set (portal/headers.py), or every client shares one counter.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from functools import partial
from typing import TypeVar

from flask import Flask, current_app, g, request
from flask_limiter.util import get_qualified_name

from portal.extensions import db, limiter
from portal.ratelimit.storage import storage_uri
from portal.timeutil import LOCAL_TZ

F = TypeVar("F", bound=Callable)

# Views limited through `limit()`, by Flask-Limiter's name for them.
_limited_views: set[str] = set()


def init_app(app: Flask) -> None:
    """Bind the limiter to `app`. Counters go to the app's database unless
    `RATELIMIT_STORAGE_URI` names another storage (e.g. ``memory://``).

    Call after `db.init_app` and before registering any other `before_request` hook
    that might touch the database (the CSRF check, the access policy).
    """
    if not app.config.get("RATELIMIT_STORAGE_URI"):
        app.config["RATELIMIT_STORAGE_URI"], options = _derived_storage(app)
        app.config.setdefault("RATELIMIT_STORAGE_OPTIONS", options)
    limiter.init_app(app)
    if app.config["RATELIMIT_ENABLED"]:
        _only_where_counted(app)
        app.before_request(check_view_limits)
        from portal.ratelimit import submissions

        submissions.init_app(app)


def limit(config_key: str, *, methods: Sequence[str] | None = None) -> Callable[[F], F]:
    """Decorator: limit a view by the limit string in `current_app.config[config_key]`
    (e.g. ``"5 per 10 minutes;20 per day"``), read at request time, per client address.

    `methods` restricts the limit to those HTTP methods (default: all). A request over
    the limit gets 429 with a Chinese page and Retry-After. Use this, not
    `limiter.limit` directly: that one counts only when the view runs (see module doc).
    """

    def current_limit() -> str:
        return current_app.config[config_key]

    def decorator(view: F) -> F:
        limiter.limit(current_limit, methods=list(methods) if methods else None)(view)
        _limited_views.add(get_qualified_name(view))
        return view

    return decorator


def wait_phrase(seconds: int) -> str:
    """How long until a client over a limit may try again, and the local time then:
    "约 2 分钟后（10:42 以后）". The wall clock, as the limiter's windows count it (not a
    frozen case clock)."""
    until = datetime.fromtimestamp(time.time() + seconds, LOCAL_TZ)
    minutes = max(1, math.ceil(seconds / 60))
    wait = f"{minutes} 分钟" if minutes < 120 else f"{math.ceil(minutes / 60)} 小时"
    when = until.strftime("%H:%M") if seconds < 86_400 else until.strftime("%m月%d日 %H:%M")
    return f"约 {wait}后（{when} 以后）"


def retry_after() -> int | None:
    """Seconds until the limit this request exceeded lets the client in again (what
    Flask-Limiter sends as Retry-After), or None when no limit was checked."""
    exceeded = limiter.current_limit
    if exceeded is None:
        return None
    return max(1, int(exceeded.reset_at - time.time()))


def check_view_limits() -> None:
    """before_request hook: count the request against its view's `limit()` limits.

    Raises flask_limiter.RateLimitExceeded (429) when a limit is exceeded.
    """
    if _site_wide_limits():  # Flask-Limiter's own check, for every page
        g.ratelimit_counted = True
        limiter._check_request_limit(in_middleware=True)
    view = current_app.view_functions.get(request.endpoint or "")
    if view is not None and get_qualified_name(view) in _limited_views:
        # Flask-Limiter's own check for decorated views, run early (see module doc).
        g.ratelimit_counted = True
        limiter._check_request_limit(in_middleware=False)


def _only_where_counted(app: Flask) -> None:
    """Flask-Limiter's hooks run on every request: one checks limits set for the whole
    site, which the portal sets none of unless a deployer does (RATELIMIT_DEFAULT, …),
    and two write the X-RateLimit headers and reset its bookkeeping. `check_view_limits`
    runs the check only where there is a limit, and the other two then run only for a
    request it counted: a page without a limit (most of them) is spared about 0.1 ms."""
    before = app.before_request_funcs.setdefault(None, [])
    before.remove(limiter._check_request_limit)
    after = app.after_request_funcs.setdefault(None, [])
    [inject] = [hook for hook in after
                if isinstance(hook, partial) and hook.args == (limiter,)]
    after[after.index(inject)] = lambda response: (
        inject(response) if g.get("ratelimit_counted") else response)
    teardown = app.teardown_request_funcs.setdefault(None, [])
    release = limiter._Limiter__release_context
    teardown[teardown.index(release)] = lambda error: (
        release(error) if g.pop("ratelimit_counted", False) else None)


def _site_wide_limits() -> bool:
    """Whether the limiter holds limits beyond the views' own: for the whole application,
    by default for every page, for a blueprint, or meta limits."""
    manager = limiter.limit_manager
    return bool(manager._application_limits or manager._default_limits
                or manager._blueprint_limits or limiter._meta_limits)


def _derived_storage(app: Flask) -> tuple[str, dict]:
    """The app's own database as counter storage, with the app's engine options."""
    with app.app_context():
        url = db.engine.url
    if url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:"):
        return "memory://", {}  # an in-memory database is private to one process anyway
    options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    if url.get_backend_name() == "postgresql":  # a dropped connection is replaced before use
        options.setdefault("pool_pre_ping", True)
    return (storage_uri(url.render_as_string(hide_password=False)),
            {"engine_options": options})
