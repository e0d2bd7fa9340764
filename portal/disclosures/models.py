from __future__ import annotations

import enum
import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint, and_, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.attachments.models import StoredFile
from portal.auth.models import User
from portal.catalogue.models import CatalogueEntry  # 公开目录
from portal.db_types import str_enum
from portal.extensions import db
from portal.organizations.models import Organization
from portal.timeutil import UTCDateTime, local_today, to_local, utcnow


class Category(enum.StrEnum):
    DECISION = "decision"
    EXECUTION = "execution"
    MANAGEMENT = "management"
    SERVICE = "service"
    RESULT = "result"

    @property
    def label(self) -> str:
        return CATEGORY_LABELS[self]


CATEGORY_LABELS = {
    Category.DECISION: "决策公开",
    Category.EXECUTION: "执行公开",
    Category.MANAGEMENT: "管理公开",
    Category.SERVICE: "服务公开",
    Category.RESULT: "结果公开",
}


class Status(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    FIRST_APPROVED = "first_approved"
    APPROVED = "approved"
    PUBLISHED = "published"
    WITHDRAWN = "withdrawn"
    SUPERSEDED = "superseded"

    @property
    def label(self) -> str:
        return STATUS_LABELS[self]


STATUS_LABELS = {
    Status.DRAFT: "草稿",
    Status.SUBMITTED: "待审核",
    Status.FIRST_APPROVED: "初审通过，待终审",
    Status.APPROVED: "审核通过，待发布",
    Status.PUBLISHED: "已发布",
    Status.WITHDRAWN: "已撤回",
    Status.SUPERSEDED: "已被替代",
}

PUBLIC_STATUSES = (Status.PUBLISHED, Status.SUPERSEDED)


class Mode(enum.StrEnum):
    PROACTIVE = "proactive"
    ON_REQUEST = "on_request"

    @property
    def label(self) -> str:
        return "主动公开" if self is Mode.PROACTIVE else "依申请公开"


class Validity(enum.StrEnum):
    VALID = "valid"
    EXPIRED = "expired"
    REPEALED = "repealed"

    @property
    def label(self) -> str:
        return {"valid": "有效", "expired": "失效", "repealed": "废止"}[self.value]


# 主题分类 as used on gov.cn's policy library, trimmed to what a township publishes.
TOPICS = (
    "综合政务", "国民经济管理、国有资产监管", "财政、金融、审计", "国土资源、能源",
    "农业、林业、水利", "工业、交通", "商贸、海关、旅游", "市场监管、安全生产监管",
    "城乡建设、环境保护", "科技、教育", "文化、广电、新闻出版", "卫生、体育",
    "人口与计划生育、妇女儿童工作", "劳动、人事、监察", "公安、安全、司法", "民政、扶贫、救灾",
    "民族、宗教", "其他",
)


class Disclosure(db.Model):
    """A document disclosed under one of the five categories, with gov.cn metadata."""

    __tablename__ = "disclosures"
    __table_args__ = (
        Index("ix_disclosures_public_listing", "status", "category", "published_at"),
        Index("ix_disclosures_org_status", "organization_id", "status"),
        Index("ix_disclosures_status_published", "status", "published_at", "id"),
        # Published and superseded together, newest first: the open API (migration 0030).
        Index("ix_disclosures_published_at", "published_at", "id"),
        # The inspector's late-disclosure list, answered from the index (migration 0028).
        Index("ix_disclosures_publish_due", "publish_due", "mode", "first_published_at",
              "status", "organization_id"),
        # On the documents that have the link only: SQLite's statistics would count every
        # document without one as the same key and never use the index (migration 0029).
        *(Index(f"ix_disclosures_{column}", column, sqlite_where=text(f"{column} IS NOT NULL"),
                postgresql_where=text(f"{column} IS NOT NULL"))
          for column in ("catalogue_entry_id", "supersedes_id")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # active_history: what a change moves from is always known, loaded first if need be
    # (portal.pagecache.tags judges the pages and the retraction by it).
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"),
                                                 active_history=True)
    category: Mapped[Category] = mapped_column(str_enum(Category), active_history=True)
    title: Mapped[str] = mapped_column(String(200))
    body_html: Mapped[str] = mapped_column(Text, default="")
    doc_number: Mapped[str] = mapped_column(String(100), default="")  # 发文字号
    written_on: Mapped[date | None]  # 成文日期
    formed_on: Mapped[date]  # 信息形成（变更）日期, starts the 20-working-day clock
    topic: Mapped[str] = mapped_column(String(40), default="综合政务")  # 主题分类
    keywords: Mapped[str] = mapped_column(String(200), default="")  # 主题词
    mode: Mapped[Mode] = mapped_column(str_enum(Mode), default=Mode.PROACTIVE)
    validity: Mapped[Validity] = mapped_column(str_enum(Validity), default=Validity.VALID)
    repealed_on: Mapped[date | None]  # 废止日期
    source: Mapped[str] = mapped_column(String(100), default="")  # 信息来源
    status: Mapped[Status] = mapped_column(str_enum(Status), default=Status.DRAFT,
                                           active_history=True)
    index_number: Mapped[str | None] = mapped_column(String(40), unique=True)  # 索引号
    publish_due: Mapped[date]
    publish_due_provisional: Mapped[bool] = mapped_column(default=False)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, active_history=True)
    first_published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("disclosures.id"),
                                                      active_history=True)
    withdrawn_reason: Mapped[str] = mapped_column(String(500), default="")
    version: Mapped[int] = mapped_column(default=1)
    # None for a document carried over from an earlier site (`flask disclosures import`).
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The 公开目录 entry the document is filed under (optional).
    catalogue_entry_id: Mapped[int | None] = mapped_column(ForeignKey("catalogue_entries.id"))

    organization: Mapped[Organization] = relationship(lazy="joined")
    author: Mapped[User | None] = relationship()
    catalogue_entry: Mapped[CatalogueEntry | None] = relationship()
    supersedes: Mapped[Disclosure | None] = relationship(remote_side=[id])
    attachments: Mapped[list[DisclosureAttachment]] = relationship(
        back_populates="disclosure", cascade="all, delete-orphan",
        order_by="DisclosureAttachment.position",
    )
    reviews: Mapped[list[DisclosureReview]] = relationship(
        back_populates="disclosure", order_by="DisclosureReview.id"
    )
    versions: Mapped[list[DisclosureVersion]] = relationship(
        back_populates="disclosure", order_by="DisclosureVersion.number"
    )
    revisions: Mapped[list[DisclosureRevision]] = relationship(
        back_populates="disclosure", order_by="DisclosureRevision.id"
    )
    pending_revision: Mapped[DisclosureRevision | None] = relationship(
        primaryjoin=lambda: and_(DisclosureRevision.disclosure_id == Disclosure.id,
                                 DisclosureRevision.status == RevisionStatus.PENDING),
        viewonly=True, uselist=False,
    )
    # 更正说明 of approved substantive revisions, oldest first, for the public page and API.
    corrections: Mapped[list[DisclosureRevision]] = relationship(
        primaryjoin=lambda: and_(DisclosureRevision.disclosure_id == Disclosure.id,
                                 DisclosureRevision.status == RevisionStatus.APPROVED,
                                 DisclosureRevision.substantive.is_(True)),
        order_by=lambda: (DisclosureRevision.decided_at, DisclosureRevision.id),
        viewonly=True,
    )

    @property
    def is_public(self) -> bool:
        return self.status in PUBLIC_STATUSES

    @property
    def has_publish_deadline(self) -> bool:
        """条例第二十六条's 20 working days bind 主动公开 only; information disclosed on
        request (依申请公开) is answered within the application's own period instead."""
        return self.mode is Mode.PROACTIVE

    @property
    def is_late(self) -> bool:
        """Published after its due date, or still unpublished past it. Once late, always
        late: withdrawing or superseding the document later does not change it."""
        if not self.has_publish_deadline:
            return False
        if self.first_published_at is not None:
            return to_local(self.first_published_at).date() > self.publish_due
        if self.status in (Status.WITHDRAWN,):
            return False
        return local_today() > self.publish_due

    @property
    def days_late(self) -> int:
        if not self.has_publish_deadline:
            return 0
        reference = (to_local(self.first_published_at).date() if self.first_published_at
                     else local_today())
        return max(0, (reference - self.publish_due).days)

    @property
    def publisher_name(self) -> str:
        return self.organization.publisher_name

    def __repr__(self) -> str:
        return f"<Disclosure {self.id} {self.status}>"


class DisclosureReview(db.Model):
    """One review decision: step 1 (初审) or 2 (终审), approve or return."""

    __tablename__ = "disclosure_reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    disclosure_id: Mapped[int] = mapped_column(ForeignKey("disclosures.id"), index=True)
    step: Mapped[int]
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    approved: Mapped[bool]
    comment: Mapped[str] = mapped_column(String(1000), default="")
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int]

    disclosure: Mapped[Disclosure] = relationship(back_populates="reviews")
    reviewer: Mapped[User] = relationship()


class DisclosureVersion(db.Model):
    """The state of a disclosure before an edit; kept so staff can see every revision."""

    __tablename__ = "disclosure_versions"
    __table_args__ = (UniqueConstraint("disclosure_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    disclosure_id: Mapped[int] = mapped_column(ForeignKey("disclosures.id"), index=True)
    number: Mapped[int]
    snapshot: Mapped[dict] = mapped_column(JSON)
    edited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    was_published: Mapped[bool] = mapped_column(default=False)

    disclosure: Mapped[Disclosure] = relationship(back_populates="versions")
    edited_by: Mapped[User | None] = relationship()


class RevisionStatus(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    RETURNED = "returned"
    DISCARDED = "discarded"

    @property
    def label(self) -> str:
        return REVISION_STATUS_LABELS[self]


REVISION_STATUS_LABELS = {
    RevisionStatus.PENDING: "修订待审核",
    RevisionStatus.APPROVED: "已审核生效",
    RevisionStatus.RETURNED: "已退回",
    RevisionStatus.DISCARDED: "已撤销",
}
# The fields a revision may change; the publishing organization stays.
REVISED_FIELDS = ("category", "title", "body_html", "formed_on", "written_on", "doc_number",
                  "topic", "keywords", "mode", "validity", "repealed_on", "source",
                  "catalogue_entry_id")


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


@dataclass(frozen=True)
class Proposal:
    """A revision's proposed state, read from the JSON it is kept in."""

    title: str
    body_html: str
    category: Category
    doc_number: str
    written_on: date | None
    formed_on: date
    topic: str
    keywords: str
    mode: Mode
    validity: Validity
    repealed_on: date | None
    source: str
    catalogue_entry_id: int | None
    attachment_ids: list[int]

    @classmethod
    def of(cls, state: dict) -> Proposal:
        return cls(
            title=state["title"], body_html=state["body_html"],
            category=Category(state["category"]), doc_number=state["doc_number"],
            written_on=_day(state["written_on"]), formed_on=_day(state["formed_on"]),
            topic=state["topic"], keywords=state["keywords"], mode=Mode(state["mode"]),
            validity=Validity(state["validity"]), repealed_on=_day(state["repealed_on"]),
            source=state["source"], catalogue_entry_id=state["catalogue_entry_id"],
            attachment_ids=list(state["attachment_ids"]),
        )

    def fields(self) -> dict:
        """The document's field values this proposal sets."""
        return {name: getattr(self, name) for name in REVISED_FIELDS}


class DisclosureRevision(db.Model):
    """A change to a published disclosure that waits for a reviewer other than its author
    (先审后发); until approved the document and everything public keep the approved state.
    At most one is pending per document (a partial unique index)."""

    __tablename__ = "disclosure_revisions"
    __table_args__ = (
        Index("uq_disclosure_revisions_one_pending", "disclosure_id", unique=True,
              sqlite_where=text("status = 'pending'"),
              postgresql_where=text("status = 'pending'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    disclosure_id: Mapped[int] = mapped_column(ForeignKey("disclosures.id"), index=True)
    status: Mapped[RevisionStatus] = mapped_column(str_enum(RevisionStatus),
                                                   default=RevisionStatus.PENDING)
    # content.snapshot's fields as proposed, plus "attachment_ids" in their order.
    proposed: Mapped[dict] = mapped_column(JSON, deferred=True)
    substantive: Mapped[bool] = mapped_column(default=False)  # 实质性修改
    correction_note: Mapped[str] = mapped_column(String(500), default="")  # 更正说明
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    edit_count: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    review_comment: Mapped[str] = mapped_column(String(1000), default="")

    disclosure: Mapped[Disclosure] = relationship(back_populates="revisions")
    author: Mapped[User] = relationship(foreign_keys=[author_id])
    reviewer: Mapped[User | None] = relationship(foreign_keys=[reviewer_id])

    @property
    def proposal(self) -> Proposal:
        return Proposal.of(self.proposed)

    @property
    def digest(self) -> str:
        """A fingerprint of what is proposed, so a reviewer approves what they saw."""
        content = {"proposed": self.proposed, "substantive": self.substantive,
                   "correction_note": self.correction_note}
        canonical = json.dumps(content, sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(canonical.encode()).hexdigest()[:32]


class DisclosureAttachment(db.Model):
    __tablename__ = "disclosure_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    disclosure_id: Mapped[int] = mapped_column(ForeignKey("disclosures.id"), index=True)
    stored_file_id: Mapped[int] = mapped_column(ForeignKey("stored_files.id"))
    position: Mapped[int] = mapped_column(default=0)

    disclosure: Mapped[Disclosure] = relationship(back_populates="attachments")
    file: Mapped[StoredFile] = relationship(lazy="joined")


class IndexSequence(db.Model):
    """Last 索引号 serial per credit code and year. Only ever incremented, so a number is
    never handed out twice, even after a withdrawal."""

    __tablename__ = "index_sequences"
    __table_args__ = (UniqueConstraint("prefix", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    prefix: Mapped[str] = mapped_column(String(18))
    year: Mapped[int]
    last_value: Mapped[int] = mapped_column(default=0)
