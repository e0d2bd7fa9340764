"""Recording and verifying the audit chain."""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import Enum

from flask import current_app, has_request_context, request
from flask_login import current_user
from sqlalchemy import delete, func, select, text

from portal.audit.models import GENESIS_HASH, AuditCheckpoint, AuditEvent, canonical_fields
from portal.auth.models import Role
from portal.auth.permissions import require
from portal.errors import Conflict, DomainError, PermissionDenied, ValidationError
from portal.extensions import db
from portal.timeutil import utcnow

# The database refuses to delete younger events whatever the configuration says.
MINIMUM_RETENTION_DAYS = 185
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


def compute_hash(event) -> str:
    """SHA-256 of the canonical JSON of an event (an AuditEvent or a row mapping)."""
    fields = event.canonical_fields() if isinstance(event, AuditEvent) \
        else canonical_fields(event)
    payload = json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


_LOCK = text("SELECT pg_advisory_xact_lock(:k)")


def lock_chain() -> None:
    """Serialize appends to the chain and the tree (PostgreSQL; SQLite writers hold the
    database's write lock already)."""
    if db.engine.dialect.name == "postgresql":
        db.session.execute(_LOCK, {"k": CHAIN_LOCK_KEY})


@functools.cache
def _chain_end_statement():
    """Built once: every audited change runs it under the chain's lock."""
    from portal.transparency import log

    return select(
        select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1).scalar_subquery(),
        log.last_index())


def _chain_end() -> tuple[str, int]:
    """Under the chain's lock: the head's hash and the tree's size, in one statement."""
    lock_chain()
    db.session.flush()
    head, last = db.session.execute(_chain_end_statement()).one()
    return head or GENESIS_HASH, 0 if last is None else last + 1


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
    event.prev_hash, size = _chain_end()
    event.hash = compute_hash(event)
    from portal.transparency import log

    # The leaf first: its read of the left subtrees then finds nothing pending to flush
    # (`_chain_end` flushed what came before), and the event's row is written with the
    # leaf's at the next flush, the caller's commit at the latest.
    event.leaf_index = log.append(event.hash, size)
    db.session.add(event)
    return event


def record_failure(error: DomainError) -> None:
    """Record a refused attempt in its own transaction (the work itself was rolled back).
    A refusal of someone not signed in is counted rather than chained
    (`portal.audit.refusals`), so anonymous clients cannot flood the log."""
    if not error.audited:
        return
    actor = error.actor if isinstance(error, PermissionDenied) and error.actor else None
    if actor is None and has_request_context() and current_user.is_authenticated:
        actor = current_user
    result = "denied" if isinstance(error, PermissionDenied) else "rejected"
    action = error.action or (request.endpoint if has_request_context() else "") or "unknown"
    if actor is None and has_request_context():
        from portal.audit import refusals

        refusals.note(action, result, error.message, error.target)
        return
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

    The chain starts at GENESIS, or after the latest purge at the checkpoint that purge
    left. With `expect_head`, also fail when that earlier head is no longer in the chain
    (truncation or rewriting since it was exported). Reads plain rows in batches, so it
    neither fills nor disturbs the session.
    """
    checkpoint = db.session.scalar(select(AuditCheckpoint).order_by(
        AuditCheckpoint.id.desc()).limit(1))
    previous = checkpoint.last_purged_hash if checkpoint else GENESIS_HASH
    last_id = checkpoint.last_purged_id if checkpoint else 0
    count = 0
    seen_expected = expect_head is None or expect_head == previous
    table = AuditEvent.__table__
    while True:
        rows = db.session.execute(select(table).where(table.c.id > last_id)
                                  .order_by(table.c.id).limit(batch)).mappings().all()
        if not rows:
            break
        for row in rows:
            if row["prev_hash"] != previous:
                return ChainVerdict(False, count, previous, row["id"], "与前一条记录的链接断开")
            if compute_hash(row) != row["hash"]:
                return ChainVerdict(False, count, previous, row["id"], "记录内容与哈希值不符")
            previous = row["hash"]
            seen_expected = seen_expected or previous == expect_head
            count += 1
            last_id = row["id"]
    if not seen_expected:
        return ChainVerdict(False, count, previous, None,
                            "找不到先前导出的链头，记录可能被截断或改写")
    return ChainVerdict(True, count, previous)


def purge(actor, older_than_days: int) -> int:
    """Remove the oldest events, all older than `older_than_days` (never fewer than the
    retention period, AUDIT_RETENTION_DAYS ≥ 185), leaving a checkpoint so the rest of
    the chain still verifies. Refused on a broken chain, so a purge cannot hide tampering.
    Requires `admin` (on any organization, or the server's command line). Returns the
    number of events removed; the purge itself is recorded as an event."""
    require(actor, Role.ADMIN, None, action="audit.purge")
    retention = max(MINIMUM_RETENTION_DAYS, int(current_app.config["AUDIT_RETENTION_DAYS"]))
    if older_than_days < retention:
        raise ValidationError(f"审计记录至少保留 {retention} 天，不能清理更近的记录。")
    verdict = verify_chain()
    if not verdict.ok:
        raise Conflict(f"审计链异常（#{verdict.first_bad_id}：{verdict.reason}），不能清理。")
    cutoff = utcnow() - timedelta(days=older_than_days)
    first_kept = db.session.scalar(select(func.min(AuditEvent.id)).where(
        AuditEvent.occurred_at >= cutoff))
    bound = select(AuditEvent).where(AuditEvent.occurred_at < cutoff)
    if first_kept is not None:
        bound = bound.where(AuditEvent.id < first_kept)
    last = db.session.scalar(bound.order_by(AuditEvent.id.desc()).limit(1))
    if last is None:
        return 0
    count = db.session.scalar(select(func.count()).where(AuditEvent.id <= last.id))
    db.session.add(AuditCheckpoint(last_purged_id=last.id, last_purged_hash=last.hash,
                                   purged_count=count, purged_before=cutoff,
                                   actor_name=getattr(actor, "username", "")))
    db.session.execute(delete(AuditEvent).where(AuditEvent.id <= last.id))
    record(actor, "audit.purge", None, after={"purged": count, "through_id": last.id,
                                               "cutoff": cutoff})
    db.session.commit()
    return count


def head_hash() -> str:
    head = db.session.scalar(select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1))
    return head or GENESIS_HASH
