from __future__ import annotations

import enum
from datetime import date, datetime, time, timedelta

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.auth.models import User
from portal.db_types import str_enum
from portal.disclosures.models import Disclosure
from portal.extensions import db
from portal.organizations.models import Organization
from portal.privacy import mask
from portal.timeutil import LOCAL_TZ, UTCDateTime, utcnow


class ConsultationStatus(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    CONCLUDED = "concluded"  # 征求意见结果已公布
    WITHDRAWN = "withdrawn"

    @property
    def label(self) -> str:
        return {"draft": "草稿", "published": "已发布", "concluded": "已公布结果",
                "withdrawn": "已撤回"}[self.value]


PUBLIC_STATUSES = (ConsultationStatus.PUBLISHED, ConsultationStatus.CONCLUDED)


class Phase(enum.StrEnum):
    """Where the comment window stands, from the dates alone."""

    UPCOMING = "upcoming"
    OPEN = "open"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return {"upcoming": "尚未开始", "open": "正在征求意见", "closed": "征求意见已结束"}[
            self.value]


class CommentStatus(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"

    @property
    def label(self) -> str:
        return {"pending": "待审核", "approved": "已公开", "rejected": "不予公开"}[self.value]


class Adoption(enum.StrEnum):
    ADOPTED = "adopted"
    PARTLY = "partly"
    NOT_ADOPTED = "not_adopted"

    @property
    def label(self) -> str:
        return {"adopted": "采纳", "partly": "部分采纳", "not_adopted": "未采纳"}[self.value]


def day_start(day: date) -> datetime:
    """00:00 Beijing time on `day`, as an aware datetime."""
    return datetime.combine(day, time.min, tzinfo=LOCAL_TZ)


class Consultation(db.Model):
    """A draft decision published for a comment window. The window runs in Beijing time
    from 00:00 on `opens_on` through 23:59:59 on `closes_on`."""

    __tablename__ = "consultations"
    __table_args__ = (Index("ix_consultations_public", "status", "closes_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")  # 起草说明
    draft_html: Mapped[str] = mapped_column(Text, default="")  # 征求意见稿
    how_to_participate: Mapped[str] = mapped_column(Text, default="")
    opens_on: Mapped[date]
    closes_on: Mapped[date]
    short_window_reason: Mapped[str] = mapped_column(String(500), default="")
    status: Mapped[ConsultationStatus] = mapped_column(str_enum(ConsultationStatus),
                                                       default=ConsultationStatus.DRAFT)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_reason: Mapped[str] = mapped_column(String(500), default="")
    # 意见采纳情况、合法性审查、集体讨论决定: recorded after the window, public once concluded.
    adoption_summary: Mapped[str] = mapped_column(Text, default="")
    legality_reviewer: Mapped[str] = mapped_column(String(100), default="")
    legality_reviewed_on: Mapped[date | None]
    legality_conclusion: Mapped[str] = mapped_column(String(1000), default="")
    discussion_meeting: Mapped[str] = mapped_column(String(100), default="")
    discussed_on: Mapped[date | None]
    concluded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    concluded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_id: Mapped[int | None] = mapped_column(ForeignKey("disclosures.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    organization: Mapped[Organization] = relationship(lazy="joined")
    author: Mapped[User] = relationship(foreign_keys=[author_id])
    published_by: Mapped[User | None] = relationship(foreign_keys=[published_by_id])
    concluded_by: Mapped[User | None] = relationship(foreign_keys=[concluded_by_id])
    decision: Mapped[Disclosure | None] = relationship()
    comments: Mapped[list[ConsultationComment]] = relationship(
        back_populates="consultation", order_by="ConsultationComment.id")

    @property
    def window_start(self) -> datetime:
        return day_start(self.opens_on)

    @property
    def window_end(self) -> datetime:
        """The first instant after the window: 00:00 Beijing the day after `closes_on`."""
        return day_start(self.closes_on + timedelta(days=1))

    def phase(self, now: datetime | None = None) -> Phase:
        now = now or utcnow()
        if now < self.window_start:
            return Phase.UPCOMING
        return Phase.OPEN if now < self.window_end else Phase.CLOSED

    @property
    def is_public(self) -> bool:
        return self.status in PUBLIC_STATUSES

    @property
    def approved_comments(self) -> list[ConsultationComment]:
        return [c for c in self.comments if c.status is CommentStatus.APPROVED]

    def comments_with(self, adoption: Adoption) -> list[ConsultationComment]:
        return [c for c in self.approved_comments if c.adoption is adoption]

    @property
    def pending_count(self) -> int:
        return sum(1 for c in self.comments if c.status is CommentStatus.PENDING)

    def __repr__(self) -> str:
        return f"<Consultation {self.id} {self.status}>"


class ConsultationComment(db.Model):
    """A resident's comment. Plain text; the contact is for staff only and never shown."""

    __tablename__ = "consultation_comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id"), index=True)
    body: Mapped[str] = mapped_column(Text)
    commenter_name: Mapped[str] = mapped_column(String(50), default="")
    contact: Mapped[str] = mapped_column(String(120), default="")
    status: Mapped[CommentStatus] = mapped_column(str_enum(CommentStatus),
                                                  default=CommentStatus.PENDING)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    submission_key: Mapped[str] = mapped_column(String(64), unique=True)
    submission_digest: Mapped[str | None] = mapped_column(String(64))
    moderated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    moderated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    moderation_reason: Mapped[str] = mapped_column(String(500), default="")
    adoption: Mapped[Adoption | None] = mapped_column(str_enum(Adoption))
    adoption_note: Mapped[str] = mapped_column(String(1000), default="")

    consultation: Mapped[Consultation] = relationship(back_populates="comments")
    moderated_by: Mapped[User | None] = relationship()

    @property
    def public_name(self) -> str:
        """The commenter as shown publicly: surname only (“王*”), or 网友."""
        name = self.commenter_name.strip()
        return name[0] + "*" * max(1, len(name) - 1) if name else "网友"

    @property
    def public_body(self) -> str:
        """The body with ID, mobile and bank-card numbers masked (个人信息保护法)."""
        return mask(self.body)
