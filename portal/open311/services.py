"""Open311 operations: reading requests, creating one for an API client, and answering a
token (wiki.open311.org/GeoReport_v2: GET Service Requests, GET Service Request, POST
Service Request, GET service_request_id from a token).

Anyone may read published requests. The client that filed a request may also read it
before publication, by sending its `api_key` with GET requests/{id}: which client filed a
request is in its `open311.request` audit event (kept for the audit log's retention). A
token is the resident's 查询码: whoever holds it may learn the 受理编号 it belongs to.
"""

from __future__ import annotations

import secrets

import sqlalchemy as sa

from portal import audit
from portal.audit.models import AuditEvent
from portal.errors import NotFound
from portal.extensions import db
from portal.inquiries import submission, tracking
from portal.inquiries.models import Inquiry
from portal.inquiries.queries import public_replies
from portal.open311 import keys, mapping
from portal.open311.models import ApiKey

MAX_RESULTS = 1000
FILED = "open311.request"


def published() -> sa.Select:
    """Requests the public may see: the public list of replies (`public_replies`)."""
    return public_replies()


def find_requests(stmt: sa.Select) -> list[Inquiry]:
    return list(db.session.scalars(stmt.limit(MAX_RESULTS)))


def find_request(number: str) -> Inquiry | None:
    return db.session.scalar(published().where(Inquiry.number == number))


def _filed_by(inquiry: Inquiry, client: ApiKey) -> bool:
    prefixes = db.session.scalars(sa.select(AuditEvent.after).where(
        AuditEvent.action == FILED, AuditEvent.object_id == str(inquiry.id)))
    return any((after or {}).get("key") == client.prefix for after in prefixes)


def request_view(number: str, api_key: str | None) -> dict:
    """The request with this 受理编号 as GeoReport fields: published ones for anyone; an
    unpublished one only for the client that filed it (status, type, dates, place).

    Raises NotFound for a number that is neither, and the key's authentication error (403)
    when an `api_key` is sent that is not valid."""
    inquiry = find_request(number)
    if inquiry is not None:
        return mapping.service_request(inquiry)
    if api_key:
        client = keys.authenticate(api_key)
        inquiry = db.session.scalar(sa.select(Inquiry).where(Inquiry.number == number,
                                                             Inquiry.channel == "open311"))
        db.session.commit()  # the key's last use
        if inquiry is not None and _filed_by(inquiry, client):
            return mapping.own_request(inquiry)
    raise NotFound(f"没有受理编号为“{number[:20]}”的公开留言。")


def request_for_token(token: str) -> Inquiry:
    """The inquiry a token (查询码) belongs to. Raises NotFound."""
    return submission.find_by_code(token)


def _material(client: ApiKey, idempotency_key: str) -> str:
    """The same Idempotency-Key from the same client is the same inquiry; no other client
    (and no web form) can name it, since it is scoped by the key's own secret."""
    if not idempotency_key:
        idempotency_key = f"auto:{secrets.token_hex(16)}"
    return tracking.api_material(client.id, client.idempotency_secret, idempotency_key)


def create_request(api_key: str | None, form, idempotency_key: str) -> submission.Receipt:
    """Create an inquiry for an API client (key issued by an admin). Raises the key's
    authentication error (403), NotFound for an unknown service_code, ValidationError
    listing the malformed fields, or Conflict when the Idempotency-Key was used before for
    other content."""
    client = keys.authenticate(api_key)
    data, place = mapping.inquiry_input(form)
    note = (f"地点未能对应到乡镇，先交{place.town.name}，如不属本单位请转办。"
            if place.guessed else "")
    receipt = submission.receive(data, _material(client, idempotency_key),
                                 submission.Intake(channel="open311", note=note))
    if not receipt.duplicate:
        audit.record(None, FILED, receipt.inquiry,
                     after={"client": client.name, "key": client.prefix,
                            "number": receipt.inquiry.number})
    db.session.commit()  # the audit event and the key's last use
    return receipt
