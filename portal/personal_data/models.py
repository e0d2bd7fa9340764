"""What a person cleared: a suspected number (a mistyped ID number, an account number that
fails Luhn) they checked and found not to be anyone's personal data."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.timeutil import UTCDateTime, utcnow


class PrivacyClearance(db.Model):
    """One suspected value in one record's text, cleared by a person. Only a keyed hash of
    the value is kept."""

    __tablename__ = "privacy_clearances"
    __table_args__ = (UniqueConstraint("object_type", "object_id", "value_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[int]
    value_hash: Mapped[str] = mapped_column(String(64))
    cleared_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    cleared_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
