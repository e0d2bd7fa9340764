"""The admin-maintained corrections to the working-day calendar."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import Date, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.timeutil import UTCDateTime, utcnow

if TYPE_CHECKING:
    from portal.auth.models import User

NOTE_MAX_LENGTH = 200


class CalendarOverride(db.Model):
    """One day declared a working day (调休上班) or a holiday, beating every other source."""

    __tablename__ = "calendar_overrides"

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date, unique=True)
    is_working_day: Mapped[bool]
    note: Mapped[str] = mapped_column(String(NOTE_MAX_LENGTH), default="")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Who set the current value, when an admin changed an existing override.
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])
    updated_by: Mapped[User | None] = relationship(foreign_keys=[updated_by_id])

    @property
    def kind_label(self) -> str:
        return "工作日" if self.is_working_day else "休息日"

    def snapshot(self) -> dict:
        """The fields an audit event's before/after records."""
        return {"day": self.day, "is_working_day": self.is_working_day, "note": self.note}

    def __repr__(self) -> str:
        return f"<CalendarOverride {self.day} {'work' if self.is_working_day else 'rest'}>"


class ConfirmedCalendarYear(db.Model):
    """A year whose holidays the State Council has announced and an admin has entered."""

    __tablename__ = "calendar_confirmed_years"

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(unique=True)
    note: Mapped[str] = mapped_column(String(NOTE_MAX_LENGTH), default="")
    confirmed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    confirmed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    confirmed_by: Mapped[User] = relationship()

    def snapshot(self) -> dict:
        return {"year": self.year, "note": self.note}

    def __repr__(self) -> str:
        return f"<ConfirmedCalendarYear {self.year}>"
