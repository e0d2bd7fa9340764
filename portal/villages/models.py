from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, ForeignKey, Index, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.attachments.models import StoredFile
from portal.auth.models import User
from portal.db_types import str_enum
from portal.extensions import db
from portal.organizations.models import Organization
from portal.timeutil import UTCDateTime, local_today, utcnow


class NoticeCategory(enum.StrEnum):
    PARTY = "party"
    VILLAGE = "village"
    FINANCE = "finance"
    LAND_COMPENSATION = "land_compensation"
    PROJECT = "project"
    RELIEF = "relief"
    HOMESTEAD = "homestead"
    COLLECTIVE_ASSETS = "collective_assets"
    ONE_MATTER = "one_matter"

    @property
    def label(self) -> str:
        return CATEGORY_LABELS[self]


CATEGORY_LABELS = {
    NoticeCategory.PARTY: "党务公开",
    NoticeCategory.VILLAGE: "村务公开",
    NoticeCategory.FINANCE: "财务公开",
    NoticeCategory.LAND_COMPENSATION: "征地补偿",
    NoticeCategory.PROJECT: "工程项目",
    NoticeCategory.RELIEF: "低保/救助",
    NoticeCategory.HOMESTEAD: "宅基地",
    NoticeCategory.COLLECTIVE_ASSETS: "集体资产",
    NoticeCategory.ONE_MATTER: "一事一议",
}


class NoticeStatus(enum.StrEnum):
    DRAFT = "draft"
    AWAITING_SIGNOFF = "awaiting_signoff"  # 待村务监督委员会签署
    AWAITING_APPROVAL = "awaiting_approval"  # 监委会已签署，待镇审核
    PUBLISHED = "published"
    WITHDRAWN = "withdrawn"

    @property
    def label(self) -> str:
        return {
            "draft": "草稿", "awaiting_signoff": "待监委会签署", "awaiting_approval": "待镇审核",
            "published": "已公开", "withdrawn": "已撤回",
        }[self.value]


class Frequency(enum.StrEnum):
    QUARTERLY = "quarterly"
    MONTHLY = "monthly"

    @property
    def label(self) -> str:
        return "每季度" if self is Frequency.QUARTERLY else "每月"


def window_state(start: date | None, end: date | None, today: date | None = None) -> str | None:
    """"公示中", "公示期满" or "公示未开始" for a notice with a 公示 window (start, end)."""
    if start is None or end is None:
        return None
    today = today or local_today()
    if today < start:
        return "公示未开始"
    return "公示中" if today <= end else "公示期满"


class VillageNotice(db.Model):
    """One notice on a village's board (公开栏), online and on paper."""

    __tablename__ = "village_notices"
    __table_args__ = (
        Index("ix_village_notices_board", "village_id", "status", "published_at"),
        Index("ix_village_notices_board_keyset", "village_id", "status", "published_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # active_history on what portal.pagecache.tags judges a change by (see Disclosure).
    village_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), active_history=True)
    category: Mapped[NoticeCategory] = mapped_column(str_enum(NoticeCategory))
    title: Mapped[str] = mapped_column(String(200))
    body_html: Mapped[str] = mapped_column(Text, default="")
    # The period the notice reports on (a quarter, a month); schedules count by it.
    period_start: Mapped[date]
    period_end: Mapped[date]
    is_major: Mapped[bool] = mapped_column(default=False)  # 重大事项：随时公开
    occurred_on: Mapped[date | None]  # when the major matter was decided or happened
    window_start: Mapped[date | None]  # 公示期
    window_end: Mapped[date | None]
    status: Mapped[NoticeStatus] = mapped_column(str_enum(NoticeStatus),
                                                 default=NoticeStatus.DRAFT, active_history=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    signed_off_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    signed_off_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    signoff_note: Mapped[str] = mapped_column(String(500), default="")
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_reason: Mapped[str] = mapped_column(String(500), default="")
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    village: Mapped[Organization] = relationship(lazy="joined")
    author: Mapped[User] = relationship(foreign_keys=[author_id])
    signed_off_by: Mapped[User | None] = relationship(foreign_keys=[signed_off_by_id])
    approved_by: Mapped[User | None] = relationship(foreign_keys=[approved_by_id])
    finance_table: Mapped[FinanceTable | None] = relationship(
        back_populates="notice", uselist=False, cascade="all, delete-orphan")
    versions: Mapped[list[NoticeVersion]] = relationship(
        back_populates="notice", order_by="NoticeVersion.number")
    attachments: Mapped[list[NoticeAttachment]] = relationship(
        back_populates="notice", cascade="all, delete-orphan",
        order_by="NoticeAttachment.position")

    def window_state(self, today: date | None = None) -> str | None:
        return window_state(self.window_start, self.window_end, today)

    @property
    def is_public(self) -> bool:
        return self.status is NoticeStatus.PUBLISHED


class NoticeVersion(db.Model):
    __tablename__ = "village_notice_versions"
    __table_args__ = (UniqueConstraint("notice_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("village_notices.id"), index=True)
    number: Mapped[int]
    snapshot: Mapped[dict] = mapped_column(JSON)
    edited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    notice: Mapped[VillageNotice] = relationship(back_populates="versions")
    edited_by: Mapped[User | None] = relationship()

    @property
    def status_label(self) -> str:
        """The state the notice was in, as people say it (待监委会签署, not awaiting_signoff)."""
        value = (self.snapshot or {}).get("status", "")
        return NoticeStatus(value).label if value in NoticeStatus._value2member_map_ else ""


class NoticeAttachment(db.Model):
    __tablename__ = "village_notice_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("village_notices.id"), index=True)
    stored_file_id: Mapped[int] = mapped_column(ForeignKey("stored_files.id"))
    position: Mapped[int] = mapped_column(default=0)

    notice: Mapped[VillageNotice] = relationship(back_populates="attachments")
    file: Mapped[StoredFile] = relationship(lazy="joined")


class FinanceTable(db.Model):
    """An income/expense statement imported from .xlsx or .csv, kept with its source."""

    __tablename__ = "finance_tables"

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("village_notices.id"), unique=True)
    source_file_id: Mapped[int] = mapped_column(ForeignKey("stored_files.id"))
    total_income: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    total_expense: Mapped[Decimal] = mapped_column(Numeric(14, 2))

    notice: Mapped[VillageNotice] = relationship(back_populates="finance_table")
    source_file: Mapped[StoredFile] = relationship(lazy="joined")
    rows: Mapped[list[FinanceRow]] = relationship(
        back_populates="table", cascade="all, delete-orphan", order_by="FinanceRow.position")


class FinanceRow(db.Model):
    __tablename__ = "finance_rows"

    id: Mapped[int] = mapped_column(primary_key=True)
    table_id: Mapped[int] = mapped_column(ForeignKey("finance_tables.id"), index=True)
    position: Mapped[int]
    entry_date: Mapped[date]
    item: Mapped[str] = mapped_column(String(200))
    income: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    expense: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    note: Mapped[str] = mapped_column(String(200), default="")

    table: Mapped[FinanceTable] = relationship(back_populates="rows")


class PostingRule(db.Model):
    """How often a village must post a category (村民委员会组织法第三十条)."""

    __tablename__ = "posting_rules"
    __table_args__ = (UniqueConstraint("village_id", "category"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    category: Mapped[NoticeCategory] = mapped_column(str_enum(NoticeCategory))
    frequency: Mapped[Frequency] = mapped_column(str_enum(Frequency))
    # Days after the period ends by which its posting is due.
    grace_days: Mapped[int] = mapped_column(default=10)
    active_from: Mapped[date]

    village: Mapped[Organization] = relationship()
