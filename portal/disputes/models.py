"""The 矛盾纠纷排查化解 ledger.

`DailyCheck`: one village's check of one day (日摸排), filed by its 网格员, a nil report
(零报告) when nothing was found. `Dispute`: one dispute found, with its type, its parties
(never shown outside the back office), the person responsible for it (专人跟进) and its
status: 排查 → 调解中 → 化解 or 上交 (`portal.disputes.lifecycle`).
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.auth.models import User
from portal.db_types import str_enum
from portal.extensions import db
from portal.organizations.models import Organization
from portal.timeutil import UTCDateTime, utcnow


class DisputeType(enum.StrEnum):
    """The kinds the town's report names (土地、宅基地、婚恋、人身损害) and the usual others."""

    LAND = "land"
    HOMESTEAD = "homestead"
    MARRIAGE = "marriage"
    INJURY = "injury"
    NEIGHBOUR = "neighbour"
    FAMILY = "family"
    LABOUR = "labour"
    DEBT = "debt"
    OTHER = "other"

    @property
    def label(self) -> str:
        return {"land": "土地纠纷", "homestead": "宅基地纠纷", "marriage": "婚恋家庭纠纷",
                "injury": "人身损害纠纷", "neighbour": "邻里纠纷", "family": "赡养继承纠纷",
                "labour": "劳资纠纷", "debt": "合同债务纠纷", "other": "其他纠纷"}[self.value]


class DisputeStatus(enum.StrEnum):
    SCREENING = "screening"
    MEDIATING = "mediating"
    RESOLVED = "resolved"
    ESCALATED = "escalated"

    @property
    def label(self) -> str:
        return {"screening": "排查", "mediating": "调解中", "resolved": "化解",
                "escalated": "上交"}[self.value]

    @property
    def is_open(self) -> bool:
        return self in (DisputeStatus.SCREENING, DisputeStatus.MEDIATING)


OPEN_STATUSES = (DisputeStatus.SCREENING, DisputeStatus.MEDIATING)


class DailyCheck(db.Model):
    """日摸排: a village's check of one day. `nil` is the 零报告 (no dispute found)."""

    __tablename__ = "dispute_checks"
    __table_args__ = (UniqueConstraint("village_id", "check_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    check_date: Mapped[date] = mapped_column(index=True)
    nil: Mapped[bool] = mapped_column(default=True)
    note: Mapped[str] = mapped_column(Text, default="")
    reporter_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    village: Mapped[Organization] = relationship(lazy="joined")
    reporter: Mapped[User] = relationship()

    @property
    def result_label(self) -> str:
        return "零报告（未发现矛盾纠纷）" if self.nil else "发现矛盾纠纷"


class Dispute(db.Model):
    """One dispute on the ledger. `parties` and `summary` stay in the back office; the
    public sees only counts (`portal.disputes.figures`)."""

    __tablename__ = "disputes"

    id: Mapped[int] = mapped_column(primary_key=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    type: Mapped[DisputeType] = mapped_column(str_enum(DisputeType), index=True)
    status: Mapped[DisputeStatus] = mapped_column(str_enum(DisputeStatus), index=True)
    parties: Mapped[str] = mapped_column(Text)  # 当事人 (private)
    summary: Mapped[str] = mapped_column(Text)  # 纠纷简要情况 (private)
    responsible: Mapped[str] = mapped_column(String(40))  # 化解责任人 (专人跟进)
    reported_on: Mapped[date] = mapped_column(index=True)  # 排查发现日期
    resolved_on: Mapped[date | None] = mapped_column(index=True)  # 化解 or 上交 date
    outcome: Mapped[str] = mapped_column(Text, default="")  # 化解结果 / 上交去向
    reporter_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    village: Mapped[Organization] = relationship(lazy="joined")
    reporter: Mapped[User] = relationship()

    @property
    def days_to_close(self) -> int | None:
        """Days from its discovery to its resolution (or hand-up)."""
        return None if self.resolved_on is None else (self.resolved_on - self.reported_on).days
