from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.auth.models import User
from portal.extensions import db
from portal.inquiries.models import Inquiry
from portal.organizations.models import Organization
from portal.timeutil import UTCDateTime, local_today, to_local, utcnow


class SupervisionState(enum.StrEnum):
    """Read from `answered_at`: a notice is open until its one answer."""

    OPEN = "open"
    ANSWERED = "answered"

    @property
    def label(self) -> str:
        return {"open": "待答复", "answered": "已答复"}[self.value]


class SupervisionNotice(db.Model):
    """督办: an inspector's written demand, with a date by which it must be answered.

    About an inquiry, or about a village's late or missing posting (`subject` then names
    the category and period)."""

    __tablename__ = "supervision_notices"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    inquiry_id: Mapped[int | None] = mapped_column(ForeignKey("inquiries.id"), index=True)
    subject: Mapped[str] = mapped_column(String(200))
    content: Mapped[str] = mapped_column(Text)
    answer_due_on: Mapped[date]
    issued_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    answer: Mapped[str] = mapped_column(Text, default="")
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    organization: Mapped[Organization] = relationship(lazy="joined")
    inquiry: Mapped[Inquiry | None] = relationship()
    issued_by: Mapped[User] = relationship(foreign_keys=[issued_by_id])
    answered_by: Mapped[User | None] = relationship(foreign_keys=[answered_by_id])

    @property
    def is_open(self) -> bool:
        return self.answered_at is None

    @property
    def state(self) -> SupervisionState:
        return SupervisionState.OPEN if self.answered_at is None else SupervisionState.ANSWERED

    @property
    def answered_on_time(self) -> bool | None:
        if self.answered_at is None:
            return None
        return to_local(self.answered_at).date() <= self.answer_due_on

    @property
    def is_overdue(self) -> bool:
        return self.answered_at is None and local_today() > self.answer_due_on
