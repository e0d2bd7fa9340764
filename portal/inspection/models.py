from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
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


class InquiryFigures(db.Model):
    """One work order's share of the inspector's figures, derived on every write
    (`portal.inspection.figures`): the group it falls in and its measured times. Kept so a
    change moves the totals by exactly the difference between its old and new share."""

    __tablename__ = "inquiry_figures"

    inquiry_id: Mapped[int] = mapped_column(
        ForeignKey("inquiries.id", ondelete="CASCADE"), primary_key=True, autoincrement=False)
    year: Mapped[int]  # of the Beijing day of receipt
    organization_id: Mapped[int]
    handler_id: Mapped[int]  # 0: not signed for
    type: Mapped[str] = mapped_column(String(20))
    month: Mapped[str] = mapped_column(String(7))  # "2026-03", Beijing time
    received_on: Mapped[date]
    replied_on: Mapped[date | None] = mapped_column(index=True)
    sign_tenths: Mapped[int | None]  # whole tenths of an hour from receipt to sign-for
    signed_on_time: Mapped[bool]
    reply_days: Mapped[int | None]  # working days from the day of receipt to the reply's
    replied_on_time: Mapped[bool]


class InquiryFigureTotals(db.Model):
    """The figures of one organization's work orders received in one year, in total or for
    one handler, type or month (`dimension`, `key`): counts, and how many took each
    sign-for time (whole tenths of an hour) and each reply time (working days), as JSON objects."""

    __tablename__ = "inquiry_figure_totals"
    __table_args__ = (UniqueConstraint("year", "organization_id", "dimension", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int]
    organization_id: Mapped[int]
    dimension: Mapped[str] = mapped_column(String(12))  # total, handler, type, month
    key: Mapped[str] = mapped_column(String(20))
    total: Mapped[int] = mapped_column(default=0)
    signed: Mapped[int] = mapped_column(default=0)
    signed_on_time: Mapped[int] = mapped_column(default=0)
    replied: Mapped[int] = mapped_column(default=0)
    replied_on_time: Mapped[int] = mapped_column(default=0)
    sign_tenths: Mapped[str] = mapped_column(Text, default="{}")
    reply_days: Mapped[str] = mapped_column(Text, default="{}")


class InquiryFigureState(db.Model):
    """Whether the totals cover every work order (one row). A database upgraded with work
    orders in it starts without them until `flask inspection figures rebuild`; until then
    the dashboard computes from the work orders themselves."""

    __tablename__ = "inquiry_figure_state"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    built: Mapped[bool] = mapped_column(default=False)
    built_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class InquiryOpenClock(db.Model):
    """One clocked work order's place in the live overdue / due-soon counts, derived on
    every write (`portal.inspection.open_counts`): the group it falls in, the instant it
    becomes overdue and its reply deadline. Kept so a change moves the counts by exactly
    the difference."""

    __tablename__ = "inquiry_open_clocks"

    inquiry_id: Mapped[int] = mapped_column(
        ForeignKey("inquiries.id", ondelete="CASCADE"), primary_key=True, autoincrement=False)
    organization_id: Mapped[int]
    handler_id: Mapped[int]  # 0: not signed for
    type: Mapped[str] = mapped_column(String(20))
    month: Mapped[str] = mapped_column(String(7))  # of receipt, Beijing time
    late_at: Mapped[datetime] = mapped_column(UTCDateTime)  # overdue once now passes it
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the reply deadline


class InquiryOpenCount(db.Model):
    """How many clocked work orders of one organization, handler, type and month of
    receipt become overdue at one instant with one reply deadline (`late_at` set), or at
    some instant of one Beijing month (`late_at` empty: the month's row, read once the
    month is over, when all of them are overdue whatever the instant)."""

    __tablename__ = "inquiry_open_counts"
    __table_args__ = (Index("ix_inquiry_open_counts_late_at_month", "late_at",
                            "month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int]
    handler_id: Mapped[int]
    type: Mapped[str] = mapped_column(String(20))
    month: Mapped[str] = mapped_column(String(7))
    late_month: Mapped[str] = mapped_column(String(7))  # of late_at, Beijing time
    late_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    count: Mapped[int] = mapped_column(default=0)
