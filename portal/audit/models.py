from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.timeutil import UTCDateTime, utcnow

GENESIS_HASH = "0" * 64


class AuditEvent(db.Model):
    """One thing that happened. Rows are never updated or deleted: triggers refuse it."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    actor_name: Mapped[str] = mapped_column(String(64), default="")
    action: Mapped[str] = mapped_column(String(64), index=True)
    object_type: Mapped[str] = mapped_column(String(40), default="")
    object_id: Mapped[str] = mapped_column(String(40), default="")
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)
    result: Mapped[str] = mapped_column(String(16), default="ok")
    message: Mapped[str] = mapped_column(String(500), default="")
    client_addr: Mapped[str] = mapped_column(String(64), default="")
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)

    def canonical_fields(self) -> dict:
        return canonical_fields({name: getattr(self, name) for name in HASHED_FIELDS})


HASHED_FIELDS = ("occurred_at", "actor_id", "actor_name", "action", "object_type",
                 "object_id", "before", "after", "result", "message", "client_addr",
                 "prev_hash")


def canonical_fields(values: Mapping) -> dict:
    """The fields the hash covers, in a form both engines round-trip exactly. Takes an
    event or a plain row, so the verifier can read rows without loading entities."""
    fields = {name: values[name] for name in HASHED_FIELDS}
    fields["occurred_at"] = values["occurred_at"].strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return fields


class AuditCheckpoint(db.Model):
    """Where the chain starts after a purge: the hash of the last event removed, so the
    first remaining event still links to something the verifier knows. Append-only too."""

    __tablename__ = "audit_checkpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_purged_id: Mapped[int]
    last_purged_hash: Mapped[str] = mapped_column(String(64))
    purged_count: Mapped[int]
    purged_before: Mapped[datetime] = mapped_column(UTCDateTime)
    actor_name: Mapped[str] = mapped_column(String(64), default="")


class RefusalTally(db.Model):
    """How often one source was refused for one reason in one ten-minute window."""

    __tablename__ = "refusal_tallies"
    __table_args__ = (UniqueConstraint("window_start", "source", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    window_start: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    source: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(64))
    count: Mapped[int] = mapped_column(default=1)
    first_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_path: Mapped[str] = mapped_column(String(200), default="")
    message: Mapped[str] = mapped_column(String(200), default="")
    # The audit event of the window's first refusal, if one was written. No foreign key:
    # purging old audit events must not depend on these statistics.
    audit_event_id: Mapped[int | None]
