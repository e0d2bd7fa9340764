"""Open311 operations: reading published requests and creating one for an API client."""

from __future__ import annotations

import secrets

import sqlalchemy as sa

from portal import audit
from portal.extensions import db
from portal.inquiries import submission, tracking
from portal.inquiries.models import ANSWERED_STATUSES, Inquiry
from portal.open311 import keys, mapping
from portal.open311.models import ApiKey

MAX_RESULTS = 1000


def published() -> sa.Select:
    """Requests the public may see: the same rule as the public list of replies."""
    return sa.select(Inquiry).where(Inquiry.reply_published.is_(True),
                                    Inquiry.consent_publish.is_(True),
                                    Inquiry.status.in_(ANSWERED_STATUSES))


def find_requests(stmt: sa.Select) -> list[Inquiry]:
    return list(db.session.scalars(stmt.limit(MAX_RESULTS)))


def find_request(number: str) -> Inquiry | None:
    return db.session.scalar(published().where(Inquiry.number == number))


def _material(client: ApiKey, idempotency_key: str) -> str:
    """The same Idempotency-Key from the same client is the same inquiry; no other client
    (and no web form) can name it, since it is scoped by the key's own secret."""
    if not idempotency_key:
        idempotency_key = f"auto:{secrets.token_hex(16)}"
    return tracking.api_material(client.id, client.idempotency_secret, idempotency_key)


def create_request(api_key: str | None, form, idempotency_key: str) -> submission.Receipt:
    """Create an inquiry for an API client (key issued by an admin). Raises the key's
    authentication error (401), ValidationError listing the malformed fields, or Conflict
    when the Idempotency-Key was used before for other content."""
    client = keys.authenticate(api_key)
    data = mapping.inquiry_input(form)
    receipt = submission.receive(data, _material(client, idempotency_key),
                                 submission.Intake(channel="open311"))
    if not receipt.duplicate:
        audit.record(None, "open311.request", receipt.inquiry,
                     after={"client": client.name, "key": client.prefix,
                            "number": receipt.inquiry.number})
    db.session.commit()  # the audit event and the key's last use
    return receipt
