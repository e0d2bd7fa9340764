from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.timeutil import UTCDateTime, utcnow


class StoredFile(db.Model):
    """A file on disk under a generated name; `display_name` keeps the original (Chinese)
    name for the download. Capabilities link to it from their own tables."""

    __tablename__ = "stored_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    storage_name: Mapped[str] = mapped_column(String(80), unique=True)
    display_name: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(10))  # pdf, ofd, doc, docx, xls, xlsx, jpg, png
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The personal-data scan's verdict (portal.attachments.privacy): unchecked, clean,
    # found, unreadable or confirmed; the places found (masked), and who confirmed.
    privacy_state: Mapped[str] = mapped_column(String(16), default="unchecked",
                                               server_default="unchecked",
                                               active_history=True)  # see Disclosure
    privacy_places: Mapped[list | None] = mapped_column(JSON)
    privacy_note: Mapped[str] = mapped_column(String(16), default="", server_default="")
    privacy_checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    privacy_confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    privacy_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
