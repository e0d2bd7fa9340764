"""The enforcement registers (国办发〔2018〕118号 行政执法公示制度).

事前公示: `EnforcementBody` (执法主体), its `EnforcementOfficer`s (执法人员, each with a
unique 执法证号: 持证上岗、亮证执法) and its `EnforcementMatter`s (执法事项 with their legal
basis). 事后公示: `EnforcementDecision`, a 行政许可, 行政处罚 or 行政强制 decision, public once
a reviewer publishes it, withdrawn when the decision is revoked.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.auth.models import User
from portal.db_types import str_enum
from portal.extensions import db
from portal.organizations.models import Organization
from portal.timeutil import UTCDateTime, local_today, to_local, utcnow


class BodyKind(enum.StrEnum):
    """执法主体资格."""

    STATUTORY = "statutory"
    AUTHORIZED = "authorized"
    ENTRUSTED = "entrusted"

    @property
    def label(self) -> str:
        return {"statutory": "法定行政机关", "authorized": "法律法规授权组织",
                "entrusted": "受委托组织"}[self.value]


class DecisionKind(enum.StrEnum):
    """The three kinds of decision table 二 counts (条例第二十条第（五）（六）项)."""

    LICENSING = "licensing"
    PENALTY = "penalty"
    COERCION = "coercion"

    @property
    def label(self) -> str:
        return {"licensing": "行政许可", "penalty": "行政处罚", "coercion": "行政强制"}[self.value]


class MatterKind(enum.StrEnum):
    LICENSING = "licensing"
    PENALTY = "penalty"
    COERCION = "coercion"
    INSPECTION = "inspection"
    OTHER = "other"

    @property
    def label(self) -> str:
        return {"licensing": "行政许可", "penalty": "行政处罚", "coercion": "行政强制",
                "inspection": "行政检查", "other": "其他"}[self.value]


class PartyKind(enum.StrEnum):
    """行政相对人类别, as the 双公示 templates name them."""

    NATURAL = "natural"
    LEGAL = "legal"
    SOLE_TRADER = "sole_trader"

    @property
    def label(self) -> str:
        return {"natural": "自然人", "legal": "法人及非法人组织",
                "sole_trader": "个体工商户"}[self.value]


class DecisionStatus(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    REVOKED = "revoked"

    @property
    def label(self) -> str:
        return {"draft": "待公示", "published": "已公示", "revoked": "已撤销"}[self.value]


class EnforcementBody(db.Model):
    """执法主体: an organ (or an organization authorised or entrusted by law) that enforces
    in the name of `organization`'s subtree."""

    __tablename__ = "enforcement_bodies"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[BodyKind] = mapped_column(str_enum(BodyKind))
    duties: Mapped[str] = mapped_column(Text, default="")  # 职责权限
    contact: Mapped[str] = mapped_column(String(200), default="")  # 办公地址和电话
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    organization: Mapped[Organization] = relationship(lazy="joined")
    officers: Mapped[list[EnforcementOfficer]] = relationship(
        back_populates="body", order_by="EnforcementOfficer.id")
    matters: Mapped[list[EnforcementMatter]] = relationship(
        back_populates="body", order_by="EnforcementMatter.id")


class EnforcementOfficer(db.Model):
    """执法人员: an officer holding a 行政执法证. The number is unique across the county."""

    __tablename__ = "enforcement_officers"

    id: Mapped[int] = mapped_column(primary_key=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("enforcement_bodies.id"), index=True)
    name: Mapped[str] = mapped_column(String(40))
    certificate_number: Mapped[str] = mapped_column(String(40), unique=True)  # 执法证号
    field: Mapped[str] = mapped_column(String(100), default="")  # 执法类别/区域
    valid_until: Mapped[date | None]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    body: Mapped[EnforcementBody] = relationship(back_populates="officers")

    @property
    def is_valid(self) -> bool:
        return self.valid_until is None or self.valid_until >= local_today()


class EnforcementMatter(db.Model):
    """执法事项: one matter on the body's list, with its legal basis."""

    __tablename__ = "enforcement_matters"

    id: Mapped[int] = mapped_column(primary_key=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("enforcement_bodies.id"), index=True)
    kind: Mapped[MatterKind] = mapped_column(str_enum(MatterKind))
    name: Mapped[str] = mapped_column(String(200))
    basis: Mapped[str] = mapped_column(Text)  # 实施依据
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    body: Mapped[EnforcementBody] = relationship(back_populates="matters")


class EnforcementDecision(db.Model):
    """A 行政许可, 行政处罚 or 行政强制 decision for 事后公示.

    `publish_due` is the 7th working day after `decided_on`; a decision published after it
    (or still unpublished past it) is late and listed for inspectors. The party's ID number
    is kept for the credit platform's staff export and never shown to the public whole."""

    __tablename__ = "enforcement_decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("enforcement_bodies.id"), index=True)
    kind: Mapped[DecisionKind] = mapped_column(str_enum(DecisionKind))
    status: Mapped[DecisionStatus] = mapped_column(str_enum(DecisionStatus), index=True)
    document_number: Mapped[str] = mapped_column(String(100))  # 决定文书号
    title: Mapped[str] = mapped_column(String(200))  # 决定文书名称 / 案件名称
    party_kind: Mapped[PartyKind] = mapped_column(str_enum(PartyKind))
    party_name: Mapped[str] = mapped_column(String(100))
    party_code: Mapped[str] = mapped_column(String(20), default="")  # 信用代码或身份证号
    legal_representative: Mapped[str] = mapped_column(String(40), default="")
    facts: Mapped[str] = mapped_column(Text, default="")  # 违法事实 / 许可事项
    basis: Mapped[str] = mapped_column(Text)  # 处罚依据 / 许可依据
    content: Mapped[str] = mapped_column(Text)  # 处罚内容 / 许可内容
    fine_amount: Mapped[Decimal | None] = mapped_column(Numeric(14, 4))  # 万元
    decided_on: Mapped[date]
    valid_from: Mapped[date | None]
    valid_until: Mapped[date | None]
    publish_due: Mapped[date]
    publish_due_provisional: Mapped[bool] = mapped_column(default=False)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoke_reason: Mapped[str] = mapped_column(Text, default="")
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    organization: Mapped[Organization] = relationship(lazy="joined")
    body: Mapped[EnforcementBody] = relationship(lazy="joined")
    author: Mapped[User] = relationship()

    @property
    def is_natural_person(self) -> bool:
        return self.party_kind is PartyKind.NATURAL

    @property
    def is_public(self) -> bool:
        return self.status is DecisionStatus.PUBLISHED

    @property
    def published_on(self) -> date | None:
        return to_local(self.published_at).date() if self.published_at else None

    @property
    def is_late(self) -> bool:
        """Published after the 7th working day, or not published and past it."""
        if self.published_at is not None:
            return self.published_on > self.publish_due
        return self.status is DecisionStatus.DRAFT and local_today() > self.publish_due

    @property
    def days_late(self) -> int:
        end = self.published_on or local_today()
        return max(0, (end - self.publish_due).days)
