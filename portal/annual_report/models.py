"""What the annual report keeps that the rest of the portal does not: the narrative and the
hand-entered figures of one organization's report for one year, its state (编制中 → 已定稿
→ 已报送) with the figures frozen at 定稿, and the administrative reconsideration and
litigation cases (行政复议、行政诉讼) about information disclosure."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.auth.models import User
from portal.db_types import str_enum
from portal.extensions import db
from portal.inquiries.models import Inquiry
from portal.organizations.models import Organization
from portal.timeutil import UTCDateTime, utcnow

NOTE_MAX_LENGTH = 500
REASON_MAX_LENGTH = 500


class ReportStatus(enum.StrEnum):
    DRAFT = "draft"  # 编制中: computed from today's data, editable
    FINALIZED = "finalized"  # 已定稿: frozen; an admin may still reopen it
    SUBMITTED = "submitted"  # 已报送: frozen for good

    @property
    def label(self) -> str:
        return {"draft": "编制中", "finalized": "已定稿", "submitted": "已报送"}[self.value]


class AnnualReport(db.Model):
    """The parts of one organization's report for one year that staff write: sections 一、五、
    六 and the 手工填报 figures of table 二 (a dict, see `figures.MANUAL_FIELDS`); and, from
    定稿 on, `frozen`: the whole report as filed (format in `portal.annual_report.frozen`),
    with its SHA-256 in `frozen_digest` and in the audit record of the 定稿."""

    __tablename__ = "annual_reports"
    __table_args__ = (UniqueConstraint("organization_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    year: Mapped[int]
    overview: Mapped[str] = mapped_column(Text, default="")  # 一、总体情况
    problems: Mapped[str] = mapped_column(Text, default="")  # 五、存在的主要问题及改进情况
    other_matters: Mapped[str] = mapped_column(Text, default="")  # 六、其他需要报告的事项
    figures: Mapped[dict] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    status: Mapped[ReportStatus] = mapped_column(str_enum(ReportStatus),
                                                 default=ReportStatus.DRAFT)
    frozen: Mapped[dict | None] = mapped_column(JSON)
    frozen_digest: Mapped[str | None] = mapped_column(String(64))
    finalized_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finalized_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    submitted_on: Mapped[date | None]  # 报送日期, as the reviewer states it
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # The last 退回修改 of a 定稿 (every one is in the audit log).
    reopened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reopened_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reopen_reason: Mapped[str] = mapped_column(String(REASON_MAX_LENGTH), default="")

    organization: Mapped[Organization] = relationship()
    updated_by: Mapped[User | None] = relationship(foreign_keys=[updated_by_id])
    finalized_by: Mapped[User | None] = relationship(foreign_keys=[finalized_by_id])
    submitted_by: Mapped[User | None] = relationship(foreign_keys=[submitted_by_id])
    reopened_by: Mapped[User | None] = relationship(foreign_keys=[reopened_by_id])

    @property
    def is_frozen(self) -> bool:
        return self.status is not ReportStatus.DRAFT

    def __repr__(self) -> str:
        return f"<AnnualReport {self.organization_id} {self.year}>"


class AppealKind(enum.StrEnum):
    REVIEW = "review"  # 行政复议
    LITIGATION_DIRECT = "litigation_direct"  # 行政诉讼·未经复议直接起诉
    LITIGATION_AFTER_REVIEW = "litigation_after_review"  # 行政诉讼·复议后起诉

    @property
    def label(self) -> str:
        return APPEAL_KIND_LABELS[self]


APPEAL_KIND_LABELS = {
    AppealKind.REVIEW: "行政复议",
    AppealKind.LITIGATION_DIRECT: "行政诉讼（未经复议直接起诉）",
    AppealKind.LITIGATION_AFTER_REVIEW: "行政诉讼（复议后起诉）",
}


class AppealResult(enum.StrEnum):
    UPHELD = "upheld"  # 结果维持
    CORRECTED = "corrected"  # 结果纠正
    OTHER = "other"  # 其他结果
    PENDING = "pending"  # 尚未审结

    @property
    def label(self) -> str:
        return APPEAL_RESULT_LABELS[self]


APPEAL_RESULT_LABELS = {
    AppealResult.UPHELD: "结果维持",
    AppealResult.CORRECTED: "结果纠正",
    AppealResult.OTHER: "其他结果",
    AppealResult.PENDING: "尚未审结",
}


class InfoAppeal(db.Model):
    """One 行政复议 or 行政诉讼 case about an organization's information disclosure, with the
    application it concerns when known. `decided_on` is empty while the case is pending."""

    __tablename__ = "info_appeals"
    __table_args__ = (Index("ix_info_appeals_org_filed", "organization_id", "filed_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    inquiry_id: Mapped[int | None] = mapped_column(ForeignKey("inquiries.id"))
    kind: Mapped[AppealKind] = mapped_column(str_enum(AppealKind, length=30))
    result: Mapped[AppealResult] = mapped_column(str_enum(AppealResult))
    filed_on: Mapped[date]
    decided_on: Mapped[date | None]
    note: Mapped[str] = mapped_column(String(NOTE_MAX_LENGTH), default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    organization: Mapped[Organization] = relationship()
    inquiry: Mapped[Inquiry | None] = relationship()
    recorded_by: Mapped[User | None] = relationship()

    def result_on(self, day: date) -> AppealResult:
        """The result as it stood at the end of `day`: 尚未审结 until it was decided."""
        if self.result is AppealResult.PENDING or self.decided_on is None \
                or self.decided_on > day:
            return AppealResult.PENDING
        return self.result

    def __repr__(self) -> str:
        return f"<InfoAppeal {self.kind} {self.result}>"
