"""Open311 GeoReport v2 at /open311/v2/ (wiki.open311.org/GeoReport_v2): discovery,
services, one service definition, requests (GET and POST), one request and tokens, each as
.json or .xml.

These are machine endpoints: CSRF does not apply (clients authenticate POSTs with an
`api_key`), rate limits do (RATELIMIT_API_READ; RATELIMIT_OPEN311_SUBMIT counts accepted requests,
RATELIMIT_OPEN311_REFUSED refused ones, portal.ratelimit.submissions). Every refusal
is answered in GeoReport's error format, in the format the URL's extension asks for —
unknown URLs (404) and methods (405) under /open311/v2/ included; refusals worth it (bad
keys) are audited. GET answers carry an ETag and answer If-None-Match with 304.
"""

from __future__ import annotations

import functools
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import Blueprint, current_app, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed
from werkzeug.exceptions import NotFound as RouteNotFound

from portal.api.resources import REPLY_NUMBER
from portal.bodylimit import refusal
from portal.error_pages import HTTP_MESSAGES, note_refusal
from portal.errors import DomainError, NotFound, ValidationError
from portal.extensions import csrf
from portal.inquiries.models import Inquiry, Status
from portal.open311 import discovery, formats, mapping
from portal.open311 import services as operations
from portal.ratelimit import limit
from portal.ratelimit.submissions import limit_submissions
from portal.timeutil import utcnow
from portal.villages.public_views import public_url

bp = Blueprint("open311", __name__, url_prefix="/open311/v2")
csrf.exempt(bp)

FMT = "<any(json, xml):response_format>"
WINDOW = timedelta(days=90)  # the spec's default and longest start_date–end_date span
MAX_IDS = 50
NOTICE = "已受理。请将查询码（token）告知留言人，凭查询码可在门户网站查询办理进度和答复。"
UNROUTED_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]


def georeport(view):
    """Answer domain errors in GeoReport's error format (after rollback and audit)."""

    @functools.wraps(view)
    def wrapper(response_format: str, **values):
        try:
            return view(response_format, **values)
        except DomainError as error:
            note_refusal(error)
            return formats.errors(response_format, error.status, error.message.split("\n"))

    return wrapper


@bp.errorhandler(HTTPException)
def http_error(error: HTTPException):
    """Limits (429), bodies too large (413) and the like, in GeoReport's error format too."""
    status = error.code or 500
    _title, message = HTTP_MESSAGES.get(status, HTTP_MESSAGES[500])
    if status == 413:
        message, _action = refusal(error)
    response = formats.errors(formats.format_of(request.path), status, [message])
    for name, value in error.get_headers():
        if name in ("Allow", "Retry-After"):
            response.headers[name] = value
    return response


@bp.route("/", defaults={"unknown": ""}, methods=UNROUTED_METHODS)
@bp.route("/<path:unknown>", methods=UNROUTED_METHODS)
@limit("RATELIMIT_API_READ")
def unrouted(unknown: str):
    """Anything under /open311/v2/ no route serves: 405 naming the methods the URL has, or
    404."""
    adapter = current_app.url_map.bind_to_environ(request.environ)
    allowed = []
    for method in ("GET", "POST"):
        try:
            endpoint, _values = adapter.match(method=method)
        except HTTPException:
            continue
        if endpoint != request.endpoint:
            allowed.append(method)
    if allowed:
        raise MethodNotAllowed(valid_methods=allowed + (["HEAD"] if "GET" in allowed else []))
    raise RouteNotFound()


@bp.get(f"/discovery.{FMT}")
@limit("RATELIMIT_API_READ")
@georeport
def discovery_document(response_format: str):
    endpoint = public_url("open311.services", response_format="xml").rsplit("/", 1)[0]
    return formats.respond(response_format, "discovery", None, discovery.document(endpoint))


@bp.get(f"/services.{FMT}")
@limit("RATELIMIT_API_READ")
@georeport
def services(response_format: str):
    items = [mapping.service(kind) for kind in mapping.SERVICES]
    return formats.respond(response_format, "services", "service", items)


@bp.get(f"/services/<service_code>.{FMT}")
@limit("RATELIMIT_API_READ")
@georeport
def service_definition(response_format: str, service_code: str):
    body = mapping.definition(mapping.find_service(service_code))
    return formats.respond(response_format, "service_definition", None, body)


def _moment(name: str) -> datetime | None:
    value = request.args.get(name, "")
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
        moment.astimezone()  # OverflowError at the ends of the calendar
    except (ValueError, OverflowError):
        raise ValidationError(f"{name} 应为 W3C 时间，如 2026-01-31T08:00:00+08:00。") from None
    if moment.tzinfo is None:
        raise ValidationError(f"{name} 须带时区，如 2026-01-31T08:00:00+08:00。")
    return moment


def _listed(name: str) -> list[str]:
    return [v.strip() for v in request.args.get(name, "").split(",") if v.strip()]


def _window(stmt: sa.Select) -> sa.Select:
    start, end = _moment("start_date"), _moment("end_date")
    if start is not None and end is not None and not timedelta(0) <= end - start <= WINDOW:
        raise ValidationError("start_date 至 end_date 须不早于开始且不超过 90 天。")
    if start is None and end is None:
        start = utcnow() - WINDOW
    if start is not None:
        stmt = stmt.where(Inquiry.received_at >= start)
    if end is not None:
        stmt = stmt.where(Inquiry.received_at <= end)
    return stmt


def _filters(stmt: sa.Select) -> sa.Select:
    if ids := _listed("service_request_id"):  # the spec: it overrides all other arguments
        valid = [v for v in ids if REPLY_NUMBER.fullmatch(v)][:MAX_IDS]
        return stmt.where(Inquiry.number.in_(valid))
    if codes := _listed("service_code"):
        stmt = stmt.where(Inquiry.type.in_([mapping.find_service(c) for c in codes]))
    statuses = _listed("status")
    if unknown := [s for s in statuses if s not in ("open", "closed")]:
        raise ValidationError(f"status 不认识“{unknown[0][:40]}”，可选：open、closed。")
    if set(statuses) == {"open"}:
        stmt = stmt.where(Inquiry.status != Status.CLOSED)
    elif set(statuses) == {"closed"}:
        stmt = stmt.where(Inquiry.status == Status.CLOSED)
    return _window(stmt)


@bp.get(f"/requests.{FMT}")
@limit("RATELIMIT_API_READ")
@georeport
def requests(response_format: str):
    stmt = _filters(operations.published()).order_by(Inquiry.received_at.desc(),
                                                   Inquiry.id.desc())
    items = [mapping.service_request(i) for i in operations.find_requests(stmt)]
    return formats.respond(response_format, "service_requests", "request", items)


@bp.get(f"/requests/<service_request_id>.{FMT}")
@limit("RATELIMIT_API_READ")
@georeport
def service_request(response_format: str, service_request_id: str):
    if not REPLY_NUMBER.fullmatch(service_request_id):
        raise NotFound(f"没有受理编号为“{service_request_id[:20]}”的留言。")
    api_key = request.args.get("api_key")
    item = operations.request_view(service_request_id, api_key)
    response = formats.respond(response_format, "service_requests", "request", [item])
    if api_key:
        response.headers["Cache-Control"] = "private, no-cache"
    return response


@bp.get(f"/tokens/<token>.{FMT}")
@limit("RATELIMIT_API_READ")
@georeport
def token(response_format: str, token: str):
    inquiry = operations.request_for_token(token)
    response = formats.respond(response_format, "service_requests", "request",
                               [{"service_request_id": inquiry.number, "token": token}])
    response.headers["Cache-Control"] = "private, no-cache"
    return response


@bp.post(f"/requests.{FMT}")
@limit_submissions("RATELIMIT_OPEN311_SUBMIT", "RATELIMIT_OPEN311_REFUSED", form=False)
@georeport
def create_request(response_format: str):
    receipt = operations.create_request(
        request.form.get("api_key"), request.form,
        request.headers.get("Idempotency-Key", "").strip()[:100])
    item = {"token": receipt.tracking_code, "service_notice": NOTICE, "account_id": None}
    return formats.respond(response_format, "service_requests", "request", [item],
                           200 if receipt.duplicate else 201)
