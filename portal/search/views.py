"""站内搜索: one page, `/search?q=…`, that works without JavaScript."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request

from portal.errors import ValidationError
from portal.ratelimit import limit
from portal.search import index
from portal.search.params import MAX_QUERY_CHARS, SearchParams, clean_query, parse
from portal.search.results import SUGGESTIONS, browse_links, filter_choices, present

bp = Blueprint("search", __name__)


def _page(params: SearchParams, *, error: str = "", status: int = 200):
    page = results = None
    if params.tokens and not error:
        page = index.search(params.query(current_app.config["PAGE_SIZE"]))
        results = present(page.items, params.tokens)
    body = render_template("search/results.html", params=params, page=page, results=results,
                           error=error, choices=filter_choices(), suggestions=SUGGESTIONS,
                           browse=browse_links(), max_chars=MAX_QUERY_CHARS)
    return body, status


@bp.get("/search")
@limit("RATELIMIT_SEARCH")
def results():
    try:
        params = parse(request.args)
    except ValidationError as error:
        text, _notes = clean_query(request.args.get("q", ""))
        return _page(SearchParams(text=text), error=error.message, status=400)
    return _page(params)
