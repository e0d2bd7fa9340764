"""API keys for Open311 clients (the county 12345 hotline, a WeChat mini-program …).

Only the SHA-256 of a key is stored; the key itself is shown once when an admin issues it.
Keys are long random strings, so a plain hash is enough (nothing to brute-force).
"""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.auth.models import User
from portal.extensions import db
from portal.timeutil import UTCDateTime, utcnow


class ApiKey(db.Model):
    """One client's key. `prefix` is the visible start of the key, to tell keys apart."""

    __tablename__ = "open311_api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # Scopes the client's Idempotency-Keys: known to no client, not even this one.
    idempotency_secret: Mapped[str] = mapped_column(
        String(64), default=lambda: secrets.token_hex(32))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    revoked_by: Mapped[User | None] = relationship(foreign_keys=[revoked_by_id])

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    def __repr__(self) -> str:
        return f"<ApiKey {self.prefix} {self.name}>"
