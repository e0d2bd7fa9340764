"""Pages whose only per-visit parts are a blank form's tokens, rendered once per content
version and filled in for each visit.

The resident's inquiry form is the same page for every anonymous visitor except for its
CSRF token and its one-time submission token, yet it lists every town and village and
took about as long to render as the submission itself. `page` renders it with a marker
in place of each token, keeps that per worker (key: the public content version, path and
query string, the 适老化 cookie), and answers each visit with fresh tokens in the
markers' places. Signed-in staff, a visitor with a message waiting, and a page in which
a marker is not found exactly once (say, a query string that repeats it) are rendered in
full with their own tokens, as before. Off with PAGE_CACHE_ENABLED = False.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable

from flask import current_app, request
from flask_wtf.csrf import generate_csrf

from portal.pagecache import content_state, page_key, seen_as_anyone

CSRF_MARK = "csrf-token-of-this-visit"
TOKEN_MARK = "submission-token-of-this-visit"
KEPT = 32  # pages per worker: a few forms × their query strings × the 适老化 mode
_pages: OrderedDict[tuple, str] = OrderedDict()


def page(name: str, render: Callable[[str, str], str], new_token: Callable[[], str]) -> str:
    """`render(csrf_token, submission_token)`, the form as a fresh visit gets it."""
    key = _key(name)
    if key is None:
        return render(_csrf(), new_token())
    kept = _pages.get(key)
    if kept is None:
        kept = render(CSRF_MARK, TOKEN_MARK)
        csrf = 1 if _csrf_on() else 0
        if kept.count(CSRF_MARK) != csrf or kept.count(TOKEN_MARK) != 1:
            return render(_csrf(), new_token())
        _pages[key] = kept
        while len(_pages) > KEPT:
            _pages.popitem(last=False)
    else:
        _pages.move_to_end(key)
    if _csrf_on():
        kept = kept.replace(CSRF_MARK, generate_csrf())
    return kept.replace(TOKEN_MARK, new_token())


def _csrf_on() -> bool:
    return bool(current_app.config.get("WTF_CSRF_ENABLED", True))


def _csrf() -> str:
    return generate_csrf() if _csrf_on() else ""


def _key(name: str) -> tuple | None:
    if not current_app.config.get("PAGE_CACHE_ENABLED", True) or not seen_as_anyone():
        return None
    state = content_state()
    if state is None:
        return None
    return (name, *state, page_key(request.environ, request.cookies))


def forget() -> None:
    """Drop every kept page (tests; a replaced database, `portal.pagecache.lineage`)."""
    _pages.clear()
