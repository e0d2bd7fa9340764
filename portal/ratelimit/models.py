"""The table behind the rate-limit storage, declared so metadata (and Alembic) know it."""

from __future__ import annotations

from sqlalchemy import Float, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.ratelimit.storage import KEY_LENGTH


class RateLimitCounter(db.Model):
    """Hits by one client against one limit in the current window.

    Written only by `portal.ratelimit.storage.SQLStorage`, through its own engine and
    plain SQL; the application never loads or changes these rows through the ORM.
    """

    __tablename__ = "rate_limit_counters"

    key: Mapped[str] = mapped_column(String(KEY_LENGTH), primary_key=True)
    count: Mapped[int]
    # Seconds since the epoch, as `limits` counts time.
    expires_at: Mapped[float] = mapped_column(Float)

    def __repr__(self) -> str:
        return f"<RateLimitCounter {self.key} {self.count}>"
