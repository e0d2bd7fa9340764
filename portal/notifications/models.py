"""The outbox: one row per message to one recipient on one channel.

A row is written in the same transaction as the event that causes it, so a rolled-back
event sends nothing and a committed one cannot be forgotten. `dedupe_key` makes a
reminder that several sweeps would produce exist once (a unique index). The worker moves
a row pending → sending (with a claim token and a lease) → sent, or back to pending with
the next try, or to dead after the last attempt (`portal.notifications.outbox`).
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.auth.models import User
from portal.db_types import str_enum
from portal.extensions import db
from portal.timeutil import UTCDateTime, utcnow


class Channel(enum.StrEnum):
    INAPP = "inapp"
    EMAIL = "email"
    SMS = "sms"

    @property
    def label(self) -> str:
        return {"inapp": "站内消息", "email": "电子邮件", "sms": "短信"}[self.value]


class State(enum.StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    DEAD = "dead"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return {"pending": "待发送", "sending": "发送中", "sent": "已发送",
                "dead": "发送失败（已停止重试）", "cancelled": "已取消"}[self.value]


class Notification(db.Model):
    """A message in the outbox. `address` is the email address or mobile number of a
    resident (staff are reached through `user`); it is never written to a log."""

    __tablename__ = "notifications"
    __table_args__ = (
        Index("ix_notifications_due", "state", "next_try_at"),
        Index("ix_notifications_inbox", "user_id", "channel", "read_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    kind: Mapped[str] = mapped_column(String(40))
    channel: Mapped[Channel] = mapped_column(str_enum(Channel))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    address: Mapped[str] = mapped_column(String(120), default="")
    inquiry_id: Mapped[int | None] = mapped_column(ForeignKey("inquiries.id"), index=True)
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    urgent: Mapped[bool] = mapped_column(default=False)  # 舆情: SMS also at night
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    state: Mapped[State] = mapped_column(str_enum(State), default=State.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    next_try_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claim_token: Mapped[str | None] = mapped_column(String(32))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str] = mapped_column(String(500), default="")
    # What was shown (in-app) or sent, rendered when it was sent; read_at for the 消息 centre.
    subject: Mapped[str] = mapped_column(String(200), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User | None] = relationship()

    @property
    def message_id(self) -> str:
        """The SMTP Message-ID: the same for every attempt of this row, so a duplicate
        caused by a retry is recognisable by the receiving side."""
        return f"<notification-{self.id}@portal.invalid>"


class TemplateOverride(db.Model):
    """An admin's wording of one kind of message on one channel (defaults in code)."""

    __tablename__ = "notification_templates"
    __table_args__ = (db.UniqueConstraint("kind", "channel"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    channel: Mapped[Channel] = mapped_column(str_enum(Channel))
    subject: Mapped[str] = mapped_column(String(200), default="")
    body: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class StaffPreference(db.Model):
    """The channels a member of staff wants for one kind (in-app is always on)."""

    __tablename__ = "notification_preferences"
    __table_args__ = (db.UniqueConstraint("user_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(40))
    email: Mapped[bool] = mapped_column(default=False)
    sms: Mapped[bool] = mapped_column(default=False)


class ResidentContact(db.Model):
    """A resident's opt-in for one inquiry: where to send, and whether they stopped it
    (by the link in each message, keyed by `stop_token`)."""

    __tablename__ = "notification_contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    inquiry_id: Mapped[int] = mapped_column(ForeignKey("inquiries.id"), unique=True)
    channel: Mapped[Channel] = mapped_column(str_enum(Channel))
    address: Mapped[str] = mapped_column(String(120))
    stop_token: Mapped[str] = mapped_column(String(64), unique=True)
    stopped_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class StaffAddress(db.Model):
    """Where a member of staff receives email and SMS, kept by the person themselves."""

    __tablename__ = "notification_staff_addresses"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), unique=True)
    email: Mapped[str] = mapped_column(String(120), default="")
    mobile: Mapped[str] = mapped_column(String(20), default="")
