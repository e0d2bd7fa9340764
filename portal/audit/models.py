from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
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
        """The fields the hash covers, in a form both engines round-trip exactly."""
        return {
            "occurred_at": self.occurred_at.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "actor_id": self.actor_id,
            "actor_name": self.actor_name,
            "action": self.action,
            "object_type": self.object_type,
            "object_id": self.object_id,
            "before": self.before,
            "after": self.after,
            "result": self.result,
            "message": self.message,
            "client_addr": self.client_addr,
            "prev_hash": self.prev_hash,
        }
