"""Open311 GeoReport v2 at /open311/v2/: services, requests (GET and POST) and one
request, as .json or .xml.

These are machine endpoints: CSRF does not apply (clients authenticate POSTs with an
`api_key`), rate limits do (RATELIMIT_API_READ, RATELIMIT_OPEN311_SUBMIT). Every refusal
is answered in GeoReport's error format; refusals worth it (bad keys) are audited.
"""

from __future__ import annotations

import functools
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import Blueprint, request
from werkzeug.exceptions import HTTPException

from portal.api.resources import REPLY_NUMBER
from portal.bodylimit import refusal
from portal.errors import HTTP_MESSAGES, DomainError, NotFound, ValidationError, note_refusal
from portal.extensions import csrf
from portal.inquiries.models import Inquiry, InquiryType, Status
from portal.open311 import formats, mapping
from portal.open311 import services as operations
from portal.ratelimit import limit
from portal.timeutil import utcnow

bp = Blueprint("open311", __name__, url_prefix="/open311/v2")
csrf.exempt(bp)

FMT = "<any(json, xml):response_format>"
DEFAULT_WINDOW_DAYS = 90
MAX_IDS = 50
NOTICE = "已受理。请将查询码（token）告知留言人，凭查询码可在门户网站查询办理进度。"


def georeport(view):
    """Answer domain errors in GeoReport's error format (after rollback and audit)."""

    @functools.wraps(view)
    def wrapper(response_format: str, **values):
        try:
            return view(response_format, **values)
        except DomainError as error:
            note_refusal(error)
            response = formats.errors(response_format, error.status,
                                      error.message.split("\n"))
            if error.status == 401:
                response.headers["WWW-Authenticate"] = 'api_key realm="open311"'
            return response

    return wrapper


@bp.errorhandler(HTTPException)
def http_error(error: HTTPException):
    """Limits (429), unknown methods (405) and the like, in GeoReport's error format too."""
    response_format = (request.view_args or {}).get("response_format", "json")
    _title, message = HTTP_MESSAGES.get(error.code or 500, HTTP_MESSAGES[500])
    if error.code == 413:
        message, _action = refusal(error)
    return formats.errors(response_format, error.code or 500, [message])


@bp.get(f"/services.{FMT}")
@limit("RATELIMIT_API_READ")
@georeport
def services(response_format: str):
    items = [mapping.service(kind) for kind in mapping.SERVICES]
    return formats.respond(response_format, "services", "service", items)


def _moment(name: str) -> datetime | None:
    value = request.args.get(name, "")
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ValidationError(f"{name} 应为 W3C 时间，如 2026-01-31T08:00:00+08:00。") from None
    if moment.tzinfo is None:
        raise ValidationError(f"{name} 须带时区，如 2026-01-31T08:00:00+08:00。")
    return moment


def _listed(name: str, allowed: set[str]) -> list[str]:
    values = [v.strip() for v in request.args.get(name, "").split(",") if v.strip()]
    unknown = [v for v in values if v not in allowed]
    if unknown:
        raise ValidationError(f"{name} 不认识“{unknown[0][:40]}”，可选："
                              + "、".join(sorted(allowed)))
    return values


def _filters(stmt: sa.Select) -> sa.Select:
    ids = [v.strip() for v in request.args.get("service_request_id", "").split(",") if v.strip()]
    if ids:  # GeoReport: other filters are ignored when ids are given
        valid = [v for v in ids if REPLY_NUMBER.fullmatch(v)][:MAX_IDS]
        return stmt.where(Inquiry.number.in_(valid))
    if codes := _listed("service_code", {k.value for k in mapping.SERVICES}):
        stmt = stmt.where(Inquiry.type.in_([InquiryType(c) for c in codes]))
    statuses = _listed("status", {"open", "closed"})
    if statuses == ["open"]:
        stmt = stmt.where(Inquiry.status != Status.CLOSED)
    elif statuses == ["closed"]:
        stmt = stmt.where(Inquiry.status == Status.CLOSED)
    start, end = _moment("start_date"), _moment("end_date")
    if start is None and end is None:
        start = utcnow() - timedelta(days=DEFAULT_WINDOW_DAYS)
    if start is not None:
        stmt = stmt.where(Inquiry.received_at >= start)
    if end is not None:
        stmt = stmt.where(Inquiry.received_at <= end)
    return stmt


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
    inquiry = operations.find_request(service_request_id) \
        if REPLY_NUMBER.fullmatch(service_request_id) else None
    if inquiry is None:
        raise NotFound(f"没有受理编号为“{service_request_id[:20]}”的公开留言。")
    return formats.respond(response_format, "service_requests", "request",
                           [mapping.service_request(inquiry)])


@bp.post(f"/requests.{FMT}")
@limit("RATELIMIT_OPEN311_SUBMIT")
@georeport
def create_request(response_format: str):
    receipt = operations.create_request(
        request.form.get("api_key"), request.form,
        request.headers.get("Idempotency-Key", "").strip()[:100])
    item = {"service_request_id": receipt.inquiry.number, "token": receipt.tracking_code,
            "service_notice": NOTICE, "account_id": None}
    return formats.respond(response_format, "service_requests", "request", [item],
                           200 if receipt.duplicate else 201)
