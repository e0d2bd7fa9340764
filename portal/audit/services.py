"""Recording and verifying the audit chain."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum

from flask import has_request_context, request
from flask_login import current_user
from sqlalchemy import select, text

from portal.audit.models import GENESIS_HASH, AuditEvent
from portal.errors import DomainError, PermissionDenied
from portal.extensions import db
from portal.timeutil import utcnow

# Arbitrary constant naming the PostgreSQL advisory lock that serializes the chain.
CHAIN_LOCK_KEY = 7_302_461


def _jsonable(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_jsonable(v) for v in value]
    return value


def compute_hash(event: AuditEvent) -> str:
    payload = json.dumps(event.canonical_fields(), sort_keys=True, ensure_ascii=False,
                         separators=(",", ":"))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _current_head() -> str:
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": CHAIN_LOCK_KEY})
    db.session.flush()
    head = db.session.scalar(select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1))
    return head or GENESIS_HASH


def _client_addr() -> str:
    return (request.remote_addr or "") if has_request_context() else "cli"


def _describe(obj) -> tuple[str, str]:
    if obj is None:
        return "", ""
    kind = getattr(obj, "__tablename__", type(obj).__name__)
    return kind, str(getattr(obj, "id", "") or "")


def record(actor, action: str, obj=None, *, before: dict | None = None,
           after: dict | None = None, result: str = "ok", message: str = "") -> AuditEvent:
    """Add an event to the current unit of work; the caller's commit makes it durable.

    `actor` may be None for system or anonymous actions. Never commits by itself.
    """
    object_type, object_id = _describe(obj)
    is_user = actor is not None and getattr(actor, "is_authenticated", False)
    event = AuditEvent(
        occurred_at=utcnow(),
        actor_id=actor.id if is_user else None,
        actor_name=actor.username if is_user else "",
        action=action,
        object_type=object_type,
        object_id=object_id,
        before=_jsonable(before),
        after=_jsonable(after),
        result=result,
        message=message[:500],
        client_addr=_client_addr(),
    )
    event.prev_hash = _current_head()
    event.hash = compute_hash(event)
    db.session.add(event)
    return event


def record_failure(error: DomainError) -> None:
    """Record a refused attempt in its own transaction (the work itself was rolled back)."""
    if not error.audited:
        return
    actor = error.actor if isinstance(error, PermissionDenied) and error.actor else None
    if actor is None and has_request_context() and current_user.is_authenticated:
        actor = current_user
    result = "denied" if isinstance(error, PermissionDenied) else "rejected"
    action = error.action or (request.endpoint if has_request_context() else "") or "unknown"
    record(actor, action, error.target, result=result, message=error.message)
    db.session.commit()


@dataclass(frozen=True)
class ChainVerdict:
    ok: bool
    count: int
    head: str
    first_bad_id: int | None = None
    reason: str = ""


def verify_chain(expect_head: str | None = None, batch: int = 2000) -> ChainVerdict:
    """Recompute every hash in id order; name the first event that does not fit.

    With `expect_head`, also fail when that earlier head is no longer in the chain
    (truncation or rewriting since it was exported).
    """
    previous = GENESIS_HASH
    count = 0
    seen_expected = expect_head is None
    last_id = 0
    while True:
        events = db.session.scalars(
            select(AuditEvent).where(AuditEvent.id > last_id).order_by(AuditEvent.id).limit(batch)
        ).all()
        if not events:
            break
        for event in events:
            if event.prev_hash != previous:
                return ChainVerdict(False, count, previous, event.id, "与前一条记录的链接断开")
            if compute_hash(event) != event.hash:
                return ChainVerdict(False, count, previous, event.id, "记录内容与哈希值不符")
            previous = event.hash
            seen_expected = seen_expected or event.hash == expect_head
            count += 1
            last_id = event.id
        db.session.expunge_all()
    if not seen_expected:
        return ChainVerdict(False, count, previous, None,
                            "找不到先前导出的链头，记录可能被截断或改写")
    return ChainVerdict(True, count, previous)


def head_hash() -> str:
    head = db.session.scalar(select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1))
    return head or GENESIS_HASH
