"""`/api/v1/`: the read-only JSON API and its OpenAPI document.

Every response carries an ETag (a hash of its body) and answers If-None-Match with 304;
caches must revalidate before every reuse (`public, no-cache`), so nothing withdrawn is
served from one.
Errors are JSON `{"error": …, "message": …}` (portal.errors answers every /api/ path in
JSON). GET requests are rate limited per client (RATELIMIT_API_READ).
"""

from __future__ import annotations

import json

from flask import Blueprint, Response, abort, current_app, request

from portal.api import civic, openapi, resources, serializers
from portal.api.paging import Listing, page
from portal.pagecache import proxy_expires
from portal.pagecache.store import CACHE_CONTROL, NGINX_EXPIRES
from portal.ratelimit import limit
from portal.villages.public_views import public_url

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def _json(payload: dict) -> Response:
    """A JSON answer any cache may keep but must revalidate before reuse, as the public
    pages (portal.pagecache): a withdrawn document is gone from the API at once (through
    nginx, within PROXY_CACHE_SECONDS)."""
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    response = current_app.response_class(body, mimetype="application/json")
    response.headers["Cache-Control"] = CACHE_CONTROL
    response.headers[NGINX_EXPIRES] = proxy_expires()
    response.headers["Access-Control-Allow-Origin"] = "*"  # public data, read-only
    response.add_etag()
    return response.make_conditional(request)


def _list(listing: Listing) -> Response:
    data, next_cursor = page(listing, request.args)
    args = request.args.to_dict()
    self_url = public_url(request.endpoint, **args)
    next_url = public_url(request.endpoint, **{**args, "cursor": next_cursor}) \
        if next_cursor else None
    return _json({"data": data, "next_cursor": next_cursor,
                  "links": {"self": self_url, "next": next_url}})


def _require(name: str) -> None:
    if not civic.available(name):
        abort(404)


@bp.get("/")
@limit("RATELIMIT_API_READ")
def index():
    names = {"disclosures": "api.disclosures", "village-notices": "api.notices",
             "replies": "api.replies"}
    names.update({name: f"api.{name}" for name in civic.ENDPOINTS if civic.available(name)})
    return _json({"name": current_app.config["SITE_NAME"], "version": "v1",
                  "openapi": public_url("api.openapi_document"),
                  "resources": {name: public_url(endpoint) for name, endpoint in names.items()}})


@bp.get("/openapi.json")
@limit("RATELIMIT_API_READ")
def openapi_document():
    server = public_url("api.index").rstrip("/")
    optional = {name: civic.available(name) for name in civic.ENDPOINTS}
    return _json(openapi.document(server, optional))


@bp.get("/disclosures")
@limit("RATELIMIT_API_READ")
def disclosures():
    return _list(resources.disclosures_listing(request.args))


@bp.get("/disclosures/<int:disclosure_id>")
@limit("RATELIMIT_API_READ")
def disclosure(disclosure_id: int):
    return _json(serializers.disclosure(resources.get_disclosure(disclosure_id)))


@bp.get("/village-notices")
@limit("RATELIMIT_API_READ")
def notices():
    return _list(resources.notices_listing(request.args))


@bp.get("/village-notices/<int:notice_id>")
@limit("RATELIMIT_API_READ")
def notice(notice_id: int):
    return _json(serializers.notice(resources.get_notice(notice_id)))


@bp.get("/replies")
@limit("RATELIMIT_API_READ")
def replies():
    return _list(resources.replies_listing(request.args))


@bp.get("/replies/<reply_number>")
@limit("RATELIMIT_API_READ")
def reply(reply_number: str):
    return _json(serializers.reply(resources.get_reply(reply_number)))


@bp.get("/consultations")
@limit("RATELIMIT_API_READ")
def consultations():
    _require("consultations")
    return _list(civic.consultations_listing(request.args))


@bp.get("/consultations/<int:consultation_id>")
@limit("RATELIMIT_API_READ")
def consultation(consultation_id: int):
    _require("consultations")
    return _json(civic.consultation(civic.get_consultation(consultation_id)))


@bp.get("/catalogue")
@limit("RATELIMIT_API_READ")
def catalogue():
    _require("catalogue")
    return _list(civic.catalogue_listing(request.args))


@bp.get("/catalogue/<int:entry_id>")
@limit("RATELIMIT_API_READ")
def catalogue_entry(entry_id: int):
    _require("catalogue")
    return _json(civic.catalogue_entry(civic.get_catalogue_entry(entry_id)))

