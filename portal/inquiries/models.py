from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, ForeignKey, Index, Numeric, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.attachments.models import StoredFile
from portal.auth.models import User
from portal.db_types import str_enum
from portal.extensions import db
from portal.organizations.models import Organization
from portal.privacy import mask_reply
from portal.timeutil import UTCDateTime, utcnow


class InquiryType(enum.StrEnum):
    CONSULT = "consult"
    SUGGEST = "suggest"
    COMPLAINT = "complaint"
    HELP = "help"
    REPORT = "report"
    INFO_REQUEST = "info_request"
    OPINION = "opinion"

    @property
    def label(self) -> str:
        return TYPE_LABELS[self]

    @property
    def is_public(self) -> bool:
        """Residents submit these; 舆情 is logged by staff."""
        return self is not InquiryType.OPINION


TYPE_LABELS = {
    InquiryType.CONSULT: "咨询", InquiryType.SUGGEST: "建议", InquiryType.COMPLAINT: "投诉",
    InquiryType.HELP: "求助", InquiryType.REPORT: "举报",
    InquiryType.INFO_REQUEST: "依申请公开", InquiryType.OPINION: "舆情",
}


class Status(enum.StrEnum):
    RECEIVED = "received"  # 已受理，待签收
    SIGNED = "signed"  # 已签收
    PROCESSING = "processing"  # 办理中
    AWAITING_RESIDENT = "awaiting_resident"  # 待群众补正/补充
    CONSULTING = "consulting"  # 征求第三方意见
    AWAITING_FEE = "awaiting_fee"  # 待缴纳信息处理费（收费通知发出后）
    RETURNED = "returned"  # 已退回，待重新派单
    REPLIED = "replied"  # 已答复
    CLOSED = "closed"  # 已办结

    @property
    def label(self) -> str:
        return STATUS_LABELS[self]


STATUS_LABELS = {
    Status.RECEIVED: "已受理，待签收", Status.SIGNED: "已签收", Status.PROCESSING: "办理中",
    Status.AWAITING_RESIDENT: "待补正（等待群众）", Status.CONSULTING: "征求第三方意见中",
    Status.AWAITING_FEE: "待缴纳信息处理费",
    Status.RETURNED: "已退回，待重新派单", Status.REPLIED: "已答复", Status.CLOSED: "已办结",
}

# The clock runs while the government holds the ball; it stops while waiting on others,
# on a consulted third party for a capped time only (portal.inquiries.pauses).
OPEN_STATUSES = (Status.RECEIVED, Status.SIGNED, Status.PROCESSING, Status.AWAITING_RESIDENT,
                 Status.CONSULTING, Status.AWAITING_FEE, Status.RETURNED)
PAUSED_STATUSES = (Status.AWAITING_RESIDENT, Status.CONSULTING, Status.AWAITING_FEE)
RUNNING_STATUSES = (Status.RECEIVED, Status.SIGNED, Status.PROCESSING, Status.RETURNED)
# Whose reply deadline can pass: the running ones, and a consultation, whose pause is
# capped (条例第三十二条). Waiting on the resident never makes a case overdue.
CLOCKED_STATUSES = (*RUNNING_STATUSES, Status.CONSULTING)
ANSWERED_STATUSES = (Status.REPLIED, Status.CLOSED)


class Severity(enum.StrEnum):
    MAJOR = "major"  # 重大突发事件
    GENERAL = "general"

    @property
    def label(self) -> str:
        return "重大突发事件" if self is Severity.MAJOR else "一般舆情"


class Rating(enum.StrEnum):
    SATISFIED = "satisfied"
    BASICALLY = "basically"
    UNSATISFIED = "unsatisfied"

    @property
    def label(self) -> str:
        return {"satisfied": "满意", "basically": "基本满意", "unsatisfied": "不满意"}[self.value]


# Everything the inspector's yearly figures read, so they come from the index alone and
# never from the wide rows (portal.inspection.aggregates).
DASHBOARD_COLUMNS = ("organization_id", "received_at", "handler_id", "type", "status",
                     "signed_at", "replied_at", "signed_on_time", "replied_on_time",
                     "sign_due_at", "reply_due_at")
# What the live overdue and due-soon counts read, of the clocked orders only: a few
# percent of a year's orders, so the counts do not grow with the closed ones. A query uses
# the partial index only when it names the same statuses as literals (`CLOCKED_SQL`).
CLOCK_COLUMNS = ("organization_id", "received_at", "handler_id", "type", "status",
                 "sign_due_at", "reply_due_at")
CLOCKED_SQL = "status IN ({})".format(", ".join(f"'{s.value}'" for s in CLOCKED_STATUSES))


class Inquiry(db.Model):
    """One work order: a resident's message or application, or a logged 舆情 item."""

    __tablename__ = "inquiries"
    __table_args__ = (
        Index("ix_inquiries_org_status_due", "organization_id", "status", "reply_due_at"),
        Index("ix_inquiries_handler_status", "handler_id", "status"),
        Index("ix_inquiries_received", "received_at"),
        Index("ix_inquiries_org_received", "organization_id", "received_at"),
        Index("ix_inquiries_type_received", "type", "received_at"),
        Index("ix_inquiries_published_replies", "reply_published", "consent_publish",
              "replied_at", "id"),
        Index("ix_inquiries_dashboard", *DASHBOARD_COLUMNS),
        Index("ix_inquiries_clocked", *CLOCK_COLUMNS, sqlite_where=text(CLOCKED_SQL),
              postgresql_where=text(CLOCKED_SQL)),
        # On the reopened orders only: SQLite's statistics would count every original as
        # one key and never use the index (migration 0029).
        Index("ix_inquiries_reopened_from_id", "reopened_from_id",
              sqlite_where=text("reopened_from_id IS NOT NULL"),
              postgresql_where=text("reopened_from_id IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)  # 受理编号
    type: Mapped[InquiryType] = mapped_column(str_enum(InquiryType))
    status: Mapped[Status] = mapped_column(str_enum(Status), default=Status.RECEIVED)
    title: Mapped[str] = mapped_column(String(100))
    body: Mapped[str] = mapped_column(Text)
    contact_name: Mapped[str] = mapped_column(String(50), default="")
    contact_phone: Mapped[str] = mapped_column(String(30), default="")
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    village_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"))
    handler_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    consent_publish: Mapped[bool] = mapped_column(default=False)
    # active_history: portal.pagecache.tags judges the pages by what it was (see Disclosure).
    reply_published: Mapped[bool] = mapped_column(default=False, active_history=True)
    tracking_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    submission_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    # What was submitted under that key: a replay with other content is refused.
    submission_digest: Mapped[str | None] = mapped_column(String(64))

    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # How it came in (portal.inquiries.registration.Channel): online, open311, in person,
    # by post, fax or email; staff register the last four, with the legal date of receipt.
    channel: Mapped[str] = mapped_column(String(20), default="online", server_default="online")
    registered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    sign_days: Mapped[int] = mapped_column(default=1)
    reply_days: Mapped[int] = mapped_column(default=0)
    clock_start_on: Mapped[date]  # working days count from the day after this
    sign_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reply_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    due_provisional: Mapped[bool] = mapped_column(default=False)
    # The sign-for clock starts at receipt and again at each transfer or return.
    sign_clock_start_on: Mapped[date]
    paused_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Pauses as {"kind", "first", "last"} records of Beijing days (portal.inquiries.pauses),
    # recounted whenever the calendar changes. `paused_days` caches the working days of the
    # finished ones the deadline moves for.
    pauses: Mapped[list] = mapped_column(JSON, default=list)
    paused_days: Mapped[int] = mapped_column(default=0)
    extension_days: Mapped[int] = mapped_column(default=0)

    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    signed_on_time: Mapped[bool | None]
    replied_on_time: Mapped[bool | None]
    reply_text: Mapped[str] = mapped_column(Text, default="")
    reply_organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"))
    outcome: Mapped[str] = mapped_column(String(20), default="")  # 依申请公开 处理结果代码
    rating: Mapped[Rating | None] = mapped_column(str_enum(Rating))
    rated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reopened_count: Mapped[int] = mapped_column(default=0)
    # 重新办理 as a work order of its own: the original it handles again (its reply stays).
    # The annual report counts only originals (reopened_from_id IS NULL).
    reopened_from_id: Mapped[int | None] = mapped_column(ForeignKey("inquiries.id"))

    # The lengths the case was promised at receipt, so a later change to the SLA table
    # applies only to cases received after it (clocks.promised_lengths). None where a clock does
    # not apply: 舆情 is never extended; only 依申请公开 has the last three.
    extension_max_days: Mapped[int | None]
    correction_notice_days: Mapped[int | None]
    correction_period_days: Mapped[int | None]
    consultation_max_days: Mapped[int | None]

    # 依申请公开: 补正 must be asked for within 7 working days; the resident's answer is due
    # by the date the notice states.
    correction_request_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    correction_requested_on: Mapped[date | None]
    correction_days: Mapped[int | None]
    correction_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    organization: Mapped[Organization] = relationship(foreign_keys=[organization_id],
                                                      lazy="joined")
    village: Mapped[Organization | None] = relationship(foreign_keys=[village_id])
    reply_organization: Mapped[Organization | None] = relationship(
        foreign_keys=[reply_organization_id])
    handler: Mapped[User | None] = relationship(foreign_keys=[handler_id])
    registered_by: Mapped[User | None] = relationship(foreign_keys=[registered_by_id])
    events: Mapped[list[InquiryEvent]] = relationship(back_populates="inquiry",
                                                      order_by="InquiryEvent.id")
    application: Mapped[InfoApplication | None] = relationship(back_populates="inquiry",
                                                               uselist=False)
    opinion: Mapped[OpinionDetails | None] = relationship(back_populates="inquiry",
                                                          uselist=False)
    extensions: Mapped[list[ExtensionRequest]] = relationship(
        back_populates="inquiry", order_by="ExtensionRequest.id")
    fee_notices: Mapped[list[FeeNotice]] = relationship(back_populates="inquiry",
                                                        order_by="FeeNotice.id")
    reopened_from: Mapped[Inquiry | None] = relationship(
        remote_side="Inquiry.id", back_populates="reopenings", foreign_keys=[reopened_from_id])
    reopenings: Mapped[list[Inquiry]] = relationship(
        back_populates="reopened_from", order_by="Inquiry.id", foreign_keys=[reopened_from_id])

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_paused(self) -> bool:
        return self.status in PAUSED_STATUSES

    @property
    def public_events(self) -> list[InquiryEvent]:
        return [event for event in self.events if event.public]

    @property
    def pending_extension(self) -> ExtensionRequest | None:
        return next((e for e in self.extensions if e.approved is None), None)

    def public_text(self, text: str | None) -> str:
        """`text` as the public may read it on a published reply: ID, bank and phone
        numbers, the resident's own name and any address finer than the village masked."""
        names = [self.contact_name]
        if self.application is not None:
            names.append(self.application.legal_representative)
        return mask_reply(text or "", [name for name in names if name])

    def __repr__(self) -> str:
        return f"<Inquiry {self.number} {self.status}>"


class InquiryEvent(db.Model):
    """A step in the work order's timeline; `public` ones appear on the tracking page."""

    __tablename__ = "inquiry_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    inquiry_id: Mapped[int] = mapped_column(ForeignKey("inquiries.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(40))
    public: Mapped[bool] = mapped_column(default=True)
    message: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict | None] = mapped_column(JSON)

    inquiry: Mapped[Inquiry] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()


class InfoApplication(db.Model):
    """What 政府信息公开条例 第二十九条 asks of an application."""

    __tablename__ = "info_applications"

    id: Mapped[int] = mapped_column(primary_key=True)
    inquiry_id: Mapped[int] = mapped_column(ForeignKey("inquiries.id"), unique=True)
    applicant_kind: Mapped[str] = mapped_column(String(20))  # citizen / organization
    # For organizations, the annual report's columns: commercial, research, public_welfare,
    # legal_services, other.
    organization_type: Mapped[str] = mapped_column(String(20), default="")
    id_type: Mapped[str] = mapped_column(String(20), default="")
    id_number: Mapped[str] = mapped_column(String(40), default="")
    organization_code: Mapped[str] = mapped_column(String(18), default="")
    legal_representative: Mapped[str] = mapped_column(String(50), default="")
    address: Mapped[str] = mapped_column(String(200), default="")
    postal_code: Mapped[str] = mapped_column(String(6), default="")
    email: Mapped[str] = mapped_column(String(120), default="")
    description: Mapped[str] = mapped_column(Text)  # 所需信息的名称、文号或特征性描述
    delivery_form: Mapped[str] = mapped_column(String(20))  # 纸质 / 电子
    acquisition: Mapped[str] = mapped_column(String(20))  # 邮寄 / 电子邮件 / 自行领取 …

    inquiry: Mapped[Inquiry] = relationship(back_populates="application")


class OpinionDetails(db.Model):
    """A public-opinion item's source and its hour clocks (国办发〔2016〕61号)."""

    __tablename__ = "opinion_details"

    id: Mapped[int] = mapped_column(primary_key=True)
    inquiry_id: Mapped[int] = mapped_column(ForeignKey("inquiries.id"), unique=True)
    source: Mapped[str] = mapped_column(String(100))
    source_url: Mapped[str] = mapped_column(String(500), default="")
    severity: Mapped[Severity] = mapped_column(str_enum(Severity))
    authoritative_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    press_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    response_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    authoritative_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    press_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    response_disclosure_id: Mapped[int | None] = mapped_column(ForeignKey("disclosures.id"))

    inquiry: Mapped[Inquiry] = relationship(back_populates="opinion")


class ExtensionRequest(db.Model):
    """延期: asked for by the handler with a reason, decided by a named reviewer."""

    __tablename__ = "inquiry_extensions"

    id: Mapped[int] = mapped_column(primary_key=True)
    inquiry_id: Mapped[int] = mapped_column(ForeignKey("inquiries.id"), index=True)
    days: Mapped[int]
    reason: Mapped[str] = mapped_column(String(500))
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    approved: Mapped[bool | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_note: Mapped[str] = mapped_column(String(500), default="")

    inquiry: Mapped[Inquiry] = relationship(back_populates="extensions")
    requested_by: Mapped[User] = relationship(foreign_keys=[requested_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])


class FeeNotice(db.Model):
    """信息处理费 (国办函〔2020〕109号): the notice, the amount and how it was reckoned, the
    date by which to pay, and the payment or its absence."""

    __tablename__ = "inquiry_fee_notices"

    id: Mapped[int] = mapped_column(primary_key=True)
    inquiry_id: Mapped[int] = mapped_column(ForeignKey("inquiries.id"), index=True)
    method: Mapped[str] = mapped_column(String(12))  # per_item / per_volume
    quantity: Mapped[int]  # the application's place in the month, or the pages provided
    amount: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    issued_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    pay_due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    receipt_number: Mapped[str] = mapped_column(String(60), default="")
    lapsed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    inquiry: Mapped[Inquiry] = relationship(back_populates="fee_notices")


class ReplyAttachment(db.Model):
    """A file sent with a reply (the information provided to an applicant)."""

    __tablename__ = "inquiry_reply_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    inquiry_id: Mapped[int] = mapped_column(ForeignKey("inquiries.id"), index=True)
    stored_file_id: Mapped[int] = mapped_column(ForeignKey("stored_files.id"))

    file: Mapped[StoredFile] = relationship(lazy="joined")


class ReplyCorrection(db.Model):
    """更正 of a sent reply: the text before and after, why, by whom, when."""

    __tablename__ = "inquiry_reply_corrections"

    id: Mapped[int] = mapped_column(primary_key=True)
    inquiry_id: Mapped[int] = mapped_column(ForeignKey("inquiries.id"), index=True)
    corrected_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    corrected_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(String(500))
    previous_text: Mapped[str] = mapped_column(Text)
    new_text: Mapped[str] = mapped_column(Text)


class SlaPolicy(db.Model):
    """One clock of one inquiry type: "reply to 咨询 within 5 working days"."""

    __tablename__ = "sla_policies"
    __table_args__ = (UniqueConstraint("inquiry_type", "clock"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    inquiry_type: Mapped[InquiryType] = mapped_column(str_enum(InquiryType))
    clock: Mapped[str] = mapped_column(String(30))
    amount: Mapped[int]
    unit: Mapped[str] = mapped_column(String(12))  # working_days / hours
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ReplyTemplate(db.Model):
    __tablename__ = "reply_templates"

    id: Mapped[int] = mapped_column(primary_key=True)
    inquiry_type: Mapped[InquiryType] = mapped_column(str_enum(InquiryType))
    name: Mapped[str] = mapped_column(String(60))
    body: Mapped[str] = mapped_column(Text)


class InquirySequence(db.Model):
    """Last 受理编号 serial per year."""

    __tablename__ = "inquiry_sequences"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last_value: Mapped[int] = mapped_column(default=0)
